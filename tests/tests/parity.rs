//! Python beside Rust: every program has a Python twin beside its `src/main.rs` (same arguments).
//! Each transcript that says `python: same` (or `same first line`) is run with the twin too, under
//! every start method where it says so, and Python's stdout must match the transcript as Rust's
//! does (`transcripts.rs`).

use tests::transcripts::{self, Python};
use tests::{python3_at_least, run};

#[test]
fn every_twin_prints_what_its_transcript_says() {
    if !python3_at_least((3, 8), "the Python comparison") {
        return;
    }
    for t in transcripts::all() {
        if matches!(t.python, Python::Differs(_)) {
            continue;
        }
        if let Some(version) = t.needs_python {
            if !python3_at_least(version, &format!("{}'s comparison", t.path.display())) {
                continue;
            }
        }
        for args in t.runs() {
            let out = run(&mut t.python(&args));
            let stdout = out.success();
            let agrees = match t.python {
                Python::Same => t.accepts(stdout),
                _ => {
                    let first = t.expected.lines().next().unwrap_or_default();
                    transcripts::matches(first, stdout.lines().next().unwrap_or_default())
                }
            };
            assert!(
                agrees,
                "{}: python3 {} printed:\n{stdout}\nexpected:\n{}",
                t.path.display(),
                args.join(" "),
                t.expected
            );
        }
    }
}

/// Beyond `i64` Python goes on; Rust refuses before any work, saying why, as a usage error.
#[test]
fn a_number_beyond_i64_is_refused_with_the_reason() {
    let out = run(tests::example("process-pool").arg("9223372036854775808"));
    assert!(
        out.failure(2).contains("Python's ints are unbounded"),
        "{out:?}"
    );
}
