//! `ProcessPoolExecutor`: tasks run in the [`pool`](crate::pool) module's worker processes,
//! started by any [`StartMethod`]. Tasks are declared [`Target`]s, found by name in the workers.
//!
//! **What a task costs.** `submit` encodes the job frame once (the pool's wire format), allocates a
//! [`Future`], and queues the job; a dispatcher thread writes it to its worker's socket and reads
//! the reply into a buffer it reuses: one round trip per job. `map(f, items, chunksize)` sends
//! `chunksize` items per job, so small tasks should use a large one (as in Python, whose default
//! is also 1).
//!
//! Each worker process has a dispatcher thread in the parent that takes the next queued task,
//! sends it to its worker, and records the reply in the task's future. When a worker dies, its
//! dispatcher marks the pool broken and shuts every worker's socket down, which wakes the other
//! dispatchers at once: each kills its own worker and fails its task, and every task still queued
//! or submitted later fails too, with [`Error::BrokenPool`] (which worker, how it ended, which
//! items it held).

use std::fmt::Debug;
use std::net::Shutdown;
use std::ops::Range;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crossbeam::channel::Receiver;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::job_queue::{Job, JobQueue};
use super::{Control, Future};
use crate::error::{BrokenPool, Refusal};
use crate::pool::{self, Task, Worker};
use crate::process::{Pidfd, StartMethod};
use crate::target::{Outcome, Reply, Target};
use nix::sys::signal::Signal;

/// Runs tasks in `max_workers` worker processes
/// (Python's `concurrent.futures.ProcessPoolExecutor`).
#[derive(Debug)]
pub struct ProcessPoolExecutor {
    queue: JobQueue<ProcessJob>,
    broken: Arc<Broken>,
}

/// Set once, when the first worker dies.
#[derive(Debug)]
struct Broken {
    why: OnceLock<BrokenPool>,
    /// A handle on every worker's socket, to wake every dispatcher when the pool breaks.
    sockets: Vec<UnixStream>,
    /// A pidfd for every worker, to signal them all from the caller's thread.
    pidfds: Vec<Pidfd>,
}

impl Broken {
    /// Why the pool is broken, as the error every unfinished future fails with; `None` while it
    /// is not.
    fn error(&self) -> Option<Error> {
        self.why
            .get()
            .map(|why| Error::BrokenPool(Box::new(why.clone())))
    }

    fn set(&self, why: BrokenPool) {
        if self.why.set(why).is_ok() {
            for socket in &self.sockets {
                _ = socket.shutdown(Shutdown::Both); // Already closed is as good.
            }
        }
    }
}

/// What a dispatcher does with a worker's answer: the reply, the result bytes after it.
type Finish = Box<dyn for<'a> FnOnce(Result<(Reply, &'a [u8])>) + Send>;

/// Turns a worker's reply, the result bytes after it, and the job's items into a future's value.
type Decode<V> = fn(Reply, &[u8], &Range<usize>) -> Result<V>;

struct ProcessJob {
    control: Arc<dyn Control>,
    job: pool::JobFrame,
    /// Decodes the worker's reply and result bytes (or the failure) into the future.
    finish: Finish,
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
        let workers = Worker::start(max_workers, method, &[])?;
        let sockets = workers.iter().map(Worker::socket).collect::<Result<_>>()?;
        let pidfds = workers.iter().map(Worker::pidfd).collect::<Result<_>>()?;
        let broken = Arc::new(Broken {
            why: OnceLock::new(),
            sockets,
            pidfds,
        });
        let bodies = workers.into_iter().map(|worker| {
            let broken = Arc::clone(&broken);
            move |jobs: Receiver<ProcessJob>| dispatch(worker, &jobs, &broken)
        });
        Ok(Self {
            queue: JobQueue::start("process-pool", bodies)?,
            broken,
        })
    }

    /// Queues `f(arg)` to run in a worker process and returns its future
    /// (Python's `executor.submit(f, arg)`). `f` is a declared target, as `ProcessPool::map` explains.
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
        if let Some(broken) = self.broken.error() {
            return Future::failed(broken);
        }
        let job = match Task::of(f).and_then(|task| pool::JobFrame::new(&task, batch)) {
            Ok(job) => job,
            Err(e) => return Future::failed(e),
        };
        let (future, shared) = Future::queued();
        let finish = Arc::clone(&shared);
        let range = first..first + batch.len();
        let finish = Box::new(move |reply: Result<(Reply, &[u8])>| {
            finish.finish(reply.and_then(|(reply, results)| decode(reply, results, &range)))
        });
        self.queue.push(ProcessJob {
            control: shared,
            job,
            finish,
        });
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
        self.queue.shutdown(wait, cancel_futures);
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
        self.broken.set(BrokenPool {
            pid: None,
            exit: None,
            items: None,
            why: format!("{call}() ended the workers"),
        });
        for pidfd in &self.broken.pidfds {
            _ = pidfd.signal(signal); // An exited worker is fine.
            if signal != Signal::SIGKILL {
                _ = pidfd.signal(Signal::SIGCONT);
            }
        }
        self.queue.shutdown(true, false);
    }
}

/// A dispatcher thread: feeds `worker` one job at a time until the queue closes, then stops it.
fn dispatch(worker: Worker, jobs: &Receiver<ProcessJob>, broken: &Broken) {
    let mut worker = Some(worker);
    for ProcessJob {
        control,
        job,
        finish,
    } in jobs
    {
        if let Some(broken) = broken.error() {
            finish(Err(broken));
            continue;
        }
        if !control.start() {
            continue; // Cancelled while queued.
        }
        let Some(alive) = worker.as_mut() else {
            unreachable!("the worker is only stopped once the pool is broken")
        };
        match alive.send_job(&job).and_then(|()| alive.receive()) {
            Ok(reply) => finish(Ok(reply)),
            Err(e) => {
                // Our worker died, or another did and shut our socket down to wake us (then the
                // first death is the reason), or its reply could not be read: the worker is then
                // left to exit on its own as it is stopped.
                // The first death is the one every future reports, with its pid, exit and items.
                broken.set(match e {
                    Error::BrokenPool(facts) => *facts,
                    other => BrokenPool {
                        pid: None,
                        exit: None,
                        items: None,
                        why: other.to_string(),
                    },
                });
                if let Some(ours) = worker.take() {
                    ours.stop(); // A dead one is reaped; one still working is killed.
                }
                finish(Err(broken.error().expect("set above")));
            }
        }
    }
    if let Some(worker) = worker {
        worker.stop();
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
