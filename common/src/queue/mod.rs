//! A queue between processes: the counterpart of `multiprocessing.Queue`.
//!
//! Values travel through a pipe as length-prefixed postcard frames (Python pickles them).
//! [`IpcQueue::new`] returns the two ends separately, a [`QueueWriter`] to `put` and an
//! [`IpcQueue`] to `get`, because in Rust ownership decides who can write: hand the writer to the
//! child ([`start`](crate::process::start)`(method, &WORKER, writer)`, any start method)
//! and the parent's copy is closed once the child has it. That gives two guarantees Python's
//! `Queue` lacks:
//!
//! - **No hang on a dead writer.** Once every writer is gone, in every process, and nothing is left,
//!   [`IpcQueue::get`] returns an error instead of blocking forever.
//! - **No join-before-drain deadlock.** In Python, a parent that joins a child before taking what
//!   the child put can deadlock: the child cannot exit while its data sits in a full pipe. Here a
//!   child handed a writer is joined with that queue drained: [`Child::wait`](crate::process::Child::wait)
//!   waits in one `poll` for the child's exit *or* data on the queue, which it moves into the
//!   queue's own buffer, so the child's `put` completes; the values wait there for the next `get`.
//!
//! No wake-up is lost when one thread joins while another `get`s: whoever moves bytes into the
//! buffer wakes a waiting `get` through an eventfd it polls beside the pipe.
//!
//! Several writers (clones of one [`QueueWriter`], in several processes) never interleave their
//! messages: a frame of at most `PIPE_BUF` bytes (4 KiB) goes in one `write`, which a pipe keeps
//! whole (POSIX), and a larger one is written under a [`ProcessLock`] every writer shares.
//!
//! **What a message costs.** `put`: one serialization into a reused per-thread buffer, one
//! `write` system call (and, above 4 KiB, the lock: no system call unless another writer holds
//! it), and the pipe copies the bytes once. `get`: one `read` brings in up to 64 KiB of messages (or a whole
//! large one) in a reused buffer; each message is then decoded in place, with no further system
//! call and no move of the bytes behind it. A `Vec<u8>` message is copied, not decoded byte by byte
//! (see [`frame`]). A message of 16 KiB or more takes the large-message path instead: copied once
//! into a ring of shared memory, with a small marker through the pipe, and once out by `get`,
//! straight into the message it returns (`ring.rs` and `RING.md` beside this file explain why
//! every guarantee above still holds). `make bench`
//! measures both against a raw pipe carrying the same frames, from 8 B to 64 MiB.
//!
//! ```rust,standalone_crate
//! use common::process::{self, StartMethod};
//! use common::queue::{IpcQueue, QueueWriter};
//! use common::target::Target;
//!
//! fn greet(to: QueueWriter<String>) -> common::Result<()> {
//!     to.put(&"hello from the child".to_owned())
//! }
//! const GREET: Target<QueueWriter<String>, common::Result<()>> = common::target!(greet);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&GREET]);
//!     let (writer, reader) = IpcQueue::<String>::new()?;
//!     let child = process::start(StartMethod::Fork, &GREET, writer)?;
//!     assert_eq!(reader.get()?, "hello from the child");
//!     child.join()
//! }
//! ```
//!
//! Shown by: `queue-ipc` (`examples-processes/queue-ipc`).

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::error::{Context, Error, Result};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::eventfd::{EfdFlags, EventFd};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::frame::{self, FrameBuffer, Taken};
use crate::handoff::{self, Handed, Received, WaitSource};
use crate::lock::ProcessLock;
use crate::wait;

mod handshake;
mod ring;

use ring::{Kind, RING_MIN, Ring};

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
    /// Where messages of [`RING_MIN`] bytes or more go, shared with the reader.
    ring: Arc<Ring>,
    /// The reader, when it lives in this process: a child handed this writer keeps it drained.
    reader: Weak<Reader>,
    _values: PhantomData<fn(T)>,
}

/// The pipe's read end and what has been read from it but not yet taken by `get`.
#[derive(Debug)]
struct Reader {
    /// The process that made the queue. A forked child has a copy of this `Reader` in its memory,
    /// but what it drained into that copy would be lost to the owner: only the owner drains.
    owner: u32,
    pipe: File,
    ring: Arc<Ring>,
    /// Written when someone other than a `get` moved bytes into the buffer while a `get` waits.
    wake: EventFd,
    buffer: Mutex<Buffer>,
}

#[derive(Debug, Default)]
struct Buffer {
    bytes: FrameBuffer,
    /// Messages taken off `bytes` while a parent joined a child that writes (see `Reader::fill`),
    /// in order, before what `bytes` still holds.
    drained: std::collections::VecDeque<Drained>,
    /// The pieces of a ring message received so far, while more are to come.
    partial: Vec<u8>,
    writers_gone: bool,
    /// How many `get`s are blocked in `poll`.
    waiting: usize,
}

impl<T: Serialize + DeserializeOwned + 'static> IpcQueue<T> {
    /// Creates a queue and returns its writing and reading ends.
    pub fn new() -> Result<(QueueWriter<T>, IpcQueue<T>)> {
        let (read_end, write_end) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
        // The read end never blocks: `get` waits in `poll`, so it can honour a timeout.
        fcntl(&read_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
            .context("making the pipe non-blocking")?;
        let wake = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
            .context("creating the queue's eventfd")?;
        let ring = Arc::new(Ring::new()?);
        let reader = Arc::new(Reader {
            owner: std::process::id(),
            pipe: read_end.into(),
            ring: Arc::clone(&ring),
            wake,
            buffer: Mutex::default(),
        });
        let writer = QueueWriter {
            pipe: write_end.into(),
            lock: Arc::new(ProcessLock::new()?),
            ring,
            reader: Arc::downgrade(&reader),
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
        let reader = &*self.reader;
        loop {
            {
                let mut buffer = lock(&reader.buffer);
                if let Some(value) = reader.take(&mut buffer)? {
                    if buffer.waiting > 0 && buffer.has_message()? {
                        reader.notify()?; // More is there for another waiting `get`.
                    }
                    return Ok(Some(value));
                }
                if buffer.writers_gone {
                    let nothing = buffer.drained.is_empty() && buffer.partial.is_empty();
                    if buffer.bytes.is_empty() && nothing {
                        return Err(Error::Closed(
                            "the queue is empty and every writer has closed it".into(),
                        ));
                    }
                    return Err(Error::Closed(
                        "a writer closed the queue in the middle of a message".into(),
                    ));
                }
                // Counted under the buffer's lock, so a filler that comes after us sees it.
                buffer.waiting += 1;
            }
            let polled = reader.poll_until(deadline);
            lock(&reader.buffer).waiting -= 1;
            let (pipe_ready, woken) = polled?;
            if woken {
                _ = reader.wake.read(); // EAGAIN: another `get` took the wake-up; fine.
            }
            if pipe_ready {
                reader.fill(false)?;
            } else if !woken && deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
        }
    }
}

/// The most bytes one `write` to a pipe puts in whole, never mixed with another writer's
/// (POSIX's `PIPE_BUF`; 4096 on Linux).
const PIPE_BUF: usize = nix::libc::PIPE_BUF;

thread_local! {
    /// Each thread encodes its messages here, so a `put` allocates nothing once warmed up.
    static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<T: Serialize + 'static> QueueWriter<T> {
    /// Puts a value on the queue (Python's `q.put(value)`). Blocks while the pipe is full.
    ///
    /// No other writer's bytes ever come between its bytes: a frame of at most `PIPE_BUF` bytes
    /// goes in one atomic `write`, a larger one under the lock every writer shares.
    pub fn put(&self, value: &T) -> Result<()> {
        // A large `Vec<u8>` goes to the ring as it is, with no encoding.
        if let Some(bytes) = (value as &dyn std::any::Any).downcast_ref::<Vec<u8>>() {
            if bytes.len() >= RING_MIN {
                let _held = self.lock.lock()?;
                return self.through_ring(Kind::Bytes, bytes);
            }
        }
        ENCODED.with_borrow_mut(|frame| {
            frame::encode_message(value, frame)?;
            if frame.len() <= PIPE_BUF {
                // One `write` of at most PIPE_BUF bytes to a pipe is atomic (POSIX): no other
                // writer's bytes can come between its bytes, so it needs no lock.
                return self.write(frame);
            }
            let _held = self.lock.lock()?;
            if frame.len() - frame::HEADER >= RING_MIN {
                return self.through_ring(Kind::Encoded, &frame[frame::HEADER..]);
            }
            self.write(frame)
        })
    }

    /// Sends `bytes` through the ring, in pieces of at most half of it, a marker each; the caller
    /// holds the lock, so no other message comes between the pieces.
    fn through_ring(&self, kind: Kind, bytes: &[u8]) -> Result<()> {
        let mut at = 0;
        for piece in bytes.chunks(ring::PIECE) {
            let kind = kind.piece(at, piece.len(), bytes.len());
            let marker = self
                .ring
                .write(kind, piece, (at, bytes.len()), self.pipe.as_fd())?
                .expect("a piece always fits in the ring");
            self.write(&frame::marker_frame(&marker))?;
            at += piece.len();
        }
        Ok(())
    }

    /// Writes one whole frame to the pipe; the caller holds the lock.
    fn write(&self, frame: &[u8]) -> Result<()> {
        match (&self.pipe).write_all(frame) {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                Err(Error::Closed("the queue's reader is gone".into()))
            }
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
            ring: Arc::clone(&self.ring),
            reader: Weak::clone(&self.reader),
            _values: PhantomData,
        })
    }
}

/// A writer crosses to a child as its four descriptors (the pipe, the lock's file, the ring's
/// file and its eventfd); see `handoff`. If its reader is in this process, the child's handle keeps the queue
/// drained.
impl<T> Serialize for QueueWriter<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const WHAT: &str = "a queue writer";
        let [ring, space] = self.ring.files();
        let fds = [self.pipe.as_fd(), self.lock.file(), ring, space].map(|fd| Handed(fd, WHAT));
        if let Some(reader) = self.reader.upgrade() {
            if reader.owner == std::process::id() {
                handoff::keep_serving(reader);
            }
        }
        fds.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for QueueWriter<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let [pipe, lock, ring, space] = <[Received; 4]>::deserialize(deserializer)?.map(|r| r.0);
        let error = |e: crate::Error| crate::handoff::decode_error::<D::Error>(&e);
        Ok(Self {
            pipe: pipe.into(),
            lock: Arc::new(ProcessLock::from_file(lock).map_err(error)?),
            ring: Arc::new(Ring::from_files(ring, space)),
            reader: Weak::new(),
            _values: PhantomData,
        })
    }
}

/// A message taken off the pipe's bytes before its `get`, with what it needs to be decoded.
#[derive(Debug)]
enum Drained {
    /// A frame's payload, encoded.
    Encoded(Vec<u8>),
    /// A `Vec<u8>` message's bytes, copied out of the ring.
    Bytes(Vec<u8>),
}

impl Buffer {
    /// Whether a whole message is waiting.
    fn has_message(&self) -> Result<bool> {
        Ok(!self.drained.is_empty() || self.bytes.has_frame()?)
    }
}

impl Reader {
    /// Takes the next whole message: one drained earlier, or off the pipe's bytes, decoded from
    /// its frame or copied out of the ring a marker points at (which frees its space).
    fn take<T: DeserializeOwned + 'static>(&self, buffer: &mut Buffer) -> Result<Option<T>> {
        if let Some(drained) = buffer.drained.pop_front() {
            return decode(drained).map(Some);
        }
        loop {
            match buffer.bytes.take_raw()? {
                None => return Ok(None),
                // The common case, decoded where it lies: no copy.
                Some(Taken::Message(payload)) => return frame::decode_message(payload).map(Some),
                Some(Taken::Marker(marker)) => {
                    if let Some(whole) = self.ring_message(marker, &mut buffer.partial)? {
                        return decode(whole).map(Some);
                    }
                }
            }
        }
    }

    /// Takes the next whole message off `bytes` as an owned message.
    fn take_drained(&self, buffer: &mut Buffer) -> Result<Option<Drained>> {
        loop {
            match buffer.bytes.take_raw()? {
                None => return Ok(None),
                Some(Taken::Message(payload)) => {
                    return Ok(Some(Drained::Encoded(payload.to_vec())));
                }
                Some(Taken::Marker(marker)) => {
                    if let Some(whole) = self.ring_message(marker, &mut buffer.partial)? {
                        return Ok(Some(whole));
                    }
                }
            }
        }
    }

    /// Copies out the piece a marker points at, which frees its space in the ring; returns the
    /// message once its last piece is in. The message is allocated once, at its first piece, and
    /// each piece copied once, straight into place. A first piece drops what a writer that died
    /// in the middle of a message left (that message was never put).
    fn ring_message(&self, marker: &[u8], partial: &mut Vec<u8>) -> Result<Option<Drained>> {
        let piece = ring::Piece::of(marker)?;
        if piece.position == 0 {
            *partial = ring::allocation(piece.total)?;
        } else if piece.position != partial.len() {
            return Err(Error::Protocol(format!(
                "a piece of a ring message at {}, after {} bytes",
                piece.position,
                partial.len()
            )));
        }
        self.ring.read(&piece, partial)?;
        Ok(match piece.kind {
            Kind::BytesPart | Kind::EncodedPart => None,
            Kind::Encoded => Some(Drained::Encoded(std::mem::take(partial))),
            Kind::Bytes => Some(Drained::Bytes(std::mem::take(partial))),
        })
    }

    /// Waits for the pipe or a wake-up; reports which are ready.
    fn poll_until(&self, deadline: Option<Instant>) -> Result<(bool, bool)> {
        let fds = [self.pipe.as_fd(), self.wake.as_fd()];
        Ok(match wait::readable(fds, deadline, "the queue")? {
            Some(ready) => (ready[0], ready[1]),
            None => (false, false),
        })
    }

    /// Moves everything the pipe holds now into the buffer, without blocking. `notify`: wake a
    /// waiting `get`, for a caller that is not itself a `get`.
    ///
    /// A pipe's `read` returns what the pipe holds, up to the room offered: one that leaves room
    /// has emptied it, so no second `read` is needed to meet `EAGAIN` (what comes later, `poll`
    /// reports).
    fn fill(&self, notify: bool) -> Result<()> {
        let mut buffer = lock(&self.buffer);
        let mut changed = false;
        loop {
            match buffer.bytes.read_some(&mut &self.pipe) {
                Ok((0, _)) => {
                    buffer.writers_gone = true;
                    changed = true;
                    break;
                }
                Ok((_, filled)) => {
                    changed = true;
                    if !filled {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("reading from the queue"),
            }
        }
        if notify {
            // Draining while a parent joins a child: take every whole message off the bytes now,
            // so a writer waiting for ring space gets it, and the child can finish its `put`.
            while let Some(drained) = self.take_drained(&mut buffer)? {
                buffer.drained.push_back(drained);
            }
        }
        if notify && changed && buffer.waiting > 0 {
            self.notify()?;
        }
        Ok(())
    }

    fn notify(&self) -> Result<()> {
        self.wake.write(1).context("waking a waiting get")?;
        Ok(())
    }
}

/// A child's handle drains the queue while the parent waits for the child.
impl WaitSource for Reader {
    fn fd(&self) -> BorrowedFd<'_> {
        self.pipe.as_fd()
    }

    fn service(&self) -> Result<bool> {
        self.fill(true)?;
        Ok(!lock(&self.buffer).writers_gone)
    }
}

/// A drained message as the queue's type.
fn decode<T: DeserializeOwned + 'static>(drained: Drained) -> Result<T> {
    match drained {
        Drained::Encoded(payload) => frame::decode_message(&payload),
        Drained::Bytes(raw) => {
            let boxed: Box<dyn std::any::Any> = Box::new(raw);
            boxed.downcast::<T>().map(|value| *value).map_err(|_| {
                Error::Protocol("raw bytes in the ring for a queue of another type".into())
            })
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The buffers stay consistent even if a holder panicked: every update is a single push or drain.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
