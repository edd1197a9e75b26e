//! What the exercises' tests share.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Runs `f` on a thread of its own and returns what it returns; fails the test if `f` has not
/// finished within `limit`, so a deadlock is a failure with a message, never a hung test. (The
/// stuck thread is left behind; the test process ends all the same.) A panic in `f` fails the
/// test too, with `f`'s own message printed above.
pub fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    // If the test has already failed, nobody receives: that is fine.
    std::thread::spawn(move || _ = done.send(f()));
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!(
            "{what} has not finished after {limit:?}: a deadlock, or a wait for something that never comes"
        ),
        Err(RecvTimeoutError::Disconnected) => panic!("{what} panicked (its message is above)"),
    }
}
