//! Reading a blocking pipe without waiting: `preadv2(…, RWF_NOWAIT)`.
//!
//! A queue's `get` waits best in `read` itself: one system call per batch of messages, where
//! `poll` and then `read` are two. But the same pipe must also be read without waiting, by a
//! parent that drains it while it joins a child, or by a `get` with a deadline, which waits in
//! `poll`. `O_NONBLOCK` cannot serve both: it belongs to the open pipe, not to one read. The flag
//! `RWF_NOWAIT` asks it of a single read.
//!
//! Pipes took the flag in Linux 6.4 (commit afed6271f5b0, "pipe: set FMODE_NOWAIT on pipes"), but
//! a read with it could still wait until a fix of May 2023 (c04fe8e32f90, "pipe: check for
//! IOCB_NOWAIT alongside O_NONBLOCK"), in Linux 6.5 at the latest. So only a kernel of 6.5 or
//! later is asked, once, on an empty pipe, where a read with the flag answers `EAGAIN`. On an older
//! kernel (which refuses the flag with `EOPNOTSUPP`) the queue keeps its pipe non-blocking, and a
//! `get` waits in `poll`, as it always did.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::OnceLock;

/// Whether this kernel reads a pipe without waiting on request. Asked once per process: a kernel
/// of 6.5 or later (see the module docs), of `empty`, a blocking pipe that holds nothing, whose
/// write end is open; `EAGAIN` means yes.
pub(crate) fn supported(empty: &File) -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        let mut byte = [0u8; 1];
        fixed_kernel()
            && matches!(NoWait(empty).read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    })
}

/// Whether the running kernel is 6.5 or later, read off its release (`6.18.44-…`).
fn fixed_kernel() -> bool {
    let Ok(system) = nix::sys::utsname::uname() else {
        return false;
    };
    let release = system.release().to_string_lossy().into_owned();
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0)) >= (6, 5)
}

/// A pipe read that returns `WouldBlock` instead of waiting, however the pipe was opened.
pub(crate) struct NoWait<'a>(pub(crate) &'a File);

impl Read for NoWait<'_> {
    fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
        let iov = nix::libc::iovec {
            iov_base: into.as_mut_ptr().cast(),
            iov_len: into.len(),
        };
        // SAFETY: `iov` describes `into`, which is ours and writable for its whole length for the
        // duration of the call; offset -1 reads at the pipe's current position, as `read` does.
        let read = unsafe {
            nix::libc::preadv2(
                self.0.as_fd().as_raw_fd(),
                &iov,
                1,
                -1,
                nix::libc::RWF_NOWAIT,
            )
        };
        if read < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(read as usize)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_read_without_waiting_returns_what_a_blocking_pipe_holds_or_would_block() {
        let (read_end, write_end) = nix::unistd::pipe().unwrap();
        let (read_end, mut write_end) = (File::from(read_end), File::from(write_end));
        if !supported(&read_end) {
            return; // A kernel before 6.5: the queue does not use it.
        }
        let mut into = [0u8; 8];
        let err = NoWait(&read_end).read(&mut into).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        write_end.write_all(b"abc").unwrap();
        assert_eq!(NoWait(&read_end).read(&mut into).unwrap(), 3);
        assert_eq!(&into[..3], b"abc");
        drop(write_end);
        assert_eq!(NoWait(&read_end).read(&mut into).unwrap(), 0, "end of file");
    }
}
