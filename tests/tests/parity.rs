//! Python beside Rust: every program has a Python twin beside its `src/main.rs` (same arguments),
//! and where the README claims the same output, both are run and their stdout compared.
//!
//! `daemon-thread` (how many lines depends on timing) and `thread-lifecycle` (the lines name each
//! language's own calls) make no such claim; `lock-counter` claims it for its locked total only.

use std::path::PathBuf;
use std::process::Command;

use tests::{START_METHODS, example, run};

/// Every program, and its twin's file name.
const TWINS: &[(&str, &str, &str)] = &[
    ("examples-threads", "simple-thread", "simple_thread.py"),
    ("examples-threads", "thread-args", "thread_args.py"),
    ("examples-threads", "lock-counter", "lock_counter.py"),
    ("examples-threads", "daemon-thread", "daemon_thread.py"),
    (
        "examples-threads",
        "thread-lifecycle",
        "thread_lifecycle.py",
    ),
    ("examples-processes", "simple-process", "simple_process.py"),
    ("examples-processes", "process-pool", "process_pool.py"),
    ("examples-processes", "queue-ipc", "queue_ipc.py"),
    ("examples-processes", "shared-memory", "shared_memory.py"),
    ("examples-futures", "executors", "executors.py"),
    ("examples-futures", "as-completed", "as_completed.py"),
    ("examples-threads", "thread-local", "thread_local.py"),
    (
        "examples-threads",
        "producer-consumer",
        "producer_consumer.py",
    ),
    ("examples-threads", "sync-primitives", "sync_primitives.py"),
    ("examples-processes", "pipe-ipc", "pipe_ipc.py"),
    ("examples-processes", "process-lock", "process_lock.py"),
    ("examples-processes", "pool-api", "pool_api.py"),
    ("examples-futures", "executor-api", "executor_api.py"),
    (
        "examples-compare",
        "threads-vs-processes",
        "threads_vs_processes.py",
    ),
    ("examples-compare", "when-to-use", "when_to_use.py"),
    ("examples-async", "async-basics", "async_basics.py"),
    ("examples-async", "async-queue", "async_queue.py"),
    ("examples-async", "async-timeouts", "async_timeouts.py"),
    ("examples-async", "async-bridge", "async_bridge.py"),
    ("examples-async", "async-blocking", "async_blocking.py"),
];

fn twin(package: &str) -> PathBuf {
    let (folder, _, file) = TWINS
        .iter()
        .find(|(_, p, _)| *p == package)
        .expect("listed");
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../{folder}/{package}/{file}"))
}

/// `python3`, or `None` after saying, in one line, that the comparison is skipped.
fn python3() -> Option<Command> {
    let found = Command::new("python3").arg("--version").output();
    if found.is_ok_and(|out| out.status.success()) {
        Some(Command::new("python3"))
    } else {
        eprintln!("skipping the Python comparison: python3 not found");
        None
    }
}

/// Whether python3 is 3.11 or later (`async_timeouts.py` uses `asyncio.timeout` and `TaskGroup`,
/// new in 3.11); says so in one line when it is not.
fn python3_has_task_groups() -> bool {
    let version = Command::new("python3")
        .args(["-c", "import sys; print(sys.version_info >= (3, 11))"])
        .output();
    let yes = version.is_ok_and(|out| out.stdout.starts_with(b"True"));
    if !yes {
        eprintln!("skipping async-timeouts' comparison: it needs Python 3.11 or later");
    }
    yes
}

/// Runs `package` and its twin with `args`; returns both stdouts (Rust's, Python's).
fn both(package: &str, args: &[&str]) -> Option<(String, String)> {
    let mut python = python3()?;
    let rust = run(example(package).args(args)).success().to_owned();
    let py = run(python.arg(twin(package)).args(args))
        .success()
        .to_owned();
    Some((rust, py))
}

/// `args` with `--start-method METHOD`, put before a bare `--`, which must stay last.
fn with_start_method<'a>(args: &[&'a str], method: &'a str) -> Vec<&'a str> {
    let dash = args.last() == Some(&"--");
    let mut args: Vec<&str> = args[..args.len() - usize::from(dash)].to_vec();
    args.extend(["--start-method", method]);
    args.extend(dash.then_some("--"));
    args
}

#[test]
fn every_program_has_a_python_twin_beside_it() {
    for (_, package, _) in TWINS {
        assert!(
            twin(package).is_file(),
            "{package}: {}",
            twin(package).display()
        );
    }
}

#[test]
fn the_thread_programs_print_what_python_prints() {
    for (package, args) in [
        ("simple-thread", &["--delay-ms", "1"][..]),
        ("thread-args", &[]),
        ("thread-args", &["Bob"]),
        ("as-completed", &["--unit-ms", "150"]),
        ("as-completed", &["--unit-ms", "150", "2", "1"]),
        ("thread-local", &[]),
        ("thread-local", &["--threads", "7"]),
        ("producer-consumer", &[]),
        (
            "producer-consumer",
            &[
                "--producers",
                "5",
                "--consumers",
                "1",
                "--items",
                "3",
                "--maxsize",
                "1",
            ],
        ),
        ("producer-consumer", &["--items", "0"]),
        ("sync-primitives", &["--timer-ms", "5"]),
        ("sync-primitives", &["--threads", "8", "--timer-ms", "0"]),
        ("executor-api", &[]),
        ("executor-api", &["--timeout-ms", "0"]),
        ("executor-api", &["--rust-way"]),
    ] {
        let Some((rust, py)) = both(package, args) else {
            return;
        };
        assert_eq!(rust, py, "{package} {args:?}");
    }
    let Some((rust, py)) = both("lock-counter", &["--threads", "4", "--increments", "1000"]) else {
        return;
    };
    assert_eq!(rust.lines().next(), py.lines().next(), "the locked total");
}

#[test]
fn the_process_programs_print_what_python_prints_under_every_start_method() {
    for method in START_METHODS {
        for (package, args) in [
            ("simple-process", &["7"][..]),
            ("process-pool", &["3", "4", "--workers", "2"]),
            ("process-pool", &["--workers", "2", "--"]),
            ("queue-ipc", &[]),
            ("shared-memory", &[]),
            ("shared-memory", &["--named"]),
            ("executors", &["5", "-6", "--workers", "2"]),
            ("executors", &["--workers", "2", "--"]),
            ("pipe-ipc", &["5", "-6"]),
            ("pipe-ipc", &["--"]),
            ("pool-api", &[]),
            ("pool-api", &["3", "-4", "--workers", "3"]),
            ("pool-api", &["--workers", "1", "--"]),
        ] {
            let args = with_start_method(args, method);
            let Some((rust, py)) = both(package, &args) else {
                return;
            };
            assert_eq!(rust, py, "{package} {args:?}");
        }
        let args = [
            "--processes",
            "3",
            "--increments",
            "500",
            "--start-method",
            method,
        ];
        let Some((rust, py)) = both("process-lock", &args) else {
            return;
        };
        assert_eq!(rust.lines().next(), py.lines().next(), "the locked total");
    }
}

#[test]
fn the_async_programs_print_what_python_prints() {
    for (package, args) in [
        ("async-basics", &["--unit-ms", "20"][..]),
        ("async-basics", &["--unit-ms", "1", "2", "2", "0", "1"]),
        ("async-queue", &[]),
        (
            "async-queue",
            &[
                "--producers",
                "5",
                "--consumers",
                "1",
                "--items",
                "3",
                "--maxsize",
                "1",
            ],
        ),
        ("async-queue", &["--items", "0"]),
        ("async-timeouts", &[]),
        ("async-timeouts", &["--timeout-ms", "1"]),
        (
            "async-blocking",
            &["--block-ms", "30", "--tick-ms", "2", "--ticks", "3"],
        ),
        (
            "async-blocking",
            &["--block-ms", "0", "--tick-ms", "1", "--ticks", "2"],
        ),
    ] {
        if package == "async-timeouts" && !python3_has_task_groups() {
            continue;
        }
        let Some((rust, py)) = both(package, args) else {
            return;
        };
        assert_eq!(rust, py, "{package} {args:?}");
    }
    for method in START_METHODS {
        for args in [&["5", "-6"][..], &["--workers", "1", "--"]] {
            let args = with_start_method(args, method);
            let Some((rust, py)) = both("async-bridge", &args) else {
                return;
            };
            assert_eq!(rust, py, "async-bridge {args:?}");
        }
    }
}

/// The squares of the largest `i64`s, where `i64` arithmetic would overflow: every squaring
/// program prints Python's exact result (one start method: the arithmetic is the same in all).
#[test]
fn every_i64_squares_as_in_python() {
    let big = [
        "3037000500",
        "-3037000500",
        "9223372036854775807",
        "-9223372036854775808",
    ];
    for n in big {
        let Some((rust, py)) = both("simple-process", &[n]) else {
            return;
        };
        assert_eq!(rust, py, "simple-process {n}");
    }
    for package in ["process-pool", "executors", "pipe-ipc", "pool-api"] {
        let Some((rust, py)) = both(package, &big) else {
            return;
        };
        assert_eq!(rust, py, "{package} {big:?}");
    }
    // Beyond i64 Python goes on; Rust refuses before any work, saying why, as a usage error.
    let out = run(example("process-pool").arg("9223372036854775808"));
    assert!(
        out.failure(2).contains("Python's ints are unbounded"),
        "{out:?}"
    );
}
