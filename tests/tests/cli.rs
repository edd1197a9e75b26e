//! Every program's command line: `--help` works, bad input is a short usage error (exit 2), no panic.

use tests::{example, run};

/// Each program with a numeric option it takes.
const PROGRAMS: &[(&str, &str)] = &[
    ("simple-thread", "--delay-ms"),
    ("thread-args", ""),
    ("lock-counter", "--threads"),
    ("daemon-thread", "--interval-ms"),
    ("thread-lifecycle", ""),
    ("simple-process", ""),
    ("process-pool", "--workers"),
    ("queue-ipc", ""),
    ("shared-memory", ""),
    ("executors", "--workers"),
    ("as-completed", "--unit-ms"),
];

#[test]
fn help_exits_zero_for_every_program() {
    for (program, _) in PROGRAMS {
        let out = run(example(program).arg("--help"));
        assert!(out.success().contains("Usage:"), "{program}: {out:?}");
    }
}

#[test]
fn unknown_flags_and_non_numbers_are_usage_errors() {
    for (program, numeric) in PROGRAMS {
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
