//! What a forked child lets go of: one after-fork list for every fork path, and a fork server of
//! its own.

use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::queue::IpcQueue;
use common::shared::SharedArray;

use crate::harness::{ALL, Case, FORK, Outcome};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "state::a_failing_child_tells_its_parent_why_instead_of_printing_it",
        methods: ALL,
        run: a_failing_child_tells_why,
    },
    Case {
        name: "state::every_fork_path_lets_go_of_tracker_fork_server_and_pipe_ends",
        methods: FORK,
        run: every_fork_path,
    },
    Case {
        name: "state::a_forked_child_starts_its_own_fork_server",
        methods: FORK,
        run: fork_server_of_its_own,
    },
];

/// A child whose target fails ends with code 1, and its error reaches the parent as the join's
/// cause: the program prints one line (the child itself prints nothing; Python's child would
/// print its traceback).
fn a_failing_child_tells_why(method: StartMethod) -> Outcome {
    let err = process::start(method, &REFUSE_7, 7)?.join().unwrap_err();
    let common::Error::ChildFailed { exit, cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*exit, common::process::Exit::Code(1));
    assert_eq!(
        cause.as_deref(),
        Some("the task failed: seven is not allowed")
    );
    assert!(
        err.to_string()
            .ends_with(" exited with code 1: the task failed: seven is not allowed")
    );
    process::start(method, &REFUSE_7, 6)?.join()?;
    Ok(())
}

/// A child of `fork()`, of `start(Fork)` and a forked pool worker, in a parent that holds a
/// resource tracker, a fork server and a pipe: one after-fork list, one answer.
fn every_fork_path(_: StartMethod) -> Outcome {
    let _segment = SharedArray::named(0..4)?; // Starts the resource tracker.
    process::start(StartMethod::Forkserver, &DOUBLE, 1)?.join()?; // Starts the fork server.
    let (end, _other) = common::pipe::pipe::<u8>()?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(&end));
    let held = State {
        tracker: true,
        fork_server: true,
        pipe_end_open: true,
    };
    assert_eq!(after_fork_state(fd), held, "the parent");
    let let_go = State {
        tracker: false,
        fork_server: false,
        pipe_end_open: false,
    };
    let (report, reports) = IpcQueue::<State>::new()?;
    let via_fork = process::fork(move || Ok(report.put(&after_fork_state(fd))?))?;
    assert_eq!(reports.get()?, let_go, "fork()");
    via_fork.join()?;
    let (report, reports) = IpcQueue::<State>::new()?;
    process::start(StartMethod::Fork, &PUT_STATE, (fd, report))?.join()?;
    assert_eq!(reports.get()?, let_go, "start(Fork)");
    let mut pool = ProcessPool::new(1, StartMethod::Fork)?;
    assert_eq!(
        pool.map(&AFTER_FORK_STATE, [fd])?,
        [let_go],
        "a pool worker"
    );
    Ok(())
}

/// A child forked after the fork server started does not share the parent's server: it starts
/// its own, and the parent's keeps working.
fn fork_server_of_its_own(_: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<String>::new()?;
    process::start(
        StartMethod::Forkserver,
        &SLEEP_THEN_PUT,
        (0, writer.try_clone()?),
    )?
    .join()?;
    let child = process::fork(move || {
        process::start(StartMethod::Forkserver, &SLEEP_THEN_PUT, (1, writer))?.join()?;
        Ok(common::process::forkserver::stop()?)
    })?;
    child.join()?;
    let (writer, again) = IpcQueue::<String>::new()?;
    process::start(StartMethod::Forkserver, &SLEEP_THEN_PUT, (2, writer))?.join()?;
    assert_eq!(queue.get()?, "after 0 ms", "the parent");
    assert_eq!(
        queue.get()?,
        "after 1 ms",
        "the forked child, by its own server"
    );
    assert_eq!(again.get()?, "after 2 ms", "the parent's server again");
    Ok(())
}
