//! The program that owns the processes is killed: what it started dies with it (pool workers and
//! the fork server, stopped ones included, at any moment of their start-up), and what it named is
//! removed (the resource tracker outlives it for that, and is restarted if it was killed first).
//!
//! Each case forks the *owner*, a program of its own, and kills it from outside. The owner joins
//! the process group of a *holder*, an idle child of the case: while the holder lives, the group is
//! not orphaned, so the kernel does not send its stopped members `SIGHUP` and `SIGCONT` when the
//! owner dies (POSIX's rule for orphaned groups), which would end them whether or not they were
//! asked to die with their owner. A shell pipeline gives the same shape: `sh` leads the group.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use common::pool::ProcessPool;
use common::process::{self, Child, Exit, StartMethod};
use common::queue::IpcQueue;
use common::shared::SharedArray;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigHandler, Signal, kill, killpg, raise, signal};
use nix::unistd::{Pid, setpgid};

use crate::harness::{ALL, Case, Outcome};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "owner_killed::a_stopped_worker_dies_with_its_owner",
        methods: ALL,
        run: a_stopped_worker,
    },
    Case {
        name: "owner_killed::workers_stopped_during_their_start_up_die_with_their_owner",
        methods: ALL,
        run: stopped_during_start_up,
    },
    Case {
        name: "owner_killed::named_shared_memory_is_removed_whatever_signal_ends_the_owner",
        methods: ALL,
        run: named_memory_is_removed,
    },
    Case {
        name: "owner_killed::a_killed_resource_tracker_is_restarted_and_loses_no_name",
        methods: ALL,
        run: tracker_killed,
    },
];

/// How long a process that should die with its owner may take.
const DEATH: Duration = Duration::from_secs(10);

/// An idle child that leads a process group of its own.
fn holder() -> anyhow::Result<Child> {
    let holder = process::fork(|| {
        loop {
            std::thread::park();
        }
    })?;
    setpgid(holder.pid(), holder.pid())?; // Before the owner joins it: no race.
    Ok(holder)
}

/// Forks the owner into process group `group` (its own, for `None`), with the default action
/// for the signals the cases send, whatever this test run inherited (`nohup` ignores `SIGHUP`).
fn owner(
    group: Option<Pid>,
    body: impl FnOnce() -> Result<(), common::error::BoxError>,
) -> anyhow::Result<Child> {
    Ok(process::fork(move || {
        setpgid(Pid::from_raw(0), group.unwrap_or(Pid::from_raw(0)))?;
        for s in [Signal::SIGHUP, Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: one `sigaction` that sets the default action; no handler runs.
            unsafe { signal(s, SigHandler::SigDfl) }?;
        }
        body()
    })?)
}

/// The processes of group `group` but `except`, from `/proc`.
fn members(group: Pid, except: &[Pid]) -> Vec<Pid> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("listing /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`: the name may hold anything but ends at the last `)`.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // Gone meanwhile.
        };
        let pgrp = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<i32>().ok());
        let pid = Pid::from_raw(pid);
        if pgrp == Some(group.as_raw()) && !except.contains(&pid) {
            found.push(pid);
        }
    }
    found
}

/// A pidfd for each of `pids` that still runs.
fn pidfds(pids: &[Pid]) -> Vec<(Pid, OwnedFd)> {
    pids.iter()
        .filter_map(|&pid| Some((pid, common::process::pidfd_of(pid.as_raw()).ok()?)))
        .collect()
}

/// Waits (at most [`DEATH`] each) for every process of `watched` to end; the ones still running.
fn still_running(watched: &[(Pid, OwnedFd)]) -> Vec<Pid> {
    watched
        .iter()
        .filter(|(_, fd)| {
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
            let ms = u16::try_from(DEATH.as_millis()).expect("fits");
            poll(&mut fds, PollTimeout::from(ms)).expect("poll") == 0
        })
        .map(|(pid, _)| *pid)
        .collect()
}

/// Kills `owner` alone and asserts that every process of `watched` ends after it.
fn kill_owner_and_watch(mut owner: Child, watched: &[(Pid, OwnedFd)], what: &str) -> Outcome {
    owner.kill()?;
    assert_eq!(owner.wait()?, Exit::Signal(Signal::SIGKILL));
    let left = still_running(watched);
    for pid in &left {
        _ = kill(*pid, Signal::SIGKILL); // So that a failure leaves nothing behind.
    }
    assert!(
        left.is_empty(),
        "{what} outlived the killed owner: {left:?}"
    );
    Ok(())
}

/// A worker stops itself mid-`map` while its owner waits for it; the owner is killed: the stopped
/// worker, its sibling and the fork server all end.
fn a_stopped_worker(method: StartMethod) -> Outcome {
    let holder = holder()?;
    let fifo = std::env::temp_dir().join(format!("faults-stopped-{}", std::process::id()));
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU)?;
    let path = fifo.to_string_lossy().into_owned();
    let owner = owner(Some(holder.pid()), move || {
        let mut pool = ProcessPool::new(2, method)?;
        pool.map(&SAY_AND_STOP_ON_3, (0..8).map(|x| (x, path.clone())))?;
        Err("map returned although a worker is stopped".into())
    })?;
    // Opening a FIFO to read waits for its writer: the worker, once it is about to stop.
    let stopped: i32 = std::fs::read_to_string(&fifo)?.parse()?;
    std::fs::remove_file(&fifo)?;
    let others = members(holder.pid(), &[holder.pid(), owner.pid()]);
    assert!(
        others.contains(&Pid::from_raw(stopped)),
        "{stopped} in {others:?}"
    );
    let watched = pidfds(&others);
    kill_owner_and_watch(owner, &watched, "a worker or the fork server")?;
    _ = killpg(holder.pid(), Signal::SIGKILL); // Dropping the handle reaps it.
    Ok(())
}

/// The owner starts a pool and says so; at once every process of its group is stopped, wherever
/// each is in its start-up (a spawned worker may not have reached `main` yet), then the owner is
/// killed: each must die all the same, having asked before anything of its own ran.
fn stopped_during_start_up(method: StartMethod) -> Outcome {
    let holder = holder()?;
    // A queue, not a pipe: a forked child closes the pipe ends it was not handed (after_fork).
    let (started, ready) = IpcQueue::<()>::new()?;
    let owner = owner(Some(holder.pid()), move || {
        let _pool = ProcessPool::new(4, method)?;
        started.put(&())?;
        loop {
            std::thread::park();
        }
    })?;
    ready.get()?;
    killpg(holder.pid(), Signal::SIGSTOP)?;
    let others = members(holder.pid(), &[holder.pid(), owner.pid()]);
    let expected = if method == StartMethod::Forkserver {
        5
    } else {
        4
    };
    assert_eq!(
        others.len(),
        expected,
        "the workers and the fork server: {others:?}"
    );
    let watched = pidfds(&others);
    kill_owner_and_watch(owner, &watched, "a stopped worker or fork server")?;
    _ = killpg(holder.pid(), Signal::SIGKILL);
    Ok(())
}

/// The owner makes a named segment, then joins a child that sleeps a minute; a signal ends it,
/// sent to its whole group (Ctrl-C in a terminal) or to it alone: the name is removed all the same.
fn named_memory_is_removed(method: StartMethod) -> Outcome {
    use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
    for (signal, whole_group) in [
        (Signal::SIGINT, true),
        (Signal::SIGTERM, true),
        (Signal::SIGHUP, true),
        (Signal::SIGKILL, true),
        (Signal::SIGKILL, false),
        (Signal::SIGTERM, false),
    ] {
        let case = format!(
            "{signal} to the {}",
            if whole_group { "group" } else { "owner" }
        );
        let (theirs, ours) = IpcQueue::<String>::new()?;
        let mut owner = owner(None, move || {
            let array = SharedArray::named(0..5)?;
            theirs.put(&array.name().expect("named").to_owned())?;
            Ok(process::start(method, &SLEEP_MS, 60_000)?.join()?)
        })?;
        let name = ours.get()?;
        let path = Path::new("/dev/shm").join(&name);
        // Watch before the signal, so that the removal cannot be missed.
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)?;
        inotify.add_watch("/dev/shm", AddWatchFlags::IN_DELETE)?;
        assert!(
            path.exists(),
            "{case}: the segment exists while the owner runs"
        );
        if whole_group {
            killpg(owner.pid(), signal)?;
        } else {
            kill(owner.pid(), signal)?;
        }
        let exit = owner.wait()?;
        assert_ne!(exit, Exit::Code(0), "{case}");
        let mut removed = !path.exists();
        while !removed {
            let mut fds = [PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::from(10_000u16))? == 0 {
                break; // Ten seconds without a removal: fail below.
            }
            removed = inotify
                .read_events()?
                .iter()
                .any(|e| e.name.as_deref() == Some(name.as_ref()))
                || !path.exists();
        }
        _ = killpg(owner.pid(), Signal::SIGKILL); // The child a signal to the owner alone left.
        assert!(removed, "{case}: {} is still there", path.display());
    }
    Ok(())
}

/// The resource tracker is killed: the owner's next named segment starts a new one, which is told
/// the names still alive; then the owner dies as a crash would, and the new tracker removes both.
fn tracker_killed(method: StartMethod) -> Outcome {
    let (theirs, ours) = IpcQueue::<(Vec<String>, i32, i32)>::new()?;
    let mut owner = owner(None, move || {
        let first = SharedArray::<i32>::named(0..4)?;
        let old = common::tracker::pid().ok_or("no tracker after a named segment")?;
        let old_pidfd = common::process::pidfd_of(old)?;
        kill(Pid::from_raw(old), Signal::SIGKILL)?;
        let mut fds = [PollFd::new(old_pidfd.as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::NONE)?; // Until the old tracker is gone.
        let second = SharedArray::<i32>::named(0..4)?;
        let handed = SharedArray::<i32>::named(0..4)?; // A child attaches, then removes the name.
        process::start(method, &NEGATE_ALL, handed)?.join()?;
        let new = common::tracker::pid().ok_or("no tracker after the restart")?;
        let names = [&first, &second].map(|a| a.name().expect("named").to_owned());
        theirs.put(&(names.to_vec(), old, new))?;
        raise(Signal::SIGKILL)?; // Only the tracker can clean up now.
        unreachable!("killed")
    })?;
    let (names, old, new) = ours.get()?;
    assert_ne!(old, new, "a new tracker");
    assert_eq!(owner.wait()?, Exit::Signal(Signal::SIGKILL));
    // The new tracker removes the names, then exits: wait for that (it may be gone already).
    let watched = pidfds(&[Pid::from_raw(new)]);
    assert!(
        still_running(&watched).is_empty(),
        "the tracker {new} is still running"
    );
    for name in names {
        let path = Path::new("/dev/shm").join(name);
        assert!(!path.exists(), "{} is still there", path.display());
    }
    Ok(())
}
