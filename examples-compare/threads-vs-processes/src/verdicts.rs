//! The verdict on each of the notes' claims, for each language measured. Each claim has one
//! function; its rule is written beside it, and [`method`] prints the same thresholds.
//!
//! Speed and overhead claims use `evidence::verdict::exceeds` (the ratio's whole [min–max] range
//! against a threshold) and are `cannot tell` behind `evidence::verdict::speed_gate` (a --quick
//! run, too few runs, a busy machine). Memory and Crashes take their verdict from what the
//! demonstration observed. Every "why" is picked by the measured cause, never by the verdict.

use evidence::load::Load;
use evidence::record::{Record, Stats};
use evidence::verdict::{
    ALL_CPUS, Finding, MIN_RUNS, ONE_AT_A_TIME, Verdict, cpu_use, exceeds, speed_gate,
};

use evidence::show::{micros, seconds, times, times_range};

use crate::observed::{Setup, ending, speedup};

/// CPU-bound: processes beat threads when they finish more than 10% sooner.
pub const PROCESS_EDGE: f64 = 1.1;
/// I/O-bound: threads beat processes when they finish more than 10% sooner.
pub const THREAD_EDGE: f64 = 1.1;
/// Waits overlap in threads when the speedup over one thread is above 1.5×.
pub const OVERLAP: f64 = 1.5;
/// "Overhead: High": starting (and joining) a process costs more than 2× a thread.
pub const START_EDGE: f64 = 2.0;
/// An idle process costs more than 2× the memory of an idle thread.
pub const MEMORY_EDGE: f64 = 2.0;

/// Every claim, and under it every language measured.
pub fn findings(setup: &Setup, rust: &Record, python: Option<&Record>) -> Vec<Finding> {
    let languages: Vec<(&'static str, &Record)> = std::iter::once(("Rust", rust))
        .chain(python.map(|p| ("Python", p)))
        .collect();
    type Claim = fn(&Setup, &'static str, &Record) -> Finding;
    let claims: [(Claim, bool); 8] = [
        (memory_shared, false),
        (memory_separate, false),
        (memory_cost, false),
        (cpu_bound, true),
        (io_bound, true),
        (io_overlap, true),
        (crash_threads, false),
        (crash_processes, false),
    ];
    let beyond: [(Claim, bool); 3] = [(task_memory, false), (task_io, true), (task_start, true)];
    let mut out = Vec::new();
    let every = claims
        .into_iter()
        .chain([(start_cost as Claim, true)])
        .chain(beyond);
    for (claim, timed) in every {
        for &(language, r) in &languages {
            let finding = claim(setup, language, r);
            out.push(if timed {
                finding.gated(gate(setup, r).as_ref())
            } else {
                finding
            });
        }
    }
    out
}

/// The timings a speed or overhead verdict is drawn from; each must have been run often enough.
const TIMINGS: [&str; 11] = [
    "cpu.sequential",
    "cpu.threads",
    "cpu.processes",
    "io.sequential",
    "io.threads",
    "io.processes",
    "io.tasks",
    "overhead.thread",
    "overhead.task",
    "overhead.fork",
    "overhead.spawn",
];

/// Why a language's timings cannot be judged, if they cannot: the fewest runs of any timing it
/// recorded counts, so one timing recorded once withholds the verdicts.
fn gate(setup: &Setup, r: &Record) -> Option<String> {
    let runs = TIMINGS
        .iter()
        .filter_map(|key| r.stats(key))
        .map(|s| s.runs)
        .min()
        .unwrap_or(0);
    speed_gate(setup.quick, runs, Load::from_record(r).as_ref())
}

/// "Memory: Shared" holds when main saw the thread's write.
fn memory_shared(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Memory, threading: \"Shared\"";
    let Some(seen) = r.get_fact("memory.thread_write") else {
        return Finding::not_measured(CLAIM, language);
    };
    let yes = seen == "seen";
    let why = if yes {
        "threads of one process share its memory"
    } else {
        "main did not see what the thread wrote"
    };
    Finding::new(
        CLAIM,
        language,
        format!("a thread's write: {seen} by main"),
        Verdict::from_observation(yes),
        why.into(),
    )
}

/// "Memory: Separate" holds when the parent did not see the child's write to a plain variable.
fn memory_separate(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Memory, multiprocessing: \"Separate\"";
    let (Some(plain), Some(shared)) = (
        r.get_fact("memory.child_write"),
        r.get_fact("memory.shared_write"),
    ) else {
        return Finding::not_measured(CLAIM, language);
    };
    let separate = plain == "not seen";
    let why = match (separate, shared == "seen") {
        (true, true) => "the child wrote its own copy; only memory made shared crosses",
        (true, false) => "the child wrote its own copy, and even the shared value's write was lost",
        (false, _) => "the parent saw the child's write to a plain variable",
    };
    let measured = format!("a child's plain write: {plain}; through a shared value: {shared}");
    Finding::new(
        CLAIM,
        language,
        measured,
        Verdict::from_observation(separate),
        why.into(),
    )
}

/// "Overhead: High", in memory: an idle process's private memory over an idle thread's added
/// resident memory, against [`MEMORY_EDGE`] (one measurement; a thread under 1 KiB counts as 1).
fn memory_cost(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str =
        "Overhead, in memory per idle worker: threading \"Low\", multiprocessing \"High\"";
    let (Some(thread), Some(process)) =
        (r.stats("memory.thread_kib"), r.stats("memory.process_kib"))
    else {
        return Finding::not_measured(CLAIM, language);
    };
    let ratio = process.ratio(at_least(thread, 1.0));
    let verdict = exceeds(ratio, MEMORY_EDGE);
    let measured = format!(
        "{:.0} KiB a thread, {:.0} KiB a process",
        thread.median, process.median
    );
    let why = format!(
        "an idle process holds {} the private memory an idle thread adds",
        times(ratio.median)
    );
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// "Speed, CPU-bound: threading slower due to GIL, multiprocessing faster": processes' speedup
/// over threads' must clear [`PROCESS_EDGE`]. The why names how much of the free CPUs each used,
/// and the GIL only for a build that has one.
fn cpu_bound(setup: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str =
        "Speed, CPU-bound: threading \"Slower due to GIL\", multiprocessing \"Faster\"";
    let (Some(t), Some(p), Some(tt), Some(pt)) = (
        speedup(r, "cpu", "threads"),
        speedup(r, "cpu", "processes"),
        r.stats("cpu.threads"),
        r.stats("cpu.processes"),
    ) else {
        return Finding::not_measured(CLAIM, language);
    };
    let usable = setup.cpus.min(setup.plan.cpu_workers);
    let verdict = exceeds(tt.ratio(pt), PROCESS_EDGE);
    let measured = format!(
        "speedup: threads {}, processes {}; {usable} CPU{} for {} workers",
        times_range(t),
        times_range(p),
        if usable == 1 { "" } else { "s" },
        setup.plan.cpu_workers
    );
    let serialised = usable > 1 && t.median < ONE_AT_A_TIME;
    let parallel = usable > 1 && t.median >= ALL_CPUS * usable as f64;
    let python = evidence::twin::python_name(r);
    let cause = match (language, r.get_fact("python.gil")) {
        ("Rust", _) if parallel => ": Rust has no GIL".to_owned(),
        ("Rust", _) if serialised => ": Rust has no GIL, so something else held them back".into(),
        (_, Some("enabled")) if serialised => {
            format!(": {python}'s GIL lets one thread run Python code at a time")
        }
        (_, Some("disabled")) if parallel => format!(": {python} runs without a GIL"),
        _ => String::new(),
    };
    let why = if usable <= 1 {
        one_cpu_why(t.median, p.median)
    } else {
        format!(
            "threads {}{cause}; processes {}",
            cpu_use(t.median, usable),
            cpu_use(p.median, usable)
        )
    };
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// CPU-bound work on one CPU, in words chosen by [`ONE_AT_A_TIME`]: below it for both, neither
/// could compute at once; at or above it for either, one CPU cannot explain the speedup, and the
/// sentence says so and names the number.
fn one_cpu_why(threads: f64, processes: f64) -> String {
    let both = format!("threads {}, processes {}", times(threads), times(processes));
    if threads < ONE_AT_A_TIME && processes < ONE_AT_A_TIME {
        format!("only one CPU, so neither could compute at once: {both} one worker's speed")
    } else {
        format!(
            "one CPU cannot run CPU-bound work faster than one worker, yet {both}: the one-worker time was disturbed, or the work was not CPU-bound"
        )
    }
}

/// How waits went, in words chosen by [`ONE_AT_A_TIME`]: a speedup at or above it overlapped them,
/// one below it did not.
fn overlap(speedup: f64) -> String {
    if speedup >= ONE_AT_A_TIME {
        format!("overlapped their waits ({})", times(speedup))
    } else {
        format!("waited one after another ({})", times(speedup))
    }
}

/// "Speed, I/O-bound: threading faster, multiprocessing slower": threads' speedup over processes'
/// must clear [`THREAD_EDGE`]. The why weighs the two costs processes add, both computed: the
/// pool's chunking (Python's rule, `ceil(items / (4 × workers))` a chunk) and starting the workers.
fn io_bound(setup: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Speed, I/O-bound: threading \"Faster\", multiprocessing \"Slower\"";
    let (Some(t), Some(p), Some(tt), Some(pt)) = (
        speedup(r, "io", "threads"),
        speedup(r, "io", "processes"),
        r.stats("io.threads"),
        r.stats("io.processes"),
    ) else {
        return Finding::not_measured(CLAIM, language);
    };
    let verdict = exceeds(pt.ratio(tt), THREAD_EDGE);
    let measured = format!(
        "speedup: threads {}, processes {}",
        times_range(t),
        times_range(p)
    );
    let (n, w) = (setup.plan.io_waits, setup.plan.io_workers);
    let wait = setup.plan.io_wait.as_secs_f64();
    let chunk = n.div_ceil(4 * w);
    let threads_floor = n.div_ceil(w) as f64 * wait;
    let pool_floor = n.div_ceil(chunk).div_ceil(w) as f64 * (chunk as f64) * wait;
    let start = r
        .median("overhead.fork")
        .map_or(0.0, |us| us * w as f64 / 1e6);
    let gap = pt.median - tt.median;
    let why = if gap <= 0.0 {
        format!(
            "processes took no longer ({} against threads' {}): threads {}, processes {}",
            seconds(pt.median),
            seconds(tt.median),
            overlap(t.median),
            overlap(p.median)
        )
    } else {
        let chunking = pool_floor - threads_floor;
        let main = if chunking >= start {
            "the chunking"
        } else {
            "the start"
        };
        format!(
            "processes took {} longer; the pool hands out the waits {chunk} at a time, so its busiest worker waits {} against threads' {}, and starting {w} processes costs ≈ {}: most of it is {main}",
            seconds(gap),
            seconds(pool_floor),
            seconds(threads_floor),
            seconds(start)
        )
    };
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// "Why Use Multithreading?: I/O-bound tasks … concurrently without using multiple cores": the
/// threads' speedup on the waits must clear [`OVERLAP`]; on one CPU too.
fn io_overlap(setup: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str =
        "Why Use Multithreading?: \"Handle I/O-bound tasks\", \"without using multiple cores\"";
    let Some(t) = speedup(r, "io", "threads") else {
        return Finding::not_measured(CLAIM, language);
    };
    let verdict = exceeds(t, OVERLAP);
    let best = setup.plan.io_workers.min(setup.plan.io_waits);
    let cpus = setup.cpus;
    let measured = format!(
        "threads {} over one thread (at most {best}×), on {cpus} CPU{}",
        times_range(t),
        if cpus == 1 { "" } else { "s" }
    );
    let why = if t.median >= OVERLAP {
        format!("up to {best} threads waited at once; a waiting thread needs no CPU")
    } else {
        "the waits ran almost one after another".to_owned()
    };
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// "Crashes: threading can crash main thread": holds when a failing thread took the whole
/// process down (a panic or exception that reached main, or an abort in a thread).
fn crash_threads(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Crashes, threading: \"Can crash main thread\"";
    let (Some(lives), Some(abort)) = (
        r.get_fact("crash.thread_panic.main_lives"),
        r.get_fact("crash.thread_abort.ended"),
    ) else {
        return Finding::not_measured(CLAIM, language);
    };
    let error = r.fact_or_dash("crash.thread_error");
    let panic_killed = lives != "yes";
    let abort_killed = abort.starts_with("signal ");
    let measured = format!(
        "{} in a thread: main {}; an abort in a thread: the process {}",
        with_article(error),
        if panic_killed { "died" } else { "lived" },
        ending(abort)
    );
    let why = match (panic_killed, abort_killed) {
        (true, _) => format!("the {error} in a thread took main down"),
        (false, true) => format!(
            "{} ends only its own thread, but an abort in any thread ends the whole process",
            with_article(error)
        ),
        (false, false) => format!(
            "main outlived both {} and an abort in a thread",
            with_article(error)
        ),
    };
    Finding::new(
        CLAIM,
        language,
        measured,
        Verdict::from_observation(panic_killed || abort_killed),
        why,
    )
}

/// "Crashes: multiprocessing isolated crash": holds when a child crashed (ended by a signal) and
/// the parent lived on; cannot tell when the child did not crash.
fn crash_processes(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Crashes, multiprocessing: \"Isolated crash\"";
    let (Some(ended), Some(lives)) = (
        r.get_fact("crash.child_segv.ended"),
        r.get_fact("crash.child_segv.parent_lives"),
    ) else {
        return Finding::not_measured(CLAIM, language);
    };
    let measured = format!(
        "a child {}; the parent {}",
        ending(ended),
        if lives == "yes" { "lived" } else { "died" }
    );
    let (verdict, why) = match (ended.strip_prefix("signal "), lives == "yes") {
        (Some(signal), true) => (
            Verdict::Holds,
            format!(
                "the child's {signal} ended only the child; the parent read how from its exit status"
            ),
        ),
        (_, false) => (
            Verdict::DoesNotHold,
            "the child's crash took the parent down".to_owned(),
        ),
        (None, true) => (
            Verdict::CannotTell,
            "the child did not crash, so nothing was isolated".to_owned(),
        ),
    };
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// "Overhead: threading low, multiprocessing high": a fork's start + join over a thread's must
/// clear [`START_EDGE`] (fork is the cheapest start method; spawn is shown beside it).
fn start_cost(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Overhead, start + join: threading \"Low\", multiprocessing \"High\"";
    let (Some(thread), Some(fork)) = (r.stats("overhead.thread"), r.stats("overhead.fork")) else {
        return Finding::not_measured(CLAIM, language);
    };
    let ratio = fork.ratio(thread);
    let verdict = exceeds(ratio, START_EDGE);
    let spawn = r.stats("overhead.spawn").map_or(String::new(), |s| {
        format!(
            ", spawn {} ({})",
            micros(s.median),
            times(s.ratio(thread).median)
        )
    });
    let measured = format!(
        "thread {}; fork {} ({}){spawn}",
        micros(thread.median),
        micros(fork.median),
        times_range(ratio)
    );
    let why = if ratio.median > START_EDGE {
        format!(
            "even fork, the cheapest start, costs {} a thread",
            times(ratio.median)
        )
    } else {
        format!("a fork cost only {} a thread here", times(ratio.median))
    };
    Finding::new(CLAIM, language, measured, verdict, why)
}

/// Beyond the notes, "an idle async task is lighter than an idle thread": a thread's added
/// resident memory over a task's must clear [`MEMORY_EDGE`] (one measurement; a task under
/// 0.01 KiB counts as 0.01 KiB, so that the ratio stays finite).
fn task_memory(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str =
        "Beyond the notes: memory per idle worker, an async task is lighter than a thread";
    let (Some(thread), Some(task)) = (r.stats("memory.thread_kib"), r.stats("memory.task_kib"))
    else {
        return Finding::not_measured(CLAIM, language);
    };
    let ratio = thread.ratio(at_least(task, 0.01));
    let measured = format!(
        "{:.0} KiB a thread, {:.2} KiB a task",
        thread.median, task.median
    );
    let why = if ratio.median > 1.0 {
        format!(
            "a thread has a stack of its own; a task keeps only its state between awaits: {} less",
            times(ratio.median)
        )
    } else {
        "an idle task added as much memory as an idle thread".to_owned()
    };
    Finding::new(CLAIM, language, measured, exceeds(ratio, MEMORY_EDGE), why)
}

/// Beyond the notes, "async tasks overlap I/O waits as threads do": the tasks' speedup over one
/// thread must clear [`OVERLAP`], with as many waiting at once as the threads have workers.
fn task_io(setup: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Beyond the notes: I/O-bound, async tasks on one thread overlap waits";
    let Some(tasks) = speedup(r, "io", "tasks") else {
        return Finding::not_measured(CLAIM, language);
    };
    let best = setup.plan.io_workers.min(setup.plan.io_waits);
    let measured = format!(
        "tasks {} over one thread (at most {best}×){}",
        times_range(tasks),
        speedup(r, "io", "threads")
            .map_or(String::new(), |t| format!("; threads {}", times(t.median)))
    );
    let why = if tasks.median >= OVERLAP {
        format!(
            "up to {best} tasks waited at once on one thread: a waiting task gives the thread back"
        )
    } else {
        "the tasks' waits ran almost one after another".to_owned()
    };
    Finding::new(CLAIM, language, measured, exceeds(tasks, OVERLAP), why)
}

/// Beyond the notes, "a task starts cheaper than a thread": a thread's start + join over a
/// task's must clear [`START_EDGE`].
fn task_start(_: &Setup, language: &'static str, r: &Record) -> Finding {
    const CLAIM: &str = "Beyond the notes: start + join, an async task is cheaper than a thread";
    let (Some(thread), Some(task)) = (r.stats("overhead.thread"), r.stats("overhead.task")) else {
        return Finding::not_measured(CLAIM, language);
    };
    let ratio = thread.ratio(task);
    let measured = format!(
        "thread {}; task {} (a thread costs {})",
        micros(thread.median),
        micros(task.median),
        times_range(ratio)
    );
    let why = if ratio.median > 1.0 {
        "a task is an allocation and a place in the runtime's queue; a thread needs the kernel to make and end it".to_owned()
    } else {
        format!("a task cost {} a thread here", times(1.0 / ratio.median))
    };
    Finding::new(CLAIM, language, measured, exceeds(ratio, START_EDGE), why)
}

/// `s` with every value raised to `floor` at least: a memory too small to measure still divides.
fn at_least(s: Stats, floor: f64) -> Stats {
    Stats {
        median: s.median.max(floor),
        min: s.min.max(floor),
        max: s.max.max(floor),
        ..s
    }
}

/// `a panic`, `an exception`.
fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// The method note under the verdict table: the rules, with the thresholds in force, and each
/// language's load.
pub fn method(rust: &Record, python: Option<&Record>) -> String {
    let mut out = format!(
        "How each verdict is reached (`examples-compare/threads-vs-processes/src/verdicts.rs`): a speed or overhead claim compares two timings by the ratio of every pairing of their runs, and holds when that ratio's whole [min–max] range is above its threshold (processes over threads, CPU-bound: {PROCESS_EDGE}×; threads over processes, I/O-bound: {THREAD_EDGE}×; threads over one thread on waits: {OVERLAP}×; a process's start over a thread's: {START_EDGE}×), does not hold when the whole range is below it, and cannot tell when the range straddles it. Such a verdict also cannot tell in a --quick run, with fewer than {MIN_RUNS} runs, or on a busy machine: other programs took more than {:.0}% of the CPUs' time while that language measured. Memory per worker is one measurement against {MEMORY_EDGE}×. Beyond the notes, async tasks: an idle task holds when a thread's memory over a task's is above {MEMORY_EDGE}×, overlapping waits when the tasks' speedup over one thread is above {OVERLAP}× in every pairing, and cheaper to start when a thread's start + join over a task's is above {START_EDGE}× in every pairing. Memory and Crashes verdicts are what the demonstrations observed.",
        evidence::load::FOREIGN_LIMIT * 100.0
    );
    for (language, r) in std::iter::once(("Rust", rust)).chain(python.map(|p| ("Python", p))) {
        let load = Load::from_record(r).map_or("not recorded".into(), |l| l.describe());
        out += &format!(" While {language} measured, {load}.");
    }
    out + "\n"
}

#[cfg(test)]
mod tests;
