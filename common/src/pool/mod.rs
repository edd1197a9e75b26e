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
//! Items and results are batches as [`frame::append_batch`] writes them: numbers as fixed-width
//! little-endian values, other types as postcard, each encoded once and decoded once, one item at a
//! time, with no intermediate vector in the worker. `make bench` compares this with a hand-written
//! pool sending raw little-endian arrays.
//!
//! **Failures are errors, never hangs.** A task that panics or returns `Err` makes `map` return an
//! error naming the item and the message, and the pool stays usable. A worker that dies (a signal,
//! an `exit`) closes its socket, which the parent sees at once: `map` fails naming the worker and
//! how it ended, and the pool is broken from then on. (Python's `Pool` waits forever in that case.)
//! Dropping the pool, like leaving Python's `with` block, stops every worker and reaps it.

use std::fmt::Debug;
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::ops::Range;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use nix::unistd::Pid;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::frame::{self, BatchReader};
use crate::handoff;
use crate::process::{self, Child, StartMethod};
use crate::target::{Entry, Outcome, Reply, Target};
use crate::wait;

mod imap;
mod options;

pub use imap::{AsyncResult, Imap};
pub use options::PoolBuilder;

/// A fixed set of worker processes that run functions on batches of items.
#[derive(Debug)]
pub struct ProcessPool {
    workers: Vec<Worker>,
    broken: Option<String>,
    log: bool,
    /// How workers are started, kept to start replacements (`max_tasks_per_child`).
    method: StartMethod,
    /// The initializer's job, run once in every worker when it starts.
    init: Option<Job>,
    /// A worker is replaced after this many tasks (chunks).
    max_tasks: Option<usize>,
    /// `apply_async` results that came in before their `get`: (id, reply frame).
    async_replies: Vec<(u64, Vec<u8>)>,
    next_async: u64,
}

impl ProcessPool {
    /// Starts `workers` worker processes by `method`
    /// (Python's `multiprocessing.get_context(method).Pool(workers)`).
    ///
    /// With [`StartMethod::Fork`] this process must have only one thread (see [`process::fork`]).
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
        let mut spare: Vec<Vec<u8>> = Vec::new();
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
            let Some(len) = worker.receive_len() else {
                let death = worker.death();
                return Err(self.break_pool(death));
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
        match first_error {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }

    /// Fails if the pool is broken; otherwise waits for the `apply_async` tasks still running,
    /// keeping their replies, so that every worker is idle.
    fn ready_for_work(&mut self) -> Result<()> {
        if let Some(why) = &self.broken {
            bail!("the process pool is broken: {why}");
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
        let Some(len) = worker.receive_len() else {
            let death = worker.death();
            return Err(self.break_pool(death));
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
                let why = anyhow!(
                    "no answer in time from worker process {} (stopped, or still working): \
                     the workers were killed",
                    pids.join(", ")
                );
                return Err(self.break_pool(why));
            };
            // Readable, hung up or in error: in each case `receive` finds out which.
            if let Some(at) = ready.iter().position(|&ready| ready) {
                return Ok(Some(busy[at]));
            }
        }
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
        crate::target::lookup(target.name(), target.signature())?;
        Ok(Task {
            name: target.name().to_owned(),
            signature: target.signature().to_owned(),
        })
    }

    /// Runs the task on a batch, in a worker; on success the results are appended to `results`.
    fn run(&self, batch: &[u8], results: &mut Vec<u8>) -> Reply {
        match crate::target::lookup(&self.name, &self.signature) {
            Ok(entry) => entry.run_batch(batch, results),
            Err(e) => Reply::Failed(format!("{e:#}")),
        }
    }
}

/// A job as it crosses to a worker, one frame: `[length][Task][items]`, the items a postcard
/// `Vec<T>` written straight after the task, so neither side copies them again.
#[derive(Debug)]
pub(crate) struct Job(Vec<u8>);

impl Job {
    /// A job running `task` on `items`.
    pub(crate) fn new<T: Serialize + 'static>(task: &Task, items: &[T]) -> Result<Self> {
        let mut frame = Vec::new();
        write_job(&mut frame, task, items)?;
        Ok(Job(frame))
    }
}

/// Writes the frame of a job into `frame`, reusing its space.
fn write_job<T: Serialize + 'static>(frame: &mut Vec<u8>, task: &Task, items: &[T]) -> Result<()> {
    frame.clear();
    frame.extend_from_slice(&[0; 4]);
    frame::append(task, frame)?;
    frame::append_batch(items, frame)?;
    seal(frame)
}

/// Fills in a frame's length, which `frame` starts with 4 bytes of room for.
fn seal(frame: &mut [u8]) -> Result<()> {
    let len = frame.len() - 4;
    ensure!(
        len <= frame::MAX_FRAME,
        "{len} bytes are over the {}-byte limit of one message",
        frame::MAX_FRAME
    );
    frame[..4].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(())
}

/// Decodes a reply frame's payload for the items in `range`, appending the results to `results`.
fn decode_into<V: DeserializeOwned + 'static>(
    payload: &[u8],
    range: &Range<usize>,
    results: &mut Vec<V>,
) -> Result<()> {
    let (reply, bytes) =
        postcard::take_from_bytes::<Reply>(payload).context("decoding a worker's reply")?;
    if !matches!(reply, Reply::Done) {
        return into_results::<V>(reply, bytes, range).map(drop);
    }
    let mut values = BatchReader::<V>::new(bytes).context("decoding a worker's results")?;
    ensure!(
        values.len() == range.len(),
        "a worker returned {} results for {} items",
        values.len(),
        range.len()
    );
    while let Some(value) = values.next_item().context("decoding a worker's results")? {
        results.push(value);
    }
    Ok(())
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

/// The results of the items in `range`, or the error `reply` reports. `results` are the bytes
/// that follow a [`Reply::Done`].
pub(crate) fn into_results<V: DeserializeOwned + 'static>(
    reply: Reply,
    results: &[u8],
    range: &Range<usize>,
) -> Result<Vec<V>> {
    match reply {
        Reply::Done => {
            let results = BatchReader::<V>::new(results)
                .and_then(BatchReader::collect_all)
                .context("decoding a worker's results")?;
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
        Reply::Failed(why) => Err(anyhow!("worker failed on {}: {why}", show(range))),
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
    /// The `apply_async` task it is working on, if that is what it does.
    async_id: Option<u64>,
    /// Tasks (chunks) it has finished.
    tasks: usize,
    /// Jobs are written and replies read here, reused so large ones do not page-fault anew.
    buffer: Vec<u8>,
}

impl Worker {
    /// Starts `count` workers by `method`; a forked one closes its copies of the sockets of
    /// `others`, the pool's running workers.
    pub(crate) fn start(
        count: usize,
        method: StartMethod,
        others: &[Worker],
    ) -> Result<Vec<Worker>> {
        let mut workers: Vec<Worker> = Vec::with_capacity(count);
        for index in 0..count {
            let (parent_end, child_end) =
                UnixStream::pair().context("creating a worker's socket")?;
            let mut parent_end = Some(parent_end);
            let process = if method == StartMethod::Fork {
                let parent = std::process::id();
                process::fork(|| {
                    // If the parent dies, even without closing our socket (killed while this
                    // worker is stopped, say), the kernel kills this worker: nothing is left.
                    if !process::die_with_parent(parent)? {
                        return Ok(()); // It died before we asked.
                    }
                    // `fork` copied every descriptor. Close the parent's ends, this worker's and
                    // its siblings', so each socket has one process at each end and a death
                    // reads as EOF.
                    drop(parent_end.take());
                    workers.drain(..).for_each(Worker::abandon_in_child);
                    for other in others {
                        // The child never drops the parent's `Worker`s: it `_exit`s.
                        _ = nix::unistd::close(other.channel.as_raw_fd());
                    }
                    serve(WorkerEnd(child_end))
                })
            } else {
                process::start(method, &WORKER, WorkerEnd(child_end))
            }
            .with_context(|| format!("starting worker {index}"))?;
            let parent_end = parent_end.expect("only a forked child takes it");
            workers.push(Worker {
                process,
                channel: parent_end,
                busy: None,
                async_id: None,
                tasks: 0,
                buffer: Vec::new(),
            });
        }
        Ok(workers)
    }

    pub(crate) fn pid(&self) -> Pid {
        self.process.pid()
    }

    /// Runs the pool's initializer job, if any, and waits for it (Python's `initializer`).
    fn initialize(&mut self, init: Option<&Job>) -> Result<()> {
        let Some(job) = init else { return Ok(()) };
        self.busy = Some(0..1);
        self.send_job(job)?;
        let Some((reply, results)) = self.receive() else {
            return Err(self.death().context("running the initializer"));
        };
        into_results::<()>(reply, results, &(0..1)).context("the initializer failed")?;
        Ok(())
    }

    /// Sends the worker the items in `range` to run `task` on.
    fn send<T: Serialize + 'static>(
        &mut self,
        task: &Task,
        items: &[T],
        range: Range<usize>,
    ) -> Result<()> {
        write_job(&mut self.buffer, task, items)?;
        self.busy = Some(range);
        if self.channel.write_all(&self.buffer).is_err() {
            return Err(self.death());
        }
        Ok(())
    }

    /// Sends a job; if the worker has died, an error saying how.
    pub(crate) fn send_job(&mut self, job: &Job) -> Result<()> {
        if self.channel.write_all(&job.0).is_err() {
            return Err(self.death());
        }
        Ok(())
    }

    /// Reads the worker's reply and the result bytes after it, or `None` if its socket closed
    /// instead: it died (see [`Worker::death`]), or someone shut the socket down.
    pub(crate) fn receive(&mut self) -> Option<(Reply, &[u8])> {
        let len = self.receive_len()?;
        postcard::take_from_bytes::<Reply>(&self.buffer[..len]).ok()
    }

    /// Reads the worker's reply frame into its buffer; returns the payload's length.
    fn receive_len(&mut self) -> Option<usize> {
        let len = read_frame(&mut self.channel, &mut self.buffer)
            .ok()
            .flatten()?;
        self.busy = None;
        Some(len)
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

    /// A pidfd for the worker, to signal it from another thread.
    pub(crate) fn pidfd(&self) -> Result<std::os::fd::OwnedFd> {
        self.process.pidfd()
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

/// Reads one frame's payload into `buffer` (grown as needed, never shrunk); returns its length,
/// or `None` if the stream ended cleanly before it.
fn read_frame(from: &mut impl Read, buffer: &mut Vec<u8>) -> Result<Option<usize>> {
    let mut header = [0u8; 4];
    match from.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e).context("reading a message header"),
    }
    let len = u32::from_le_bytes(header) as usize;
    ensure!(len <= frame::MAX_FRAME, "corrupt message: length {len}");
    if buffer.len() < len {
        buffer.resize(len, 0);
    }
    from.read_exact(&mut buffer[..len])
        .context("the sender stopped in the middle of a message")?;
    Ok(Some(len))
}

/// The worker's loop: run each job it is sent until the parent closes the socket. A reply is one
/// frame, `[length][Reply][results]`, the results written straight after a `Reply::Done`.
fn serve(WorkerEnd(mut channel): WorkerEnd) -> Result<()> {
    // A task's panic is sent back to the parent as an error; don't print it here as well.
    std::panic::set_hook(Box::new(|_| {}));
    let (mut job, mut reply) = (Vec::new(), Vec::new());
    while let Some(len) = read_frame(&mut channel, &mut job).context("reading a job")? {
        let (task, items) =
            postcard::take_from_bytes::<Task>(&job[..len]).context("decoding a job")?;
        reply.clear();
        reply.extend_from_slice(&[0; 4]);
        frame::append(&Reply::Done, &mut reply)?;
        let outcome = task.run(items, &mut reply);
        if !matches!(outcome, Reply::Done) {
            reply.truncate(4);
            frame::append(&outcome, &mut reply)?;
        }
        if let Err(too_large) = seal(&mut reply) {
            // Say why instead of dying: the parent reports it as this batch's failure.
            let why = Reply::Failed(format!("the results: {too_large:#}"));
            reply.truncate(4);
            reply.shrink_to(64 * 1024);
            frame::append(&why, &mut reply)?;
            seal(&mut reply)?;
        }
        match channel.write_all(&reply) {
            // The parent closed the socket (it stopped the pool, or broke it when a sibling died):
            // nobody is left to tell, and this is not the error a reader should see first.
            Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => {
                return Ok(());
            }
            other => other.context("sending a reply")?,
        }
    }
    Ok(())
}
