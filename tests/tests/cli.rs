//! Every program's command line: `--help` works, bad input is a short usage error (exit 2), no panic.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use tests::transcripts;
use tests::{example, run, run_to};

/// Each program (the workspace's, from `tests::transcripts`) with the first numeric option its
/// `--help` lists (one with a number as its default), or `""` when it has none.
fn programs() -> Vec<(String, String)> {
    numeric_options()
        .into_iter()
        .map(|(p, options)| (p.name, options.into_iter().next().unwrap_or_default()))
        .collect()
}

#[test]
fn help_exits_zero_for_every_program() {
    for (program, _) in &programs() {
        let out = run(example(program).arg("--help"));
        assert!(out.success().contains("Usage:"), "{program}: {out:?}");
    }
}

#[test]
fn unknown_flags_and_non_numbers_are_usage_errors() {
    for (program, numeric) in &programs() {
        let out = run(example(program).arg("--no-such-flag"));
        assert!(
            out.failure(2).contains("--no-such-flag"),
            "{program}: {out:?}"
        );
        if !numeric.is_empty() {
            let out = run(example(program).args([numeric, "soon"]));
            assert!(out.failure(2).contains("soon"), "{program}: {out:?}");
        }
    }
}

/// `program` with arguments that make it print soon: its first transcript's, from the
/// repository's root.
fn quick(program: &str) -> std::process::Command {
    let all = transcripts::programs();
    let found = all.iter().find(|p| p.name == program).expect("a program");
    let first = &found.transcripts()[0];
    first.rust(&first.args)
}

/// `program | head -0`: stdout is a pipe nobody reads. Each program ends as `cat` would, killed by
/// SIGPIPE, with nothing on stderr. Where a child process is the one that prints, the child is
/// killed so and the parent says so in one line (exit 1). Never a panic, never a hang.
#[test]
fn a_closed_stdout_ends_every_program_quietly() {
    for (program, _) in &programs() {
        let (read_end, write_end) = nix::unistd::pipe().unwrap();
        drop(read_end);
        let out = run_to(&mut quick(program), Stdio::from(write_end));
        assert!(!out.stderr.contains("panicked"), "{program}: {out:?}");
        if *program == "simple-process" {
            assert!(out.failure(1).ends_with("was killed by SIGPIPE"), "{out:?}");
        } else {
            assert_eq!(out.status.signal(), Some(13), "{program}: SIGPIPE, {out:?}");
            assert_eq!(out.stderr, "", "{program}");
        }
    }
}

/// `program > /dev/full`: one line on stderr, exit 1.
#[test]
fn a_full_stdout_is_a_one_line_error() {
    for (program, _) in &programs() {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_to(&mut quick(program), Stdio::from(full));
        let line = out.failure(1);
        assert!(
            line.starts_with("error: writing to stdout: No space left on device")
                || line.starts_with("error: child process "),
            "{program}: {out:?}"
        );
    }
    // A child that writes the output: one line, the parent's, with the child's error as its
    // cause (the child tells its parent instead of printing), under every start method.
    for method in tests::START_METHODS {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_to(
            example("simple-process").args(["--start-method", method]),
            Stdio::from(full),
        );
        let line = out.failure(1);
        assert!(
            line.starts_with("error: child process ")
                && line.contains(" exited with code 1: writing to stdout: No space left on device"),
            "{method}: {out:?}"
        );
        assert_eq!(out.stderr.lines().count(), 1, "{method}: {out:?}");
    }
}

#[test]
fn counts_that_input_multiplies_are_capped() {
    let out = run(example("lock-counter").args(["--threads", "40000"]));
    assert!(out.failure(2).contains("40000"), "{out:?}");
    let lengths: Vec<String> = (0..300).map(|n| n.to_string()).collect();
    let out = run(example("as-completed").args(&lengths));
    assert!(out.failure(2).contains("no more were expected"), "{out:?}");
    // A unit is at most a day, so even 4294967295 units cannot overflow a `Duration`.
    let out =
        run(example("as-completed").args(["4294967295", "--unit-ms", "18446744073709551615"]));
    assert!(
        out.failure(2)
            .contains("not a whole number from 0 to 86400000"),
        "{out:?}"
    );
}

/// Absurd input to every binary: the right output, or one line and exit 2. Never a panic, never
/// an abort, never a hang (each run is under `tests::run`'s timeout).
#[test]
fn absurd_numbers_and_counts_are_usage_errors_or_right_answers() {
    for (program, numeric) in &programs() {
        if numeric.is_empty() {
            continue;
        }
        for bad in ["-1", "0", "18446744073709551616", "1e3", ""] {
            let out = run(example(program).args([numeric, bad]));
            if out.status.success() {
                // Zero is a valid delay, or a count that means none (no producers: Python's
                // twin accepts it too, and prints an empty result); anything else is refused.
                assert_eq!(bad, "0", "{program} {numeric} {bad}: {out:?}");
                let fine = numeric.ends_with("-ms") || numeric == "--producers";
                assert!(fine, "{program} {numeric} 0: {:?}", out.status);
            } else {
                out.failure(2);
            }
        }
    }
    for delay in ["--delay-ms", "--interval-ms", "--run-for-ms"] {
        let program = if delay == "--delay-ms" {
            "simple-thread"
        } else {
            "daemon-thread"
        };
        let out = run(example(program).args([delay, "18446744073709551615"]));
        assert!(
            out.failure(2)
                .contains("not a whole number from 0 to 86400000"),
            "{out:?}"
        );
    }
    // A hundred thousand numbers through the pool: the right answer.
    let numbers: Vec<String> = (0..100_000).map(|n| n.to_string()).collect();
    let out = run(example("process-pool").args(&numbers));
    let expected: Vec<String> = (0..100_000u64).map(|n| (n * n).to_string()).collect();
    assert_eq!(out.success(), format!("[{}]\n", expected.join(", ")));
}

/// Every numeric option `--help` lists with a number as its default, by program.
fn numeric_options() -> Vec<(transcripts::Program, Vec<String>)> {
    transcripts::programs()
        .into_iter()
        .map(|p| {
            let help = run(example(&p.name).arg("--help")).success().to_owned();
            let options = help
                .lines()
                .filter(|l| {
                    l.split("[default: ")
                        .nth(1)
                        .and_then(|d| d.strip_suffix(']'))
                        .is_some_and(|d| d.parse::<u64>().is_ok())
                })
                .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
                .map(str::to_owned)
                .collect();
            (p, options)
        })
        .collect()
}

/// The `not a whole number from LO to HI` part of an error line.
fn range_words(line: &str) -> &str {
    line.split("not a whole number").nth(1).unwrap_or_default()
}

/// Every numeric option, in both languages, answers a negative number (as its own word and after
/// `=`), a word, an overflowing number and Python-only spellings (`1_000`, ` 5`) with one line on
/// stderr that names the option and its range, in the same words, and exit code 2. The twins of
/// the measuring programs are left out: only their Rust programs run them, with checked values.
#[test]
fn every_bad_number_is_one_line_naming_the_option_and_its_range_in_both_languages() {
    let python = tests::python3_at_least((3, 8), "the twins' refusals");
    let mut checked = 0;
    for (program, options) in numeric_options() {
        let twin = program
            .twin()
            .filter(|_| python && !program.folder.starts_with("examples-compare/"));
        for option in &options {
            for bad in ["-5", "soon", "99999999999999999999", "1_000", " 5"] {
                let split = [option.clone(), bad.to_owned()];
                let joined = [format!("{option}={bad}")];
                for args in [&split[..], &joined[..]] {
                    let out = run(example(&program.name).args(args));
                    let line = out.failure(2);
                    assert_eq!(
                        out.stderr.lines().count(),
                        1,
                        "{}: {args:?}: {out:?}",
                        program.name
                    );
                    assert!(
                        line.contains(option.as_str()) && line.contains("not a whole number from"),
                        "{}: {args:?}: {line}",
                        program.name
                    );
                    if let Some(twin) = &twin {
                        let mut cmd = std::process::Command::new("python3");
                        cmd.arg(twin).args(args).current_dir(tests::repo_path("."));
                        let py = run(&mut cmd);
                        let py_line = py.failure(2);
                        assert_eq!(py.stderr.lines().count(), 1, "{twin} {args:?}: {py:?}");
                        assert!(
                            py_line.contains(option.as_str()),
                            "{twin} {args:?}: {py_line}"
                        );
                        assert_eq!(
                            range_words(py_line),
                            range_words(line),
                            "{twin} {args:?}: Python says {py_line:?}, Rust {line:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 250, "only {checked} refusals checked");
}
