//! `SharedValue`, `SharedArray` and named shared memory (Python's `Value`, `Array`,
//! `shared_memory`): locked updates from threads and processes at once, a lock whose holder dies,
//! absurd sizes, a full `/dev/shm`, children that crash holding a segment.

use std::path::PathBuf;

use common::process::{self, Exit, StartMethod};
use common::shared::{SharedArray, SharedValue};
use common::target::Target;
use nix::sys::signal::Signal;

use crate::harness::{ALL, Case, FORK, Outcome, method_name};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "shared::threads_and_processes_update_one_value_and_lose_nothing",
        methods: ALL,
        run: threads_and_processes,
    },
    Case {
        name: "shared::the_lock_excludes_other_processes_and_dies_with_its_holder",
        methods: FORK, // Its children are forked closures.
        run: lock_dies_with_its_holder,
    },
    Case {
        name: "shared::an_absurd_array_length_is_an_error_not_a_panic",
        methods: FORK, // Refused before any process starts.
        run: absurd_lengths,
    },
    Case {
        name: "shared::a_child_that_crashes_before_attaching_leaves_no_name",
        methods: ALL,
        run: |m| crash_holding_a_segment(m, &CRASH, 0),
    },
    Case {
        name: "shared::a_child_that_crashes_after_attaching_leaves_no_name",
        methods: ALL,
        run: |m| crash_holding_a_segment(m, &ATTACH_THEN_CRASH, 42),
    },
    Case {
        name: "shared::a_full_dev_shm_is_an_error_not_a_sigbus",
        methods: ALL,
        run: full_dev_shm,
    },
    Case {
        // Run by `full_dev_shm`, inside a private mount namespace (`--only`).
        name: "shared::in_a_one_mib_dev_shm",
        methods: &[],
        run: in_a_one_mib_dev_shm,
    },
];

/// One `SharedValue`, updated by two child processes and two threads of this one at once (it is
/// `Sync`: the threads borrow it), every increment under its lock: nothing is lost.
fn threads_and_processes(method: StartMethod) -> Outcome {
    let value = SharedValue::new(0i64)?;
    // The children first: `fork` needs this process to have one thread.
    let children = (0..2)
        .map(|_| process::start(method, &ADD_1000, value.clone()))
        .collect::<common::Result<Vec<_>>>()?;
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| s.spawn(|| add_1000(value.clone())))
            .collect();
        threads
            .into_iter()
            .try_for_each(|t| common::panic::join_scoped(t)?)
    })?;
    for child in children {
        child.join()?;
    }
    assert_eq!(value.get(), 4000);
    Ok(())
}

/// Four processes increment a counter under its lock: no update is lost. Then a child is killed
/// while holding the lock, and the parent can still take it.
fn lock_dies_with_its_holder(_: StartMethod) -> Outcome {
    let counter = &SharedValue::new(0i64)?;
    let increment_20_000_times = || -> Result<(), common::error::BoxError> {
        for _ in 0..20_000 {
            let _held = counter.lock()?;
            counter.set(counter.get() + 1);
        }
        Ok(())
    };
    let children: Vec<_> = (0..4)
        .map(|_| process::fork(increment_20_000_times))
        .collect::<common::Result<_>>()?;
    children.into_iter().try_for_each(process::Child::join)?;
    assert_eq!(counter.get(), 80_000);
    let (has_lock, holder_has_lock) = common::queue::IpcQueue::<()>::new()?;
    let mut holder = process::fork(move || {
        let _held = counter.lock()?;
        has_lock.put(&())?;
        loop {
            std::thread::park();
        }
    })?;
    holder_has_lock.get()?;
    holder.kill()?;
    assert_eq!(holder.wait()?, Exit::Signal(Signal::SIGKILL));
    let _held = counter.lock()?; // Would block forever if the lock had died held.
    Ok(())
}

fn absurd_lengths(_: StartMethod) -> Outcome {
    let overflow = SharedArray::<i64>::new(std::iter::repeat_n(0, usize::MAX)).unwrap_err();
    assert!(
        overflow.to_string().starts_with("a shared array of "),
        "{overflow}"
    );
    let huge = SharedArray::<i64>::new(0..(1i64 << 60)).unwrap_err();
    assert!(huge.to_string().starts_with("a shared array of "), "{huge}");
    Ok(())
}

/// A child crashes before or after attaching to named shared memory: the join says how, the
/// parent sees what it wrote, and the name is gone once the parent lets go of the segment (a
/// handed segment's name is removed as soon as the child has it).
fn crash_holding_a_segment(
    method: StartMethod,
    target: &Target<SharedArray<i32>, ()>,
    first: i32,
) -> Outcome {
    let array = SharedArray::named(0..5)?;
    let path = PathBuf::from("/dev/shm").join(array.name().expect("named"));
    let err = process::start(method, target, array.clone())?
        .join()
        .unwrap_err();
    assert!(
        matches!(
            err,
            common::Error::ChildFailed {
                exit: Exit::Signal(Signal::SIGABRT),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(array.get(0), first);
    drop(array);
    assert!(!path.exists(), "{} is still there", path.display());
    Ok(())
}

/// Runs [`in_a_one_mib_dev_shm`] in a mount namespace of its own with a 1 MiB `/dev/shm`
/// (`unshare -m`); skipped, with a line on stderr, where mount namespaces are not allowed.
fn full_dev_shm(method: StartMethod) -> Outcome {
    let probe = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm"])
        .output();
    if !probe.is_ok_and(|out| out.status.success()) {
        eprintln!("skipping: cannot mount a private /dev/shm (unshare -m) here");
        return Ok(());
    }
    let status = std::process::Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=1m tmpfs /dev/shm && exec \"$0\" --only \"$1\" \"$2\"",
        ])
        .arg(std::env::current_exe()?)
        .arg("shared::in_a_one_mib_dev_shm")
        .arg(method_name(method))
        .status()?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// A named segment larger than `/dev/shm` has room for: an error, no SIGBUS; then a small one
/// still works, handed to a child; and nothing is left in `/dev/shm`.
fn in_a_one_mib_dev_shm(method: StartMethod) -> Outcome {
    let err = SharedArray::<i64>::named(0..200_000).unwrap_err();
    assert_eq!(err.os_error(), Some(nix::libc::ENOSPC), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("reserving 1600000 bytes of /dev/shm"),
        "{err}"
    );
    let small = SharedArray::<i32>::named(0..5)?;
    process::start(method, &NEGATE_ALL, small.clone())?.join()?;
    assert_eq!(small.to_vec(), [0, -1, -2, -3, -4]);
    drop(small);
    common::tracker::stop();
    let left: Vec<_> = std::fs::read_dir("/dev/shm")?.collect();
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
    Ok(())
}
