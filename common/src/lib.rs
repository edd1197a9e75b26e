//! What the example programs share: the Rust counterparts of the Python abstractions the notes use.
//!
//! Each module is named after the thing it stands in for and says, in its docs, which Python object
//! it mirrors and which pitfall it avoids. The examples stay as short as the Python snippets; the
//! mechanism lives here.
//!
//! | Python | here |
//! |---|---|
//! | `multiprocessing.Process`, start methods | [`process`] |
//! | `if __name__ == '__main__':` and the roles a child can play | [`roles`] |
//! | pickling a function by name | [`target`](mod@target) |
//! | the `forkserver` start method | [`process::forkserver`] |
//! | `multiprocessing.util.register_after_fork` | `process::after_fork` (inside every fork) |
//! | pickling a queue or a `Value` for a child (`reduction.DupFd`) | `handoff` (inside [`process::start`]) |
//! | `multiprocessing.Pool` | [`pool::ProcessPool`] |
//! | `multiprocessing.Queue` | [`queue::IpcQueue`] |
//! | `multiprocessing.Pipe` | [`pipe::pipe`] |
//! | `multiprocessing.Value`, `Array` | [`shared::SharedValue`], [`shared::SharedArray`] |
//! | `multiprocessing.shared_memory.SharedMemory` | [`named::NamedSharedMemory`] |
//! | `multiprocessing.resource_tracker` | [`tracker`] |
//! | `multiprocessing.Lock`, `get_lock()` | [`lock::ProcessLock`] |
//! | pickling | [`frame`] (serde + postcard) |
//! | `concurrent.futures` | [`futures`] |
//! | `threading.Event` | [`event::Event`] |
//! | `threading.Semaphore`, `BoundedSemaphore` | [`semaphore::Semaphore`] |
//! | `threading.Timer` | [`timer::Timer`] |
//! | `print` of lists and floats | [`pyfmt::Py`] |
//! | a thread's exception | [`panic`](mod@panic) |
//! | `time.sleep(1)` defaults, error exits | [`cli`] |
//! | the exceptions: `BrokenProcessPool`, `TimeoutError`, `EOFError`, `OSError`, … | [`error`] ([`Error`]) |

// A loom build (`make loom`) leaves the executors out, so what only they use goes unused.
#![cfg_attr(loom, allow(dead_code))]

pub mod cli;
pub mod error;
pub mod event;
pub mod frame;
pub mod futures;
mod handoff;
pub mod lock;
pub mod named;
pub mod panic;
pub mod pipe;
pub mod pool;
pub mod process;
pub mod pyfmt;
pub mod queue;
pub mod roles;
pub mod semaphore;
pub mod shared;
mod sync;
pub mod target;
pub mod timer;
pub mod tracker;
mod wait;

pub use error::{Error, Result};
