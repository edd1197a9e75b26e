//! The threading programs (notes § Multithreading): exact stdout with millisecond delays.

use std::time::{Duration, Instant};

use tests::{example, run};

#[test]
fn simple_thread_prints_zero_to_four() {
    let out = run(example("simple-thread").args(["--delay-ms", "1"]));
    assert_eq!(out.success(), "0\n1\n2\n3\n4\n");
}

#[test]
fn thread_args_greets_alice_by_default_and_anyone_named() {
    assert_eq!(
        run(&mut example("thread-args")).success(),
        "Hello, Alice!\n"
    );
    assert_eq!(
        run(example("thread-args").arg("Bob")).success(),
        "Hello, Bob!\n"
    );
}

/// Parses `with lock: N\nwithout lock: M\n` into (N, M).
fn counts(stdout: &str) -> (u64, u64) {
    let mut lines = stdout.lines();
    let mut value = |label: &str| -> u64 {
        let line = lines.next().expect("a line per counter");
        let n = line
            .strip_prefix(label)
            .unwrap_or_else(|| panic!("{line:?} lacks {label:?}"));
        n.parse().expect("a count")
    };
    let counts = (value("with lock: "), value("without lock: "));
    assert_eq!(lines.next(), None, "exactly two lines");
    counts
}

#[test]
fn lock_counter_loses_nothing_with_the_lock_and_certainly_loses_without() {
    let (with, without) = counts(run(&mut example("lock-counter")).success());
    assert_eq!(with, 8 * 100_000);
    // Certain by construction: the 8 first reads all see 0, so at least 7 updates are lost.
    assert!((1..=with - 7).contains(&without), "without lock: {without}");

    for _ in 0..5 {
        let out = run(example("lock-counter").args(["--threads", "3", "--increments", "1000"]));
        let (with, without) = counts(out.success());
        assert_eq!(with, 3000);
        assert!((1..=2998).contains(&without), "without lock: {without}");
    }
}

#[test]
fn daemon_thread_dies_with_the_process() {
    let started = Instant::now();
    let out = run(example("daemon-thread").args(["--interval-ms", "10", "--run-for-ms", "200"]));
    let elapsed = started.elapsed();
    let stdout = out.success();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(stdout.lines().count() >= 5, "only {:?}", stdout);
    assert!(
        stdout.lines().all(|l| l == "Running background task"),
        "{stdout:?}"
    );
}

#[test]
fn thread_lifecycle_walks_the_five_states_in_order() {
    let out = run(&mut example("thread-lifecycle"));
    assert!(
        out.stdout.contains("asleep in recv()"),
        "observed, not assumed: {out:?}"
    );
    let states: Vec<&str> = out
        .success()
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "New",
            "Runnable",
            "Running",
            "Blocked/Waiting",
            "Terminated"
        ]
    );
}
