//! The page: the notes' "When to Use What" table with the times measured beside it, for each
//! language, then the verdicts (from [`crate::verdicts`]). Everything on it is computed from an
//! [`Evidence`], so a replayed file prints the same page.

use std::fmt::Write as _;

use anyhow::Result;
use evidence::record::{Evidence, Record};
use evidence::show::seconds;

use crate::measure::{ROWS, Setup};
use crate::verdicts;
use crate::workloads::Technique;

const TECHNIQUES: [Technique; 3] = [
    Technique::Sequential,
    Technique::Threads,
    Technique::Processes,
];

/// The whole page of `evidence`.
pub fn page(evidence: &Evidence) -> Result<String> {
    let setup = Setup::from_record(evidence.required("run")?)?;
    let rust = evidence.required("rust")?;
    let mut languages = vec![("Rust", rust)];
    let mut out = String::from("# When to use what, measured\n\n");
    _ = writeln!(
        out,
        "Each use case run in one thread, in worker threads and in worker processes (forked) on {} CPU{}; median of {} run{}, lower is better, and in brackets each time ÷ the row's fastest.\n",
        setup.cpus,
        if setup.cpus == 1 { "" } else { "s" },
        setup.repeat,
        if setup.repeat == 1 { "" } else { "s" }
    );
    table(&mut out, rust);
    if let Some(python) = evidence.scope("python") {
        _ = writeln!(
            out,
            "\nThe same in Python ({}, start method {}), on the same files and pages; its CPU-bound work is smaller, so that pure Python finishes in seconds:\n",
            evidence::twin::python_build(python),
            python.fact_or_dash("start_method")
        );
        table(&mut out, python);
        languages.push(("Python", python));
    }
    out += "\n## What the numbers say of the notes' advice\n\n";
    out += &evidence::verdict::table(&verdicts::findings(&setup, &languages));
    _ = writeln!(out, "\n{}", verdicts::method(&languages));
    Ok(out)
}

fn table(out: &mut String, r: &Record) {
    *out += "| Use case | Notes recommend | Sequential | Threads | Processes | Fastest |\n";
    *out += "| --- | --- | --- | --- | --- | --- |\n";
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
            "| {} | {} | {} | {} | {} | {} |",
            r.fact_or_dash(&format!("when.{row}.label")),
            pick.notes_name(),
            cells[0],
            cells[1],
            cells[2],
            fastest.map_or("–", |(t, _)| t.notes_name()),
        );
    }
}
