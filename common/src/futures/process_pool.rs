//! `ProcessPoolExecutor`: tasks run in the [`pool`](crate::pool) module's worker processes,
//! started by any [`StartMethod`]. Tasks are declared [`Target`]s, found by name in the workers.
//!
//! **What a task costs.** `submit` encodes the job frame once (the pool's wire format) and
//! allocates a [`Future`]. If nothing is queued and a worker is idle, it writes the job to that
//! worker at once, and `result()` reads the reply in the caller's thread (see
//! [`worker_slots`](super::worker_slots)); otherwise the job is queued, and a dispatcher thread
//! writes it to its worker and reads the reply into a buffer it reuses. Either way, one round
//! trip per job. `map(f, items, chunksize)` sends `chunksize` items per job, so small tasks
//! should use a large one (as in Python, whose default is also 1).
//!
//! Each worker process has a dispatcher thread in the parent that takes the next queued task,
//! sends it to its worker, and records the reply in the task's future. When a worker dies, the
//! thread that finds out marks the pool broken and shuts every worker's socket down, which wakes
//! every thread reading a reply at once: each stops its worker and fails its task, and every
//! task still queued or submitted later fails too, with [`Error::BrokenPool`] (which worker, how
//! it ended, which items it held).

use std::fmt::Debug;
use std::ops::Range;
use std::sync::Arc;

use crate::error::{Error, Result};
use crossbeam::channel::Receiver;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::job_queue::{Job, JobQueue};
use super::worker_slots::Workers;
use super::{Control, Future};
use crate::error::{BrokenPool, Refusal};
use crate::pool::{self, Task, Worker};
use crate::process::StartMethod;
use crate::target::{Outcome, Reply, Target};
use nix::sys::signal::Signal;

/// Runs tasks in `max_workers` worker processes
/// (Python's `concurrent.futures.ProcessPoolExecutor`).
#[derive(Debug)]
pub struct ProcessPoolExecutor {
    queue: JobQueue<ProcessJob>,
    workers: Arc<Workers>,
}

/// What the thread that reads a worker's answer does with it: the reply, the result bytes after
/// it.
pub(super) type Finish = Box<dyn for<'a> FnOnce(Result<(Reply, &'a [u8])>) + Send>;

/// Turns a worker's reply, the result bytes after it, and the job's items into a future's value.
type Decode<V> = fn(Reply, &[u8], &Range<usize>) -> Result<V>;

pub(super) struct ProcessJob {
    pub(super) control: Arc<dyn Control>,
    pub(super) job: pool::JobFrame,
    /// Decodes the worker's reply and result bytes (or the failure) into the future.
    pub(super) finish: Finish,
}

impl Job for ProcessJob {
    fn control(&self) -> &dyn Control {
        &*self.control
    }
}

impl ProcessPoolExecutor {
    /// Starts `max_workers` worker processes by `method`, then one dispatcher thread for each
    /// (Python's `ProcessPoolExecutor(max_workers, mp_context=get_context(method))`).
    ///
    /// With [`StartMethod::Fork`] this process must have only one thread: create the executor
    /// before any other threads, or use [`StartMethod::Forkserver`] or [`StartMethod::Spawn`].
    pub fn new(max_workers: usize, method: StartMethod) -> Result<Self> {
        if max_workers == 0 {
            return Err(Error::refused(
                Refusal::Invalid,
                "an executor needs at least one worker",
            ));
        };
        let (jobs, queued) = crossbeam::channel::unbounded();
        let workers = Worker::start(max_workers, method, &[])?;
        let workers = Arc::new(Workers::new(workers, queued.clone())?);
        let bodies = (0..workers.len()).map(|index| {
            let workers = Arc::clone(&workers);
            move |jobs: Receiver<ProcessJob>| workers.dispatch(index, &jobs)
        });
        // Closing the queue also tells the dispatchers, which may be waiting for a wake-up
        // rather than on the queue: each then finishes the queue and stops its worker.
        let closed = Arc::clone(&workers);
        let on_close = Box::new(move || closed.close());
        Ok(Self {
            queue: JobQueue::start_on((jobs, queued), "process-pool", bodies, Some(on_close))?,
            workers,
        })
    }

    /// Runs `f(arg)` in a worker process and returns its future (Python's
    /// `executor.submit(f, arg)`): written at once to an idle worker if no task is queued, so that
    /// `result()` can read the reply itself, and queued otherwise. `f` is a declared target, as
    /// `ProcessPool::map` explains.
    pub fn submit<T, R>(&self, f: &Target<T, R>, arg: T) -> Future<R::Value>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        self.submit_job(f, std::slice::from_ref(&arg), 0, |reply, results, range| {
            let results = batch_results(reply, results, range).map_err(|e| match e {
                // One task, not an item of a call: Python's `result()` re-raises it as it is.
                Error::Raised(mut raised) => {
                    raised.item = None;
                    Error::Raised(raised)
                }
                other => other,
            })?;
            results
                .into_iter()
                .next()
                .ok_or_else(|| Error::Protocol("the worker sent no result".into()))
        })
    }

    /// Queues `f` on every item of `batch` (items `first..` of the call) as one job; `decode`
    /// turns the reply into the future's value.
    fn submit_job<T, R, V: Send + 'static>(
        &self,
        f: &Target<T, R>,
        batch: &[T],
        first: usize,
        decode: Decode<V>,
    ) -> Future<V>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        if let Some(broken) = self.workers.broken() {
            return Future::failed(broken);
        }
        let job = match Task::of(f).and_then(|task| pool::JobFrame::new(&task, batch)) {
            Ok(job) => job,
            Err(e) => return Future::failed(e),
        };
        let (mut future, shared) = Future::queued();
        let finish = Arc::clone(&shared);
        let range = first..first + batch.len();
        let finish: Finish = Box::new(move |reply: Result<(Reply, &[u8])>| {
            finish.finish(reply.and_then(|(reply, results)| decode(reply, results, &range)))
        });
        match self.workers.try_direct(&job, &*shared, finish) {
            Ok(Some(reply)) => future.reply = Some(Box::new(reply)),
            Ok(None) => {} // The worker was dead: the future holds the error.
            Err(finish) => {
                self.queue.push(ProcessJob {
                    control: shared,
                    job,
                    finish,
                });
                self.workers.queued();
            }
        }
        future
    }

    /// Queues `f(item)` for every item, `chunksize` items to a job, and yields the results in
    /// input order as they are needed (Python's `executor.map(f, items, chunksize=…)`; Python's
    /// default is 1, one round trip per item, which is why a larger one pays off for small tasks).
    ///
    /// As in Python, a failed item ends the results: its error is the last thing yielded.
    pub fn map<T, R>(
        &self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
        chunksize: usize,
    ) -> impl Iterator<Item = Result<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        let items: Vec<T> = items.into_iter().collect();
        let chunksize = chunksize.max(1);
        let futures: Vec<Future<Vec<R::Value>>> = items
            .chunks(chunksize)
            .enumerate()
            .map(|(n, chunk)| self.submit_job(f, chunk, n * chunksize, batch_results::<R::Value>))
            .collect();
        let mut failed = false;
        futures
            .into_iter()
            .flat_map(|future| match future.result() {
                Ok(values) => values.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
            .take_while(move |result| !std::mem::replace(&mut failed, result.is_err()))
    }

    /// Stops taking work (Python's `executor.shutdown(wait, cancel_futures)`); every worker
    /// process is stopped and reaped by its dispatcher once the queue is empty.
    ///
    /// A worker that never answers (stopped with `kill -STOP`, or stuck) keeps `shutdown(true, _)`
    /// and the end of the executor's scope waiting, as in Python; [`kill_workers`] and
    /// [`terminate_workers`] are the way out.
    ///
    /// [`kill_workers`]: ProcessPoolExecutor::kill_workers
    /// [`terminate_workers`]: ProcessPoolExecutor::terminate_workers
    pub fn shutdown(mut self, wait: bool, cancel_futures: bool) {
        if cancel_futures {
            self.queue.cancel_queued();
            self.workers.cancel_held();
        }
        self.queue.shutdown(wait, false);
    }

    /// Kills every worker process at once, stopped ones too, reaps them, and shuts down
    /// (Python 3.14's `executor.kill_workers()`): every unfinished future fails as a broken pool.
    ///
    /// Python 3.14 first calls `shutdown(wait=False, cancel_futures=True)`, so its pending futures
    /// are cancelled rather than failed, then sends `SIGKILL` to each live worker.
    pub fn kill_workers(self) {
        self.end_workers(Signal::SIGKILL);
    }

    /// Sends every worker process `SIGTERM` (with `SIGCONT`, so that a stopped one receives it),
    /// reaps them, and shuts down (Python 3.14's `executor.terminate_workers()`): every unfinished
    /// future fails as a broken pool.
    ///
    /// Here Rust differs: Python 3.14 cancels the pending futures and sends `SIGTERM` alone,
    /// which a stopped worker does not act on until it is continued, so in Python only
    /// `kill_workers()` ends a stopped worker.
    pub fn terminate_workers(self) {
        self.end_workers(Signal::SIGTERM);
    }

    fn end_workers(mut self, signal: Signal) {
        // The reason first: from here on every dispatcher reports it, whichever worker dies first.
        // Setting it also wakes every dispatcher, which kills what is left of its worker and reaps
        // it; the queued tasks then fail as the pool is broken.
        let call = if signal == Signal::SIGKILL {
            "kill_workers"
        } else {
            "terminate_workers"
        };
        self.workers.set_broken(BrokenPool {
            pid: None,
            exit: None,
            items: None,
            why: format!("{call}() ended the workers"),
        });
        self.workers.signal_all(signal);
        if signal != Signal::SIGKILL {
            self.workers.signal_all(Signal::SIGCONT);
        }
        self.queue.shutdown(true, false);
    }
}

/// The results of a job, by the pools' one reply decoder: a task's failure is the same
/// [`Error::Raised`] `ProcessPool::map` returns.
fn batch_results<R: DeserializeOwned + 'static>(
    reply: Reply,
    results: &[u8],
    range: &Range<usize>,
) -> Result<Vec<R>> {
    pool::worker::into_results(reply, results, range)
}
