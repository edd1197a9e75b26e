//! Two connected ends that both send and receive: the counterpart of `multiprocessing.Pipe()`.
//!
//! [`pipe`] returns two [`Connection`]s over a Unix socket pair (Python's `Pipe(duplex=True)`
//! uses one too). `send` writes one frame, a length and the value in postcard, as Python's
//! `conn.send` writes a pickle; `recv` reads one, or says the other end was closed (Python's
//! `EOFError`). An end crosses to a child in its argument, under every start method
//! (see [`process::start`](crate::process::start)), and `process::start` drops the parent's copy (Python code closes it
//! with `child_end.close()`): only then does the other end see EOF when the child is gone.
//!
//! A child forked by this crate (by [`process::fork`](crate::process::fork()), `start(Fork)` or a
//! pool) closes, first thing, its copies of every end it was not handed (the after-fork list,
//! `process::after_fork`). Python's does not, and there a forked
//! child keeps the parent's end open too: if the parent dies, a child waiting in `recv` never sees
//! EOF and waits forever.
//!
//! Unlike a [`Queue`](crate::queue::IpcQueue), a pipe has one reader and one writer per end, and no
//! lock: two processes writing to the same end at once may interleave their frames, as in Python.
//! `poll` waits for a message with a deadline, without busy-waiting.
//!
//! ```rust,standalone_crate
//! use common::pipe::{Connection, pipe};
//! use common::process::{self, StartMethod};
//! use common::target::Target;
//!
//! fn echo(end: Connection<u32>) -> common::Result<()> {
//!     let n = end.recv()?;
//!     end.send(&(n * n))
//! }
//! const ECHO: Target<Connection<u32>, common::Result<()>> = common::target!(echo);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&ECHO]);
//!     let (ours, theirs) = pipe::<u32>()?;
//!     let child = process::start(StartMethod::Fork, &ECHO, theirs)?;
//!     ours.send(&7)?;
//!     assert_eq!(ours.recv()?, 49);
//!     child.join()
//! }
//! ```
//!
//! Shown by: `pipe-ipc` (`examples-processes/pipe-ipc`).

use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Context, Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::handoff::{Handed, Received};
use crate::{frame, wait};

/// One end of a [`pipe`], carrying values of type `T` both ways.
#[derive(Debug)]
pub struct Connection<T> {
    socket: UnixStream,
    _values: PhantomData<fn(T) -> T>,
}

/// Two connected ends (`multiprocessing.Pipe()`).
pub fn pipe<T>() -> Result<(Connection<T>, Connection<T>)> {
    let (a, b) = UnixStream::pair().context("creating a socket pair")?;
    Ok((Connection::new(a), Connection::new(b)))
}

/// The descriptors of the ends alive in this process, for [`close_after_fork`].
static OPEN_ENDS: Mutex<Vec<RawFd>> = Mutex::new(Vec::new());
/// How many there are, read without taking the lock: a forked child with none to close then
/// writes nothing (each page it writes is a copy the kernel must make).
static OPEN_COUNT: AtomicUsize = AtomicUsize::new(0);

fn open_ends() -> std::sync::MutexGuard<'static, Vec<RawFd>> {
    // A push or a removal cannot be left half-done by a panic.
    OPEN_ENDS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// In a freshly forked child (registered in the after-fork list by the first pipe), once it has
/// its own duplicates of what it was handed: closes the copies of the parent's ends, so that each
/// end lives in one process and a parent's death reads as EOF. (The child never drops the
/// parent's `Connection`s: it `_exit`s.)
fn close_after_fork() {
    if OPEN_COUNT.load(Ordering::Relaxed) == 0 {
        return;
    }
    for fd in std::mem::take(&mut *open_ends()) {
        _ = nix::unistd::close(fd); // Fails only if already closed: nothing to do.
    }
}

impl<T> Connection<T> {
    fn new(socket: UnixStream) -> Self {
        crate::process::after_fork::register(close_after_fork);
        open_ends().push(socket.as_raw_fd());
        OPEN_COUNT.fetch_add(1, Ordering::Relaxed);
        Connection {
            socket,
            _values: PhantomData,
        }
    }
}

/// The end's socket, to wait on it beside other descriptors (`poll`).
impl<T> AsFd for Connection<T> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl<T> Drop for Connection<T> {
    fn drop(&mut self) {
        let fd = self.socket.as_raw_fd();
        open_ends().retain(|&open| open != fd);
        OPEN_COUNT.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T: Serialize + DeserializeOwned> Connection<T> {
    /// Sends `value` to the other end (`conn.send(value)`); blocks while the socket is full.
    pub fn send(&self, value: &T) -> Result<()> {
        frame::write(&mut &self.socket, value).context("sending on a pipe")
    }

    /// Receives the next value (`conn.recv()`); an error if the other end was closed first.
    pub fn recv(&self) -> Result<T> {
        frame::read(&mut &self.socket)?
            .ok_or_else(|| Error::Closed("the other end of the pipe was closed (EOFError)".into()))
    }

    /// Receives the next value, or `None` if the other end was closed: for a loop that should
    /// end quietly when its peer is gone.
    pub fn recv_or_closed(&self) -> Result<Option<T>> {
        frame::read(&mut &self.socket)
    }

    /// Whether a value (or the other end's closing) arrives within `timeout` (`conn.poll(timeout)`).
    pub fn poll(&self, timeout: Duration) -> Result<bool> {
        let ready = wait::readable(
            [self.socket.as_fd()],
            Some(Instant::now() + timeout),
            "a pipe",
        )?;
        Ok(ready.is_some_and(|r| r[0]))
    }
}

/// An end crosses to a child as its descriptor (`handoff`, inside `process::start`).
impl<T> Serialize for Connection<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Handed(self.socket.as_fd(), "a pipe connection").serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Connection<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Received(fd) = Received::deserialize(deserializer)?;
        Ok(Connection::new(UnixStream::from(fd)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ends_send_and_receive_and_a_closed_end_is_eof() {
        let (a, b) = pipe::<String>().unwrap();
        a.send(&"ping".to_owned()).unwrap();
        assert!(b.poll(Duration::ZERO).unwrap());
        assert_eq!(b.recv().unwrap(), "ping");
        assert!(!a.poll(Duration::from_millis(1)).unwrap());
        b.send(&"pong".to_owned()).unwrap();
        assert_eq!(a.recv().unwrap(), "pong");
        drop(b);
        let closed = a.recv().unwrap_err();
        assert!(closed.is_closed(), "{closed:?}");
        assert!(closed.to_string().contains("EOFError"));
    }
}
