//! Every documented run (`examples-*/*/transcripts/*.run`) prints what its transcript says, under
//! every start method where it says so.

use tests::run;
use tests::transcripts::{self, Python};

#[test]
fn every_program_has_a_python_twin_and_a_transcript() {
    let programs = transcripts::programs();
    assert!(programs.len() >= 25, "{programs:?}");
    for program in &programs {
        assert!(
            program.twin().is_some(),
            "{}: no single .py twin",
            program.folder
        );
        assert!(
            !program.transcripts().is_empty(),
            "{}: no transcripts/*.run",
            program.folder
        );
    }
}

#[test]
fn every_transcript_is_what_its_program_prints() {
    for t in transcripts::all() {
        for args in t.runs() {
            let out = run(&mut t.rust(&args));
            let stdout = out.success();
            assert!(
                t.accepts(stdout),
                "{}: `{} {}` printed:\n{stdout}\nexpected:\n{}",
                t.path.display(),
                t.program,
                args.join(" "),
                t.expected
            );
        }
    }
}

/// A transcript that says `python: same` claims something a test can check: Python's stdout must
/// match too (it is checked in `parity.rs`); one that differs must say why.
#[test]
fn every_difference_from_python_gives_its_reason() {
    for t in transcripts::all() {
        if let Python::Differs(why) = &t.python {
            assert!(why.len() > 10, "{}: say why", t.path.display());
        }
        if t.markdown {
            assert!(t.expected.starts_with("# "), "{}: a page", t.path.display());
        }
    }
}

/// The README's map of sections to programs is what `make readme` writes now.
#[test]
fn the_readmes_map_is_up_to_date() {
    let readme = std::fs::read_to_string(tests::repo_path("README.md")).unwrap();
    let map = tests::readme_map::render().unwrap();
    let updated = tests::readme_map::replaced(&readme, &map).expect("the README has a map");
    assert!(
        readme == updated,
        "README.md's map is stale: run `make readme`"
    );
}
