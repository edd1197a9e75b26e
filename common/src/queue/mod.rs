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
//! buffer wakes a waiting `get` through an eventfd it polls beside the pipe. A `get` with no
//! deadline, where nobody else drains the pipe, waits in `read` itself instead (from Linux 6.5,
//! whose pipes can also be read without waiting, one read at a time: `nowait.rs`): one system
//! call per batch of messages, where `poll` and `read` are two. The pipe is then its alone until
//! its `read` returns, and it hands the pipe on: to a parent that began to join meanwhile through a
//! second eventfd, to another waiting `get` through the first.
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
use nowait::NoWait;

mod handshake;
mod nowait;
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
    /// Blocking when `handoff` is there (then every read but a `get`'s own wait is made without
    /// waiting, `nowait.rs`), else non-blocking.
    pipe: File,
    ring: Arc<Ring>,
    /// Written when someone other than a `get` moved bytes into the buffer while a `get` waits.
    wake: EventFd,
    /// Where a `get` may wait in `read` itself: written when it gives the pipe back while a
    /// parent that joins a child waits to drain it (see `read_waiting`).
    handoff: Option<EventFd>,
    buffer: Mutex<Buffer>,
    /// Told when a `get` is about to wait in `read` (a test's way to be certain of it).
    #[cfg(test)]
    before_read: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    /// Told when a `get` is about to wait in `poll`, and whether for the pipe too.
    #[cfg(test)]
    before_poll: Mutex<Option<std::sync::mpsc::Sender<bool>>>,
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
    /// A `get` is waiting in `read` on the pipe, with `bytes` taken out: nobody else reads the
    /// pipe until it gives both back.
    reading: bool,
    /// How many parents joining a child drain the pipe meanwhile. While one does, a `get` waits in
    /// `poll` beside it, not in `read`, so a join waits for a hand-off at most once.
    joiners: usize,
    /// The hand-off eventfd was written and not reset since.
    handed: bool,
}

impl<T: Serialize + DeserializeOwned + 'static> IpcQueue<T> {
    /// Creates a queue and returns its writing and reading ends.
    pub fn new() -> Result<(QueueWriter<T>, IpcQueue<T>)> {
        Self::new_waiting(true)
    }

    /// [`IpcQueue::new`]; `in_read`: whether a `get` may wait in `read`, where the kernel allows
    /// it (`false`: every `get` waits in `poll`, as on a kernel before 6.5; for tests).
    fn new_waiting(in_read: bool) -> Result<(QueueWriter<T>, IpcQueue<T>)> {
        let (read_end, write_end) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
        let pipe = File::from(read_end);
        let eventfd =
            || EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK);
        let handoff = if in_read && nowait::supported(&pipe) {
            // A `get` waits in `read` itself; every other read is made without waiting.
            Some(eventfd().context("creating the queue's hand-off eventfd")?)
        } else {
            // The read end never blocks: `get` waits in `poll`, so it can honour a timeout.
            fcntl(&pipe, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
                .context("making the pipe non-blocking")?;
            None
        };
        let wake = eventfd().context("creating the queue's eventfd")?;
        let ring = Arc::new(Ring::new()?);
        let reader = Arc::new(Reader {
            owner: std::process::id(),
            pipe,
            ring: Arc::clone(&ring),
            wake,
            handoff,
            buffer: Mutex::default(),
            #[cfg(test)]
            before_read: Mutex::default(),
            #[cfg(test)]
            before_poll: Mutex::default(),
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
            let pipe_too;
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
                if deadline.is_none()
                    && reader.handoff.is_some()
                    && !buffer.reading
                    && buffer.joiners == 0
                {
                    // Wait in `read` itself: one system call, where `poll` and `read` are two.
                    buffer.reading = true;
                    let bytes = std::mem::take(&mut buffer.bytes);
                    drop(buffer);
                    reader.read_waiting(bytes)?;
                    continue;
                }
                // Counted under the buffer's lock, so a filler that comes after us sees it.
                buffer.waiting += 1;
                // While another `get` waits in `read`, the pipe is its: wait for its wake-up.
                pipe_too = !buffer.reading;
                #[cfg(test)]
                if let Some(told) = lock(&reader.before_poll).take() {
                    _ = told.send(pipe_too);
                }
            }
            let polled = reader.poll_until(deadline, pipe_too);
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

    /// Waits for the pipe (if `pipe_too`) or a wake-up; reports which are ready.
    fn poll_until(&self, deadline: Option<Instant>, pipe_too: bool) -> Result<(bool, bool)> {
        let pipe = pipe_too.then(|| self.pipe.as_fd());
        let fds = pipe.into_iter().chain([self.wake.as_fd()]);
        Ok(match wait::readable(fds, deadline, "the queue")? {
            Some(ready) if pipe_too => (ready[0], ready[1]),
            Some(ready) => (false, ready[0]),
            None => (false, false),
        })
    }

    /// A `get`'s wait in `read`: one blocking read of the pipe into `bytes`, the buffer's own,
    /// taken out meanwhile (the caller set `reading`, so nobody else reads the pipe). Then both
    /// go back, and whoever waited for the pipe is told: a joiner through the hand-off eventfd,
    /// a `get` waiting in `poll` through its wake-up, so that it can take its turn.
    fn read_waiting(&self, mut bytes: FrameBuffer) -> Result<()> {
        #[cfg(test)]
        if let Some(told) = lock(&self.before_read).take() {
            _ = told.send(());
        }
        let read = loop {
            match bytes.read_some(&mut &self.pipe) {
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                read => break read,
            }
        };
        let mut buffer = lock(&self.buffer);
        buffer.bytes = bytes;
        buffer.reading = false;
        if matches!(read, Ok((0, _))) {
            buffer.writers_gone = true;
        }
        if let Some(handoff) = self.handoff.as_ref().filter(|_| buffer.joiners > 0) {
            handoff
                .write(1)
                .context("handing the queue's pipe to a joiner")?;
            buffer.handed = true;
        }
        if buffer.waiting > 0 {
            self.notify()?;
        }
        read.map(drop).context("reading from the queue")
    }

    /// Reads once what the pipe holds, without waiting for more. Called holding the buffer's
    /// lock with no `get` waiting in `read`: nobody else reads the pipe meanwhile.
    fn read_now(&self, bytes: &mut FrameBuffer) -> std::io::Result<(usize, bool)> {
        if self.handoff.is_none() {
            return bytes.read_some(&mut &self.pipe); // The pipe is non-blocking.
        }
        match bytes.read_some(&mut NoWait(&self.pipe)) {
            // A read that may not wait may also give up on the pipe's own lock while a writer
            // holds it, with bytes in the pipe. Those bytes are ours alone (see above), so if the
            // pipe is readable, a plain read returns them once the writer lets go: a wait for the
            // kernel's lock, where retrying would spin.
            Err(e) if e.kind() == ErrorKind::WouldBlock && self.readable_now() => {
                bytes.read_some(&mut &self.pipe)
            }
            read => read,
        }
    }

    /// Whether the pipe holds bytes (or its end) right now: a look that does not wait.
    fn readable_now(&self) -> bool {
        let ready = wait::readable([self.pipe.as_fd()], Some(Instant::now()), "the queue");
        matches!(ready, Ok(Some(ready)) if ready[0])
    }

    /// Moves everything the pipe holds now into the buffer, without blocking. `notify`: wake a
    /// waiting `get`, for a caller that is not itself a `get`.
    ///
    /// A pipe's `read` returns what the pipe holds, up to the room offered: one that leaves room
    /// has emptied it, so no second `read` is needed to meet `EAGAIN` (what comes later, `poll`
    /// reports).
    fn fill(&self, notify: bool) -> Result<()> {
        let mut buffer = lock(&self.buffer);
        if buffer.reading {
            // A `get` waits in `read`: what arrives is its to take, and it tells when it is done.
            return Ok(());
        }
        let mut changed = false;
        loop {
            match self.read_now(&mut buffer.bytes) {
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
    fn begin_wait(&self) {
        lock(&self.buffer).joiners += 1;
    }

    fn end_wait(&self) {
        lock(&self.buffer).joiners -= 1;
    }

    /// The pipe; while a `get` waits in `read` on it, the hand-off eventfd instead, written when
    /// that `get` gives the pipe back (no `get` takes it again while a joiner waits).
    fn fd(&self) -> BorrowedFd<'_> {
        match &self.handoff {
            Some(handoff) if lock(&self.buffer).reading => handoff.as_fd(),
            _ => self.pipe.as_fd(),
        }
    }

    fn service(&self) -> Result<bool> {
        {
            let mut buffer = lock(&self.buffer);
            if std::mem::take(&mut buffer.handed) {
                if let Some(handoff) = &self.handoff {
                    _ = handoff.read(); // Reset, so that a later wait on it sleeps.
                }
            }
            if buffer.reading {
                return Ok(true); // Still a `get`'s: its hand-off comes when it is done.
            }
        }
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

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;

    use super::*;

    /// A `get` waits in `read`; then a parent begins to join a writer and drain the queue: it must
    /// wait for the `get` to hand the pipe back, not read under it, then drain what the `get` left,
    /// so that a writer of more than a pipe holds can finish. The hook at the `get`'s read makes
    /// the order certain. (Threads of their own, not scoped ones: a failed assertion must not
    /// wait for a writer stuck on a full pipe.)
    #[test]
    fn a_get_waiting_in_read_hands_the_pipe_to_a_joiner_which_drains_the_rest() {
        let (writer, queue) = IpcQueue::<Vec<u8>>::new().unwrap();
        let queue = Arc::new(queue);
        let reader = Arc::clone(&queue.reader);
        let Some(handoff) = reader.handoff.as_ref() else {
            return; // A kernel before 6.5: every `get` waits in `poll`.
        };
        let (told, reading) = std::sync::mpsc::channel();
        *lock(&reader.before_read) = Some(told);
        let getter = std::thread::spawn({
            let queue = Arc::clone(&queue);
            move || queue.get()
        });
        reading
            .recv_timeout(Duration::from_secs(10))
            .expect("a get with no deadline waits in read");
        reader.begin_wait();
        assert_eq!(
            reader.fd().as_raw_fd(),
            handoff.as_raw_fd(),
            "while a get waits in read, a joiner waits for its hand-off"
        );
        // 100 messages of 2 KiB: more than a pipe holds, so the writer finishes only if the joiner
        // drains what the get leaves.
        let putter =
            std::thread::spawn(move || (0..100u8).try_for_each(|i| writer.put(&vec![i; 2048])));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = wait::readable([reader.fd()], Some(deadline), "the queue").unwrap();
            assert!(ready.is_some(), "the joiner was never handed the pipe");
            if !reader.service().unwrap() {
                break; // Every writer is gone: all is drained.
            }
            assert!(
                Instant::now() < deadline,
                "the joiner never finished draining"
            );
        }
        reader.end_wait();
        putter.join().unwrap().unwrap();
        assert_eq!(getter.join().unwrap().unwrap(), vec![0u8; 2048]);
        for i in 1..100u8 {
            assert_eq!(queue.get().unwrap(), vec![i; 2048]);
        }
        assert!(queue.get().unwrap_err().is_closed());
    }

    /// A `get` with a deadline comes while another waits in `read`: it waits for a wake-up alone,
    /// not on the pipe, and the `get` in `read` must wake it when it gives the pipe back, so that
    /// it can read the pipe itself. The hooks make the order certain. (Either `get` may take the
    /// first message, as two Python `get`s may; the other must then take the second.)
    #[test]
    fn a_get_waiting_beside_one_in_read_is_woken_to_read_the_pipe_next() {
        let (writer, queue) = IpcQueue::<u64>::new().unwrap();
        let queue = Arc::new(queue);
        if queue.reader.handoff.is_none() {
            return; // A kernel before 6.5: every `get` waits in `poll`.
        }
        let wait = Duration::from_secs(10);
        let (got, results) = std::sync::mpsc::channel();
        let (told, reading) = std::sync::mpsc::channel();
        *lock(&queue.reader.before_read) = Some(told);
        std::thread::spawn({
            let (queue, got) = (Arc::clone(&queue), got.clone());
            move || got.send(queue.get().ok())
        });
        reading
            .recv_timeout(wait)
            .expect("a get with no deadline waits in read");
        let (told, polling) = std::sync::mpsc::channel();
        *lock(&queue.reader.before_poll) = Some(told);
        std::thread::spawn({
            let queue = Arc::clone(&queue);
            move || got.send(queue.get_timeout(wait).ok().flatten())
        });
        let pipe_too = polling
            .recv_timeout(wait)
            .expect("a get with a deadline waits in poll");
        assert!(
            !pipe_too,
            "beside a get in read, it waits for its wake-up alone"
        );
        writer.put(&1).unwrap();
        assert_eq!(results.recv_timeout(wait), Ok(Some(1)));
        // Only now: nobody reads the pipe for the one still waiting unless it was woken.
        writer.put(&2).unwrap();
        assert_eq!(
            results.recv_timeout(wait),
            Ok(Some(2)),
            "the other get took it"
        );
    }

    /// Where a `get` may not wait in `read` (a kernel before 6.5), every `get` waits in `poll` on
    /// the pipe, and a joiner drains beside it: the way every queue worked before, kept tested.
    #[test]
    fn without_reads_that_may_not_wait_a_get_waits_in_poll_and_a_joiner_drains_beside_it() {
        let (writer, queue) = IpcQueue::<Vec<u8>>::new_waiting(false).unwrap();
        assert!(queue.reader.handoff.is_none());
        let queue = Arc::new(queue);
        let wait = Duration::from_secs(10);
        let (told, polling) = std::sync::mpsc::channel();
        *lock(&queue.reader.before_poll) = Some(told);
        let getter = std::thread::spawn({
            let queue = Arc::clone(&queue);
            move || queue.get()
        });
        assert_eq!(polling.recv_timeout(wait), Ok(true), "in poll, on the pipe");
        let reader = Arc::clone(&queue.reader);
        reader.begin_wait();
        assert_eq!(reader.fd().as_raw_fd(), reader.pipe.as_raw_fd());
        let putter =
            std::thread::spawn(move || (0..100u8).try_for_each(|i| writer.put(&vec![i; 2048])));
        let deadline = Instant::now() + wait;
        loop {
            let ready = wait::readable([reader.fd()], Some(deadline), "the queue").unwrap();
            assert!(ready.is_some(), "the joiner drained nothing");
            if !reader.service().unwrap() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the joiner never finished draining"
            );
        }
        reader.end_wait();
        putter.join().unwrap().unwrap();
        let first = getter.join().unwrap().unwrap();
        let mut got = vec![first[0]];
        while let Ok(message) = queue.get() {
            got.push(message[0]);
        }
        assert_eq!(
            got,
            (0..100).collect::<Vec<u8>>(),
            "every message, in order"
        );
    }
}
