//! The process programs (notes § Multiprocessing) and `common`'s process machinery.
//!
//! Failure cases run in `process-faults`, a single-threaded binary: `fork` is not allowed in this
//! multi-threaded harness. Each case ends by reporting that every child was reaped and every
//! descriptor closed.

use std::collections::BTreeSet;

use std::os::fd::AsFd;

use tests::{START_METHODS, binary, example, faults, faults_each_method, run, start_and_read_line};

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

/// Every named segment these runs made is gone when they end, even when a child crashed. Only
/// these runs' own names are checked, never the machine-wide `/dev/shm` listing.
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
        for (case, first) in [
            ("shm-crash-before-attach", 0),
            ("shm-crash-after-attach", 42),
        ] {
            let out = run(binary("tests", "process-faults").args([case, method]));
            let stdout = out.success();
            assert!(stdout.starts_with("join: child process "), "{stdout}");
            assert!(
                stdout.contains(&format!("was killed by SIGABRT\nfirst element: {first}\n")),
                "{case} {method}: {stdout}"
            );
            assert!(
                stdout.ends_with("children: none\ndescriptors: as before\n"),
                "{stdout}"
            );
            made.extend(segments_named(&out.stderr));
        }
    }
    assert_eq!(made.len(), 3 + 3 * 2);
    let left: Vec<_> = made.iter().filter(|path| path.exists()).collect();
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
}

#[test]
fn a_panicking_task_is_an_error_naming_item_and_message_and_the_pool_lives_on() {
    for (method, out) in faults_each_method("pool-panic") {
        assert!(
            out.starts_with("map: task panicked on item 3 (3): "),
            "{method}: {out}"
        );
        assert!(out.contains("three is right out"), "{out}");
        assert!(out.contains("\nafter: [0, 2, 4, 6]\n"), "{out}");
    }
}

#[test]
fn a_dead_worker_fails_map_within_a_second_and_breaks_the_pool() {
    for (case, how, exit) in [
        ("pool-kill", "was killed by SIGKILL", "Signal(SIGKILL)"),
        ("pool-abort", "was killed by SIGABRT", "Signal(SIGABRT)"),
        ("pool-exit", "exited with code 3", "Code(3)"),
        ("pool-exit-0", "exited with code 0", "Code(0)"),
    ] {
        for (method, out) in faults_each_method(case) {
            let first = out.lines().next().unwrap();
            assert!(
                first.starts_with("map: the process pool is broken: worker process "),
                "{case} {method}: {out}"
            );
            let matched = format!(
                "\nmatched: BrokenPool, exit Some({exit}), items Some(3..4), pid given: true\n"
            );
            assert!(out.contains(&matched), "{case} {method}: {out}");
            assert!(
                first.ends_with(&format!("{how} while working on item 3")),
                "{case} {method}: {out}"
            );
            assert!(out.contains("\nwithin 1 s: true\n"), "{case}: {out}");
            assert!(
                out.contains("\nafter: the process pool is broken: worker process "),
                "{case} {method}: {out}"
            );
        }
    }
}

/// A result over the 1 GiB limit of one message (a GiB-long string, under fork only: the case
/// takes seconds) is an error that says so, not a worker that dies without a word.
#[test]
fn a_result_too_large_to_send_is_an_error_that_says_so() {
    let out = faults("pool-result-too-large", "fork");
    assert!(
        out.starts_with(
            "map: worker failed on items 2 to 3: the results: 1073741833 bytes are over the \
             1073741824-byte limit of one message\nafter: [0, 2, 4, 6]\n"
        ),
        "{out}"
    );
}

#[test]
fn a_message_that_fails_to_decode_is_an_error_and_what_follows_still_arrives() {
    for (method, out) in faults_each_method("decode-fails") {
        assert!(
            out.starts_with(
                "map: worker failed on item 1: decoding a batch: Serde Deserialization Error\n\
                 after: [0, 2, 4, 6]\nget: decoding a message: Serde Deserialization Error\n\
                 next: Fussy(2)\n"
            ),
            "{method}: {out}"
        );
    }
}

#[test]
fn a_hundred_thousand_items_come_back_in_order_in_few_chunks() {
    let out = run(binary("tests", "process-faults").args(["pool-many", "forkserver"]));
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
fn an_unknown_or_mistyped_target_is_a_one_line_error_never_another_function() {
    for (method, out) in faults_each_method("unknown-target") {
        let lines: Vec<&str> = out.lines().collect();
        let unknown = "this program has no target named process_faults::triple: add it to the \
                       list main gives roles::run_if_child (now common::pool::worker, ";
        assert!(
            lines[0].starts_with(&format!("pool: {unknown}")),
            "{method}: {out}"
        );
        assert!(
            lines[1].starts_with(&format!("executor: the task failed: {unknown}")),
            "{method}: {out}"
        );
        // `fork` runs the function value it was handed; the others look the name up.
        if method == "fork" {
            assert_eq!(lines[2], "start: Ok(())", "{out}");
        } else {
            assert!(
                lines[2].starts_with(&format!("start: {unknown}")),
                "{method}: {out}"
            );
        }
        assert_eq!(
            lines[3],
            "mistyped: target process_faults::double is fn(i64) -> i64 here, but the caller sent \
             it as fn(u64) -> u64",
            "{method}"
        );
    }
}

#[test]
fn a_queue_whose_writers_are_gone_fails_get_instead_of_hanging() {
    for (method, out) in faults_each_method("queue-no-put") {
        assert!(
            out.starts_with("get: the queue is empty and every writer has closed it\n"),
            "{method}: {out}"
        );
    }
}

#[test]
fn joining_before_draining_a_ten_mib_message_does_not_deadlock() {
    for (method, out) in faults_each_method("queue-join-first") {
        assert!(
            out.starts_with(
                "joined before getting: ok\nfirst intact: true\nsecond: and a small one\n"
            ),
            "{method}: {out}"
        );
    }
}

/// Fails if waiting spins: CPU time, not wall time, so it holds on a loaded machine.
#[test]
fn joining_a_sleeping_child_costs_the_parent_no_cpu_with_or_without_a_queue() {
    for (method, out) in faults_each_method("join-cpu") {
        assert!(
            out.starts_with("parent CPU while joining under 50 ms: true\n"),
            "{method}: {out}"
        );
    }
    for (method, out) in faults_each_method("join-cpu-queue") {
        assert!(
            out.starts_with("parent CPU while joining under 50 ms: true\nthen: after 500 ms\n"),
            "{method}: {out}"
        );
    }
}

#[test]
fn a_get_in_one_thread_wakes_while_another_thread_joins_the_writer() {
    for (method, out) in faults_each_method("join-while-getting") {
        assert!(
            out.starts_with("getter woken: 20 of 20\n"),
            "{method}: {out}"
        );
    }
}

#[test]
fn a_multi_threaded_parent_gets_pools_from_forkserver_and_spawn_and_a_clear_error_from_fork() {
    for (method, out) in faults_each_method("threaded-parent") {
        if method == "fork" {
            assert!(
                out.starts_with("pool: starting worker 0: cannot fork: this process has 3 threads"),
                "{out}"
            );
            assert!(
                out.contains("\nexecutor: starting worker 0: cannot fork: "),
                "{out}"
            );
        } else {
            assert!(
                out.starts_with("pool: [0, 2, 4, 6]\nexecutor: [0, 2, 4, 6]\n"),
                "{method}: {out}"
            );
        }
        assert!(out.contains("\nthread pool still alive: true\n"), "{out}");
    }
}

#[test]
fn a_forked_child_starts_its_own_fork_server() {
    assert_eq!(
        faults("forkserver-in-forked-child", "fork"),
        "parent: after 0 ms\nforked child: after 1 ms\nparent again: after 2 ms\n\
         children: none\ndescriptors: as before\n"
    );
}

#[test]
fn many_writers_never_interleave_messages() {
    let out = faults("queue-writers", "fork");
    assert!(
        out.starts_with(
            "intact messages: 100\nthen: the queue is empty and every writer has closed it\n"
        ),
        "{out}"
    );
}

#[test]
fn small_and_large_messages_from_two_writers_never_interleave() {
    for (method, out) in faults_each_method("queue-mixed-writers") {
        assert!(
            out.starts_with(
                "intact messages: 200 of 200\nthen: the queue is empty and every writer has closed it\n"
            ),
            "{method}: {out}"
        );
    }
}

#[test]
fn the_shared_lock_excludes_other_processes_and_dies_with_its_holder() {
    assert_eq!(
        faults("shared-lock", "fork"),
        "with lock: 80000\nholder: was killed by SIGKILL\nlock taken after its holder died: true\n\
         children: none\ndescriptors: as before\n"
    );
}

#[test]
fn get_timeout_returns_none_while_a_writer_is_alive() {
    assert!(faults("queue-timeout", "fork").starts_with("get_timeout: None\n"));
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

/// The resource tracker removes a named segment however the program ends: each signal, to the
/// whole process group (Ctrl-C in a terminal) or to the parent alone, under every start method.
/// Only this test's own names are checked, never the whole `/dev/shm` listing.
#[test]
fn named_shared_memory_is_removed_whatever_ends_the_program() {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
    use nix::sys::signal::{Signal, kill, killpg};

    for method in START_METHODS {
        for (signal, whole_group) in [
            (Signal::SIGINT, true),
            (Signal::SIGTERM, true),
            (Signal::SIGHUP, true),
            (Signal::SIGKILL, true),
            (Signal::SIGKILL, false),
            (Signal::SIGTERM, false),
        ] {
            let case = format!(
                "{signal} to the {}, {method}",
                if whole_group { "group" } else { "parent" }
            );
            let (mut program, pid, line) =
                start_and_read_line(binary("tests", "process-faults").args(["shm-hold", method]));
            let name = line
                .trim()
                .strip_prefix("name: ")
                .unwrap_or_else(|| panic!("{case}: {line:?}"));
            let path = std::path::Path::new("/dev/shm").join(name);
            // Watch before the signal, so that the removal cannot be missed.
            let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK).unwrap();
            inotify
                .add_watch("/dev/shm", AddWatchFlags::IN_DELETE)
                .unwrap();
            assert!(
                path.exists(),
                "{case}: the segment exists while the program runs"
            );
            if whole_group {
                killpg(pid, signal).unwrap();
            } else {
                kill(pid, signal).unwrap();
            }
            let status = program.wait().unwrap();
            assert!(!status.success(), "{case}: {status:?}");
            let mut removed = !path.exists();
            while !removed {
                let mut fds = [PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
                if poll(&mut fds, PollTimeout::from(10_000u16)).unwrap() == 0 {
                    break; // Ten seconds without a removal: fail below.
                }
                removed = inotify
                    .read_events()
                    .unwrap()
                    .iter()
                    .any(|e| e.name.as_deref() == Some(name.as_ref()))
                    || !path.exists();
            }
            _ = killpg(pid, Signal::SIGKILL); // A child left alone by a parent-only signal.
            assert!(removed, "{case}: {} is still there", path.display());
        }
    }
}

#[test]
fn a_stopped_worker_is_a_way_out_not_a_hang() {
    for (method, out) in faults_each_method("pool-stopped") {
        let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("worker ")).collect();
        assert!(
            lines[0]
                .starts_with("map_timeout: timed out waiting for an answer from worker process "),
            "{method}: {out}"
        );
        assert_eq!(lines[1], "within 1 s: true", "{method}: {out}");
        assert_eq!(lines[2], "matched a timeout: true", "{method}: {out}");
        assert!(
            lines[3].starts_with("after: the process pool is broken: "),
            "{method}: {out}"
        );
    }
    for case in ["executor-stopped-kill", "executor-stopped-terminate"] {
        for (method, out) in faults_each_method(case) {
            let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("worker ")).collect();
            assert_eq!(
                lines[0], "result_timeout: timed out waiting for the task",
                "{case} {method}"
            );
            assert_eq!(
                lines[1], "returned within 1 s: true",
                "{case} {method}: {out}"
            );
            assert!(lines[2].ends_with("_workers() ended the workers"), "{out}");
        }
    }
}

/// The parent is killed while a forked worker is stopped (so it cannot notice its socket
/// closing): the kernel kills the worker too, instead of leaving it stopped forever. The program
/// runs under `sh`, which leads the process group and outlives it, as a shell pipeline would:
/// otherwise the group would be orphaned, and the kernel would wake its stopped members anyway.
#[test]
fn a_stopped_worker_dies_with_its_killed_parent() {
    use std::os::fd::{FromRawFd, OwnedFd};

    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::signal::{Signal, kill, killpg};
    use nix::unistd::Pid;

    /// The parent of process `pid`, from `/proc`.
    fn parent_of(pid: i32) -> i32 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let after_name = stat.rsplit_once(')').unwrap().1;
        after_name
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    }
    /// A pidfd for `pid`, readable once it has ended.
    fn pidfd(pid: i32) -> OwnedFd {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { nix::libc::syscall(nix::libc::SYS_pidfd_open, pid, 0) };
        assert!(fd >= 0, "process {pid} is alive");
        // SAFETY: a descriptor pidfd_open has just returned is ours alone.
        unsafe { OwnedFd::from_raw_fd(fd as i32) }
    }

    let driver = binary("tests", "process-faults").get_program().to_owned();
    for method in START_METHODS {
        let (mut program, group, line) = start_and_read_line(
            std::process::Command::new("sh")
                .args(["-c", "\"$0\" pool-stopped-hold \"$1\"; sleep 60"])
                .arg(&driver)
                .arg(method),
        );
        let worker: i32 = line
            .strip_prefix("worker ")
            .and_then(|l| l.strip_suffix(" stops\n"))
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| panic!("{line:?}"));
        // The program that owns the pool; under forkserver the worker's parent is the fork
        // server, a child of the program, which must go too.
        let mut watched = vec![worker];
        let mut owner = parent_of(worker);
        if method == "forkserver" {
            watched.push(owner);
            owner = parent_of(owner);
        }
        let pidfds: Vec<OwnedFd> = watched.iter().map(|&pid| pidfd(pid)).collect();
        kill(Pid::from_raw(owner), Signal::SIGKILL).unwrap(); // The program alone.
        let mut ended = Vec::new();
        for (pid, fd) in watched.iter().zip(&pidfds) {
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
            ended.push((
                *pid,
                poll(&mut fds, PollTimeout::from(10_000u16)).unwrap() > 0,
            ));
        }
        for pid in &watched {
            _ = kill(Pid::from_raw(*pid), Signal::SIGKILL); // So that a failure leaves nothing.
        }
        _ = killpg(group, Signal::SIGKILL);
        program.wait().unwrap();
        for (pid, gone) in ended {
            assert!(
                gone,
                "{method}: process {pid} outlived the killed program {owner}"
            );
        }
    }
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

#[test]
fn no_child_keeps_a_copy_of_a_pipe_end_it_was_not_handed() {
    for (method, out) in faults_each_method("pipe-eof-beside-children") {
        assert!(
            out.starts_with("EOF while a child and a pool live: true\n"),
            "{method}: {out}"
        );
    }
}

#[test]
fn a_pipe_whose_other_end_is_gone_fails_recv_instead_of_hanging() {
    for (method, out) in faults_each_method("pipe-no-answer") {
        assert!(
            out.starts_with("recv: the other end of the pipe was closed (EOFError)\n"),
            "{method}: {out}"
        );
    }
}

#[test]
fn pool_api_calls_mix_and_a_dead_worker_ends_imap_with_an_error() {
    for (method, out) in faults_each_method("pool-api-mix") {
        for line in [
            "map meanwhile: [2, 4, 6]\n",
            "imap with a panic: 1; 2; error: task panicked on item 2 (3): ",
            "apply_async, got after both: [10, 12, 14]\n",
            "imap_unordered, replacing workers: 10 results\n",
        ] {
            assert!(out.contains(line), "{method}: {line:?} in {out}");
        }
    }
    for (method, out) in faults_each_method("pool-imap-kill") {
        // How many results come before the error depends on which worker answers first.
        assert!(
            out.contains(" ok, 1 error, the last: true\n"),
            "{method}: {out}"
        );
        assert!(
            out.contains("after: the process pool is broken"),
            "{method}: {out}"
        );
    }
}

/// One after-fork list: a child of `fork()`, of `start(Fork)` and a forked pool worker all let go
/// of the parent's resource tracker, fork server and pipe ends.
#[test]
fn every_fork_path_resets_the_same_state() {
    let out = tests::faults("after-fork-state", "fork");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "parent: tracker: true, fork server: true, parent's pipe end open: true",
        "{out}"
    );
    let child = "tracker: false, fork server: false, parent's pipe end open: false";
    for (line, via) in lines[1..4]
        .iter()
        .zip(["fork()", "start(Fork)", "pool worker"])
    {
        assert_eq!(*line, format!("{via}: {child}"), "{out}");
    }
}

/// A worker's reply that cannot be read is reported as what it is, never as the worker's death,
/// and the healthy worker is not killed for it (it exits as its socket closes).
#[test]
fn an_unreadable_reply_is_not_a_death_and_kills_no_healthy_worker() {
    for (method, out) in faults_each_method("pool-corrupt-reply") {
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("map: reading worker process ")
                && lines[0].ends_with("'s reply: corrupt message: length 4294967295"),
            "{method}: {out}"
        );
        assert_eq!(lines[1], "a protocol error: true", "{method}: {out}");
        assert!(!out.contains("SIGKILL"), "{method}: {out}");
        assert!(
            lines[2].starts_with("after: the process pool is broken: "),
            "{method}: {out}"
        );
    }
}

/// A full `/dev/shm` (here a private 1 MiB one, in a mount namespace of the test's own): creating
/// a larger named segment is one error line, not a SIGBUS, under every start method, and leaves
/// nothing behind. Skipped, with a line, where mount namespaces are not allowed.
#[test]
fn a_full_dev_shm_is_an_error_not_a_sigbus() {
    let driver = binary("tests", "process-faults").get_program().to_owned();
    let probe = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm"])
        .output();
    if !probe.is_ok_and(|out| out.status.success()) {
        eprintln!("skipping: cannot mount a private /dev/shm (unshare -m) here");
        return;
    }
    for method in START_METHODS {
        let out = run(std::process::Command::new("unshare")
            .args([
                "-m",
                "sh",
                "-c",
                "mount -t tmpfs -o size=1m tmpfs /dev/shm && \"$0\" shm-full \"$1\" && \
             echo \"left in /dev/shm: $(ls /dev/shm | wc -l)\"",
            ])
            .arg(&driver)
            .arg(method));
        let stdout = out.success();
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(
            lines[0].starts_with("1.6 MB segment: reserving 1600000 bytes of /dev/shm")
                && lines[0].ends_with("No space left on device (os error 28)"),
            "{method}: {out:?}"
        );
        assert_eq!(
            lines[1], "small segment after it: [0, -1, -2, -3, -4]",
            "{method}"
        );
        assert!(
            stdout.ends_with("children: none\ndescriptors: as before\nleft in /dev/shm: 0\n"),
            "{out:?}"
        );
    }
}

#[test]
fn an_absurd_shared_array_length_is_an_error_not_a_panic() {
    // Refused before any process starts, whatever the start method of the program.
    for (method, out) in tests::faults_each_method("shared-absurd") {
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("usize::MAX elements: a shared array of "),
            "{method}: {out}"
        );
        assert!(
            lines[1].starts_with("2^60 elements: a shared array of "),
            "{method}: {out}"
        );
    }
}

/// A killed resource tracker is replaced on the next named segment and told every name still
/// alive: when the program then dies, the new tracker removes them all, under every start method.
#[test]
fn a_killed_resource_tracker_is_restarted_and_loses_no_name() {
    use std::os::fd::AsFd;

    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

    for method in START_METHODS {
        let out = run(binary("tests", "process-faults").args(["tracker-killed", method]));
        let lines: Vec<&str> = out.stdout.lines().collect();
        let names: Vec<&str> = lines[0]
            .strip_prefix("names: ")
            .unwrap_or_else(|| panic!("{method}: {out:?}"))
            .split(' ')
            .collect();
        let tracker: i32 = lines[1]
            .strip_prefix("new tracker: ")
            .and_then(|rest| rest.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{method}: {out:?}"));
        // The new tracker removes the names, then exits: wait for that (it may be gone already).
        if let Ok(pidfd) = common::process::pidfd_of(tracker) {
            let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
            assert!(
                poll(&mut fds, PollTimeout::from(10_000u16)).unwrap() > 0,
                "{method}: the tracker {tracker} is still running"
            );
        }
        for name in names {
            let path = std::path::Path::new("/dev/shm").join(name);
            assert!(
                !path.exists(),
                "{method}: {} is still there",
                path.display()
            );
        }
    }
}

/// Out of descriptors, the error says so (EMFILE), under every start method; a healthy fork
/// server is never killed and blamed for it.
#[test]
fn running_out_of_descriptors_is_reported_as_such() {
    let program = example("process-pool").get_program().to_owned();
    for method in START_METHODS {
        for limit in [10, 12, 14, 16] {
            let out = run(std::process::Command::new("sh")
                .args(["-c", "ulimit -n \"$1\"; exec \"$0\" --start-method \"$2\""])
                .arg(&program)
                .arg(limit.to_string())
                .arg(method));
            if out.status.success() {
                continue; // Enough descriptors at this limit for this method.
            }
            let line = out.failure(1);
            assert_eq!(out.stderr.lines().count(), 1, "{method} {limit}: {out:?}");
            assert!(
                line.contains("Too many open files"),
                "{method} {limit}: {out:?}"
            );
            assert!(!line.contains("SIGKILL"), "{method} {limit}: {out:?}");
        }
    }
}

/// A `SharedValue` is shared by threads (it is `Send + Sync`) and processes at once, under every
/// start method; with its lock held around each update, no increment is lost.
#[test]
fn threads_and_processes_update_one_shared_value() {
    for (method, out) in tests::faults_each_method("shared-everywhere") {
        assert!(out.starts_with("total: 4000 of 4000\n"), "{method}: {out}");
    }
}

/// Large messages go through the shared ring under every start method: joined before drained,
/// more than the ring holds, in order and intact, bytes or encoded. (A writer waiting for ring
/// space whose reader is gone: `common`'s `queue::ring` unit test.)
#[test]
fn large_messages_take_the_ring_with_every_guarantee() {
    for (method, out) in tests::faults_each_method("queue-ring") {
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0], "joined first, 12 MiB through a 4 MiB ring, in order and intact: true",
            "{method}: {out}"
        );
        assert_eq!(lines[1], "large encoded messages: true", "{method}: {out}");
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
