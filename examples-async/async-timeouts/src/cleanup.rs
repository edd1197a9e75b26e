//! A Rust future's cleanup on cancellation: `Drop`, which runs however the future ends (Python's
//! `except CancelledError:` runs only when it is cancelled).

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Marks `flag` when dropped: the cleanup a cancelled future runs (Python's `except CancelledError`).
struct Cleanup(Arc<AtomicBool>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Work that never finishes on its own; `cleaned` is marked when it is cancelled (dropped).
pub async fn never(cleaned: Arc<AtomicBool>) {
    let _cleanup = Cleanup(cleaned);
    pending::<()>().await;
}
