//! The page: the notes' "When to Use What" table with the times measured beside it, for each
//! language, then the verdicts (from [`crate::verdicts`]). Everything on it is computed from an
//! [`Evidence`], so a replayed file prints the same page.

use std::fmt::Write as _;

use anyhow::Result;
use evidence::record::{Evidence, Record};
use evidence::show::seconds;

use crate::connections::WAYS;
use crate::measure::{ROWS, Setup};
use crate::verdicts;
use crate::workloads::Technique;

const TECHNIQUES: [Technique; 4] = [
    Technique::Sequential,
    Technique::Threads,
    Technique::Processes,
    Technique::Async,
];

/// The whole page of `evidence`.
pub fn page(evidence: &Evidence) -> Result<String> {
    let setup = Setup::from_record(evidence.required("run")?)?;
    let rust = evidence.required("rust")?;
    let mut languages = vec![("Rust", rust)];
    let mut out = String::from("# When to use what, measured\n\n");
    _ = writeln!(
        out,
        "Each use case run in one thread, in worker threads, in worker processes (forked) and, where the work waits on I/O, as async tasks on one thread (beyond the notes), on {} CPU{}; median of {} run{}, lower is better, and in brackets each time ÷ the row's fastest. CPU-bound work has no async way: a task that computes keeps the loop's only thread busy.\n",
        setup.cpus,
        if setup.cpus == 1 { "" } else { "s" },
        setup.repeat,
        if setup.repeat == 1 { "" } else { "s" }
    );
    table(&mut out, &setup, rust);
    connections_table(&mut out, evidence.scope("run"), "Rust", rust);
    if let Some(python) = evidence.scope("python") {
        _ = writeln!(
            out,
            "\nThe same in Python ({}, start method {}), on the same files and pages; its CPU-bound work is smaller, so that pure Python finishes in seconds:\n",
            evidence::twin::python_build(python),
            python.fact_or_dash("start_method")
        );
        table(&mut out, &setup, python);
        connections_table(&mut out, None, "Python", python);
        languages.push(("Python", python));
    }
    out += "\n## What the numbers say of the notes' advice\n\n";
    out += &evidence::verdict::table(&verdicts::findings(&setup, &languages));
    _ = writeln!(out, "\n{}", verdicts::method(&languages));
    Ok(out)
}

/// One language's table. Its "Fastest" cell is `withheld` where the row's verdict is withheld
/// ([`verdicts::row_gate`]): a winner named from timings too few or too disturbed to judge would
/// say what the verdict beside it refuses to.
fn table(out: &mut String, setup: &Setup, r: &Record) {
    *out += "| Use case | Notes recommend | Sequential | Threads | Processes | Async tasks | Fastest |\n";
    *out += "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (row, &(pick, _)) in ROWS.iter().enumerate() {
        let medians = TECHNIQUES.map(|t| r.median(&format!("when.{row}.{t:?}")));
        let fastest = TECHNIQUES
            .into_iter()
            .zip(medians)
            .filter_map(|(t, m)| Some((t, m?)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let cells = medians.map(|m| match (m, fastest) {
            (Some(m), Some((_, best))) if best > 0.0 => {
                format!("{} ({:.1}×)", seconds(m), m / best)
            }
            (Some(m), _) => seconds(m),
            (None, _) => "–".into(),
        });
        _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.fact_or_dash(&format!("when.{row}.label")),
            pick.notes_name(),
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            match (verdicts::row_gate(setup, row, r), fastest) {
                (Some(_), _) => "withheld",
                (None, Some((t, _))) => t.notes_name(),
                (None, None) => "–",
            },
        );
    }
}

/// The many-connections row of `language`: each way's time and the memory it added at its peak.
fn connections_table(out: &mut String, run: Option<&Record>, language: &str, r: &Record) {
    if r.median(&format!("conn.{:?}", WAYS[0])).is_none() {
        return;
    }
    _ = writeln!(
        out,
        "\n{} in {language} (beyond the notes; processes are left out: a process per request keeps one connection open as a thread does, at a process's start cost and memory, and a pool of processes waits as a pool of threads does):\n",
        r.fact_or_dash("conn.label")
    );
    let pool = r.median("conn.pool").unwrap_or(0.0) as usize;
    let ways = WAYS.map(|w| w.name(pool));
    _ = writeln!(out, "| | {} | {} | {} |", ways[0], ways[1], ways[2]);
    *out += "| --- | --- | --- | --- |\n";
    let cells = |key: &str, show: &dyn Fn(f64) -> String| {
        WAYS.map(|w| {
            r.median(&format!("conn.{w:?}{key}"))
                .map_or("–".into(), show)
        })
    };
    let time = cells("", &seconds);
    _ = writeln!(out, "| time | {} | {} | {} |", time[0], time[1], time[2]);
    let peak = cells(".peak", &|b| format!("{:.1} MiB", b / f64::from(1 << 20)));
    _ = writeln!(
        out,
        "| memory added at the peak | {} | {} | {} |",
        peak[0], peak[1], peak[2]
    );
    if let Some(note) = run.and_then(|r| r.get_fact("connections_limited")) {
        _ = writeln!(out, "\n{note}.");
    }
}

#[cfg(test)]
mod tests {
    use evidence::load::Load;

    use super::*;

    fn record_with_load(own: f64) -> Record {
        let mut r = Record::default();
        r.fact("when.0.label", "File I/O (…)");
        for (t, seconds) in [("Sequential", 2.0), ("Threads", 0.5), ("Processes", 0.6)] {
            for f in [0.99, 1.0, 1.01] {
                r.add(format!("when.0.{t}"), seconds * f);
            }
        }
        Load {
            wall: 10.0,
            busy: 20.0,
            own,
            cpus: 2.0,
        }
        .record(&mut r);
        r
    }

    fn first_row(setup: &Setup, r: &Record) -> String {
        let mut out = String::new();
        table(&mut out, setup, r);
        out.lines().nth(2).unwrap().to_owned()
    }

    #[test]
    fn fastest_names_a_technique_only_where_the_verdict_can_be_judged() {
        let setup = Setup {
            cpus: 2,
            repeat: 3,
            quick: false,
            io_workers: 8,
        };
        // Quiet: the program's own work is nearly all the CPUs' busy time.
        let row = first_row(&setup, &record_with_load(19.5));
        assert!(row.ends_with("| Multithreading |"), "{row}");
        // Busy: other programs took half the CPUs' time; the verdict is withheld, so is Fastest.
        let row = first_row(&setup, &record_with_load(10.0));
        assert!(row.ends_with("| withheld |"), "{row}");
        let quick = Setup {
            quick: true,
            ..setup
        };
        let row = first_row(&quick, &record_with_load(19.5));
        assert!(row.ends_with("| withheld |"), "{row}");
    }
}
