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
//! `main` gives [`process::run_if_child`]) and checks the types. That is why `map` takes a
//! declared target, not a closure: a closure's captured data would not exist in the worker.
//!
//! **Failures are errors, never hangs.** A task that panics or returns `Err` makes `map` return an
//! error naming the item and the message, and the pool stays usable. A worker that dies (a signal,
//! an `exit`) closes its socket, which the parent sees at once: `map` fails naming the worker and
//! how it ended, and the pool is broken from then on. (Python's `Pool` waits forever in that case.)
//! Dropping the pool, like leaving Python's `with` block, stops every worker and reaps it.

use std::fmt::Debug;
use std::io::Write;
use std::net::Shutdown;
use std::ops::Range;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::Pid;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::frame;
use crate::handoff;
use crate::process::{self, Child, StartMethod};
use crate::target::{Entry, Outcome, Reply, Target};

/// A fixed set of worker processes that run functions on batches of items.
#[derive(Debug)]
pub struct ProcessPool {
    workers: Vec<Worker>,
    broken: Option<String>,
    log: bool,
}

impl ProcessPool {
    /// Starts `workers` worker processes by `method`
    /// (Python's `multiprocessing.get_context(method).Pool(workers)`).
    ///
    /// With [`StartMethod::Fork`] this process must have only one thread (see [`process::fork`]).
    pub fn new(workers: usize, method: StartMethod) -> Result<Self> {
        ensure!(workers > 0, "a process pool needs at least one worker");
        Ok(Self {
            workers: Worker::start(workers, method)?,
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
    pub fn map<T, R>(
        &mut self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug,
        R: Outcome,
    {
        if let Some(why) = &self.broken {
            bail!("the process pool is broken: {why}");
        }
        let task = Task::of(f)?;
        let items: Vec<T> = items.into_iter().collect();
        let chunk = items.len().div_ceil(4 * self.workers.len()).max(1);
        let mut chunks = (0..items.len())
            .step_by(chunk)
            .map(|s| s..(s + chunk).min(items.len()));
        let mut results: Vec<Option<R::Value>> =
            std::iter::repeat_with(|| None).take(items.len()).collect();
        let mut first_error = None;

        for index in 0..self.workers.len() {
            let Some(range) = chunks.next() else { break };
            self.send(index, &task, &items, range)?;
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
                    "worker pid {} handled {}",
                    self.workers[ready].pid(),
                    show(&range)
                );
            }
            match into_results::<R::Value>(reply, &range) {
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
                    self.send(ready, &task, &items, range)?;
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
        task: &Task,
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
        Worker::stop_all(self.workers.drain(..));
        death
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        Worker::stop_all(self.workers.drain(..));
    }
}

/// A target as a job names it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Task {
    name: String,
    signature: String,
}

impl Task {
    /// The task for `target`; fails unless the program's target table has it, since every
    /// worker, whatever its start method, finds the function there.
    pub(crate) fn of(target: &(impl Entry + ?Sized)) -> Result<Self> {
        process::lookup(target.name(), target.signature())?;
        Ok(Task {
            name: target.name().to_owned(),
            signature: target.signature().to_owned(),
        })
    }

    /// Runs the task on a batch, in a worker.
    fn run(&self, batch: &[u8]) -> Reply {
        match process::lookup(&self.name, &self.signature) {
            Ok(entry) => entry.run_batch(batch),
            Err(e) => Reply::Failed(format!("{e:#}")),
        }
    }
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

/// The results of the items in `range`, or the error `reply` reports.
pub(crate) fn into_results<V: DeserializeOwned>(
    reply: Reply,
    range: &Range<usize>,
) -> Result<Vec<V>> {
    match reply {
        Reply::Done(bytes) => {
            let results: Vec<V> =
                postcard::from_bytes(&bytes).context("decoding a worker's results")?;
            ensure!(
                results.len() == range.len(),
                "a worker returned {} results for {} items",
                results.len(),
                range.len()
            );
            Ok(results)
        }
        Reply::Raised {
            index,
            item,
            message,
        } => Err(anyhow!(
            "task failed on item {} ({item}): {message}",
            range.start + index
        )),
        Reply::Panicked {
            index,
            item,
            message,
        } => Err(anyhow!(
            "task panicked on item {} ({item}): {message}",
            range.start + index
        )),
        Reply::Failed(why) => Err(anyhow!("worker failed on items {}: {why}", show(range))),
    }
}

/// Items `range` as a reader counts them: `items 3 to 5`, or `item 3`.
pub(crate) fn show(range: &Range<usize>) -> String {
    match range.len() {
        1 => format!("item {}", range.start),
        _ => format!("items {} to {}", range.start, range.end.saturating_sub(1)),
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
    /// Starts `count` workers by `method`.
    pub(crate) fn start(count: usize, method: StartMethod) -> Result<Vec<Worker>> {
        let mut workers: Vec<Worker> = Vec::with_capacity(count);
        for index in 0..count {
            let (parent_end, child_end) =
                UnixStream::pair().context("creating a worker's socket")?;
            let process = if method == StartMethod::Fork {
                let mut parent_end = Some(parent_end.try_clone()?);
                process::fork(|| {
                    // `fork` copied every descriptor. Close the parent's ends, this worker's and
                    // its siblings', so each socket has one process at each end and a death
                    // reads as EOF.
                    drop(parent_end.take());
                    workers.drain(..).for_each(Worker::abandon_in_child);
                    serve(WorkerEnd(child_end))
                })
            } else {
                process::start(method, &WORKER, WorkerEnd(child_end))
            }
            .with_context(|| format!("starting worker {index}"))?;
            workers.push(Worker {
                process,
                channel: parent_end,
                busy: None,
            });
        }
        Ok(workers)
    }

    pub(crate) fn pid(&self) -> Pid {
        self.process.pid()
    }

    /// Sends the worker the items in `range` to run `task` on.
    fn send<T: Serialize>(&mut self, task: &Task, items: &[T], range: Range<usize>) -> Result<()> {
        let job = Job::new(task.clone(), &items[range.clone()])?;
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
            Some(range) => format!(" while working on {}", show(range)),
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

    /// Stops several workers: tells them all first, then reaps each, so they exit in parallel.
    pub(crate) fn stop_all(workers: impl IntoIterator<Item = Worker>) {
        let told: Vec<Worker> = workers
            .into_iter()
            .inspect(|worker| {
                _ = worker.channel.shutdown(Shutdown::Both); // Fails only if already closed.
            })
            .collect();
        told.into_iter().for_each(Worker::stop);
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

/// The worker loop as a target, so that spawned and forkserver workers can find it by name.
pub(crate) const WORKER: Target<WorkerEnd, Result<()>> = Target::new("common::pool::worker", serve);

/// A worker's end of its socket; it crosses to a spawned worker as a descriptor.
#[derive(Debug)]
pub(crate) struct WorkerEnd(UnixStream);

impl Serialize for WorkerEnd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        handoff::send_fd(self.0.as_fd(), "a worker's socket")?.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WorkerEnd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fd = std::os::fd::RawFd::deserialize(deserializer)?;
        let fd = handoff::take_inherited(fd).map_err(|e| D::Error::custom(format!("{e:#}")))?;
        Ok(WorkerEnd(UnixStream::from(fd)))
    }
}

/// The worker's loop: run each job it is sent until the parent closes the socket.
fn serve(WorkerEnd(mut channel): WorkerEnd) -> Result<()> {
    // A task's panic is sent back to the parent as an error; don't print it here as well.
    std::panic::set_hook(Box::new(|_| {}));
    while let Some(job) = frame::read::<Job>(&mut channel).context("reading a job")? {
        frame::write(&mut channel, &job.task.run(&job.batch)).context("sending a reply")?;
    }
    Ok(())
}
