//! The process programs (notes § Multiprocessing) and `common`'s process machinery.
//!
//! Failure cases run in `process-faults`, a single-threaded binary: `fork` is not allowed in this
//! multi-threaded harness. Each case ends by reporting that every child was reaped and every
//! descriptor closed.

use std::collections::BTreeSet;

use tests::{binary, example, faults, run};

#[test]
fn simple_process_squares_in_a_child_with_either_start_method() {
    assert_eq!(run(&mut example("simple-process")).success(), "25\n");
    assert_eq!(run(example("simple-process").arg("7")).success(), "49\n");
    for method in ["fork", "spawn"] {
        let out = run(example("simple-process").args(["-3", "--start-method", method]));
        assert_eq!(out.success(), "9\n", "{method}");
    }
}

#[test]
fn process_pool_squares_in_input_order() {
    assert_eq!(
        run(&mut example("process-pool")).success(),
        "[1, 4, 9, 16, 25]\n"
    );
    assert_eq!(
        run(example("process-pool").args(["3", "4"])).success(),
        "[9, 16]\n"
    );
    let out = run(example("process-pool").args(["--workers", "1", "5", "-6", "7", "0"]));
    assert_eq!(out.success(), "[25, 36, 49, 0]\n");
}

#[test]
fn process_pool_work_is_spread_over_worker_processes() {
    let out = run(example("process-pool").args(["-v", "--workers", "3"]));
    assert_eq!(out.success(), "[1, 4, 9, 16, 25]\n");
    let pid_after = |prefix: &str, line: &str| -> Option<u32> {
        line.strip_prefix(prefix)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let parent = out
        .stderr
        .lines()
        .find_map(|l| pid_after("parent pid ", l))
        .expect("parent pid");
    let workers: BTreeSet<u32> = out
        .stderr
        .lines()
        .filter_map(|l| pid_after("worker pid ", l))
        .collect();
    // Every worker is given a chunk before any reply is read, so 5 chunks reach 3 workers.
    assert_eq!(workers.len(), 3, "{}", out.stderr);
    assert!(!workers.contains(&parent));
}

#[test]
fn queue_ipc_passes_the_workers_message() {
    assert_eq!(
        run(&mut example("queue-ipc")).success(),
        "Hello from worker\n"
    );
}

/// The entries `shared_memory` creates in `/dev/shm`.
fn named_segments() -> BTreeSet<String> {
    let entries = std::fs::read_dir("/dev/shm").expect("listing /dev/shm");
    entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("shmem_"))
        .collect()
}

/// The only test that creates named segments, so that nothing else changes `/dev/shm` meanwhile.
#[test]
fn shared_memory_anonymous_and_named_forked_and_spawned_leaves_nothing_in_dev_shm() {
    let before = named_segments();
    for flags in [
        &[][..],
        &["--named"],
        &["--start-method", "spawn"],
        &["--named", "--start-method", "spawn"],
    ] {
        let out = run(example("shared-memory").args(flags));
        assert_eq!(out.success(), "3.1415 [0, -1, -2, -3, -4]\n", "{flags:?}");
    }
    assert_eq!(named_segments(), before, "after a successful run");

    let out = faults("shm-crash-before-attach");
    assert!(out.starts_with("join: child process "), "{out}");
    assert!(
        out.contains("was killed by SIGABRT\nfirst element: 0\n"),
        "{out}"
    );
    assert_eq!(
        named_segments(),
        before,
        "after a child crashed before attaching"
    );

    let out = faults("shm-crash-after-attach");
    assert!(
        out.contains("was killed by SIGABRT\nfirst element: 42\n"),
        "{out}"
    );
    assert_eq!(
        named_segments(),
        before,
        "after a child crashed after attaching"
    );
}

#[test]
fn a_panicking_task_is_an_error_naming_item_and_message_and_the_pool_lives_on() {
    let out = faults("pool-panic");
    assert!(
        out.starts_with("map: task panicked on item 3 (3): "),
        "{out}"
    );
    assert!(out.contains("three is right out"), "{out}");
    assert!(out.contains("\nafter: [0, 2, 4, 6]\n"), "{out}");
}

#[test]
fn a_dead_worker_fails_map_within_a_second_and_breaks_the_pool() {
    for (case, how) in [
        ("pool-kill", "was killed by SIGKILL"),
        ("pool-abort", "was killed by SIGABRT"),
        ("pool-exit", "exited with code 3"),
    ] {
        let out = faults(case);
        let first = out.lines().next().unwrap();
        assert!(first.starts_with("map: worker process "), "{case}: {out}");
        assert!(
            first.ends_with(&format!("{how} while working on items 3..4")),
            "{case}: {out}"
        );
        assert!(out.contains("\nwithin 1 s: true\n"), "{case}: {out}");
        assert!(
            out.contains("\nafter: the process pool is broken: worker process "),
            "{case}: {out}"
        );
    }
}

#[test]
fn a_hundred_thousand_items_come_back_in_order_in_few_chunks() {
    let out = run(binary("tests", "process-faults").arg("pool-many"));
    assert!(out.success().starts_with("in order: true\n"), "{out:?}");
    let chunks = out
        .stderr
        .lines()
        .filter(|l| l.contains(" handled items "))
        .count();
    assert_eq!(
        chunks, 16,
        "four chunks per worker, as Python's default chunksize"
    );
}

#[test]
fn a_queue_whose_writers_are_gone_fails_get_instead_of_hanging() {
    let out = faults("queue-no-put");
    assert!(
        out.starts_with("get: the queue is empty and every writer has closed it\n"),
        "{out}"
    );
}

#[test]
fn joining_before_draining_a_ten_mib_message_does_not_deadlock() {
    let out = faults("queue-join-first");
    assert!(
        out.starts_with("joined before getting: ok\nfirst intact: true\nsecond: and a small one\n"),
        "{out}"
    );
}

#[test]
fn many_writers_never_interleave_messages() {
    let out = faults("queue-writers");
    assert!(
        out.starts_with(
            "intact messages: 100\nthen: the queue is empty and every writer has closed it\n"
        ),
        "{out}"
    );
}

#[test]
fn the_shared_lock_excludes_other_processes_and_dies_with_its_holder() {
    assert_eq!(
        faults("shared-lock"),
        "with lock: 80000\nholder: was killed by SIGKILL\nlock taken after its holder died: true\n\
         children: none\ndescriptors: as before\n"
    );
}

#[test]
fn get_timeout_returns_none_while_a_writer_is_alive() {
    assert!(faults("queue-timeout").starts_with("get_timeout: None\n"));
}

#[test]
fn non_numbers_squares_that_overflow_and_zero_workers_are_usage_errors() {
    assert!(
        run(example("process-pool").args(["3", "four"]))
            .failure(2)
            .contains("four")
    );
    assert!(
        run(example("simple-process").arg("five"))
            .failure(2)
            .contains("five")
    );
    let out = run(example("process-pool").arg("3037000500"));
    assert!(out.failure(2).contains("3037000500"), "{out:?}");
    assert!(
        run(example("process-pool").args(["--workers", "0"]))
            .failure(2)
            .contains("--workers")
    );
    assert!(
        run(example("simple-process").arg("-3037000500"))
            .failure(2)
            .contains("-3037000500")
    );
    assert!(
        run(example("simple-process").args(["--start-method", "vfork"]))
            .failure(2)
            .contains("vfork")
    );
}
