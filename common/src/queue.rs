//! A queue between processes: the counterpart of `multiprocessing.Queue`.
//!
//! Values travel through a pipe as length-prefixed postcard frames (Python pickles them).
//! [`IpcQueue::new`] returns the two ends separately, a [`QueueWriter`] to `put` and an
//! [`IpcQueue`] to `get`, because in Rust ownership decides who can write: move the writer into
//! the child's closure and the parent's copy is closed the moment `fork` returns. That gives two
//! guarantees Python's `Queue` lacks:
//!
//! - **No hang on a dead writer.** Once every writer is gone, in every process, and nothing is left,
//!   [`IpcQueue::get`] returns an error instead of blocking forever.
//! - **No join-before-drain deadlock.** In Python, a parent that joins a child before taking what
//!   the child put can deadlock: the child cannot exit while its data sits unflushed in a full pipe.
//!   Here [`Child::wait`](crate::process::Child::wait) keeps reading every queue this process
//!   holds into the queue's own buffer while it waits, so the child's `put` always completes and
//!   the child can exit; the values wait in the buffer for the next `get`.
//!
//! Several writers (clones of one [`QueueWriter`], in several processes) take a [`ProcessLock`]
//! around each message, so large messages never interleave in the pipe.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::frame;
use crate::lock::ProcessLock;

/// The reading end of a queue between processes. Create one with [`IpcQueue::new`].
#[derive(Debug)]
pub struct IpcQueue<T> {
    reader: Arc<Reader>,
    _values: PhantomData<fn() -> T>,
}

/// The writing end of a queue between processes. Clone it with [`QueueWriter::try_clone`] for
/// more writers; the queue's reader sees the end once every clone in every process is dropped.
#[derive(Debug)]
pub struct QueueWriter<T> {
    pipe: File,
    lock: Arc<ProcessLock>,
    _values: PhantomData<fn(T)>,
}

/// The pipe's read end and what has been read from it but not yet taken by `get`.
#[derive(Debug)]
struct Reader {
    pipe: File,
    buffer: Mutex<Buffer>,
}

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    writers_gone: bool,
}

/// Every reader this process holds, so that waiting for a child can keep them drained.
static READERS: Mutex<Vec<Weak<Reader>>> = Mutex::new(Vec::new());

impl<T: Serialize + DeserializeOwned> IpcQueue<T> {
    /// Creates a queue and returns its writing and reading ends.
    pub fn new() -> Result<(QueueWriter<T>, IpcQueue<T>)> {
        let (read_end, write_end) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
        // The read end never blocks: `get` waits in `poll`, so it can honour a timeout.
        fcntl(&read_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
            .context("making the pipe non-blocking")?;
        let reader = Arc::new(Reader {
            pipe: read_end.into(),
            buffer: Mutex::default(),
        });
        lock(&READERS).push(Arc::downgrade(&reader));
        let writer = QueueWriter {
            pipe: write_end.into(),
            lock: Arc::new(ProcessLock::new()?),
            _values: PhantomData,
        };
        Ok((
            writer,
            IpcQueue {
                reader,
                _values: PhantomData,
            },
        ))
    }

    /// Takes the next value, waiting as long as it takes (Python's `q.get()`).
    ///
    /// Fails, instead of waiting forever, once the queue is empty and every writer is gone.
    pub fn get(&self) -> Result<T> {
        self.get_until(None)?
            .context("waiting without a deadline ended with no value")
    }

    /// Takes the next value, or returns `Ok(None)` if none arrives within `timeout`
    /// (Python's `q.get(timeout=…)`, which raises `queue.Empty` instead).
    pub fn get_timeout(&self, timeout: Duration) -> Result<Option<T>> {
        self.get_until(Some(Instant::now() + timeout))
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<Option<T>> {
        loop {
            {
                let mut buffer = lock(&self.reader.buffer);
                if let Some(value) = frame::take(&mut buffer.bytes)? {
                    return Ok(Some(value));
                }
                if buffer.writers_gone {
                    if buffer.bytes.is_empty() {
                        bail!("the queue is empty and every writer has closed it");
                    }
                    bail!("a writer closed the queue in the middle of a message");
                }
            }
            let timeout = match deadline {
                None => PollTimeout::NONE,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) => PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX),
                    None => return Ok(None),
                },
            };
            let mut fds = [PollFd::new(self.reader.pipe.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                Ok(0) => return Ok(None),
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e).context("waiting for the queue"),
            }
            self.reader.fill()?;
        }
    }
}

impl<T: Serialize> QueueWriter<T> {
    /// Puts a value on the queue (Python's `q.put(value)`). Blocks while the pipe is full.
    pub fn put(&self, value: &T) -> Result<()> {
        let frame = frame::encode(value)?;
        let _held = self.lock.lock()?;
        match (&self.pipe).write_all(&frame) {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => bail!("the queue's reader is gone"),
            other => other.context("writing to the queue"),
        }
    }

    /// Another writer for the same queue, to hand to another process.
    pub fn try_clone(&self) -> Result<Self> {
        let pipe = self
            .pipe
            .try_clone()
            .context("duplicating the queue's writer")?;
        Ok(Self {
            pipe,
            lock: Arc::clone(&self.lock),
            _values: PhantomData,
        })
    }
}

impl Reader {
    /// Moves everything the pipe holds now into the buffer, without blocking.
    fn fill(&self) -> Result<()> {
        let mut buffer = lock(&self.buffer);
        let mut chunk = vec![0; 64 * 1024];
        loop {
            match (&self.pipe).read(&mut chunk) {
                Ok(0) => {
                    buffer.writers_gone = true;
                    return Ok(());
                }
                Ok(n) => buffer.bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("reading from the queue"),
            }
        }
    }
}

/// Waits up to `timeout` for data on any queue this process reads, and buffers what arrives.
///
/// Returns `false` at once if this process reads no queue, so the caller can block instead.
pub(crate) fn drain_while_waiting(timeout: Duration) -> Result<bool> {
    let readers: Vec<Arc<Reader>> = {
        let mut all = lock(&READERS);
        all.retain(|r| r.strong_count() > 0);
        all.iter()
            .filter_map(Weak::upgrade)
            .filter(|r| !lock(&r.buffer).writers_gone)
            .collect()
    };
    if readers.is_empty() {
        return Ok(false);
    }
    let mut fds: Vec<PollFd> = readers
        .iter()
        .map(|r| PollFd::new(r.pipe.as_fd(), PollFlags::POLLIN))
        .collect();
    let timeout = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(_) | Err(nix::errno::Errno::EINTR) => {}
        Err(e) => return Err(e).context("waiting for queues"),
    }
    for (reader, fd) in readers.iter().zip(&fds) {
        if fd.revents().is_some_and(|r| !r.is_empty()) {
            reader.fill()?;
        }
    }
    Ok(true)
}

/// In a freshly forked child: the parent's queues are not ours to drain.
pub(crate) fn forget_readers_after_fork() {
    lock(&READERS).clear();
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The buffers stay consistent even if a holder panicked: every update is a single push or drain.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
