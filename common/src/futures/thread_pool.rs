//! `ThreadPoolExecutor`: tasks run on a fixed set of threads fed by a crossbeam channel.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use anyhow::{Result, ensure};

use super::{Control, Future, FutureError, Job, JobQueue};

/// Runs tasks on `max_workers` threads (Python's `concurrent.futures.ThreadPoolExecutor`).
#[derive(Debug)]
pub struct ThreadPoolExecutor {
    queue: JobQueue<ThreadJob>,
}

struct ThreadJob {
    control: Arc<dyn Control>,
    /// Runs the task and records its result in the future.
    run: Box<dyn FnOnce() + Send>,
}

impl Job for ThreadJob {
    fn control(&self) -> &dyn Control {
        &*self.control
    }
}

impl ThreadPoolExecutor {
    /// Starts `max_workers` threads.
    pub fn new(max_workers: usize) -> Result<Self> {
        ensure!(max_workers > 0, "an executor needs at least one worker");
        let bodies = (0..max_workers).map(|_| {
            |jobs: crossbeam::channel::Receiver<ThreadJob>| {
                for job in jobs {
                    if job.control.start() {
                        (job.run)();
                    }
                }
            }
        });
        Ok(Self {
            queue: JobQueue::start("thread-pool", bodies)?,
        })
    }

    /// Queues `f(arg)` and returns its future (Python's `executor.submit(f, arg)`).
    pub fn submit<T, R, F>(&self, f: F, arg: T) -> Future<R>
    where
        F: FnOnce(T) -> R + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let (future, shared) = Future::queued();
        let finish = Arc::clone(&shared);
        let run = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(|| f(arg)))
                .map_err(|payload| FutureError::Panicked(crate::panic::message(&*payload)));
            finish.finish(result);
        });
        self.queue.push(ThreadJob {
            control: shared,
            run,
        });
        future
    }

    /// Queues `f(item)` for every item and yields the results in input order as they are needed
    /// (Python's `executor.map(f, items)`).
    pub fn map<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> impl Iterator<Item = Result<R, FutureError>>
    where
        F: Fn(T) -> R + Send + Sync + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let f = Arc::new(f);
        let futures: Vec<Future<R>> = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.submit(move |item| f(item), item)
            })
            .collect();
        futures.into_iter().map(Future::result)
    }

    /// Stops taking work (Python's `executor.shutdown(wait, cancel_futures)`): with
    /// `cancel_futures` the queued tasks are cancelled; with `wait` it returns once the threads end.
    pub fn shutdown(mut self, wait: bool, cancel_futures: bool) {
        self.queue.shutdown(wait, cancel_futures);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::futures::as_completed;

    #[test]
    fn map_returns_results_in_input_order() {
        let executor = ThreadPoolExecutor::new(3).unwrap();
        let results: Result<Vec<u64>, _> = executor.map(|n: u64| n * n, 0..10_000).collect();
        assert_eq!(
            results.unwrap(),
            (0..10_000).map(|n| n * n).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_panicking_task_fails_its_future_and_the_pool_stays_usable() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let doomed = executor.submit(|n: u32| -> u32 { panic!("boom {n}") }, 7);
        assert_eq!(doomed.result(), Err(FutureError::Panicked("boom 7".into())));
        assert_eq!(executor.submit(|n: u32| n + 1, 1).result(), Ok(2));
    }

    /// Occupies the executor's only thread until the returned sender is used or dropped.
    fn block_single_thread(executor: &ThreadPoolExecutor) -> (mpsc::Sender<()>, Future<bool>) {
        let (started, has_started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let blocker = executor.submit(
            move |()| {
                started.send(()).unwrap();
                released.recv().is_ok()
            },
            (),
        );
        has_started.recv().unwrap();
        (release, blocker)
    }

    #[test]
    fn a_cancelled_queued_task_never_runs() {
        let ran = Arc::new(AtomicUsize::new(0));
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, blocker) = block_single_thread(&executor);
        let counted = Arc::clone(&ran);
        let queued = executor.submit(move |()| counted.fetch_add(1, SeqCst), ());
        assert!(queued.cancel(), "still queued behind the blocker");
        assert!(queued.done());
        assert!(!blocker.cancel(), "a running task cannot be cancelled");
        release.send(()).unwrap();
        executor.shutdown(true, false);
        assert_eq!(ran.load(SeqCst), 0);
        assert_eq!(queued.result(), Err(FutureError::Cancelled));
        assert_eq!(blocker.result(), Ok(true));
    }

    #[test]
    fn shutdown_with_cancel_futures_cancels_what_is_queued() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, blocker) = block_single_thread(&executor);
        let queued: Vec<_> = (0..5).map(|n| executor.submit(|n: u32| n, n)).collect();
        executor.shutdown(false, true);
        release.send(()).unwrap();
        assert_eq!(blocker.result(), Ok(true));
        for future in queued {
            assert_eq!(future.result(), Err(FutureError::Cancelled));
        }
    }

    #[test]
    fn result_timeout_gives_up_without_stopping_the_task() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, released) = mpsc::channel::<()>();
        let slow = executor.submit(move |()| released.recv().is_ok(), ());
        assert_eq!(
            slow.result_timeout(Duration::from_millis(20)),
            Err(FutureError::Timeout)
        );
        release.send(()).unwrap(); // The task is still running and takes this.
        drop(executor); // Waits for it, like leaving the `with` block.
    }

    #[test]
    fn as_completed_yields_futures_as_they_finish() {
        let executor = ThreadPoolExecutor::new(2).unwrap();
        let (release_first, first) = mpsc::channel::<()>();
        let (release_second, second) = mpsc::channel::<()>();
        let futures = vec![
            executor.submit(move |()| first.recv().map(|()| "first"), ()),
            executor.submit(move |()| second.recv().map(|()| "second"), ()),
        ];
        let mut completed = as_completed(futures);
        release_second.send(()).unwrap();
        let (position, future) = completed.next().unwrap();
        assert_eq!((position, future.result().unwrap()), (1, Ok("second")));
        release_first.send(()).unwrap();
        let (position, future) = completed.next().unwrap();
        assert_eq!((position, future.result().unwrap()), (0, Ok("first")));
        assert!(completed.next().is_none());
    }
}
