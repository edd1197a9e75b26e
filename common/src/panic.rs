//! Turning a panic into an error a reader can see.
//!
//! In Python an exception in a `threading.Thread` is printed (by `threading.excepthook`) and then
//! forgotten: `join()` returns `None` and the script still exits with status 0. (The pools do
//! re-raise a task's exception: `concurrent.futures` from `future.result()`, and
//! `multiprocessing.Pool` and `multiprocessing.pool.ThreadPool` from `map()` and
//! `AsyncResult.get()`.) Rust's `join`
//! returns the panic's payload (`Box<dyn Any + Send>`) to the caller instead. These helpers turn it
//! into an ordinary `crate::Error` carrying the message, and the programs choose to fail with it
//! (one `error:` line, exit code 1) rather than carry on as Python would: a swallowed
//! `let _ = handle.join()` would teach the reader that a crashed thread is fine.
//!
//! ```
//! let handle = std::thread::Builder::new()
//!     .name("worker".into())
//!     .spawn(|| -> u32 { panic!("boom") })
//!     .unwrap();
//! # let hook = std::panic::take_hook();
//! # std::panic::set_hook(Box::new(|_| {}));
//! let error = common::panic::join(handle).unwrap_err();
//! # std::panic::set_hook(hook);
//! assert_eq!(error.to_string(), "thread 'worker' panicked: boom");
//! ```
//!
//! Shown by: `simple-thread` and `thread-args` (`examples-threads/`), which join with it.

use std::any::Any;
use std::thread::JoinHandle;

use crate::error::Error;

/// The message a panic was raised with (`panic!("boom")` → `"boom"`).
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

/// Joins `handle`; a panic in the thread becomes an error carrying the thread's name and message.
pub fn join<T>(handle: JoinHandle<T>) -> crate::Result<T> {
    let name = handle.thread().name().unwrap_or("unnamed").to_owned();
    handle.join().map_err(|payload| panicked(&name, &*payload))
}

/// A thread's panic as an [`Error::Raised`].
fn panicked(name: &str, payload: &(dyn Any + Send)) -> Error {
    Error::Raised(Box::new(crate::error::Raised {
        by: Some(format!("thread '{name}'")),
        ..crate::error::Raised::new(message(payload), true)
    }))
}

/// [`join`] for a scoped thread (`std::thread::scope`).
pub fn join_scoped<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> crate::Result<T> {
    let name = handle.thread().name().unwrap_or("unnamed").to_owned();
    handle.join().map_err(|payload| panicked(&name, &*payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_reports_the_panic_message() {
        let handle = std::thread::Builder::new()
            .name("doomed".into())
            .spawn(|| -> () { panic!("boom {}", 7) })
            .unwrap();
        let err = join(handle).unwrap_err();
        assert_eq!(err.to_string(), "thread 'doomed' panicked: boom 7");
        assert_eq!(join(std::thread::spawn(|| 5)).unwrap(), 5);
    }
}
