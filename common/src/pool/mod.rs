//! A pool of worker processes: the counterpart of `multiprocessing.Pool`.
//!
//! [`ProcessPool::new`] starts the workers once, by any [`StartMethod`]; they live as long as the
//! pool and take batches of items over a socket, as length-prefixed postcard frames (Python pickles
//! them). [`ProcessPool::map`] cuts the items into chunks (Python's default: about four per worker,
//! so 100 000 tiny items cost a few dozen round trips, not 100 000), keeps every worker busy with
//! one chunk at a time, and puts the results back in input order.
//!
//! **Which function runs.** Like Python, which pickles a function by its qualified name, each job
//! names its [`Target`]; the worker looks the name up in the program's target table (the list
//! `main` gives [`roles::run_if_child`](crate::roles::run_if_child)) and checks the types. That is why `map` takes a
//! declared target, not a closure: a closure's captured data would not exist in the worker.
//!
//! **What a chunk costs.** One frame each way on the worker's socket (a `write` and a few `read`s),
//! written into and read from a buffer each worker keeps, so large chunks do not page-fault anew.
//! Items and results are batches as [`crate::frame::append_batch`] writes them: numbers as fixed-width
//! little-endian values, other types as postcard, each encoded once and decoded once, one item at a
//! time, with no intermediate vector in the worker. `make bench` compares this with a hand-written
//! pool sending raw little-endian arrays.
//!
//! **Failures are errors, never hangs.** A task that panics or returns `Err` makes `map` return an
//! error naming the item and the message, and the pool stays usable. A worker that dies (a signal,
//! an `exit`) closes its socket, which the parent sees at once: `map` fails naming the worker and
//! how it ended, and the pool is broken from then on. (Python's `Pool` waits forever in that case.)
//! Dropping the pool, like leaving Python's `with` block, stops every worker and reaps it.
//!
//! A caller can tell a timeout from a dead worker by matching [`crate::Error`]:
//!
//! ```rust,standalone_crate
//! use std::time::Duration;
//! use common::Error;
//! use common::pool::ProcessPool;
//! use common::process::{Exit, StartMethod};
//! use common::target::Target;
//!
//! fn double(n: u64) -> u64 {
//!     2 * n
//! }
//! fn hang(_: u64) -> u64 {
//!     loop {
//!         nix::unistd::pause(); // A worker that never answers, until it is killed.
//!     }
//! }
//! fn die(_: u64) -> u64 {
//!     std::process::abort() // A worker crash: SIGABRT.
//! }
//! const DOUBLE: Target<u64, u64> = common::target!(double);
//! const HANG: Target<u64, u64> = common::target!(hang);
//! const DIE: Target<u64, u64> = common::target!(die);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&DOUBLE, &HANG, &DIE]);
//!     let mut pool = ProcessPool::new(2, StartMethod::Fork)?;
//!     assert_eq!(pool.map(&DOUBLE, [1, 2])?, [2, 4]);
//!     match pool.map_timeout(&HANG, [0], Duration::from_millis(50)) {
//!         Err(Error::Timeout(what)) => eprintln!("gave up waiting for {what}"),
//!         other => panic!("expected a timeout, got {other:?}"),
//!     }
//!     let mut pool = ProcessPool::new(2, StartMethod::Fork)?;
//!     match pool.map(&DIE, [1]) {
//!         Err(Error::BrokenPool(broken)) => {
//!             assert_eq!(broken.exit, Some(Exit::Signal(nix::sys::signal::Signal::SIGABRT)));
//!             assert_eq!(broken.items, Some(0..1));
//!         }
//!         other => panic!("expected a broken pool, got {other:?}"),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Shown by: `process-pool` and `pool-api` (`examples-processes/`).

use std::fmt::Debug;
use std::ops::Range;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::process::StartMethod;
use crate::target::{Outcome, Target};
use crate::wait;

mod imap;
mod options;
pub(crate) mod worker;

pub use imap::{AsyncResult, Imap};
pub use options::PoolBuilder;
pub(crate) use worker::{JobFrame, Task, WORKER, Worker, show};

/// A fixed set of worker processes that run functions on batches of items.
#[derive(Debug)]
pub struct ProcessPool {
    workers: Vec<Worker>,
    broken: Option<Box<crate::error::BrokenPool>>,
    log: bool,
    /// How workers are started, kept to start replacements (`max_tasks_per_child`).
    method: StartMethod,
    /// The initializer's job, run once in every worker when it starts.
    init: Option<JobFrame>,
    /// A worker is replaced after this many tasks (chunks).
    max_tasks: Option<usize>,
    /// `apply_async` results that came in before their `get`: (id, reply frame).
    async_replies: Vec<(u64, Vec<u8>)>,
    next_async: u64,
    /// Reply buffers kept between `map`s: a reply that comes before its turn waits in its buffer
    /// and the worker takes one of these, so a `map` of big batches allocates, and faults in,
    /// no fresh memory once the pool has run one.
    spare: Vec<Vec<u8>>,
}

impl ProcessPool {
    /// Starts `workers` worker processes by `method`
    /// (Python's `multiprocessing.get_context(method).Pool(workers)`).
    ///
    /// With [`StartMethod::Fork`] this process must have only one thread (see [`crate::process::fork`]).
    pub fn new(workers: usize, method: StartMethod) -> Result<Self> {
        Self::builder(workers).method(method).start()
    }

    /// A pool with Python's other constructor arguments: `initializer`, `initargs`,
    /// `maxtasksperchild` (see [`PoolBuilder`]).
    pub fn builder(workers: usize) -> PoolBuilder {
        PoolBuilder::new(workers)
    }

    /// When on, `map` reports on stderr which worker handled which items
    /// (in the spirit of Python's `multiprocessing.log_to_stderr()`).
    pub fn log_to_stderr(&mut self, on: bool) {
        self.log = on;
    }

    /// Applies `f` to every item in the worker processes and returns the results in input order
    /// (Python's `pool.map(f, items)`).
    pub fn map<T, R>(
        &mut self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        self.map_until(f, items, None)
    }

    /// [`map`](ProcessPool::map), giving up after `timeout`: then every worker is killed, stopped
    /// ones (`kill -STOP`) too, and the pool is broken. Without it a stopped worker makes `map`
    /// wait for as long as it stays stopped, as it does in Python.
    ///
    /// The nearest Python is `pool.map_async(f, items).get(timeout)`, which raises
    /// `multiprocessing.TimeoutError` and kills nothing: the workers, and the stopped one, stay
    /// until the pool is terminated. Here the timeout ends them, so nothing is left waiting.
    pub fn map_timeout<T, R>(
        &mut self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
        timeout: Duration,
    ) -> Result<Vec<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        self.map_until(f, items, Some(Instant::now() + timeout))
    }

    /// Kills every worker now (`SIGKILL`) and reaps it; dropping the pool instead lets idle workers
    /// exit on their own first. Python's `pool.terminate()` sends `SIGTERM` instead, which a
    /// stopped worker does not act on until it is continued.
    pub fn terminate(mut self) {
        self.workers.drain(..).for_each(Worker::kill);
    }

    fn map_until<T, R>(
        &mut self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
        deadline: Option<Instant>,
    ) -> Result<Vec<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        self.ready_for_work()?;
        let task = Task::of(f)?;
        // Python's `map` needs the length to cut chunks, and makes a list when it has none.
        let items = items.into_iter();
        match items.size_hint() {
            (low, Some(high)) if low == high => self.map_known(&task, items, deadline),
            _ => self.map_known(&task, items.collect::<Vec<T>>().into_iter(), deadline),
        }
    }

    /// `map` for items whose count `size_hint` gives exactly.
    fn map_known<T, V>(
        &mut self,
        task: &Task,
        mut items: impl Iterator<Item = T>,
        deadline: Option<Instant>,
    ) -> Result<Vec<V>>
    where
        T: Serialize + 'static,
        V: DeserializeOwned + 'static,
    {
        let len = items.size_hint().0;
        let chunk = len.div_ceil(4 * self.workers.len()).max(1);
        let mut chunks = (0..len).step_by(chunk).map(|s| s..(s + chunk).min(len));
        // Results are decoded in input order straight into `results`; a reply that comes before
        // its turn waits, undecoded, in the buffer it arrived in (the worker gets a spare one).
        let mut results: Vec<V> = Vec::with_capacity(len);
        let mut early: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
        let mut spare = std::mem::take(&mut self.spare);
        let mut batch = Vec::with_capacity(chunk);
        let mut first_error = None;

        for index in 0..self.workers.len() {
            let Some(range) = chunks.next() else { break };
            batch.extend(items.by_ref().take(range.len()));
            self.send(index, task, &mut batch, range)?;
        }
        while let Some(ready) = self.next_reply(deadline)? {
            let worker = &mut self.workers[ready];
            let range = worker.busy.clone().expect("only busy workers reply");
            let len = match worker.receive_len() {
                Ok(len) => len,
                Err(e) => return Err(self.break_pool(e)),
            };
            if self.log {
                eprintln!("worker pid {} handled {}", worker.pid(), show(&range));
            }
            if first_error.is_none() {
                if range.start == results.len() {
                    let decoded = decode_into(&worker.buffer[..len], &range, &mut results);
                    if let Err(e) =
                        decoded.and_then(|()| drain_early(&mut early, &mut results, &mut spare))
                    {
                        first_error = Some(e);
                    }
                } else {
                    let mut parked =
                        std::mem::replace(&mut worker.buffer, spare.pop().unwrap_or_default());
                    parked.truncate(len);
                    early.push((range, parked));
                }
            }
            self.task_done(ready)?;
            if first_error.is_none() {
                if let Some(range) = chunks.next() {
                    batch.extend(items.by_ref().take(range.len()));
                    self.send(ready, task, &mut batch, range)?;
                }
            }
        }
        spare.extend(early.into_iter().map(|(_, buffer)| buffer));
        spare.truncate(self.workers.len());
        self.spare = spare;
        match first_error {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }

    /// Fails if the pool is broken; otherwise waits for the `apply_async` tasks still running,
    /// keeping their replies, so that every worker is idle.
    fn ready_for_work(&mut self) -> Result<()> {
        if let Some(broken) = &self.broken {
            return Err(Error::BrokenPool(broken.clone()));
        }
        for index in 0..self.workers.len() {
            if self.workers[index].async_id.is_some() {
                self.collect_async(index)?;
            }
        }
        Ok(())
    }

    /// Reads the reply of the `apply_async` task worker `index` runs, and keeps it.
    fn collect_async(&mut self, index: usize) -> Result<()> {
        let worker = &mut self.workers[index];
        let id = worker.async_id.take().expect("an async task is running");
        let len = match worker.receive_len() {
            Ok(len) => len,
            Err(e) => return Err(self.break_pool(e)),
        };
        let reply = worker.buffer[..len].to_vec();
        self.async_replies.push((id, reply));
        self.task_done(index)
    }

    /// Counts a finished task of worker `index`; past `max_tasks_per_child`, replaces the worker
    /// with a new one (Python's `maxtasksperchild`).
    fn task_done(&mut self, index: usize) -> Result<()> {
        let worker = &mut self.workers[index];
        worker.tasks += 1;
        if self.max_tasks.is_none_or(|max| worker.tasks < max) {
            return Ok(());
        }
        let fresh = Worker::start(1, self.method, &self.workers)
            .and_then(|mut started| {
                let mut worker = started.pop().expect("one worker");
                worker.initialize(self.init.as_ref())?;
                Ok(worker)
            })
            .map_err(|e| self.break_pool(e.context("replacing a worker that did its tasks")))?;
        std::mem::replace(&mut self.workers[index], fresh).stop();
        Ok(())
    }

    /// Sends `batch`, the items in `range`, and empties it for the next.
    fn send<T: Serialize + 'static>(
        &mut self,
        index: usize,
        task: &Task,
        batch: &mut Vec<T>,
        range: Range<usize>,
    ) -> Result<()> {
        let sent = self.workers[index].send(task, batch, range);
        batch.clear();
        sent.map_err(|death| self.break_pool(death))
    }

    /// Waits until a busy worker has something to say; `None` when no worker is busy. Past
    /// `deadline`, kills the workers, breaks the pool, and fails.
    fn next_reply(&mut self, deadline: Option<Instant>) -> Result<Option<usize>> {
        let busy: Vec<usize> = (0..self.workers.len())
            .filter(|&i| self.workers[i].busy.is_some())
            .collect();
        if busy.is_empty() {
            return Ok(None);
        }
        loop {
            let fds = busy.iter().map(|&i| self.workers[i].channel.as_fd());
            let Some(ready) = wait::readable(fds, deadline, "the workers")? else {
                let pids: Vec<String> = busy
                    .iter()
                    .map(|&i| self.workers[i].pid().to_string())
                    .collect();
                let why = Error::Timeout(format!(
                    "an answer from worker process {} (stopped, or still working): the workers \
                     were killed",
                    pids.join(", ")
                ));
                return Err(self.break_pool(why));
            };
            // Readable, hung up or in error: in each case `receive` finds out which.
            if let Some(at) = ready.iter().position(|&ready| ready) {
                return Ok(Some(busy[at]));
            }
        }
    }

    /// A worker died, did not answer in time, or could not be read: stop the workers and refuse
    /// further work. Returns `cause`; later calls fail with [`Error::BrokenPool`] carrying its facts.
    fn break_pool(&mut self, cause: Error) -> Error {
        let facts = match &cause {
            Error::BrokenPool(broken) => (**broken).clone(),
            other => crate::error::BrokenPool {
                pid: None,
                exit: None,
                items: None,
                why: other.to_string(),
            },
        };
        self.broken = Some(Box::new(facts));
        Worker::stop_all(self.workers.drain(..));
        cause
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        Worker::stop_all(self.workers.drain(..));
    }
}

/// Decodes a reply frame's payload for the items in `range`, appending the results to `results`.
fn decode_into<V: DeserializeOwned + 'static>(
    payload: &[u8],
    range: &Range<usize>,
    results: &mut Vec<V>,
) -> Result<()> {
    worker::decode_reply_into(payload, range, results)
}

/// Decodes the parked replies whose turn has come.
fn drain_early<V: DeserializeOwned + 'static>(
    early: &mut Vec<(Range<usize>, Vec<u8>)>,
    results: &mut Vec<V>,
    spare: &mut Vec<Vec<u8>>,
) -> Result<()> {
    while let Some(at) = early
        .iter()
        .position(|(range, _)| range.start == results.len())
    {
        let (range, payload) = early.swap_remove(at);
        decode_into(&payload, &range, results)?;
        spare.push(payload);
    }
    Ok(())
}
