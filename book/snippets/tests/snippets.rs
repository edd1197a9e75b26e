//! Every lesson is run in both languages and checked against one transcript: the Rust snippet
//! `examples/NAME.rs` and the Python lesson `python/NAME.py` must print what
//! `transcripts/NAME.run` says (`[..]` absorbs a timing; `python: same first line` checks only
//! Python's first line). The code a reader copies from the book works, and says what the page says.

use std::path::{Path, PathBuf};
use std::process::Command;

use tests::transcripts::{self, Python, Transcript};

fn here(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Every lesson's name: one per file in `examples/`.
fn lessons() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(here("examples"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn transcript(name: &str) -> Transcript {
    Transcript::read(&here(&format!("transcripts/{name}.run")))
        .unwrap_or_else(|e| panic!("{name}: its transcript: {e}"))
}

#[test]
fn every_rust_lesson_prints_what_its_transcript_says() {
    let names = lessons();
    assert!(names.len() >= 25, "{names:?}");
    for name in names {
        let t = transcript(&name);
        assert_eq!(
            t.program, name,
            "{name}: the transcript runs another lesson"
        );
        let out = tests::run(&mut Command::new(example(&name)));
        let stdout = out.success();
        assert!(
            t.accepts(stdout),
            "{name}.rs printed:\n{stdout}\nexpected:\n{}",
            t.expected
        );
    }
}

#[test]
fn every_python_lesson_prints_what_its_transcript_says() {
    if !tests::python3_at_least((3, 8), "the Python lessons") {
        return;
    }
    for name in lessons() {
        let t = transcript(&name);
        let python = here(&format!("python/{name}.py"));
        assert!(python.is_file(), "{name}: no python/{name}.py beside it");
        let lines = std::fs::read_to_string(&python).unwrap().lines().count();
        assert!(lines <= 30, "{name}.py: {lines} lines is not lesson-sized");
        let out = tests::run(Command::new("python3").arg(&python));
        let stdout = out.success();
        let agrees = match &t.python {
            Python::Same => t.accepts(stdout),
            Python::SameFirstLine => transcripts::matches(
                t.expected.lines().next().unwrap_or_default(),
                stdout.lines().next().unwrap_or_default(),
            ),
            Python::Differs(_) => true,
        };
        assert!(
            agrees,
            "{name}.py printed:\n{stdout}\nexpected:\n{}",
            t.expected
        );
    }
}

/// The example's binary: the one `cargo test` built beside this test's (in `target/…/examples/`)
/// if it is newer than its source, or else (`cargo test --test snippets` builds no examples)
/// built now.
fn example(name: &str) -> PathBuf {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let source = here(&format!("examples/{name}.rs"));
    let beside = std::env::current_exe()
        .ok()
        .and_then(|test| Some(test.parent()?.parent()?.join("examples").join(name)));
    if let Some(path) = beside.filter(|p| modified(p) > modified(&source)) {
        return path;
    }
    escargot::CargoBuild::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .example(name)
        .run()
        .unwrap_or_else(|e| panic!("building {name}: {e}"))
        .path()
        .to_owned()
}
