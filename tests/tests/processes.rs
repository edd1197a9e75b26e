//! The process programs (notes § Multiprocessing), run as a user runs them.
//!
//! `common`'s failure cases (workers that die or stop, owners killed, queues whose writers are
//! gone) are the `faults` test (`tests/tests/faults/`): cases that assert on the typed error, each
//! in a process of its own, since `fork` is not allowed in this multi-threaded harness.

use std::collections::BTreeSet;

use tests::{START_METHODS, example, run};

#[test]
fn simple_process_squares_in_a_child_under_every_start_method() {
    assert_eq!(run(&mut example("simple-process")).success(), "25\n");
    assert_eq!(run(example("simple-process").arg("7")).success(), "49\n");
    for method in START_METHODS {
        let out = run(example("simple-process").args(["-3", "--start-method", method]));
        assert_eq!(out.success(), "9\n", "{method}");
    }
}

#[test]
fn process_pool_squares_in_input_order_under_every_start_method() {
    assert_eq!(
        run(&mut example("process-pool")).success(),
        "[1, 4, 9, 16, 25]\n"
    );
    for method in START_METHODS {
        let out = run(example("process-pool").args(["3", "4", "--start-method", method]));
        assert_eq!(out.success(), "[9, 16]\n", "{method}");
        let out = run(example("process-pool").args(["--workers", "1", "5", "-6", "7", "0"]));
        assert_eq!(out.success(), "[25, 36, 49, 0]\n", "{method}");
    }
}

#[test]
fn process_pool_work_is_spread_over_worker_processes() {
    for method in START_METHODS {
        let out =
            run(example("process-pool").args(["-v", "--workers", "3", "--start-method", method]));
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
        assert_eq!(workers.len(), 3, "{method}: {}", out.stderr);
        assert!(!workers.contains(&parent));
        assert!(out.stderr.contains(" handled item 0\n"), "{}", out.stderr);
    }
}

#[test]
fn queue_ipc_passes_the_workers_message_under_every_start_method() {
    assert_eq!(
        run(&mut example("queue-ipc")).success(),
        "Hello from worker\n"
    );
    for method in START_METHODS {
        let out = run(example("queue-ipc").args(["--start-method", method]));
        assert_eq!(out.success(), "Hello from worker\n", "{method}");
    }
}

/// The segments a run says it made (`named shared memory: /dev/shm/…` on stderr).
fn segments_named(stderr: &str) -> Vec<std::path::PathBuf> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("named shared memory: "))
        .map(std::path::PathBuf::from)
        .collect()
}

/// Every named segment the program's runs made is gone when they end. Only these runs' own
/// names are checked, never the machine-wide `/dev/shm` listing. (Children that crash holding a
/// segment, and every signal that may end the program: the `faults` cases `shared::` and
/// `owner_killed::`.)
#[test]
fn shared_memory_anonymous_and_named_under_every_start_method_leaves_nothing_in_dev_shm() {
    let mut made = Vec::new();
    for method in START_METHODS {
        for named in [false, true] {
            let mut cmd = example("shared-memory");
            cmd.args(["--start-method", method, "-v"]);
            if named {
                cmd.arg("--named");
            }
            let out = run(&mut cmd);
            assert_eq!(
                out.success(),
                "3.1415 [0, -1, -2, -3, -4]\n",
                "{method} {named}"
            );
            assert_eq!(
                segments_named(&out.stderr).len(),
                usize::from(named),
                "{out:?}"
            );
            made.extend(segments_named(&out.stderr));
        }
    }
    assert_eq!(made.len(), 3);
    let left: Vec<_> = made.iter().filter(|path| path.exists()).collect();
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
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
    let out = run(example("process-pool").arg("9223372036854775808"));
    assert!(out.failure(2).contains("9223372036854775808"), "{out:?}");
    assert!(
        run(example("process-pool").args(["--workers", "0"]))
            .failure(2)
            .contains("--workers")
    );
    assert!(
        run(example("simple-process").arg("-9223372036854775809"))
            .failure(2)
            .contains("-9223372036854775809")
    );
    assert!(
        run(example("simple-process").args(["--start-method", "vfork"]))
            .failure(2)
            .contains("vfork")
    );
}

#[test]
fn process_lock_loses_nothing_with_the_lock_and_certainly_loses_without() {
    for method in START_METHODS {
        let out = run(example("process-lock").args([
            "--processes",
            "3",
            "--increments",
            "2000",
            "--start-method",
            method,
        ]));
        let stdout = out.success();
        let count = |prefix: &str| -> u64 {
            let line = stdout
                .lines()
                .find(|l| l.starts_with(prefix))
                .expect(prefix);
            line[prefix.len()..].trim().parse().expect("a count")
        };
        assert_eq!(count("with lock:"), 6000, "{method}: {stdout}");
        // Certain by construction: all three first reads see 0, so at least 2 updates are lost.
        assert!(
            (1..=5998).contains(&count("without lock:")),
            "{method}: {stdout}"
        );
    }
}

/// Out of descriptors, the error says so (EMFILE), under every start method, in one line
/// whatever number of children fail (a child tells its error to its parent, which reports it as
/// the cause); a healthy fork server is never killed and blamed for it.
#[test]
fn running_out_of_descriptors_is_one_line_that_says_so() {
    for program in [
        "process-pool",
        "process-lock",
        "queue-ipc",
        "simple-process",
        "pipe-ipc",
    ] {
        let binary = example(program).get_program().to_owned();
        for method in START_METHODS {
            for limit in [8, 10, 12, 14, 16] {
                let case = format!("{program} {method} ulimit -n {limit}");
                let out = run(std::process::Command::new("sh")
                    .args(["-c", "ulimit -n \"$1\"; exec \"$0\" --start-method \"$2\""])
                    .arg(&binary)
                    .arg(limit.to_string())
                    .arg(method));
                if out.status.success() {
                    continue; // Enough descriptors at this limit for this method.
                }
                let line = out.failure(1);
                assert_eq!(out.stderr.lines().count(), 1, "{case}: {out:?}");
                assert!(line.contains("Too many open files"), "{case}: {out:?}");
                assert!(!line.contains("SIGKILL"), "{case}: {out:?}");
            }
        }
    }
}

/// Out of descriptors (`ulimit -n 10`) under each start method: wherever it happens (starting the
/// child, or inside the child while it decodes its argument), the error names it, in one line
/// from the program and exit code 1, never postcard's bare "Serde Deserialization Error".
#[test]
fn out_of_descriptors_is_named_wherever_it_happens() {
    for method in START_METHODS {
        let binary = tests::example("shared-memory").get_program().to_owned();
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("-c")
            .arg("ulimit -n 10; exec \"$0\" --named --start-method \"$1\"")
            .arg(binary)
            .arg(method);
        let out = tests::run(&mut cmd);
        let line = out.failure(1);
        assert!(line.contains("Too many open files"), "{method}: {out:?}");
        assert!(!out.stderr.contains("Serde"), "{method}: {out:?}");
    }
}
