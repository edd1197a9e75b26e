//! The page: how the run was made, the notes' table with measured columns, and the verdicts
//! (from [`crate::verdicts`]). Everything on it is computed from an [`Evidence`], so a replayed
//! file prints the same page.

use std::fmt::Write as _;

use anyhow::Result;
use evidence::record::{Evidence, Record, Stats};
use evidence::show::{micros, seconds};

use crate::measure::Plan;
use crate::observed::{Setup, ending, speedup};
use crate::verdicts;

/// The whole page of `evidence`.
pub fn page(evidence: &Evidence) -> Result<String> {
    let setup = Setup::from_record(evidence.required("run")?)?;
    let rust = evidence.required("rust")?;
    let python = evidence.scope("python");
    let mut out = String::from("# Threading vs multiprocessing, measured\n\n");
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let pinned = if setup.pinned {
        format!(
            ", pinned with --cpus {}; the CPU-bound rows still use {} worker{}",
            setup.cpus,
            setup.plan.cpu_workers,
            plural(setup.plan.cpu_workers)
        )
    } else {
        String::new()
    };
    _ = writeln!(
        out,
        "Run on {} CPU{}{pinned} (this machine: {} logical, {} physical cores, from num_cpus). Medians of {} run{}, [min–max]; Rust's processes are forked.",
        setup.cpus,
        plural(setup.cpus),
        setup.logical,
        setup.physical,
        setup.plan.repeat,
        plural(setup.plan.repeat)
    );
    if let Some(python) = python {
        _ = writeln!(
            out,
            "Python: {}, start method {}. It does 1/{} of Rust's CPU-bound steps, so compare speedups across languages, not times.",
            evidence::twin::python_build(python),
            python.fact_or_dash("start_method"),
            crate::python::CPU_SHARE
        );
    }
    _ = writeln!(out, "\n{}", table(&setup, rust, python));
    out += "## What the numbers say of the notes' claims\n\n";
    let findings = verdicts::findings(&setup, rust, python);
    out += &evidence::verdict::table(&findings);
    _ = writeln!(out, "\n{}", verdicts::method(rust, python));
    Ok(out)
}

/// The Markdown table: one row per feature of the notes, Rust's columns, Python's if given.
pub fn table(setup: &Setup, rust: &Record, python: Option<&Record>) -> String {
    let mut out = String::new();
    let mut header = vec!["Feature", "Notes: threading", "Notes: multiprocessing"];
    header.extend(["Rust threads", "Rust processes", "Rust async tasks"]);
    if python.is_some() {
        header.extend(["Python threads", "Python processes", "Python asyncio tasks"]);
    }
    row(&mut out, &header);
    row(&mut out, &vec!["---"; header.len()]);
    let Plan {
        cpu_workers: n,
        io_waits,
        io_workers,
        idle,
        ..
    } = setup.plan;
    let io_wait_ms = setup.plan.io_wait.as_millis();
    let rows: [(String, &str, &str, Cells); 6] = [
        ("Memory".into(), "Shared", "Separate", memory),
        (
            format!(
                "Memory per idle worker, of {idle} ({} tasks; KiB, lower is better)",
                setup.plan.idle_tasks
            ),
            "",
            "",
            cost,
        ),
        (
            format!("Speed, CPU-bound: speedup over one thread, {n} workers (higher is better)"),
            "Slower due to GIL",
            "Faster",
            |r| speedups(r, "cpu"), // No `cpu.tasks` is measured: the last cell is a dash.
        ),
        (
            format!(
                "Speed, I/O-bound: speedup, {io_waits} waits of {io_wait_ms} ms over {io_workers} workers (higher is better)"
            ),
            "Faster",
            "Slower",
            |r| speedups(r, "io"),
        ),
        (
            "Crashes".into(),
            "Can crash main thread",
            "Isolated crash",
            |r| {
                let [threads, processes] = crashes(r);
                [threads, processes, NOT_FOR_TASKS.into()]
            },
        ),
        (
            "Overhead: start + join (lower is better)".into(),
            "Low",
            "High",
            overhead,
        ),
    ];
    for (feature, notes_threads, notes_processes, cells) in rows {
        let mut line = vec![feature, notes_threads.into(), notes_processes.into()];
        line.extend(cells(rust));
        if let Some(python) = python {
            line.extend(cells(python));
        }
        row(&mut out, &line);
    }
    out + "\nAsync tasks (beyond the notes) run on one thread, as asyncio's loop does, and are measured where the notes' rows apply to them: the memory an idle one adds, I/O-bound speed (at most as many waiting at once as the threads have workers), and start + join. They share their thread's memory; CPU-bound work gains nothing from them (a task that computes keeps the only thread busy), and a task that panics or raises ends as a thread's work does: its handle reports it, and main goes on.\n"
}

/// A cell of a row that does not apply to async tasks; the note under the table says why.
const NOT_FOR_TASKS: &str = "–";

type Cells = fn(&Record) -> [String; 3];

fn row(out: &mut String, cells: &[impl AsRef<str>]) {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn memory(r: &Record) -> [String; 3] {
    [
        format!(
            "a thread's write is {} by main",
            r.fact_or_dash("memory.thread_write")
        ),
        format!(
            "a child's write to a variable is {}; through a shared value it is {}",
            r.fact_or_dash("memory.child_write"),
            r.fact_or_dash("memory.shared_write")
        ),
        NOT_FOR_TASKS.into(),
    ]
}

fn cost(r: &Record) -> [String; 3] {
    let kib = |key| {
        r.stats(key)
            .map_or("–".into(), |s| format!("{:.0} KiB", s.median))
    };
    let process =
        kib("memory.process_kib") + &times_a_thread(r, "memory.process_kib", "memory.thread_kib");
    let task = r
        .stats("memory.task_kib")
        .map_or("–".into(), |s| format!("{:.2} KiB", s.median))
        + &times_a_thread(r, "memory.task_kib", "memory.thread_kib");
    [kib("memory.thread_kib"), process, task]
}

/// ` (N× a thread)`: the ratio of two medians, or nothing if either is missing.
fn times_a_thread(r: &Record, key: &str, thread: &str) -> String {
    match (r.median(key), r.median(thread)) {
        (Some(v), Some(t)) if t > 0.0 => {
            format!(" ({} a thread)", evidence::show::times(v / t))
        }
        _ => String::new(),
    }
}

fn speedups(r: &Record, row: &str) -> [String; 3] {
    let cell = |kind| {
        let (Some(s), Some(t)) = (speedup(r, row, kind), r.median(&format!("{row}.{kind}"))) else {
            return "–".to_owned();
        };
        format!("{} ({})", spread(s, |v| format!("{v:.2}×")), seconds(t))
    };
    [cell("threads"), cell("processes"), cell("tasks")]
}

fn crashes(r: &Record) -> [String; 2] {
    let lives = |key| match r.get_fact(key) {
        Some("yes") => "main lives",
        Some(_) => "main died",
        None => "–",
    };
    [
        format!(
            "{} ends the thread, {}, join returns {}; an abort: the whole process is {}",
            match r.get_fact("crash.thread_error") {
                Some("exception") => "an exception",
                Some(_) => "a panic",
                None => "–",
            },
            lives("crash.thread_panic.main_lives"),
            r.fact_or_dash("crash.thread_panic.join"),
            ending(r.fact_or_dash("crash.thread_abort.ended"))
        ),
        format!(
            "a child {}: the parent {}",
            ending(r.fact_or_dash("crash.child_segv.ended")),
            match r.get_fact("crash.child_segv.parent_lives") {
                Some("yes") => "lives on and is told",
                Some(_) => "died too",
                None => "–",
            }
        ),
    ]
}

fn overhead(r: &Record) -> [String; 3] {
    let micros = |key: String| r.stats(&key).map_or("–".into(), |s| spread(s, micros));
    let processes = ["fork", "forkserver", "spawn"].map(|m| {
        let key = format!("overhead.{m}");
        let ratio = times_a_thread(r, &key, "overhead.thread");
        format!("{m} {}{ratio}", micros(key))
    });
    let task =
        micros("overhead.task".into()) + &times_a_thread(r, "overhead.task", "overhead.thread");
    [
        micros("overhead.thread".into()),
        processes.join(" · "),
        task,
    ]
}

/// `median [min–max]`, or just the median when every run gave the same.
fn spread(s: Stats, show: impl Fn(f64) -> String) -> String {
    let (min, max) = (show(s.min), show(s.max));
    if min == max {
        show(s.median)
    } else {
        format!("{} [{min}–{max}]", show(s.median))
    }
}
