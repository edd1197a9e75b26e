//! `ProcessPoolExecutor` (Python's `concurrent.futures.ProcessPoolExecutor`): a task that panics,
//! a worker that dies or stops, a cancelled task, ten thousand items in order; a task `submit`
//! sent to a worker itself is finished whoever waits for it, and does not keep queued tasks from
//! a free worker.

use std::time::{Duration, Instant};

use common::error::Refusal;
use common::futures::{ProcessPoolExecutor, ReturnWhen, ThreadPoolExecutor, as_completed, wait};
use common::pool::ProcessPool;
use common::process::{Exit, StartMethod};
use nix::sys::signal::Signal;

use crate::harness::{ALL, Case, Outcome};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "executor::a_panicking_task_fails_only_its_future",
        methods: ALL,
        run: a_panicking_task,
    },
    Case {
        name: "executor::a_dead_worker_breaks_every_pending_and_later_future_within_a_second",
        methods: ALL,
        run: a_dead_worker,
    },
    Case {
        name: "executor::kill_workers_ends_a_stopped_worker_within_a_second",
        methods: ALL,
        run: |m| a_stopped_worker(m, true),
    },
    Case {
        name: "executor::terminate_workers_ends_a_stopped_worker_within_a_second",
        methods: ALL,
        run: |m| a_stopped_worker(m, false),
    },
    Case {
        name: "executor::a_cancelled_task_never_runs_in_a_worker",
        methods: ALL,
        run: a_cancelled_task,
    },
    Case {
        name: "executor::a_future_nobody_reads_is_finished_for_its_callback_wait_and_as_completed",
        methods: ALL,
        run: a_future_nobody_reads,
    },
    Case {
        name: "executor::a_queued_task_runs_on_the_first_free_worker_not_behind_a_busy_one",
        methods: ALL,
        run: a_queued_task_behind_busy_workers,
    },
    Case {
        name: "executor::threads_submitting_and_waiting_every_way_at_once_get_every_result",
        methods: &[StartMethod::Fork, StartMethod::Forkserver],
        run: threads_waiting_every_way,
    },
    Case {
        name: "executor::ten_thousand_items_come_back_in_order",
        methods: &[StartMethod::Fork, StartMethod::Forkserver],
        run: ten_thousand_items,
    },
    Case {
        name: "executor::a_threaded_parent_gets_pools_from_forkserver_and_spawn_and_a_refusal_from_fork",
        methods: ALL,
        run: a_threaded_parent,
    },
];

fn a_panicking_task(method: StartMethod) -> Outcome {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let err = executor.submit(&PANIC_ON_3, 3).result().unwrap_err();
    let raised = err.raised().expect("a task's failure");
    // One task, not an item of a call: no index, as Python's `result()` re-raises it.
    assert_eq!((raised.item, raised.panicked), (None, true));
    assert!(err.to_string().starts_with("the task panicked: "), "{err}");
    assert!(raised.message.contains("three is right out"), "{err}");
    assert_eq!(executor.submit(&DOUBLE, 21).result()?, 42);
    Ok(())
}

/// One worker is killed: the task on the other worker, the queued tasks and later ones all fail
/// as a broken pool at once, with the dead worker's pid and exit, although the other task had
/// seconds left to run.
fn a_dead_worker(method: StartMethod) -> Outcome {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let started = Instant::now();
    let long = executor.submit(&SLEEP_MS, 10_000);
    let killer = executor.submit(&KILL_ON_3, 3);
    let queued: Vec<_> = (0..4).map(|n| executor.submit(&DOUBLE, n)).collect();
    let err = killer.result().unwrap_err();
    let broken = err.broken_pool().unwrap_or_else(|| panic!("{err}")).clone();
    assert_eq!(broken.exit, Some(Exit::Signal(Signal::SIGKILL)), "{err}");
    let pid = broken.pid.expect("the dead worker's pid");
    assert!(
        err.to_string().starts_with(&format!(
            "the process pool is broken: worker process {pid} was killed by SIGKILL"
        )),
        "{err}"
    );
    let long = long.result().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Every future tells the same death, whichever worker it was on.
    assert_eq!(long.broken_pool(), Some(&broken));
    for future in queued {
        assert_eq!(future.result().unwrap_err().broken_pool(), Some(&broken));
    }
    let later = executor.submit(&DOUBLE, 1).result().unwrap_err();
    assert_eq!(later.broken_pool(), Some(&broken));
    Ok(())
}

/// A worker stops: `result_timeout` returns, then `kill_workers` / `terminate_workers` end every
/// worker, stopped or busy, and return at once; unfinished futures fail as a broken pool.
fn a_stopped_worker(method: StartMethod, kill: bool) -> Outcome {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let stopped = executor.submit(&STOP_ON_3, 3);
    let busy = executor.submit(&SLEEP_MS, 10_000);
    let err = stopped
        .result_timeout(Duration::from_millis(300))
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.to_string(), "timed out waiting for the task");
    let started = Instant::now();
    if kill {
        executor.kill_workers();
    } else {
        executor.terminate_workers();
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let err = busy.result().unwrap_err();
    let broken = err.broken_pool().unwrap_or_else(|| panic!("{err}"));
    let call = if kill {
        "kill_workers"
    } else {
        "terminate_workers"
    };
    assert_eq!(broken.why, format!("{call}() ended the workers"));
    assert_eq!((broken.pid, broken.exit), (None, None));
    Ok(())
}

/// A queued task that is cancelled never runs in any worker process.
fn a_cancelled_task(method: StartMethod) -> Outcome {
    let dir = std::env::temp_dir().join(format!("faults-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (release, counter) = (dir.join("release"), dir.join("counter"));
    nix::unistd::mkfifo(&release, nix::sys::stat::Mode::S_IRWXU)?;
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let executor = ProcessPoolExecutor::new(1, method)?;
    let blocker = executor.submit(&WAIT_FOR_RELEASE, path(&release));
    let cancelled = executor.submit(&COUNT_IN_FILE, path(&counter));
    let kept = executor.submit(&COUNT_IN_FILE, path(&counter));
    assert!(cancelled.cancel(), "still queued behind the blocker");
    std::fs::write(&release, "")?; // Opens the FIFO once the blocker reads it, then closes it.
    executor.shutdown(true, false);
    assert!(blocker.result()?);
    assert!(cancelled.result().unwrap_err().is_cancelled());
    assert!(kept.result()?);
    assert_eq!(
        std::fs::read(&counter)?,
        b"+",
        "counted once: by the kept task"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Tasks `submit` writes to idle workers itself, whose futures nobody calls `result()` on: a
/// done-callback, `wait` and `as_completed` each see them finish (the dispatcher reads the reply
/// for them), and a future dropped unread leaves its worker free for the next task.
fn a_future_nobody_reads(method: StartMethod) -> Outcome {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let mut future = executor.submit(&DOUBLE, 1);
    let (told, heard) = crossbeam::channel::bounded(1);
    future.add_done_callback(move |result| _ = told.send(result.as_ref().ok().copied()));
    let heard = heard.recv_timeout(Duration::from_secs(10));
    assert_eq!(
        heard,
        Ok(Some(2)),
        "the callback ran without a result() call"
    );

    let futures = [executor.submit(&DOUBLE, 2), executor.submit(&DOUBLE, 3)];
    let done = wait(
        &futures,
        ReturnWhen::AllCompleted,
        Some(Duration::from_secs(10)),
    );
    assert_eq!(done.done, [0, 1], "{done:?}");

    let futures = [executor.submit(&DOUBLE, 4), executor.submit(&DOUBLE, 5)];
    let mut results: Vec<i64> = as_completed(futures)
        .map(|(_, future)| future.result())
        .collect::<common::Result<_>>()?;
    results.sort_unstable();
    assert_eq!(results, [8, 10]);

    drop(executor.submit(&DOUBLE, 6));
    drop(executor.submit(&DOUBLE, 7));
    let next = executor.submit(&DOUBLE, 8);
    assert_eq!(next.result_timeout(Duration::from_secs(10))?, 16);
    Ok(())
}

/// Two workers, each given a task by `submit` itself: one blocks until released, one is quick.
/// A third task, queued, runs on the quick one's worker as soon as it is free, while the blocked
/// one still waits: no task is tied to a busy worker.
fn a_queued_task_behind_busy_workers(method: StartMethod) -> Outcome {
    let dir = std::env::temp_dir().join(format!("faults-behind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let release = dir.join("release");
    nix::unistd::mkfifo(&release, nix::sys::stat::Mode::S_IRWXU)?;
    let executor = ProcessPoolExecutor::new(2, method)?;
    let blocker = executor.submit(&WAIT_FOR_RELEASE, release.to_string_lossy().into_owned());
    let quick = executor.submit(&DOUBLE, 1);
    let queued = executor.submit(&DOUBLE, 2);
    assert_eq!(quick.result()?, 2);
    // Ten seconds stand for "never": behind the blocker it would wait until the release below.
    let third = queued.result_timeout(Duration::from_secs(10));
    let blocked = !blocker.done();
    std::fs::write(&release, "")?; // Opens the FIFO once the blocker reads it, then closes it.
    assert!(blocker.result()?);
    assert_eq!(third?, 4, "the queued task ran while the blocker blocked");
    assert!(blocked, "the blocker was still waiting for its release");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Four threads share one executor of two workers, each submitting and waiting in every way at
/// once: `result`, `result_timeout`, `as_completed`, a done-callback, and dropping the future.
/// Every result arrives, right, and the executor shuts down with nothing left.
fn threads_waiting_every_way(method: StartMethod) -> Outcome {
    let executor = ProcessPoolExecutor::new(2, method)?;
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4_i64)
            .map(|thread| {
                let executor = &executor;
                scope.spawn(move || -> Outcome {
                    for i in 0..150 {
                        let n = thread * 1_000 + i;
                        match i % 5 {
                            0 => assert_eq!(executor.submit(&DOUBLE, n).result()?, 2 * n),
                            1 => {
                                let within = Duration::from_secs(10);
                                assert_eq!(
                                    executor.submit(&DOUBLE, n).result_timeout(within)?,
                                    2 * n
                                );
                            }
                            2 => {
                                let futures =
                                    [executor.submit(&DOUBLE, n), executor.submit(&DOUBLE, -n)];
                                let sum: i64 = as_completed(futures)
                                    .map(|(_, f)| f.result())
                                    .sum::<common::Result<i64>>()?;
                                assert_eq!(sum, 0);
                            }
                            3 => {
                                let (told, heard) = crossbeam::channel::bounded(1);
                                executor.submit(&DOUBLE, n).add_done_callback(move |r| {
                                    _ = told.send(r.as_ref().ok().copied())
                                });
                                assert_eq!(
                                    heard.recv_timeout(Duration::from_secs(10)),
                                    Ok(Some(2 * n))
                                );
                            }
                            _ => drop(executor.submit(&DOUBLE, n)),
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        threads
            .into_iter()
            .try_for_each(|thread| thread.join().expect("no panic"))
    })?;
    executor.shutdown(true, false);
    Ok(())
}

/// 10 000 items come back in input order, one job per item or 625 to a job; a panicking item
/// ends the results with its error, as in Python, and names its place in the whole call.
fn ten_thousand_items(method: StartMethod) -> Outcome {
    let executor = ProcessPoolExecutor::new(3, method)?;
    let expected: Vec<i64> = (0..10_000).map(double).collect();
    for chunksize in [1, 625] {
        let results: common::Result<Vec<i64>> =
            executor.map(&DOUBLE, 0..10_000, chunksize).collect();
        assert!(results? == expected, "chunksize {chunksize}");
    }
    let results: Vec<_> = executor.map(&PANIC_ON_3, 0..10, 2).collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(
        (results[0].as_ref().ok(), results[1].as_ref().ok()),
        (Some(&0), Some(&1))
    );
    let raised = results[2]
        .as_ref()
        .unwrap_err()
        .raised()
        .expect("a task's failure");
    assert_eq!((raised.item, raised.panicked), (Some(3), true));
    Ok(())
}

/// A process that already runs threads (a live thread pool) starts a process pool and an
/// executor: `fork` refuses with a clear error, `spawn` and `forkserver` work.
fn a_threaded_parent(method: StartMethod) -> Outcome {
    let threads = ThreadPoolExecutor::new(2)?;
    let from_threads: i64 = threads.map(double, 0..4).map(|r| r.unwrap()).sum();
    let pool = ProcessPool::new(2, method);
    let executor = ProcessPoolExecutor::new(2, method);
    if method == StartMethod::Fork {
        for err in [pool.unwrap_err(), executor.unwrap_err()] {
            assert_eq!(
                err.refusal(),
                Some(&Refusal::ForkWithThreads { threads: 3 }),
                "{err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("starting worker 0: cannot fork: this process has 3 threads"),
                "{err}"
            );
        }
    } else {
        assert_eq!(pool?.map(&DOUBLE, 0..4)?, [0, 2, 4, 6]);
        let results: common::Result<Vec<i64>> = executor?.map(&DOUBLE, 0..4, 1).collect();
        assert_eq!(results?, [0, 2, 4, 6]);
    }
    assert_eq!(from_threads, 12, "the thread pool still works");
    Ok(())
}
