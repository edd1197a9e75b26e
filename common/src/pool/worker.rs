#![doc = include_str!("PROTOCOL.md")]

use std::fmt::Debug;
use std::io::{ErrorKind, Write};
use std::net::Shutdown;
use std::ops::Range;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::error::{Context, Error, Raised, Result};
use nix::unistd::Pid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::frame::{self, BatchReader};
use crate::handoff::{Handed, Received};
use crate::process::{self, Child, Death, DeathAsked, StartMethod};
use crate::target::{Entry, Reply, Target};

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
pub(crate) struct JobFrame(Vec<u8>);

impl JobFrame {
    /// A job running `task` on `items`.
    pub(crate) fn new<T: Serialize + 'static>(task: &Task, items: &[T]) -> Result<Self> {
        let mut frame = Vec::new();
        write_job(&mut frame, task, items)?;
        Ok(JobFrame(frame))
    }

    /// Its length in bytes, as written to the socket.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Writes the frame of a job into `frame`, reusing its space.
fn write_job<T: Serialize + 'static>(frame: &mut Vec<u8>, task: &Task, items: &[T]) -> Result<()> {
    frame.clear();
    frame.extend_from_slice(&[0; 4]);
    frame::append(task, frame)?;
    frame::append_batch(items, frame)?;
    frame::seal(frame)
}

/// The one reply decoder: appends to `out` the results of the items in `range` from a reply's
/// payload (the bytes after a frame's length), decoding each straight into place; or says what
/// the reply reports went wrong.
pub(crate) fn decode_reply_into<V: DeserializeOwned + 'static>(
    payload: &[u8],
    range: &Range<usize>,
    out: &mut Vec<V>,
) -> Result<()> {
    let (reply, results) = postcard::take_from_bytes::<Reply>(payload)
        .map_err(|e| Error::Protocol(format!("decoding a worker's reply: {e}")))?;
    results_into(reply, results, range, out)
}

/// [`decode_reply_into`], into a new vector, for a reply already read: `results` are the bytes
/// after it.
pub(crate) fn into_results<V: DeserializeOwned + 'static>(
    reply: Reply,
    results: &[u8],
    range: &Range<usize>,
) -> Result<Vec<V>> {
    let mut out = Vec::with_capacity(range.len());
    results_into(reply, results, range, &mut out)?;
    Ok(out)
}

fn results_into<V: DeserializeOwned + 'static>(
    reply: Reply,
    results: &[u8],
    range: &Range<usize>,
    out: &mut Vec<V>,
) -> Result<()> {
    let undecodable =
        |e: crate::Error| Error::Protocol(format!("decoding a worker's results: {e:#}"));
    match reply {
        Reply::Done => {
            let values = BatchReader::<V>::new(results).map_err(undecodable)?;
            if values.len() != range.len() {
                return Err(Error::Protocol(format!(
                    "a worker returned {} results for {} items",
                    values.len(),
                    range.len()
                )));
            }
            values.read_all_into(out).map_err(undecodable)
        }
        Reply::Raised(mut raised) => {
            // The worker counts within its batch; the caller, from the start of the call.
            raised.item = raised.item.map(|index| range.start + index);
            Err(Error::Raised(Box::new(raised)))
        }
        Reply::Failed(why) => Err(Error::refused(
            crate::error::Refusal::NotRun {
                items: range.clone(),
            },
            format!("worker failed on {}: {why}", show(range)),
        )),
    }
}

/// Items `range` as a reader counts them: `items 3 to 5`, or `item 3`.
pub(crate) fn show(range: &Range<usize>) -> String {
    match range.len() {
        1 => format!("item {}", range.start),
        _ => format!("items {} to {}", range.start, range.end.saturating_sub(1)),
    }
}

/// How long a worker whose socket closed gets to be reaped before it is killed.
const DEATH_GRACE: Duration = Duration::from_millis(100);

/// How long a worker that should exit gets before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// One worker process and the parent's end of its socket.
#[derive(Debug)]
pub(crate) struct Worker {
    process: Child,
    pub(super) channel: UnixStream,
    /// The items of the job it is working on.
    pub(super) busy: Option<Range<usize>>,
    /// The `apply_async` task it is working on, if that is what it does.
    pub(super) async_id: Option<u64>,
    /// Tasks (chunks) it has finished.
    pub(super) tasks: usize,
    /// Jobs are written and replies read here, reused so large ones do not page-fault anew.
    pub(super) buffer: Vec<u8>,
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
                let DeathAsked { waiting, told } = DeathAsked::new()?;
                let waiting_copy = waiting.as_raw_fd();
                let forked = process::fork(|| {
                    // If the parent dies, even without closing our socket (killed while this
                    // worker is stopped, say), the kernel kills this worker: nothing is left.
                    let asked = process::die_with_parent(parent);
                    drop(told); // The parent may go on: from now on we die with it.
                    // `fork` copied the parent's end too; ours is never dropped (we `_exit`).
                    _ = nix::unistd::close(waiting_copy);
                    if !asked? {
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
                    Ok(serve(WorkerEnd(child_end))?)
                });
                // The closure, and our copy of `told`, went with `fork`: wait for the worker's.
                forked.and_then(|child| DeathAsked::wait(waiting).map(|()| child))
            } else {
                process::start_with(method, &WORKER, WorkerEnd(child_end), Death::WithParent)
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
    pub(crate) fn initialize(&mut self, init: Option<&JobFrame>) -> Result<()> {
        let Some(job) = init else { return Ok(()) };
        self.busy = Some(0..1);
        self.send_job(job)?;
        let (reply, results) = self.receive()?;
        into_results::<()>(reply, results, &(0..1)).map_err(|failure| match failure {
            // Not an item of the caller's: the initializer.
            Error::Raised(raised) => Error::Raised(Box::new(Raised {
                by: Some("the initializer".into()),
                ..Raised::new(raised.message, raised.panicked)
            })),
            other => other.context("the initializer"),
        })?;
        Ok(())
    }

    /// Sends the worker the items in `range` to run `task` on.
    pub(crate) fn send<T: Serialize + 'static>(
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
    pub(crate) fn send_job(&mut self, job: &JobFrame) -> Result<()> {
        if self.channel.write_all(&job.0).is_err() {
            return Err(self.death());
        }
        Ok(())
    }

    /// Reads the worker's reply and the result bytes after it (see [`Worker::receive_len`]).
    pub(crate) fn receive(&mut self) -> Result<(Reply, &[u8])> {
        let len = self.receive_len()?;
        postcard::take_from_bytes::<Reply>(&self.buffer[..len]).context("decoding a worker's reply")
    }

    /// Reads the worker's reply frame into its buffer; returns the payload's length.
    ///
    /// When the socket closes instead (the worker died, or someone shut the socket down) the
    /// error is its death ([`Worker::death`]). Any other failure is reported as what it is, and
    /// the worker is left alone: it is no longer counted busy, so stopping it gives it time to
    /// exit on its own rather than killing a healthy process.
    pub(crate) fn receive_len(&mut self) -> Result<usize> {
        match frame::read_into(&mut self.channel, &mut self.buffer) {
            Ok(Some(len)) => {
                self.busy = None;
                Ok(len)
            }
            Ok(None) => Err(self.death()),
            Err(Error::Os { io, .. }) if io.kind() == std::io::ErrorKind::ConnectionReset => {
                Err(self.death())
            }
            Err(other) => {
                self.busy = None;
                Err(other.context(format!("reading worker process {}'s reply", self.pid())))
            }
        }
    }

    /// The error for a worker whose socket closed: reaps it and says how it ended, and which
    /// items it was working on ([`Error::BrokenPool`]).
    pub(crate) fn death(&mut self) -> crate::Error {
        let pid = self.pid();
        let doing = match &self.busy {
            Some(range) => format!(" while working on {}", show(range)),
            None => String::new(),
        };
        // A worker that closed its socket by dying is a zombie within microseconds; one still
        // alive after that had its socket shut down by the pool (a sibling died) and is killed.
        match self.process.wait_or_kill(DEATH_GRACE) {
            Ok(exit) => {
                // What the worker said it failed with, if it failed by an error of its own.
                let said = self
                    .process
                    .take_report()
                    .map(|cause| format!(": {cause}"))
                    .unwrap_or_default();
                Error::BrokenPool(Box::new(crate::error::BrokenPool {
                    pid: Some(pid.as_raw()),
                    exit: Some(exit),
                    items: self.busy.clone(),
                    why: format!("worker process {pid} {exit}{doing}{said}"),
                }))
            }
            Err(e) => e.context(format!("worker process {pid} stopped answering{doing}")),
        }
    }

    /// A pidfd for the worker, to signal it from another thread.
    pub(crate) fn pidfd(&self) -> Result<process::Pidfd> {
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
        Handed(self.0.as_fd(), "a worker's socket").serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WorkerEnd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Received(fd) = Received::deserialize(deserializer)?;
        Ok(WorkerEnd(UnixStream::from(fd)))
    }
}

/// The worker's loop: run each job it is sent until the parent closes the socket. A reply is one
/// frame, `[length][Reply][results]`, the results written straight after a `Reply::Done`.
fn serve(WorkerEnd(mut channel): WorkerEnd) -> Result<()> {
    // This worker dies with whatever started it (this program, or its fork server, which dies
    // with the program): asked for before anything of ours ran (`Death::WithParent`), so a worker
    // stopped at any moment, even during its start-up, does not outlive a parent killed meanwhile.
    // A task's panic is sent back to the parent as an error; don't print it here as well.
    std::panic::set_hook(Box::new(|_| {}));
    let (mut job, mut reply) = (Vec::new(), Vec::new());
    while let Some(len) = frame::read_into(&mut channel, &mut job).context("reading a job")? {
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
        if let Err(too_large) = frame::seal(&mut reply) {
            // Say why instead of dying: the parent reports it as this batch's failure.
            let why = Reply::Failed(format!("the results: {too_large:#}"));
            reply.truncate(4);
            reply.shrink_to(64 * 1024);
            frame::append(&why, &mut reply)?;
            frame::seal(&mut reply)?;
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
