//! The notes' "When to Use What" table with the times measured beside it, and Rust's answer.

use std::fmt::Write as _;

use crate::workloads::Technique;

/// One use case: what the notes recommend and each technique's times (seconds, one per run).
pub struct Row {
    pub use_case: String,
    pub notes: Technique,
    /// Sequential, threads, processes; empty where a technique does not apply.
    pub times: [Vec<f64>; 3],
}

const TECHNIQUES: [Technique; 3] = [
    Technique::Sequential,
    Technique::Threads,
    Technique::Processes,
];

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn name(t: Technique) -> &'static str {
    match t {
        Technique::Sequential => "Sequential",
        Technique::Threads => "Multithreading",
        Technique::Processes => "Multiprocessing",
    }
}

/// Which language's measurements a table shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Rust,
    Python,
}

/// The page: Rust's table, Python's if measured, and how to read them.
pub fn page(
    rust: &[Row],
    python: Option<&[Row]>,
    cpus: usize,
    repeat: usize,
    quick: bool,
) -> String {
    let mut out = String::from("# When to use what, measured\n\n");
    _ = writeln!(
        out,
        "Each use case run in one thread, in worker threads and in worker processes (forked) on {cpus} CPUs; median of {repeat} runs, lower is better, and in brackets each time ÷ the row's fastest.\n"
    );
    table(&mut out, rust, Language::Rust);
    if let Some(python) = python {
        out += "\nThe same in Python (CPython, with its GIL), on the same files and pages; its CPU-bound work is smaller, so that pure Python finishes in seconds:\n\n";
        table(&mut out, python, Language::Python);
    }
    if quick {
        out += "\nThis was a --quick run: its timings are too short to say which technique is faster.\n";
    }
    out
}

fn table(out: &mut String, rows: &[Row], language: Language) {
    let who = if language == Language::Rust {
        "Rust's"
    } else {
        "Python's"
    };
    _ = writeln!(
        out,
        "| Use case | Notes recommend | Sequential | Threads | Processes | Fastest | {who} answer |"
    );
    *out += "| --- | --- | --- | --- | --- | --- | --- |\n";
    for row in rows {
        let medians = row.times.each_ref().map(|t| median(t));
        let fastest = TECHNIQUES
            .into_iter()
            .zip(medians)
            .filter_map(|(t, m)| Some((t, m?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("every row has a time");
        let cells = medians.map(|m| {
            m.map_or("–".into(), |m| {
                if fastest.1 > 0.0 {
                    format!("{} ({:.1}×)", seconds(m), m / fastest.1)
                } else {
                    seconds(m)
                }
            })
        });
        _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.use_case,
            name(row.notes),
            cells[0],
            cells[1],
            cells[2],
            name(fastest.0),
            answer(row.notes, medians, language)
        );
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// Whether the measurement agrees with the notes, and why Rust's answer differs where it does.
fn answer(
    notes: Technique,
    [sequential, threads, processes]: [Option<f64>; 3],
    language: Language,
) -> String {
    let (Some(seq), Some(t)) = (sequential, threads) else {
        return "–".into();
    };
    let Some(p) = processes else {
        return if t < seq {
            "agrees: a worker thread keeps the main loop free".into()
        } else {
            "differs: the loop paused as long in both".into()
        };
    };
    if seq <= t.min(p) {
        return "neither: here the work is too small to share out".into();
    }
    let close = (t / p - 1.0).abs() < 0.1;
    if language == Language::Python {
        return match notes {
            Technique::Threads if t <= p || close => {
                "agrees: waiting releases the GIL, and threads cost less to start".into()
            }
            Technique::Processes if p < t && !close => {
                "agrees: the GIL lets one thread run Python code at a time".into()
            }
            _ => "differs on this run".into(),
        };
    }
    match notes {
        Technique::Threads if t <= p || close => {
            "agrees: threads overlap the work as well as processes do, and cost less to start".into()
        }
        Technique::Processes if p < t && !close => "agrees".into(),
        Technique::Processes if close => {
            "either: Rust threads have no GIL, so they use every core as processes do".into()
        }
        Technique::Processes => "differs: Rust threads have no GIL, use every core and share the data instead of copying it to each process".into(),
        _ => "differs: processes were faster on this run".into(),
    }
}

/// Every time as `language<TAB>when.<row>.<technique><TAB>seconds` lines (what `make bench`
/// charts).
pub fn tsv(rows: &[Row], language: &str) -> String {
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        for (t, times) in TECHNIQUES.iter().zip(&row.times) {
            for time in times {
                _ = writeln!(out, "{language}\twhen.{r}.{t:?}\t{time}");
            }
        }
    }
    out
}
