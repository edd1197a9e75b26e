//! Handing open descriptors to a child process: what Python's `multiprocessing.reduction` does when
//! it pickles a `Queue`, a `Value` or a `Lock` for a child.
//!
//! A value that owns a descriptor (a queue's pipe, the memory file behind a shared array) serializes
//! as the descriptor's *number in the parent*, and records the descriptor in the list
//! that [`process::start`](crate::process::start) keeps while it encodes the child's argument. The
//! child then receives the descriptors themselves, whatever the start method:
//!
//! - **fork**: the child already has every descriptor; it takes a duplicate of each listed one;
//! - **spawn** and **forkserver**: the parent sends them over a Unix socket with `SCM_RIGHTS`, which
//!   installs copies in the receiving process under new numbers.
//!
//! Either way the child records them in its table of inherited descriptors by the parent's number, and the
//! value's `Deserialize` takes its descriptor from there. Serializing such a value anywhere else (to
//! a queue, say) is an error, as Python refuses to pickle a `Queue` outside of starting a process.
//!
//! A value may also ask to be *kept moving* while the parent waits for the child: a queue handed to
//! a child must be drained while the parent joins it, or a child blocked on a full pipe could never
//! exit. It registers itself as a *wait source* next to its descriptors, and the child's handle keeps it.

use std::cell::RefCell;
use std::io::{IoSlice, IoSliceMut, Write};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Context, Error, Result};
use crate::frame;
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, recvmsg, sendmsg};

/// Something the parent must keep serving while it waits for a child: readable `fd()` means
/// `service()` has work to do and will not block.
pub(crate) trait WaitSource: Send + Sync + std::fmt::Debug {
    /// A parent starts waiting with this source served (each call is matched by `end_wait`).
    fn begin_wait(&self);
    /// That parent's wait has ended.
    fn end_wait(&self);
    /// The descriptor to wait on now (asked again before each wait).
    fn fd(&self) -> BorrowedFd<'_>;
    /// Does the work `fd()` announced; returns `false` once the source is finished for good.
    fn service(&self) -> Result<bool>;
}

/// What encoding a child's argument collected: descriptors to hand over and sources to keep serving.
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    /// Parent descriptor numbers, in the order they were serialized.
    pub fds: Vec<RawFd>,
    pub wait_sources: Vec<Arc<dyn WaitSource>>,
}

thread_local! {
    static OUTGOING: RefCell<Option<Outgoing>> = const { RefCell::new(None) };
}

/// Serializes `value` for a child, collecting the descriptors and wait sources it names.
pub(crate) fn encode_for_child<T: serde::Serialize>(value: &T) -> Result<(Vec<u8>, Outgoing)> {
    let collecting = Collecting::start();
    let bytes = postcard::to_allocvec(value);
    let outgoing = collecting.finish();
    Ok((bytes.context("serializing the child's argument")?, outgoing))
}

/// While alive, descriptors a value serializes are collected for a child ([`OUTGOING`] holds a
/// list). Dropping it puts back what was there before, also when a `Serialize` panics halfway
/// (what Python's `try`/`finally` does around `reduction`'s state): a later message is never
/// taken for a child's argument.
struct Collecting {
    before: Option<Option<Outgoing>>,
}

impl Collecting {
    fn start() -> Collecting {
        let before = OUTGOING.replace(Some(Outgoing::default()));
        Collecting {
            before: Some(before),
        }
    }

    /// What was collected; the state before is back.
    fn finish(mut self) -> Outgoing {
        let before = self.before.take().expect("taken only here or in drop");
        OUTGOING.replace(before).unwrap_or_default()
    }
}

impl Drop for Collecting {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            OUTGOING.set(before);
        }
    }
}

/// The one serde form of a handed descriptor, sending side: serializes as the parent's number,
/// and hands the descriptor to the child being started (`what` names it in the error given
/// outside of starting a child: "a queue writer can only be handed to a child process …").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Handed<'a>(pub BorrowedFd<'a>, pub &'static str);

impl serde::Serialize for Handed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        send_fd::<S::Error>(self.0, self.1)?.serialize(serializer)
    }
}

/// The one serde form of a handed descriptor, receiving side: reads the parent's number and takes
/// this process's copy of that descriptor; a failure (out of descriptors, say) keeps its cause for
/// the decoder to name (see [`decode_error`]).
#[derive(Debug)]
pub(crate) struct Received(pub OwnedFd);

impl<'de> serde::Deserialize<'de> for Received {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = RawFd::deserialize(deserializer)?;
        let fd = take_inherited(number).map_err(|e| decode_error::<D::Error>(&e))?;
        Ok(Received(fd))
    }
}

/// Called by [`Handed`]'s `Serialize`: hand `fd` to the child being started; returns the number
/// the child will know it by. Fails outside of [`encode_for_child`].
fn send_fd<E: serde::ser::Error>(fd: BorrowedFd<'_>, what: &str) -> Result<RawFd, E> {
    OUTGOING.with_borrow_mut(|o| match o {
        Some(outgoing) => {
            outgoing.fds.push(fd.as_raw_fd());
            Ok(fd.as_raw_fd())
        }
        None => Err(E::custom(format!(
            "{what} can only be handed to a child process as it starts (as an argument of \
             process::start), not sent as a message"
        ))),
    })
}

thread_local! {
    /// Why the last `Deserialize` of a handed-over value failed. postcard's `Error::custom` keeps
    /// no text (it prints "Serde Deserialization Error"), so the cause, such as running out of
    /// descriptors, would be lost; it waits here for the decoder to name it.
    static DECODE_FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Called by a value's `Deserialize` when taking what it was handed fails: the error to return,
/// its cause kept for [`take_decode_failure`].
pub(crate) fn decode_error<E: serde::de::Error>(cause: &Error) -> E {
    let text = format!("{cause:#}");
    DECODE_FAILURE.with_borrow_mut(|kept| *kept = Some(text.clone()));
    E::custom(text)
}

/// The cause [`decode_error`] kept, if any, taken (so the next decoding starts clean).
pub(crate) fn take_decode_failure() -> Option<String> {
    DECODE_FAILURE.with_borrow_mut(Option::take)
}

/// Called by a value's `Serialize`: keep `source` served while the parent waits for the child.
pub(crate) fn keep_serving(source: Arc<dyn WaitSource>) {
    OUTGOING.with_borrow_mut(|o| {
        if let Some(outgoing) = o {
            outgoing.wait_sources.push(source);
        }
    });
}

/// Descriptors handed to this process, by the number the parent knew them by.
static INHERITED: Mutex<Vec<(RawFd, OwnedFd)>> = Mutex::new(Vec::new());

/// Records descriptors handed to this process: `received[i]` was the parent's `numbers[i]`.
pub(crate) fn inherit(numbers: &[RawFd], received: Vec<OwnedFd>) -> Result<()> {
    if numbers.len() != received.len() {
        return Err(Error::Protocol(format!(
            "expected {} descriptors from the parent, got {}",
            numbers.len(),
            received.len()
        )));
    };
    let mut table = INHERITED.lock().unwrap_or_else(PoisonError::into_inner);
    table.extend(numbers.iter().copied().zip(received));
    Ok(())
}

/// In a forked child: duplicate the listed descriptors, which `fork` copied, into the table.
pub(crate) fn inherit_forked(numbers: &[RawFd]) -> Result<()> {
    let copies = numbers
        .iter()
        .map(|&fd| {
            // SAFETY: `fd` was open in the parent at `fork`, lent by the argument that named it, and
            // this child has the same descriptor table; we only duplicate it here.
            let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
            borrowed.try_clone_to_owned()
        })
        .collect::<std::io::Result<Vec<_>>>()
        .context("duplicating inherited descriptors")?;
    inherit(numbers, copies)
}

/// In a child: takes the descriptor the parent passed as number `parent_fd`. Each is taken once.
pub(crate) fn take_inherited(parent_fd: RawFd) -> Result<OwnedFd> {
    let mut table = INHERITED.lock().unwrap_or_else(PoisonError::into_inner);
    let index = table
        .iter()
        .position(|(number, _)| *number == parent_fd)
        .with_context(|| format!("descriptor {parent_fd} was not handed to this process"))?;
    Ok(table.swap_remove(index).1)
}

/// The most descriptors one message may carry (the kernel's `SCM_MAX_FD` is 253).
const MAX_FDS: usize = 250;

/// Sends `bytes` as one length-prefixed frame, with `fds` attached to its first byte.
pub(crate) fn send_frame_with_fds(socket: &UnixStream, bytes: &[u8], fds: &[RawFd]) -> Result<()> {
    if fds.len() > MAX_FDS {
        return Err(Error::refused(
            crate::error::Refusal::Invalid,
            format!("more than {MAX_FDS} descriptors for one child"),
        ));
    };
    let header = frame::header(bytes.len())?;
    let rights = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &rights };
    let iov = [IoSlice::new(&header)];
    let sent = sendmsg::<()>(socket.as_raw_fd(), &iov, cmsgs, MsgFlags::empty(), None)
        .context("sending to the child")?;
    if sent != header.len() {
        return Err(Error::Protocol(
            "short write of a message header".to_owned(),
        ));
    };
    (&mut &*socket)
        .write_all(bytes)
        .context("sending to the child")
}

/// Receives one frame sent by [`send_frame_with_fds`]; `None` if the socket closed before it.
pub(crate) fn recv_frame_with_fds(socket: &UnixStream) -> Result<Option<(Vec<u8>, Vec<OwnedFd>)>> {
    let mut header = [0u8; frame::HEADER];
    let mut space = nix::cmsg_space!([RawFd; MAX_FDS]);
    let (read, fds, truncated) = loop {
        let mut iov = [IoSliceMut::new(&mut header)];
        match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::MSG_WAITALL,
        ) {
            Ok(msg) => {
                // The kernel could not install the descriptors sent: this process is out of them
                // (or over its limit). Read the rest of the frame all the same, so the stream
                // stays in step, then say what happened. (nix does not list the descriptors of
                // a truncated message: any it did install stay open until the process ends.)
                if msg.flags.contains(MsgFlags::MSG_CTRUNC) {
                    break (msg.bytes, Vec::new(), true);
                }
                let mut fds = Vec::new();
                for cmsg in msg.cmsgs().context("reading passed descriptors")? {
                    if let ControlMessageOwned::ScmRights(raw) = cmsg {
                        // SAFETY: the kernel has just installed these descriptors in this process
                        // for us; nothing else knows their numbers.
                        fds.extend(
                            raw.into_iter()
                                .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                        );
                    }
                }
                break (msg.bytes, fds, false);
            }
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e).context("receiving from the parent"),
        }
    };
    if read == 0 {
        return Ok(None);
    }
    if read != header.len() {
        return Err(Error::Closed(
            "the sender stopped in a message header".into(),
        ));
    };
    let len = frame::announced(header)?;
    let mut bytes = Vec::new();
    frame::read_payload(&mut &*socket, len, &mut bytes)?;
    if truncated {
        return Err(Error::os(
            "receiving descriptors (the kernel dropped them: out of descriptors?)",
            std::io::Error::from_raw_os_error(nix::libc::EMFILE),
        ));
    }
    Ok(Some((bytes, fds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands over a descriptor, then panics halfway through serializing.
    struct PanicsAfterHanding;

    impl serde::Serialize for PanicsAfterHanding {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let stdin = std::io::stdin();
            send_fd::<S::Error>(std::os::fd::AsFd::as_fd(&stdin), "stdin")?;
            let _ = serializer;
            panic!("halfway")
        }
    }

    #[test]
    fn a_panic_while_encoding_for_a_child_leaves_no_list_collecting() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let panicked = std::panic::catch_unwind(|| encode_for_child(&PanicsAfterHanding));
        std::panic::set_hook(hook);
        assert!(panicked.is_err());
        // As before: outside of starting a child, handing a descriptor over is refused.
        let stdin = std::io::stdin();
        let refused = send_fd::<postcard::Error>(std::os::fd::AsFd::as_fd(&stdin), "stdin");
        assert!(refused.is_err(), "a list was still collecting");
    }
}
