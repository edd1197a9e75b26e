//! Each claim fed numbers that support it and numbers that contradict it: the verdict must flip,
//! and the reason must follow the data.

use evidence::load::Load;
use evidence::record::Record;
use evidence::verdict::{Finding, Verdict};

use super::*;
use crate::measure::Plan;

fn setup(cpus: usize) -> Setup {
    Setup {
        quick: false,
        cpus,
        pinned: cpus == 1,
        logical: 2,
        physical: 2,
        plan: Plan::new(false, 3, 2, 0),
    }
}

/// Three runs of `key` around `median` (±1%).
fn timed(r: &mut Record, key: &str, median: f64) {
    for f in [0.99, 1.0, 1.01] {
        r.add(key, median * f);
    }
}

/// A quiet run with the given times: CPU-bound 1 s in one thread, then `cpu` (threads,
/// processes); I/O 2 s, then `io`; start + join in µs of a thread and a fork.
fn record(cpu: (f64, f64), io: (f64, f64), start: (f64, f64)) -> Record {
    let mut r = Record::default();
    timed(&mut r, "cpu.sequential", 1.0);
    timed(&mut r, "cpu.threads", cpu.0);
    timed(&mut r, "cpu.processes", cpu.1);
    timed(&mut r, "io.sequential", 2.0);
    timed(&mut r, "io.threads", io.0);
    timed(&mut r, "io.processes", io.1);
    timed(&mut r, "overhead.thread", start.0);
    timed(&mut r, "overhead.fork", start.1);
    timed(&mut r, "overhead.spawn", 1400.0);
    r.add("memory.thread_kib", 10.0);
    r.add("memory.process_kib", 150.0);
    for (key, fact) in [
        ("memory.thread_write", "seen"),
        ("memory.child_write", "not seen"),
        ("memory.shared_write", "seen"),
        ("crash.thread_error", "panic"),
        ("crash.thread_panic.main_lives", "yes"),
        ("crash.thread_panic.join", "Err(\"boom\")"),
        ("crash.thread_abort.ended", "signal SIGABRT"),
        ("crash.child_segv.ended", "signal SIGSEGV"),
        ("crash.child_segv.parent_lives", "yes"),
    ] {
        r.fact(key, fact);
    }
    quiet().record(&mut r);
    r
}

fn quiet() -> Load {
    Load {
        wall: 10.0,
        busy: 20.0,
        own: 19.5,
        cpus: 2.0,
    }
}

/// What the notes' table looks like on a 2-core machine, for Rust.
fn typical() -> Record {
    record((0.51, 0.5), (0.25, 0.3), (30.0, 360.0))
}

fn python(gil: &str, cpu: (f64, f64)) -> Record {
    let mut r = record(cpu, (0.25, 0.32), (80.0, 2000.0));
    r.fact("crash.thread_panic.join", "None");
    r.fact("crash.thread_error", "exception");
    r.fact("python.implementation", "CPython");
    r.fact("python.version", "3.13.0");
    r.fact("python.gil", gil);
    r
}

/// The finding of `language` whose claim starts with `claim`.
fn find(findings: &[Finding], claim: &str, language: &str) -> Finding {
    findings
        .iter()
        .find(|f| f.claim.starts_with(claim) && f.language == language)
        .unwrap_or_else(|| panic!("no {claim} for {language}: {findings:#?}"))
        .clone()
}

fn rust_finding(setup: &Setup, r: &Record, claim: &str) -> Finding {
    find(&findings(setup, r, None), claim, "Rust")
}

#[test]
fn cpu_bound_threads_at_one_x_beside_processes_at_two_x() {
    let f = rust_finding(
        &setup(2),
        &record((1.0, 0.5), (0.25, 0.3), (30.0, 360.0)),
        "Speed, CPU-bound",
    );
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(f.why.contains("threads ran one at a time"), "{f:?}");
    assert!(
        f.why.contains(
            "threads ran one at a time (1.00×): Rust has no GIL, so something else held them back"
        ),
        "{f:?}"
    );
    assert!(!f.why.contains("threads ran on all"), "{f:?}");

    let f = rust_finding(&setup(2), &typical(), "Speed, CPU-bound");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(
        f.why
            .starts_with("threads ran on all 2 CPUs at once (1.96×): Rust has no GIL;"),
        "{f:?}"
    );

    let f = rust_finding(
        &setup(2),
        &record((0.55, 0.5), (0.25, 0.3), (30.0, 360.0)),
        "Speed, CPU-bound",
    );
    assert_eq!(
        f.verdict,
        Verdict::CannotTell,
        "1.08–1.12×: across 1.1: {f:?}"
    );
}

#[test]
fn cpu_bound_names_the_gil_only_for_a_python_that_has_one() {
    let s = setup(2);
    let f = find(
        &findings(&s, &typical(), Some(&python("enabled", (0.98, 0.53)))),
        "Speed, CPU-bound",
        "Python",
    );
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(
        f.why
            .contains("threads ran one at a time (1.02×): CPython 3.13.0's GIL lets one thread"),
        "{f:?}"
    );

    let f = find(
        &findings(&s, &typical(), Some(&python("disabled", (0.52, 0.53)))),
        "Speed, CPU-bound",
        "Python",
    );
    assert_eq!(
        f.verdict,
        Verdict::DoesNotHold,
        "Python threads ≈ Python processes: {f:?}"
    );
    assert!(f.why.contains("runs without a GIL"), "{f:?}");
    assert!(!f.why.contains("lets one thread"), "{f:?}");
}

#[test]
fn one_cpu_with_the_same_workers_shows_no_overlap_for_cpu_work_but_overlap_for_waits() {
    let r = record((1.0, 1.02), (0.25, 0.3), (30.0, 360.0));
    let f = rust_finding(&setup(1), &r, "Speed, CPU-bound");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.starts_with("only one CPU"), "{f:?}");
    assert!(f.why.contains("threads 1.00×, processes 0.98×"), "{f:?}");
    // A speedup one CPU cannot give: the reason must not say that neither ran at once, and must
    // name the number.
    let fast = record((0.53, 1.02), (0.25, 0.3), (30.0, 360.0));
    let f = rust_finding(&setup(1), &fast, "Speed, CPU-bound");
    assert!(!f.why.contains("neither"), "{f:?}");
    assert!(
        f.why.contains("threads 1.89×") && f.why.contains("disturbed"),
        "{f:?}"
    );
    assert!(f.measured.contains("1 CPU for 2 workers"), "{f:?}");
    let f = rust_finding(&setup(1), &r, "Why Use Multithreading?");
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(f.measured.contains("on 1 CPU"), "{f:?}");
}

#[test]
fn io_bound_at_one_x_is_no_overlap() {
    let r = record((0.51, 0.5), (2.0, 2.0), (30.0, 360.0));
    let f = rust_finding(&setup(2), &r, "Why Use Multithreading?");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("one after another"), "{f:?}");
    assert!(!f.why.contains("waited at once"), "{f:?}");
    let f = rust_finding(&setup(2), &r, "Speed, I/O-bound");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    // Both at 1.00×: the reason says the waits ran one after another in both, not that they
    // overlapped.
    assert!(f.why.contains("processes took no longer"), "{f:?}");
    assert!(
        f.why.contains(
            "threads waited one after another (1.00×), processes waited one after another (1.00×)"
        ),
        "{f:?}"
    );
    assert!(!f.why.contains("overlapped"), "{f:?}");
    // Threads at 1.00× and processes at 6.67×: each named for what it did.
    let mixed = record((0.51, 0.5), (2.0, 0.3), (30.0, 360.0));
    let f = rust_finding(&setup(2), &mixed, "Speed, I/O-bound");
    assert!(
        f.why.contains(
            "threads waited one after another (1.00×), processes overlapped their waits (6.67×)"
        ),
        "{f:?}"
    );

    let f = rust_finding(&setup(2), &typical(), "Speed, I/O-bound");
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    // 40 waits of 50 ms over 8 workers: threads 5 rounds (250 ms); the pool's chunks of 2 make 20
    // chunks, 3 rounds of 2 waits (300 ms); 8 forks at 360 µs ≈ 3 ms.
    assert!(
        f.why
            .contains("2 at a time, so its busiest worker waits 300 ms against threads' 250 ms"),
        "{f:?}"
    );
    assert!(f.why.ends_with("most of it is the chunking"), "{f:?}");
    let f = rust_finding(&setup(2), &typical(), "Why Use Multithreading?");
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
}

#[test]
fn a_fork_cheaper_than_a_thread_is_not_high_overhead() {
    let f = rust_finding(
        &setup(2),
        &record((0.51, 0.5), (0.25, 0.3), (300.0, 200.0)),
        "Overhead, start",
    );
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("only"), "{f:?}");
    let f = rust_finding(
        &setup(2),
        &record((0.51, 0.5), (0.25, 0.3), (100.0, 200.0)),
        "Overhead, start",
    );
    assert_eq!(f.verdict, Verdict::CannotTell, "1.96–2.04×: {f:?}");
    let f = rust_finding(&setup(2), &typical(), "Overhead, start");
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(
        f.measured
            .starts_with("thread 30 µs; fork 360 µs (12× [12×–12×])")
            || f.measured.starts_with("thread 30 µs; fork 360 µs (12×"),
        "{f:?}"
    );
}

#[test]
fn memory_verdicts_follow_what_was_seen() {
    let s = setup(2);
    let mut r = typical();
    assert_eq!(
        rust_finding(&s, &r, "Memory, threading").verdict,
        Verdict::Holds
    );
    assert_eq!(
        rust_finding(&s, &r, "Memory, multiprocessing").verdict,
        Verdict::Holds
    );
    assert_eq!(
        rust_finding(&s, &r, "Overhead, in memory").verdict,
        Verdict::Holds
    );
    r.fact("memory.thread_write", "not seen");
    r.fact("memory.child_write", "seen");
    let f = rust_finding(&s, &r, "Memory, threading");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "a write not seen: {f:?}");
    assert!(f.why.contains("did not see"), "{f:?}");
    let f = rust_finding(&s, &r, "Memory, multiprocessing");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("saw the child's write"), "{f:?}");
    let mut r = typical();
    r = {
        let mut m = Record::default();
        m.add("memory.thread_kib", 100.0);
        m.add("memory.process_kib", 150.0);
        for key in ["memory.thread_write", "memory.child_write"] {
            m.fact(key, r.fact_or_dash(key));
        }
        m
    };
    let f = rust_finding(&s, &r, "Overhead, in memory");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
}

#[test]
fn crash_verdicts_follow_what_was_seen() {
    let s = setup(2);
    let mut r = typical();
    let f = rust_finding(&s, &r, "Crashes, threading");
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(
        f.why.contains(
            "a panic ends only its own thread, but an abort in any thread ends the whole process"
        ),
        "{f:?}"
    );
    r.fact("crash.thread_abort.ended", "exit 0");
    let f = rust_finding(&s, &r, "Crashes, threading");
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("main outlived"), "{f:?}");
    r.fact("crash.thread_panic.main_lives", "no");
    let f = rust_finding(&s, &r, "Crashes, threading");
    assert_eq!(
        f.verdict,
        Verdict::Holds,
        "a panic that took main down: {f:?}"
    );
    assert!(f.why.contains("took main down"), "{f:?}");

    assert_eq!(
        rust_finding(&s, &r, "Crashes, multiprocessing").verdict,
        Verdict::Holds
    );
    r.fact("crash.child_segv.parent_lives", "no");
    assert_eq!(
        rust_finding(&s, &r, "Crashes, multiprocessing").verdict,
        Verdict::DoesNotHold
    );
    r.fact("crash.child_segv.parent_lives", "yes");
    r.fact("crash.child_segv.ended", "exit 0");
    let f = rust_finding(&s, &r, "Crashes, multiprocessing");
    assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
}

#[test]
fn a_busy_machine_a_quick_run_or_one_run_cannot_tell_speed_but_still_states_facts() {
    let mut busy = typical();
    let load = Load {
        own: 10.0,
        ..quiet()
    };
    let mut fresh = Record::default();
    load.record(&mut fresh);
    for key in ["load.wall_s", "load.busy_s", "load.own_s", "load.cpus"] {
        // Replace the quiet load with a busy one.
        busy = replace(&busy, key, fresh.values(key)[0]);
    }
    let all = findings(&setup(2), &busy, None);
    for claim in [
        "Speed, CPU-bound",
        "Speed, I/O-bound",
        "Why Use",
        "Overhead, start",
    ] {
        let f = find(&all, claim, "Rust");
        assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
        assert!(f.why.contains("busy"), "{f:?}");
    }
    assert_eq!(
        find(&all, "Crashes, threading", "Rust").verdict,
        Verdict::Holds
    );

    let quick = Setup {
        quick: true,
        ..setup(2)
    };
    let f = find(
        &findings(&quick, &typical(), None),
        "Speed, CPU-bound",
        "Rust",
    );
    assert!(f.why.contains("--quick"), "{f:?}");

    let mut once = Record::default();
    for key in ["cpu.sequential", "cpu.threads", "cpu.processes"] {
        once.add(key, 1.0);
    }
    quiet().record(&mut once);
    let f = find(
        &findings(&setup(2), &once, None),
        "Speed, CPU-bound",
        "Rust",
    );
    assert!(f.why.contains("1 run"), "{f:?}");
}

/// A copy of `r` with the value of `key` replaced.
/// `r` with `key`'s values replaced by three runs around `value`, as [`timed`] records them.
fn replace(r: &Record, key: &str, value: f64) -> Record {
    r.with_values(key, &[value * 0.99, value, value * 1.01])
}

#[test]
fn every_verdict_cell_is_one_of_the_three_words() {
    let all = findings(
        &setup(2),
        &typical(),
        Some(&python("enabled", (0.98, 0.53))),
    );
    assert_eq!(all.len(), 24, "9 claims and 3 about tasks × 2 languages");
    let table = evidence::verdict::table(&all);
    for line in table.lines().skip(2) {
        let cells: Vec<&str> = line.split(" | ").collect();
        assert!(
            ["holds", "does not hold", "cannot tell"].contains(&cells[3]),
            "{line}"
        );
    }
}

#[test]
fn nothing_measured_cannot_tell_anything() {
    let all = findings(&setup(2), &Record::default(), None);
    assert_eq!(all.len(), 12);
    for f in all {
        assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
    }
}

/// The three task claims: `(thread KiB, task KiB)`, the tasks' I/O time (one thread: 2 s), and
/// `(thread µs, task µs)`.
fn with_tasks(memory: (f64, f64), io: f64, start: (f64, f64)) -> Record {
    let mut r = typical();
    r = replace(&r, "memory.thread_kib", memory.0);
    r.add("memory.task_kib", memory.1);
    timed(&mut r, "io.tasks", io);
    let r = replace(&r, "overhead.thread", start.0);
    let mut r = r;
    timed(&mut r, "overhead.task", start.1);
    r
}

#[test]
fn the_task_claims_follow_the_data_both_ways() {
    let s = setup(2);
    let light = with_tasks((10.0, 0.3), 0.26, (30.0, 1.5));
    for claim in [
        "Beyond the notes: memory per idle worker",
        "Beyond the notes: I/O-bound",
        "Beyond the notes: start + join",
    ] {
        let f = rust_finding(&s, &light, claim);
        assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    }
    let f = rust_finding(&s, &light, "Beyond the notes: I/O-bound");
    assert!(f.why.contains("waited at once on one thread"), "{f:?}");

    // Tasks as heavy as threads, waits one after another, a task dearer than a thread.
    let heavy = with_tasks((10.0, 12.0), 1.9, (30.0, 45.0));
    for claim in [
        "Beyond the notes: memory per idle worker",
        "Beyond the notes: I/O-bound",
        "Beyond the notes: start + join",
    ] {
        let f = rust_finding(&s, &heavy, claim);
        assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    }
    let f = rust_finding(&s, &heavy, "Beyond the notes: memory per idle worker");
    assert!(f.why.contains("as much memory"), "{f:?}");
    let f = rust_finding(&s, &heavy, "Beyond the notes: I/O-bound");
    assert!(f.why.contains("one after another"), "{f:?}");
    let f = rust_finding(&s, &heavy, "Beyond the notes: start + join");
    assert!(f.why.contains("a task cost 1.50× a thread"), "{f:?}");

    // A task too light to measure still gives a finite ratio.
    let f = rust_finding(
        &s,
        &with_tasks((10.0, 0.0), 0.26, (30.0, 1.5)),
        "Beyond the notes: memory per idle worker",
    );
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
}

#[test]
fn one_timing_recorded_once_withholds_the_speed_verdicts() {
    let r = record((0.51, 1.0), (0.25, 0.3), (30.0, 360.0));
    let once = r.with_values("io.processes", &r.values("io.processes")[..1]);
    let f = rust_finding(&setup(2), &once, "Speed, CPU-bound");
    assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
    assert!(f.why.contains("1 run of each timing"), "{f:?}");
}
