//! The notes' table with measured columns, and the verdict drawn from the numbers just measured.

use std::fmt::Write as _;

use crate::measure::Plan;
use crate::results::{Results, Stats};

/// What the reader is told about the run, beside the numbers.
pub struct Setup {
    /// A `--quick` run: timings too short to judge anything.
    pub quick: bool,
    /// CPUs this run may use (all of the machine's, or `--cpus`).
    pub cpus: usize,
    pub logical: usize,
    pub physical: usize,
    pub plan: Plan,
}

/// The Markdown table: one row per feature of the notes, Rust's columns, Python's if given.
pub fn table(setup: &Setup, rust: &Results, python: Option<&Results>) -> String {
    let mut out = String::new();
    let mut header = vec!["Feature", "Notes: threading", "Notes: multiprocessing"];
    header.extend(["Rust threads", "Rust processes"]);
    if python.is_some() {
        header.extend(["Python threads", "Python processes"]);
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
            format!("Memory per idle worker, of {idle} (KiB, lower is better)"),
            "",
            "",
            cost,
        ),
        (
            format!("Speed, CPU-bound: speedup over one thread, {n} workers (higher is better)"),
            "Slower due to GIL",
            "Faster",
            |r| speedups(r, "cpu"),
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
            crashes,
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
    out
}

type Cells = fn(&Results) -> [String; 2];

fn row(out: &mut String, cells: &[impl AsRef<str>]) {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn memory(r: &Results) -> [String; 2] {
    [
        format!(
            "shared: a thread's write is {} by main",
            r.fact_or_dash("memory.thread_write")
        ),
        format!(
            "separate: a child's write to a variable is {}; through a shared value it is {}",
            r.fact_or_dash("memory.child_write"),
            r.fact_or_dash("memory.shared_write")
        ),
    ]
}

fn cost(r: &Results) -> [String; 2] {
    let kib = |key| {
        r.stats(key)
            .map_or("–".into(), |s| format!("{:.0} KiB", s.median))
    };
    let process =
        kib("memory.process_kib") + &times_a_thread(r, "memory.process_kib", "memory.thread_kib");
    [kib("memory.thread_kib"), process]
}

/// ` (N× a thread)`: the ratio of two medians, or nothing if either is missing.
fn times_a_thread(r: &Results, key: &str, thread: &str) -> String {
    match (r.median(key), r.median(thread)) {
        (Some(v), Some(t)) if t > 0.0 => format!(" ({:.0}× a thread)", v / t),
        _ => String::new(),
    }
}

/// Speedup = sequential time ÷ concurrent time (medians; min–max of the speedup in brackets).
fn speedups(r: &Results, row: &str) -> [String; 2] {
    let cell = |kind| {
        let (Some(seq), Some(t)) = (
            r.median(&format!("{row}.sequential")),
            r.stats(&format!("{row}.{kind}")),
        ) else {
            return "–".to_owned();
        };
        let speedup = Stats {
            median: seq / t.median,
            min: seq / t.max,
            max: seq / t.min,
        };
        format!(
            "{} ({})",
            spread(speedup, |v| format!("{v:.2}×")),
            seconds(t.median)
        )
    };
    [cell("threads"), cell("processes")]
}

fn crashes(r: &Results) -> [String; 2] {
    [
        format!(
            "{}; an abort: the whole process is {}",
            r.fact_or_dash("crash.thread_panic"),
            r.fact_or_dash("crash.thread_abort")
        ),
        format!(
            "a child {}: the parent lives on and is told",
            r.fact_or_dash("crash.child_segv")
        ),
    ]
}

fn overhead(r: &Results) -> [String; 2] {
    let micros = |key: String| r.stats(&key).map_or("–".into(), |s| spread(s, duration));
    let processes = ["fork", "forkserver", "spawn"].map(|m| {
        let key = format!("overhead.{m}");
        let ratio = times_a_thread(r, &key, "overhead.thread");
        format!("{m} {}{ratio}", micros(key))
    });
    [micros("overhead.thread".into()), processes.join(" · ")]
}

/// `median (min–max)`, or just the median when every run gave the same.
fn spread(s: Stats, show: impl Fn(f64) -> String) -> String {
    let (min, max) = (show(s.min), show(s.max));
    if min == max {
        show(s.median)
    } else {
        format!("{} [{min}–{max}]", show(s.median))
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn duration(micros: f64) -> String {
    if micros < 1000.0 {
        format!("{micros:.0} µs")
    } else {
        format!("{:.1} ms", micros / 1e3)
    }
}

/// The closing paragraph: which of the notes' claims these numbers support, for Rust and for
/// Python, or that the machine was too busy to say.
pub fn verdict(setup: &Setup, rust: &Results, python: Option<&Results>) -> String {
    let mut out = if setup.quick {
        vec![
            "This was a --quick run: its timings are too short to judge speed or overhead."
                .to_owned(),
        ]
    } else {
        speed_verdict(setup, rust, python)
    };
    if let (Some(t), Some(p)) = (
        rust.median("memory.thread_kib"),
        rust.median("memory.process_kib"),
    ) {
        out.push(format!("Memory: \"Shared / Separate\" holds, and an idle process holds {:.0}× the private memory an idle thread adds.", p / t.max(1.0)));
    }
    out.push("Crashes: \"Isolated crash\" holds, and a panic ends only its own thread (as an exception does in a Python thread); but an abort or a segfault in any thread ends the whole process.".into());
    out.join(" ")
}

/// What the timings say of the notes' speed and overhead claims, unless the machine was too busy.
fn speed_verdict(setup: &Setup, rust: &Results, python: Option<&Results>) -> Vec<String> {
    let speedup = |r: &Results, row: &str, kind: &str| {
        Some(r.median(&format!("{row}.sequential"))? / r.median(&format!("{row}.{kind}"))?)
    };
    let mut out = Vec::new();
    let usable = setup.cpus.min(setup.plan.cpu_workers) as f64;
    let (Some(ct), Some(cp)) = (
        speedup(rust, "cpu", "threads"),
        speedup(rust, "cpu", "processes"),
    ) else {
        return vec!["Nothing was timed.".into()];
    };
    if usable > 1.0 && ct.max(cp) < 0.6 * usable {
        out.push(format!(
            "The CPU-bound speedups ({ct:.2}× with threads, {cp:.2}× with processes) are far below the {usable:.0}× that {usable:.0} free CPUs allow: something else is using this machine, so these numbers cannot judge the notes' claims. Run it again when the machine is idle."
        ));
        return out;
    }
    if setup.cpus == 1 {
        out.push(format!(
            "On one CPU, CPU-bound work does not overlap: threads reach {ct:.2}× and processes {cp:.2}×. Waiting does overlap, which is the notes' \"concurrency without multiple cores\"."
        ));
    } else {
        let alike = (ct / cp - 1.0).abs() < 0.2;
        out.push(format!(
            "CPU-bound: Rust threads reach {ct:.2}× and processes {cp:.2}× on {} CPUs{}. \"Slower due to GIL\" does not hold for Rust, which has no GIL: its threads run Rust code on every core at once.",
            setup.cpus,
            if alike { ", about the same" } else { "" }
        ));
    }
    if let Some(py) = python {
        if let (Some(pt), Some(pp)) = (
            speedup(py, "cpu", "threads"),
            speedup(py, "cpu", "processes"),
        ) {
            let holds = if setup.cpus == 1 {
                "Python is in the same place, GIL or not"
            } else if pp > 1.3 * pt {
                "It holds for Python"
            } else {
                "For Python this run shows no clear gap"
            };
            let why = if setup.cpus == 1 {
                ""
            } else {
                " (CPython 3.11's GIL lets one thread run Python code at a time)"
            };
            out.push(format!(
                "{holds}: its threads reach {pt:.2}×, its processes {pp:.2}×{why}."
            ));
        }
    }
    if let (Some(it), Some(ip)) = (
        speedup(rust, "io", "threads"),
        speedup(rust, "io", "processes"),
    ) {
        let chunk = setup.plan.io_waits.div_ceil(4 * setup.plan.io_workers);
        out.push(format!(
            "I/O-bound: threads reach {it:.2}×, processes {ip:.2}×. Both overlap their waits; processes lose what starting them costs, and the pool hands out the waits {chunk} at a time (Python's chunk size for {} items on {} workers), so \"faster / slower\" is about overhead, not about waiting.",
            setup.plan.io_waits, setup.plan.io_workers
        ));
    }
    if let (Some(t), Some(f)) = (rust.median("overhead.thread"), rust.median("overhead.fork")) {
        out.push(format!("Overhead: starting a process by fork costs {:.0}× a thread (spawn {:.0}×): \"Low / High\" holds.", f / t, rust.median("overhead.spawn").unwrap_or(f) / t));
    }
    out
}

/// The whole page: a title, how it was measured, the table and the verdict.
pub fn page(setup: &Setup, rust: &Results, python: Option<&Results>) -> String {
    let mut out = String::from("# Threading vs multiprocessing, measured\n\n");
    _ = writeln!(
        out,
        "Run on {} CPU{} (this machine: {} logical, {} physical cores, from num_cpus). Medians of {} runs, [min–max]; processes are forked.",
        setup.cpus,
        if setup.cpus == 1 { "" } else { "s" },
        setup.logical,
        setup.physical,
        setup.plan.repeat
    );
    if python.is_some() {
        _ = writeln!(
            out,
            "Python does 1/{} of Rust's CPU-bound steps, so compare speedups across languages, not times.",
            crate::python::CPU_SHARE
        );
    }
    _ = writeln!(
        out,
        "\n{}\n{}",
        table(setup, rust, python),
        verdict(setup, rust, python)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(cpus: usize) -> Setup {
        Setup {
            quick: false,
            cpus,
            logical: 2,
            physical: 2,
            plan: Plan::new(false, 1, cpus.max(2), 0),
        }
    }

    /// Rust's timings: one thread 1 s, then `threads` and `processes` seconds with 2 workers.
    fn timed(threads: f64, processes: f64) -> Results {
        let mut r = Results::default();
        for (key, value) in [
            ("cpu.sequential", 1.0),
            ("cpu.threads", threads),
            ("cpu.processes", processes),
            ("io.sequential", 2.0),
            ("io.threads", 0.25),
            ("io.processes", 0.3),
            ("overhead.thread", 30.0),
            ("overhead.fork", 360.0),
            ("overhead.spawn", 1400.0),
        ] {
            r.add(key, value);
        }
        r
    }

    #[test]
    fn a_busy_machine_gets_a_warning_instead_of_a_verdict() {
        let text = verdict(&setup(2), &timed(0.9, 0.95), None);
        assert!(
            text.contains("something else is using this machine"),
            "{text}"
        );
        assert!(!text.contains("does not hold for Rust"), "{text}");
        assert!(
            text.contains("Crashes: "),
            "the facts are still stated: {text}"
        );
    }

    #[test]
    fn the_verdict_follows_the_numbers() {
        let text = verdict(&setup(2), &timed(0.51, 0.5), None);
        assert!(
            text.contains("Rust threads reach 1.96× and processes 2.00× on 2 CPUs, about the same"),
            "{text}"
        );
        assert!(
            text.contains("fork costs 12× a thread (spawn 47×)"),
            "{text}"
        );
        let python = timed(0.98, 0.53);
        let text = verdict(&setup(2), &timed(0.51, 0.5), Some(&python));
        assert!(
            text.contains("It holds for Python: its threads reach 1.02×, its processes 1.89×"),
            "{text}"
        );
        let text = verdict(&setup(1), &timed(1.0, 1.01), None);
        assert!(
            text.contains("On one CPU, CPU-bound work does not overlap"),
            "{text}"
        );
    }

    #[test]
    fn costs_are_shown_with_their_ratio_to_a_thread() {
        let mut r = timed(0.5, 0.5);
        r.add("memory.thread_kib", 10.0);
        r.add("memory.process_kib", 150.0);
        assert_eq!(
            cost(&r),
            ["10 KiB".to_owned(), "150 KiB (15× a thread)".to_owned()]
        );
        assert!(
            overhead(&r)[1].starts_with("fork 360 µs (12× a thread) · forkserver –"),
            "{:?}",
            overhead(&r)
        );
    }
}
