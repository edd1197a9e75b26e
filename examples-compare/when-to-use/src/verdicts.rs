//! The verdict on each row of the notes' "When to Use What" table, for each language measured,
//! and on "improve responsiveness". Each rule is written beside its code, and [`method`] prints
//! the same thresholds. Every clause of a "why" appears only when its measured cause is there.

use evidence::load::Load;
use evidence::record::{Record, Stats};
use evidence::verdict::{
    ALL_CPUS, Finding, MIN_RUNS, ONE_AT_A_TIME, Verdict, cpu_use, exceeds, speed_gate,
};

use evidence::show::{seconds, times, times_range};

use crate::connections::{WAYS, Way};
use crate::measure::{ROWS, Setup, Work};
use crate::workloads::Technique;

/// The notes' pick is wrong when another technique finished more than 10% sooner in every
/// pairing of runs.
pub const PICK_EDGE: f64 = 1.1;
/// A worker thread keeps a loop responsive when it cuts the longest pause by more than half.
pub const RESPONSIVE_EDGE: f64 = 2.0;
/// The start of the workers is named as a cause when it took at least this share of their time.
pub const START_SHARE: f64 = 0.05;
/// Copying is named as a cause when a pool copied at least this many bytes.
pub const COPY_BYTES: f64 = (1 << 20) as f64;

const TECHNIQUES: [Technique; 4] = [
    Technique::Sequential,
    Technique::Threads,
    Technique::Processes,
    Technique::Async,
];

/// Why a use case's timings in `r` cannot be judged (a `--quick` run, too few runs, a busy
/// machine), or `None` when they can: the one gate for the row's verdict and for the table's
/// "Fastest" cell, which names no technique where the verdict is withheld.
pub fn row_gate(setup: &Setup, row: usize, r: &Record) -> Option<String> {
    // The fewest runs of any technique the row recorded: one timing recorded once withholds it.
    let runs = TECHNIQUES
        .iter()
        .filter_map(|t| r.stats(&format!("when.{row}.{t:?}")))
        .map(|s| s.runs)
        .min()
        .unwrap_or(0);
    speed_gate(setup.quick, runs, Load::from_record(r).as_ref())
}

/// Every use case, and under it every language measured.
pub fn findings(setup: &Setup, languages: &[(&'static str, &Record)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (row, &(pick, work)) in ROWS.iter().enumerate() {
        for &(language, r) in languages {
            let gate = row_gate(setup, row, r);
            let finding = if work == Work::Responsiveness {
                responsiveness(row, language, r)
            } else {
                use_case(setup, row, pick, work, language, r)
            };
            out.push(finding.gated(gate.as_ref()));
        }
    }
    for &(language, r) in languages {
        // The fewest runs of any way recorded, times and peaks alike.
        let runs = WAYS
            .iter()
            .flat_map(|w| [format!("conn.{w:?}"), format!("conn.{w:?}.peak")])
            .filter_map(|key| r.stats(&key))
            .map(|s| s.runs)
            .min()
            .unwrap_or(0);
        let gate = speed_gate(setup.quick, runs, Load::from_record(r).as_ref());
        out.push(connections_time(language, r).gated(gate.as_ref()));
        out.push(connections_memory(language, r).gated(gate.as_ref()));
    }
    out
}

/// "Many connections → async tasks finish sooner than a pool of threads": the pool's time over
/// the tasks' must clear [`PICK_EDGE`] in every pairing of runs.
fn connections_time(language: &'static str, r: &Record) -> Finding {
    let pool = r.median("conn.pool").unwrap_or(0.0);
    let claim = format!(
        "Beyond the notes: many connections → async tasks finish sooner than a pool of {pool} threads"
    );
    let (Some(pooled), Some(tasks), Some(count), Some(delay)) = (
        r.stats(&format!("conn.{:?}", Way::Pool)),
        r.stats(&format!("conn.{:?}", Way::Async)),
        r.median("conn.count"),
        r.median("conn.delay"),
    ) else {
        return Finding::not_measured(claim, language);
    };
    let ratio = pooled.ratio(tasks);
    let measured = format!(
        "the pool took {} the time of the tasks ({} against {})",
        times_range(ratio),
        seconds(pooled.median),
        seconds(tasks.median)
    );
    // The pool's floor: its threads wait for the server one request at a time each.
    let rounds = (count / pool.max(1.0)).ceil();
    let mut why = format!(
        "{pool} threads wait for {count} answers in {rounds} turns of {}, at least {}",
        seconds(delay),
        seconds(rounds * delay)
    );
    if tasks.median < rounds * delay {
        why += "; the tasks wait for all of them at once, on one thread";
    }
    Finding::new(claim, language, measured, exceeds(ratio, PICK_EDGE), why)
}

/// A peak below one page counts as one page, so that a ratio stays finite.
const PAGE: f64 = 4096.0;

/// "Many connections → async tasks need less memory than a thread per request": the threads'
/// peak over the tasks' must clear [`PICK_EDGE`] in every pairing of runs.
fn connections_memory(language: &'static str, r: &Record) -> Finding {
    let claim =
        "Beyond the notes: many connections → async tasks need less memory than a thread per request"
            .to_owned();
    let peaks = |way: Way| {
        let values: Vec<f64> = r
            .values(&format!("conn.{way:?}.peak"))
            .iter()
            .map(|&b| b.max(PAGE))
            .collect();
        evidence::record::stats(&values)
    };
    let (Some(threads), Some(tasks), Some(count)) = (
        peaks(Way::ThreadPerRequest),
        peaks(Way::Async),
        r.median("conn.count"),
    ) else {
        return Finding::not_measured(claim, language);
    };
    let ratio = threads.ratio(tasks);
    let kib = |bytes: f64| bytes / 1024.0 / count;
    let measured = format!(
        "a thread per request added {} the memory of a task per request",
        times_range(ratio)
    );
    let why = format!(
        "at the peak, {:.1} KiB per request with threads (each has its own stack), {:.1} KiB with tasks",
        kib(threads.median),
        kib(tasks.median)
    );
    Finding::new(claim, language, measured, exceeds(ratio, PICK_EDGE), why)
}

fn times_of(r: &Record, row: usize, t: Technique) -> Option<Stats> {
    r.stats(&format!("when.{row}.{t:?}"))
}

fn use_case_name(r: &Record, row: usize) -> String {
    r.fact_or_dash(&format!("when.{row}.label"))
        .split(" (")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// "When to Use What: <use case> → <pick>": the pick's time over the fastest other technique's
/// must not clear [`PICK_EDGE`] (the threshold rule, turned round: another technique clearly
/// faster means the claim does not hold).
fn use_case(
    setup: &Setup,
    row: usize,
    pick: Technique,
    work: Work,
    language: &'static str,
    r: &Record,
) -> Finding {
    let claim = format!(
        "When to Use What: {} → \"{}\"",
        use_case_name(r, row),
        pick.notes_name()
    );
    let measured: Vec<(Technique, Stats)> = TECHNIQUES
        .iter()
        .filter_map(|&t| Some((t, times_of(r, row, t)?)))
        .collect();
    let Some(&(_, picked)) = measured.iter().find(|(t, _)| *t == pick) else {
        return Finding::not_measured(claim, language);
    };
    let Some(&(other, fastest_other)) = measured
        .iter()
        .filter(|(t, _)| *t != pick)
        .min_by(|a, b| a.1.median.total_cmp(&b.1.median))
    else {
        return Finding::not_measured(claim, language);
    };
    let ratio = picked.ratio(fastest_other);
    let verdict = match exceeds(ratio, PICK_EDGE) {
        Verdict::Holds => Verdict::DoesNotHold,
        Verdict::DoesNotHold => Verdict::Holds,
        Verdict::CannotTell => Verdict::CannotTell,
    };
    let measured = format!(
        "{} took {} the time of {}, the fastest other",
        pick.notes_name(),
        times_range(ratio),
        other.notes_name().to_lowercase()
    );
    Finding::new(claim, language, measured, verdict, why(setup, row, work, r))
}

/// The causes the data shows for a use case: how the workers used the CPUs or overlapped their
/// waits, what starting them cost, and what a pool copied, each only where it matters.
fn why(setup: &Setup, row: usize, work: Work, r: &Record) -> String {
    let (Some(seq), Some(threads), Some(processes)) = (
        times_of(r, row, Technique::Sequential),
        times_of(r, row, Technique::Threads),
        times_of(r, row, Technique::Processes),
    ) else {
        return "not measured".into();
    };
    let (st, sp) = (seq.median / threads.median, seq.median / processes.median);
    let workers = if work == Work::Io {
        setup.io_workers
    } else {
        setup.cpus
    };
    let mut clauses = Vec::new();
    if work == Work::Cpu {
        let gil = r.get_fact("python.gil");
        let mut threads = format!("threads {}", cpu_use(st, setup.cpus));
        if setup.cpus > 1 && st < ONE_AT_A_TIME && gil == Some("enabled") {
            let python = evidence::twin::python_name(r);
            threads += &format!(": {python}'s GIL lets one thread run Python code at a time");
        } else if setup.cpus > 1 && st >= ALL_CPUS * setup.cpus as f64 && gil.is_none() {
            threads += ": Rust has no GIL";
        }
        clauses.push(threads);
        clauses.push(format!("processes {}", cpu_use(sp, setup.cpus)));
    } else if let Some(tasks) = times_of(r, row, Technique::Async) {
        clauses.push(format!(
            "with {workers} at once, threads were {}, processes {} and async tasks {} as fast as one thread",
            times(st),
            times(sp),
            times(seq.median / tasks.median)
        ));
    } else {
        clauses.push(format!(
            "with {workers} workers, threads were {} and processes {} as fast as one thread",
            times(st),
            times(sp)
        ));
    }
    if let Some(start) = r.median(&format!("start.processes.{workers}")) {
        let share = start / processes.median;
        if share >= START_SHARE {
            clauses.push(format!(
                "starting and stopping {workers} processes took {} ({:.0}% of their time)",
                seconds(start),
                share * 100.0
            ));
        }
    }
    if let Some(bytes) = r
        .median(&format!("when.{row}.bytes"))
        .filter(|&b| b >= COPY_BYTES)
    {
        clauses.push(format!(
            "the pool copied {:.0} MiB to its workers and back",
            bytes / COPY_BYTES
        ));
    }
    clauses.join("; ")
}

/// "Why Use Multithreading?: improve responsiveness": the loop's longest pause with the work
/// inline over its longest pause with a worker thread must clear [`RESPONSIVE_EDGE`].
fn responsiveness(row: usize, language: &'static str, r: &Record) -> Finding {
    let claim = "Why Use Multithreading?: \"Improve responsiveness (e.g., GUI apps)\"".to_owned();
    let (Some(inline), Some(threaded)) = (
        times_of(r, row, Technique::Sequential),
        times_of(r, row, Technique::Threads),
    ) else {
        return Finding::not_measured(claim, language);
    };
    let ratio = inline.ratio(threaded);
    let measured = format!(
        "longest pause: {} inline, {} with a worker thread",
        seconds(inline.median),
        seconds(threaded.median)
    );
    // The words follow the ratio of the two medians: above 1 a cut, below 1 a longer pause,
    // exactly 1 as long.
    let why = if ratio.median > 1.0 {
        format!(
            "the worker thread cut the longest pause {}",
            times(ratio.median)
        )
    } else if ratio.median < 1.0 {
        format!(
            "the longest pause was {} longer with a worker thread",
            times(1.0 / ratio.median)
        )
    } else {
        "the loop paused as long with a worker thread".to_owned()
    };
    Finding::new(
        claim,
        language,
        measured,
        exceeds(ratio, RESPONSIVE_EDGE),
        why,
    )
}

/// The method note under the verdict table.
pub fn method(languages: &[(&'static str, &Record)]) -> String {
    let mut out = format!(
        "How each verdict is reached (`examples-compare/when-to-use/src/verdicts.rs`): the notes' pick holds unless another technique took less time by more than {PICK_EDGE}× in every pairing of runs (the whole [min–max] range of the pick's time over the fastest other's is above {PICK_EDGE}×: does not hold; straddles it: cannot tell). Responsiveness holds when a worker thread cuts the loop's longest pause by more than {RESPONSIVE_EDGE}× in every pairing. Every verdict cannot tell in a --quick run, with fewer than {MIN_RUNS} runs, or on a busy machine: other programs took more than {:.0}% of the CPUs' time while that language measured. Many connections (beyond the notes): async tasks finish sooner when the pool's time over the tasks' is above {PICK_EDGE}× in every pairing, and need less memory when a thread per request's peak growth over the tasks' is above {PICK_EDGE}× (a peak below a page counts as a page). The why names a start cost only when it is at least {:.0}% of the processes' time, and copying only when a pool copied at least 1 MiB.",
        evidence::load::FOREIGN_LIMIT * 100.0,
        START_SHARE * 100.0
    );
    for &(language, r) in languages {
        let load = Load::from_record(r).map_or("not recorded".into(), |l| l.describe());
        out += &format!(" While {language} measured, {load}.");
    }
    out + "\n"
}

#[cfg(test)]
mod tests;
