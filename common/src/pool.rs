//! A pool of worker processes: the counterpart of `multiprocessing.Pool`.
//!
//! [`ProcessPool::new`] forks the workers once; they live as long as the pool and take batches of
//! items over a socket, as length-prefixed postcard frames (Python pickles them). [`ProcessPool::map`]
//! cuts the items into chunks (Python's default: about four per worker, so 100 000 tiny items cost
//! a few dozen round trips, not 100 000), keeps every worker busy with one chunk at a time, and puts
//! the results back in input order.
//!
//! **Which function runs.** Like Python's fork-based pool, which pickles a function by its name and
//! finds it again in the copied module, we send the function's address: a worker is a `fork` of this
//! process that never calls `exec`, so the same code sits at the same address there. That is why
//! `map` takes a plain `fn(T) -> R` (a closure's captured data would not exist in the worker).
//!
//! **Failures are errors, never hangs.** A task that panics makes `map` return an error naming the
//! item and the panic message, and the pool stays usable. A worker that dies (a signal, an `exit`)
//! closes its socket, which the parent sees at once: `map` fails naming the worker and how it ended,
//! and the pool is broken from then on. (Python's `Pool` waits forever in that case.) Dropping the
//! pool, like leaving Python's `with` block, stops every worker and reaps it.

use std::fmt::Debug;
use std::io::Write;
use std::net::Shutdown;
use std::ops::Range;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::Pid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::frame;
use crate::process::{self, Child};

/// A fixed set of worker processes that run functions on batches of items.
#[derive(Debug)]
pub struct ProcessPool {
    workers: Vec<Worker>,
    broken: Option<String>,
    log: bool,
}

impl ProcessPool {
    /// Forks `workers` worker processes (Python's `Pool(workers)`).
    ///
    /// This process must have only one thread (see [`process::fork`]).
    pub fn new(workers: usize) -> Result<Self> {
        ensure!(workers > 0, "a process pool needs at least one worker");
        Ok(Self {
            workers: Worker::start(workers)?,
            broken: None,
            log: false,
        })
    }

    /// When on, `map` reports on stderr which worker handled which items
    /// (in the spirit of Python's `multiprocessing.log_to_stderr()`).
    pub fn log_to_stderr(&mut self, on: bool) {
        self.log = on;
    }

    /// Applies `f` to every item in the worker processes and returns the results in input order
    /// (Python's `pool.map(f, items)`).
    pub fn map<T, R>(&mut self, f: fn(T) -> R, items: impl IntoIterator<Item = T>) -> Result<Vec<R>>
    where
        T: Serialize + DeserializeOwned + Debug,
        R: Serialize + DeserializeOwned,
    {
        if let Some(why) = &self.broken {
            bail!("the process pool is broken: {why}");
        }
        let items: Vec<T> = items.into_iter().collect();
        let chunk = items.len().div_ceil(4 * self.workers.len()).max(1);
        let mut chunks = (0..items.len())
            .step_by(chunk)
            .map(|s| s..(s + chunk).min(items.len()));
        let mut results: Vec<Option<R>> =
            std::iter::repeat_with(|| None).take(items.len()).collect();
        let task = Task::new(f);
        let mut first_error = None;

        for index in 0..self.workers.len() {
            let Some(range) = chunks.next() else { break };
            self.send(index, task, &items, range)?;
        }
        while let Some(ready) = self.next_reply()? {
            let worker = &mut self.workers[ready];
            let range = worker.busy.clone().expect("only busy workers reply");
            let Some(reply) = worker.receive() else {
                let death = worker.death();
                return Err(self.break_pool(death));
            };
            if self.log {
                eprintln!(
                    "worker pid {} handled items {range:?}",
                    self.workers[ready].pid()
                );
            }
            match reply.into_results::<R>(&range) {
                Ok(values) => {
                    for (slot, value) in results[range].iter_mut().zip(values) {
                        *slot = Some(value);
                    }
                }
                // Keep collecting: the other workers' replies must be read before the next `map`.
                Err(e) => _ = first_error.get_or_insert(e),
            }
            if first_error.is_none() {
                if let Some(range) = chunks.next() {
                    self.send(ready, task, &items, range)?;
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(results
                .into_iter()
                .map(|r| r.expect("every chunk was answered"))
                .collect()),
        }
    }

    /// Gives worker `index` the items in `range`; if it has died, breaks the pool.
    fn send<T: Serialize>(
        &mut self,
        index: usize,
        task: Task,
        items: &[T],
        range: Range<usize>,
    ) -> Result<()> {
        self.workers[index]
            .send(task, items, range)
            .map_err(|death| self.break_pool(death))
    }

    /// Waits until a busy worker has something to say; `None` when no worker is busy.
    fn next_reply(&self) -> Result<Option<usize>> {
        let busy: Vec<usize> = (0..self.workers.len())
            .filter(|&i| self.workers[i].busy.is_some())
            .collect();
        if busy.is_empty() {
            return Ok(None);
        }
        let mut fds: Vec<PollFd> = busy
            .iter()
            .map(|&i| PollFd::new(self.workers[i].channel.as_fd(), PollFlags::POLLIN))
            .collect();
        loop {
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => break,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("waiting for the workers"),
            }
        }
        // Readable, hung up or in error: in each case `receive` finds out which.
        let ready = fds
            .iter()
            .position(|fd| fd.revents().is_some_and(|r| !r.is_empty()));
        Ok(Some(
            busy[ready.context("poll returned with no ready worker")?],
        ))
    }

    /// A worker died: stop the rest and refuse further work.
    fn break_pool(&mut self, death: anyhow::Error) -> anyhow::Error {
        self.broken = Some(format!("{death:#}"));
        for worker in self.workers.drain(..) {
            worker.stop();
        }
        death
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        for worker in self.workers.drain(..) {
            worker.stop();
        }
    }
}

/// A function the workers can run, by address (see the module docs).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct Task {
    /// [`run_batch`] for the function's item and result types.
    runner: usize,
    /// The `fn(T) -> R` itself.
    function: usize,
}

type Runner = fn(usize, &[u8]) -> Reply;

impl Task {
    pub(crate) fn new<T, R>(f: fn(T) -> R) -> Self
    where
        T: DeserializeOwned + Debug,
        R: Serialize,
    {
        let runner: Runner = run_batch::<T, R>;
        Task {
            runner: runner as usize,
            function: f as usize,
        }
    }

    /// Runs the task on a batch in a worker.
    fn run(self, batch: &[u8]) -> Reply {
        // SAFETY: `runner` was made from a `Runner` by `Task::new` in the parent. This worker is a
        // fork of the parent that has not called exec, so that code is at the same address here.
        let runner = unsafe { std::mem::transmute::<usize, Runner>(self.runner) };
        runner(self.function, batch)
    }
}

/// Decodes a batch of `T`, applies the `fn(T) -> R` at `function` to each, encodes the `R`s.
fn run_batch<T: DeserializeOwned + Debug, R: Serialize>(function: usize, batch: &[u8]) -> Reply {
    // SAFETY: `Task::new::<T, R>` paired this runner with a `fn(T) -> R` of exactly these types,
    // and this worker, a fork that never exec'd, has that function at the same address.
    let f = unsafe { std::mem::transmute::<usize, fn(T) -> R>(function) };
    let items: Vec<T> = match postcard::from_bytes(batch) {
        Ok(items) => items,
        Err(e) => return Reply::Failed(format!("decoding a batch: {e}")),
    };
    let mut results = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match catch_unwind(AssertUnwindSafe(|| f(item))) {
            Ok(result) => results.push(result),
            Err(payload) => {
                // The item was moved into `f`; decode the batch again to show it.
                let items: Vec<T> = postcard::from_bytes(batch).unwrap_or_default();
                let item = items
                    .get(index)
                    .map_or_else(String::new, |item| format!("{item:?}"));
                let message = crate::panic::message(&*payload);
                return Reply::Panicked {
                    index,
                    item,
                    message,
                };
            }
        }
    }
    postcard::to_allocvec(&results).map_or_else(
        |e| Reply::Failed(format!("encoding results: {e}")),
        Reply::Done,
    )
}

/// A batch of items for a worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Job {
    task: Task,
    /// The items, a postcard-encoded `Vec<T>`.
    batch: Vec<u8>,
}

impl Job {
    /// A job running `task` on `items`.
    pub(crate) fn new<T: Serialize>(task: Task, items: &[T]) -> Result<Self> {
        let batch = postcard::to_allocvec(items).context("serializing items")?;
        Ok(Job { task, batch })
    }
}

/// A worker's answer to a [`Job`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Reply {
    /// The results, a postcard-encoded `Vec<R>`.
    Done(Vec<u8>),
    /// The function panicked on the batch's item number `index`.
    Panicked {
        index: usize,
        item: String,
        message: String,
    },
    /// The batch could not be decoded or its results encoded.
    Failed(String),
}

impl Reply {
    /// The results of the items in `range`, or the error this reply reports.
    pub(crate) fn into_results<R: DeserializeOwned>(self, range: &Range<usize>) -> Result<Vec<R>> {
        match self {
            Reply::Done(bytes) => {
                let results: Vec<R> =
                    postcard::from_bytes(&bytes).context("decoding a worker's results")?;
                ensure!(
                    results.len() == range.len(),
                    "a worker returned {} results for {} items",
                    results.len(),
                    range.len()
                );
                Ok(results)
            }
            Reply::Panicked {
                index,
                item,
                message,
            } => Err(anyhow!(
                "task panicked on item {} ({item}): {message}",
                range.start + index
            )),
            Reply::Failed(why) => Err(anyhow!("worker failed on items {range:?}: {why}")),
        }
    }
}

/// How long a worker that should exit gets before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// One worker process and the parent's end of its socket.
#[derive(Debug)]
pub(crate) struct Worker {
    process: Child,
    channel: UnixStream,
    /// The items of the job it is working on.
    busy: Option<Range<usize>>,
}

impl Worker {
    /// Forks `count` workers.
    pub(crate) fn start(count: usize) -> Result<Vec<Worker>> {
        let mut workers: Vec<Worker> = Vec::with_capacity(count);
        for index in 0..count {
            let (parent_end, child_end) =
                UnixStream::pair().context("creating a worker's socket")?;
            let mut parent_end = Some(parent_end);
            let process = process::fork(|| {
                // `fork` copied every descriptor. Close the parent's ends, this worker's and its
                // siblings', so each socket has one process at each end and a death reads as EOF.
                drop(parent_end.take());
                workers.drain(..).for_each(Worker::abandon_in_child);
                serve(child_end)
            })
            .with_context(|| format!("starting worker {index}"))?;
            let channel = parent_end.expect("only the child takes it");
            workers.push(Worker {
                process,
                channel,
                busy: None,
            });
        }
        Ok(workers)
    }

    pub(crate) fn pid(&self) -> Pid {
        self.process.pid()
    }

    /// Sends the worker the items in `range` to run `task` on.
    fn send<T: Serialize>(&mut self, task: Task, items: &[T], range: Range<usize>) -> Result<()> {
        let job = Job::new(task, &items[range.clone()])?;
        self.busy = Some(range);
        self.send_job(&job)
    }

    /// Sends a job; if the worker has died, an error saying how.
    pub(crate) fn send_job(&mut self, job: &Job) -> Result<()> {
        let frame = frame::encode(job)?;
        if self.channel.write_all(&frame).is_err() {
            return Err(self.death());
        }
        Ok(())
    }

    /// Reads the worker's reply, or `None` if its socket closed instead: it died (see
    /// [`Worker::death`]), or someone shut the socket down.
    pub(crate) fn receive(&mut self) -> Option<Reply> {
        let reply = frame::read::<Reply>(&mut self.channel).ok().flatten()?;
        self.busy = None;
        Some(reply)
    }

    /// The error for a worker whose socket closed: reaps it and says how it ended.
    pub(crate) fn death(&mut self) -> anyhow::Error {
        let pid = self.pid();
        let doing = match &self.busy {
            Some(range) => format!(" while working on items {range:?}"),
            None => String::new(),
        };
        match self.process.wait_or_kill(STOP_GRACE) {
            Ok(exit) => anyhow!("worker process {pid} {exit}{doing}"),
            Err(e) => e.context(format!("worker process {pid} stopped answering{doing}")),
        }
    }

    /// A second handle on the worker's socket, to shut it down from another thread.
    pub(crate) fn socket(&self) -> Result<UnixStream> {
        self.channel
            .try_clone()
            .context("duplicating a worker's socket")
    }

    /// Stops the worker and reaps it: it exits when its socket closes; one still working, or
    /// one that does not exit within a second, is killed.
    pub(crate) fn stop(self) {
        let grace = if self.busy.is_some() {
            Duration::ZERO
        } else {
            STOP_GRACE
        };
        self.stop_within(grace);
    }

    /// Kills the worker, whatever it is doing, and reaps it.
    pub(crate) fn kill(self) {
        self.stop_within(Duration::ZERO);
    }

    fn stop_within(mut self, grace: Duration) {
        _ = self.channel.shutdown(Shutdown::Both); // Fails only if it is already closed.
        _ = self.process.wait_or_kill(grace); // An error means it was already reaped.
    }

    /// In a sibling's child process: close our copy of the socket, leave the process alone.
    fn abandon_in_child(self) {
        drop(self.channel);
        self.process.forget();
    }
}

/// The worker's loop: run each job it is sent until the parent closes the socket.
fn serve(mut channel: UnixStream) -> Result<()> {
    // A task's panic is sent back to the parent as an error; don't print it here as well.
    std::panic::set_hook(Box::new(|_| {}));
    while let Some(job) = frame::read::<Job>(&mut channel).context("reading a job")? {
        frame::write(&mut channel, &job.task.run(&job.batch)).context("sending a reply")?;
    }
    Ok(())
}
