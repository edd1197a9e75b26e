//! How a process ended ([`Exit`]): Python's `Process.exitcode`, which is a code, or minus the
//! number of the signal that killed it. Here the two are variants, so a signal cannot be mistaken
//! for a code.

use std::fmt;

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(Signal),
    /// It ended, but the fork server that reaped it died before saying how.
    Unknown,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal(signal) => write!(f, "was killed by {signal}"),
            Exit::Unknown => f.write_str("ended; how was lost with the fork server"),
        }
    }
}

impl Exit {
    /// How a reaped process ended, from `waitid`'s answer.
    pub(crate) fn from_status(status: WaitStatus) -> Option<Exit> {
        match status {
            WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
            WaitStatus::Signaled(_, signal, _) => Some(Exit::Signal(signal)),
            _ => None,
        }
    }

    /// Eight bytes for the fork server to report an exit with.
    pub(crate) fn to_bytes(self) -> [u8; 8] {
        let (kind, value): (i32, i32) = match self {
            Exit::Code(code) => (0, code),
            Exit::Signal(signal) => (1, signal as i32),
            Exit::Unknown => (2, 0),
        };
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&kind.to_le_bytes());
        bytes[4..].copy_from_slice(&value.to_le_bytes());
        bytes
    }

    pub(crate) fn from_bytes(bytes: [u8; 8]) -> Exit {
        let kind = i32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        let value = i32::from_le_bytes(bytes[4..].try_into().expect("4 bytes"));
        match (kind, Signal::try_from(value)) {
            (0, _) => Exit::Code(value),
            (1, Ok(signal)) => Exit::Signal(signal),
            _ => Exit::Unknown,
        }
    }
}
