//! Each use case fed numbers that support the notes' pick and numbers that contradict it: the
//! verdict must flip, and every clause of the reason must come from its cause in the data.

use evidence::load::Load;
use evidence::record::Record;
use evidence::verdict::{Finding, Verdict};

use super::*;

fn setup() -> Setup {
    Setup {
        cpus: 2,
        repeat: 3,
        quick: false,
        io_workers: 8,
    }
}

/// Three runs of `key` around `median` (±1%).
fn timed(r: &mut Record, key: &str, median: f64) {
    for f in [0.99, 1.0, 1.01] {
        r.add(key, median * f);
    }
}

fn quiet(r: &mut Record) {
    Load {
        wall: 10.0,
        busy: 20.0,
        own: 19.5,
        cpus: 2.0,
    }
    .record(r);
}

const LABELS: [&str; 5] = [
    "File I/O (…)",
    "Web scraping (…)",
    "Image processing (…)",
    "Scientific computation (…)",
    "Responsiveness (…)",
];

/// One row's times (sequential, threads, processes), the bytes its pool copied, and what
/// starting 2 and 8 processes cost.
fn record(row: usize, times: [f64; 3], bytes: f64, start: f64) -> Record {
    let mut r = Record::default();
    for (i, label) in LABELS.iter().enumerate() {
        r.fact(format!("when.{i}.label"), *label);
    }
    for (t, seconds) in ["Sequential", "Threads", "Processes"].iter().zip(times) {
        timed(&mut r, &format!("when.{row}.{t}"), seconds);
    }
    r.add(format!("when.{row}.bytes"), bytes);
    r.add("start.processes.2", start);
    r.add("start.processes.8", start);
    quiet(&mut r);
    r
}

fn finding(row: usize, r: &Record) -> Finding {
    findings(&setup(), &[("Rust", r)])[row].clone()
}

#[test]
fn file_io_threads_hold_when_fastest_and_not_when_sequential_wins() {
    let f = finding(0, &record(0, [2.0, 0.5, 0.6], 20_000.0, 0.003));
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(f.claim.contains("File I/O → \"Multithreading\""), "{f:?}");
    assert!(!f.why.contains("copied"), "20 kB is not a cause: {f:?}");
    assert!(
        !f.why.contains("starting"),
        "0.5% of the time is not a cause: {f:?}"
    );

    let f = finding(0, &record(0, [0.01, 0.03, 0.05], 20_000.0, 0.004));
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.measured.contains("the time of sequential"), "{f:?}");
    assert!(
        f.why
            .contains("starting and stopping 8 processes took 4.00 ms (8% of their time)"),
        "{f:?}"
    );
}

#[test]
fn image_processing_names_copying_only_when_a_pool_copied_much() {
    // Rust: threads ≈ processes, both ≈ 2×: the notes' pick is within 10%: holds.
    let f = finding(2, &record(2, [0.8, 0.41, 0.43], 50.0 * 1048576.0, 0.001));
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(
        f.why
            .contains("threads ran on all 2 CPUs at once (1.95×): Rust has no GIL"),
        "{f:?}"
    );
    assert!(f.why.contains("copied 50 MiB"), "{f:?}");
    // Processes clearly slower than threads: does not hold.
    let f = finding(2, &record(2, [0.8, 0.41, 0.7], 50.0 * 1048576.0, 0.001));
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    // A straddling range: cannot tell.
    let f = finding(2, &record(2, [0.8, 0.41, 0.451], 0.0, 0.001));
    assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
}

#[test]
fn monte_carlo_has_no_data_so_no_sentence_about_copying_it() {
    let f = finding(3, &record(3, [2.0, 1.6, 1.0], 384.0, 0.002));
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(!f.why.contains("cop"), "{f:?}");
    assert!(!f.why.contains("data"), "{f:?}");
    assert!(f.why.contains("threads used 1.2 of 2 CPUs"), "{f:?}");
}

#[test]
fn pythons_gil_is_named_only_when_its_threads_ran_one_at_a_time() {
    let mut r = record(3, [2.0, 2.0, 1.05], 384.0, 0.002);
    r.fact("python.implementation", "CPython");
    r.fact("python.version", "3.12.1");
    r.fact("python.gil", "enabled");
    let f = findings(&setup(), &[("Python", &r)])[3].clone();
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    assert!(
        f.why
            .contains("threads ran one at a time (1.00×): CPython 3.12.1's GIL lets one thread"),
        "{f:?}"
    );
    let mut r = record(3, [2.0, 1.0, 1.05], 384.0, 0.002);
    r.fact("python.gil", "enabled");
    let f = findings(&setup(), &[("Python", &r)])[3].clone();
    assert!(!f.why.contains("GIL"), "threads at 2×: {f:?}");
}

#[test]
fn responsiveness_follows_the_pauses() {
    let f = finding(4, &record(4, [0.3, 0.01, f64::NAN], 0.0, 0.0));
    assert_eq!(f.verdict, Verdict::Holds, "{f:?}");
    let f = finding(4, &record(4, [0.3, 0.29, f64::NAN], 0.0, 0.0));
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("cut the longest pause 1.03×"), "{f:?}");
    // 315 ms inline, 610 ms with a worker: longer, never "as long".
    let f = finding(4, &record(4, [0.315, 0.610, f64::NAN], 0.0, 0.0));
    assert_eq!(f.verdict, Verdict::DoesNotHold, "{f:?}");
    assert!(f.why.contains("1.94× longer with a worker thread"), "{f:?}");
}

#[test]
fn a_busy_machine_cannot_tell() {
    let mut r = record(0, [2.0, 0.5, 0.6], 0.0, 0.0);
    Load {
        wall: 10.0,
        busy: 20.0,
        own: 12.0,
        cpus: 2.0,
    }
    .record(&mut r);
    // Two loads recorded: the median of each input is taken (busy 20, own 15.75: 21% foreign).
    let f = finding(0, &r);
    assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
    assert!(f.why.contains("busy"), "{f:?}");
}

#[test]
fn nothing_measured_cannot_tell_anything() {
    let all = findings(&setup(), &[("Rust", &Record::default())]);
    assert_eq!(
        all.len(),
        7,
        "five use cases and two many-connections claims"
    );
    for f in all {
        assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
    }
}

/// The many-connections row: `(thread per request, pool, async)` times and peak growths.
fn connections(times: [f64; 3], peaks: [f64; 3]) -> Record {
    let mut r = Record::default();
    r.add("conn.count", 10_000.0);
    r.add("conn.delay", 0.005);
    r.add("conn.pool", 8.0);
    for ((way, seconds), peak) in ["ThreadPerRequest", "Pool", "Async"]
        .iter()
        .zip(times)
        .zip(peaks)
    {
        timed(&mut r, &format!("conn.{way}"), seconds);
        timed(&mut r, &format!("conn.{way}.peak"), peak);
    }
    quiet(&mut r);
    r
}

fn connection_findings(r: &Record) -> (Finding, Finding) {
    let all = findings(&setup(), &[("Rust", r)]);
    (all[5].clone(), all[6].clone())
}

#[test]
fn async_tasks_hold_for_many_connections_only_when_the_data_says_so() {
    let (time, memory) = connection_findings(&connections([3.4, 7.0, 2.4], [90e6, 0.0, 4e6]));
    assert_eq!(time.verdict, Verdict::Holds, "{time:?}");
    assert!(time.why.contains("1250 turns of 5.00 ms"), "{time:?}");
    assert!(time.why.contains("all of them at once"), "{time:?}");
    assert_eq!(memory.verdict, Verdict::Holds, "{memory:?}");
    assert!(
        memory.why.contains("KiB per request with threads"),
        "{memory:?}"
    );

    // Tasks slower than the pool and heavier than the threads: both claims fail.
    let (time, memory) = connection_findings(&connections([3.4, 7.0, 9.0], [20e6, 0.0, 100e6]));
    assert_eq!(time.verdict, Verdict::DoesNotHold, "{time:?}");
    assert!(!time.why.contains("all of them at once"), "{time:?}");
    assert_eq!(memory.verdict, Verdict::DoesNotHold, "{memory:?}");

    // Within the edge: cannot tell.
    let (time, memory) = connection_findings(&connections([3.4, 7.0, 6.36], [4.4e6, 0.0, 4e6]));
    assert_eq!(time.verdict, Verdict::CannotTell, "{time:?}");
    assert_eq!(memory.verdict, Verdict::CannotTell, "{memory:?}");

    // A peak below a page counts as a page: the ratio stays finite and the rule still applies.
    let (_, memory) = connection_findings(&connections([3.4, 7.0, 2.4], [90e6, 0.0, 0.0]));
    assert_eq!(memory.verdict, Verdict::Holds, "{memory:?}");
    assert!(!memory.measured.contains("inf"), "{memory:?}");
}

#[test]
fn async_tasks_join_the_io_rows_as_another_technique() {
    let mut r = record(1, [1.0, 0.125, 0.13], 0.0, 0.0);
    timed(&mut r, "when.1.Async", 0.05);
    let f = finding(1, &r);
    assert_eq!(
        f.verdict,
        Verdict::DoesNotHold,
        "async tasks clearly faster: {f:?}"
    );
    assert!(
        f.measured.contains("async tasks, the fastest other"),
        "{f:?}"
    );
    assert!(f.why.contains("async tasks"), "{f:?}");
}

#[test]
fn one_timing_recorded_once_withholds_the_row() {
    // Sequential has its three runs; threads was recorded once: the row cannot be judged.
    let r = record(0, [2.0, 0.5, 0.6], 20_000.0, 0.003);
    let once = r.with_values("when.0.Threads", &r.values("when.0.Threads")[..1]);
    let f = finding(0, &once);
    assert_eq!(f.verdict, Verdict::CannotTell, "{f:?}");
    assert!(f.why.contains("1 run of each timing"), "{f:?}");
}
