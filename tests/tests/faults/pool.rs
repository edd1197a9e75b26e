//! `ProcessPool` (Python's `multiprocessing.Pool`): a task that fails, a worker that dies, stops,
//! or answers garbage, a target the child does not know, and a hundred thousand items.

use std::time::{Duration, Instant};

use common::Error;
use common::error::Refusal;
use common::pool::ProcessPool;
use common::process::{self, Exit, StartMethod};
use common::target::Target;
use nix::sys::signal::Signal;

use crate::harness::{ALL, Case, FORK, Outcome};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "pool::a_panicking_task_names_item_and_message_and_the_pool_lives_on",
        methods: ALL,
        run: a_panicking_task,
    },
    Case {
        name: "pool::a_worker_killed_mid_map_breaks_the_pool_within_a_second",
        methods: ALL,
        run: |m| a_dead_worker(m, &KILL_ON_3, Exit::Signal(Signal::SIGKILL)),
    },
    Case {
        name: "pool::a_worker_aborted_mid_map_breaks_the_pool_within_a_second",
        methods: ALL,
        run: |m| a_dead_worker(m, &ABORT_ON_3, Exit::Signal(Signal::SIGABRT)),
    },
    Case {
        name: "pool::a_worker_exiting_3_mid_map_breaks_the_pool_within_a_second",
        methods: ALL,
        run: |m| a_dead_worker(m, &EXIT_ON_3, Exit::Code(3)),
    },
    Case {
        name: "pool::a_worker_exiting_0_mid_map_is_still_a_lost_worker",
        methods: ALL,
        run: |m| a_dead_worker(m, &EXIT_0_ON_3, Exit::Code(0)),
    },
    Case {
        name: "pool::a_stopped_worker_is_a_timeout_not_a_hang",
        methods: ALL,
        run: a_stopped_worker,
    },
    Case {
        name: "pool::a_result_too_large_to_send_is_an_error_that_says_so",
        methods: FORK, // A GiB-long string: seconds of work, the same under every method.
        run: a_result_too_large,
    },
    Case {
        name: "pool::an_item_that_fails_to_decode_is_an_error_and_the_pool_lives_on",
        methods: ALL,
        run: an_undecodable_item,
    },
    Case {
        name: "pool::a_hundred_thousand_items_come_back_in_order_in_sixteen_chunks",
        methods: ALL,
        run: a_hundred_thousand_items,
    },
    Case {
        name: "pool::an_unknown_or_mistyped_target_is_refused_never_another_function",
        methods: ALL,
        run: an_unknown_target,
    },
    Case {
        name: "pool::api_calls_mix_and_every_answer_arrives",
        methods: ALL,
        run: api_calls_mix,
    },
    Case {
        name: "pool::a_worker_killed_during_imap_ends_it_with_the_error",
        methods: ALL,
        run: a_worker_killed_during_imap,
    },
    Case {
        name: "pool::an_unreadable_reply_is_a_protocol_error_not_a_death",
        methods: ALL,
        run: an_unreadable_reply,
    },
];

fn a_panicking_task(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(2, method)?;
    let err = pool.map(&PANIC_ON_3, 0..8).unwrap_err();
    let raised = err.raised().expect("a task's failure");
    assert_eq!(
        (raised.item, raised.shown.as_deref(), raised.panicked),
        (Some(3), Some("3"), true)
    );
    assert!(raised.message.contains("three is right out"), "{raised:?}");
    assert!(
        err.to_string().starts_with("task panicked on item 3 (3): "),
        "{err}"
    );
    assert_eq!(pool.map(&DOUBLE, 0..4)?, [0, 2, 4, 6]);
    Ok(())
}

fn a_dead_worker(method: StartMethod, task: &Target<i64, i64>, how: Exit) -> Outcome {
    let mut pool = ProcessPool::new(2, method)?;
    let started = Instant::now();
    let err = pool.map(task, 0..8).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let broken = err.broken_pool().unwrap_or_else(|| panic!("{err}"));
    assert_eq!((broken.exit, broken.items.clone()), (Some(how), Some(3..4)));
    let pid = broken.pid.expect("the worker's pid");
    assert_eq!(
        err.to_string(),
        format!("the process pool is broken: worker process {pid} {how} while working on item 3")
    );
    let after = pool.map(&DOUBLE, 0..4).unwrap_err();
    assert!(after.broken_pool().is_some(), "{after}");
    Ok(())
}

fn a_stopped_worker(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(2, method)?;
    let started = Instant::now();
    let err = pool
        .map_timeout(&STOP_ON_3, 0..8, Duration::from_millis(300))
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err}");
    assert!(
        err.to_string()
            .starts_with("timed out waiting for an answer from worker process "),
        "{err}"
    );
    let after = pool.map(&DOUBLE, 0..4).unwrap_err();
    assert!(after.broken_pool().is_some(), "{after}");
    Ok(())
}

fn a_result_too_large(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(1, method)?;
    let err = pool.map(&HUGE_ON_3, 0..5).unwrap_err();
    // Not run, and said so: the pool is not broken.
    assert_eq!(
        err.refusal(),
        Some(&Refusal::NotRun { items: 2..4 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "worker failed on items 2 to 3: the results: 1073741833 bytes are over the \
         1073741824-byte limit of one message"
    );
    assert_eq!(pool.map(&DOUBLE, 0..4)?, [0, 2, 4, 6]);
    Ok(())
}

fn an_undecodable_item(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(1, method)?;
    let err = pool.map(&UNLUCKY, [Fussy(1), Fussy(13)]).unwrap_err();
    assert_eq!(
        err.refusal(),
        Some(&Refusal::NotRun { items: 1..2 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "worker failed on item 1: decoding a batch: Serde Deserialization Error"
    );
    assert_eq!(pool.map(&DOUBLE, 0..4)?, [0, 2, 4, 6]);
    Ok(())
}

/// In order, and in Python's default chunks: 100 000 items over 4 workers are 16 chunks of 6250
/// (`divmod(len, 4 * workers)`, rounded up), so a worker's pid changes only at a chunk's start.
fn a_hundred_thousand_items(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(4, method)?;
    let doubled = pool.map(&DOUBLE, 0..100_000)?;
    assert!(doubled.iter().copied().eq((0..100_000).map(double)));
    let pids = pool.map(&PID, 0..100_000)?;
    let changes: Vec<usize> = (1..pids.len())
        .filter(|&i| pids[i] != pids[i - 1])
        .collect();
    assert!(changes.iter().all(|i| i % 6250 == 0), "{changes:?}");
    assert!(changes.len() < 16, "{changes:?}");
    Ok(())
}

fn an_unknown_target(method: StartMethod) -> Outcome {
    let unknown = "this program has no target named faults::targets::triple: add it to the list \
                   main gives roles::run_if_child (now common::pool::worker, ";
    let mut pool = ProcessPool::new(1, method)?;
    let err = pool.map(&UNLISTED, [1]).unwrap_err();
    let name = "faults::targets::triple".to_owned();
    assert_eq!(
        err.refusal(),
        Some(&Refusal::UnknownTarget { name }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(unknown), "{err}");
    let executor = common::futures::ProcessPoolExecutor::new(1, method)?;
    let err = executor.submit(&UNLISTED, 1).result().unwrap_err();
    assert!(err.to_string().starts_with(unknown), "{err}");
    drop(executor); // Its dispatcher threads would make `fork` refuse.
    match process::start(method, &UNLISTED, 1) {
        // `fork` runs the function value it was handed; the others look the name up.
        Ok(child) => {
            assert_eq!(method, StartMethod::Fork);
            child.join()?;
        }
        Err(err) => {
            assert_ne!(method, StartMethod::Fork);
            assert!(err.to_string().starts_with(unknown), "{err}");
        }
    }
    let err = pool.map(&MISTYPED, [1]).unwrap_err();
    let name = "faults::targets::double".to_owned();
    assert_eq!(
        err.refusal(),
        Some(&Refusal::MistypedTarget { name }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "target faults::targets::double is fn(i64) -> i64 here, but the caller sent it as \
         fn(u64) -> u64"
    );
    Ok(())
}

/// `apply_async` calls outstanding (more than there are workers) while a `map` and an `imap` run;
/// a failing item in `imap`; a worker replaced after every two tasks.
fn api_calls_mix(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(2, method)?;
    let pending = [5, 6, 7].map(|x| pool.apply_async(&DOUBLE, x));
    assert_eq!(pool.map(&DOUBLE, [1, 2, 3])?, [2, 4, 6]);
    let imap: Vec<common::Result<i64>> = pool.imap(&PANIC_ON_3, [1, 2, 3, 4], 1)?.collect();
    assert_eq!(imap.len(), 3, "the failed item ends the results");
    assert_eq!(
        (imap[0].as_ref().ok(), imap[1].as_ref().ok()),
        (Some(&1), Some(&2))
    );
    let raised = imap[2]
        .as_ref()
        .unwrap_err()
        .raised()
        .expect("a task's failure");
    assert_eq!((raised.item, raised.panicked), (Some(2), true));
    let answers: Vec<i64> = pending
        .into_iter()
        .map(|p| p?.get(&mut pool))
        .collect::<common::Result<_>>()?;
    assert_eq!(answers, [10, 12, 14]);
    let mut pool = ProcessPool::builder(2)
        .method(method)
        .max_tasks_per_child(2)
        .start()?;
    let mut unordered: Vec<i64> = pool
        .imap_unordered(&DOUBLE, 0..10, 1)?
        .collect::<common::Result<_>>()?;
    unordered.sort_unstable();
    assert_eq!(unordered, (0..10).map(double).collect::<Vec<_>>());
    Ok(())
}

fn a_worker_killed_during_imap(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(2, method)?;
    let results: Vec<common::Result<i64>> = pool.imap(&KILL_ON_3, 1..=6, 1)?.collect();
    // How many results come before the error depends on which worker answers first.
    let (last, before) = results.split_last().expect("at least the error");
    assert!(before.iter().all(Result::is_ok), "{results:?}");
    let err = last.as_ref().unwrap_err();
    assert_eq!(
        err.broken_pool().and_then(|b| b.exit),
        Some(Exit::Signal(Signal::SIGKILL)),
        "{err}"
    );
    assert!(pool.map(&DOUBLE, [1]).unwrap_err().broken_pool().is_some());
    Ok(())
}

/// A reply that cannot be read is not a death: the error says what it is, and the healthy worker
/// is not killed for it but left to exit as the broken pool closes its socket.
fn an_unreadable_reply(method: StartMethod) -> Outcome {
    let mut pool = ProcessPool::new(1, method)?;
    let err = pool.map(&CORRUPT_REPLY, [1]).unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.starts_with("reading worker process ")
            && shown.ends_with("'s reply: corrupt message: length 4294967295"),
        "{shown}"
    );
    let after = pool.map(&DOUBLE, [1]).unwrap_err();
    let broken = after.broken_pool().unwrap_or_else(|| panic!("{after}"));
    assert_ne!(broken.exit, Some(Exit::Signal(Signal::SIGKILL)), "{after}");
    Ok(())
}
