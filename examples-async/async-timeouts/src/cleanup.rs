//! A Rust future's cleanup on cancellation: `Drop`, which runs however the future ends (Python's
//! `except CancelledError:` runs only when it is cancelled).

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether some work's cleanup ran; a clone goes to the work, the other stays to look.
#[derive(Clone, Default)]
pub struct Cleaned(Arc<AtomicBool>);

impl Cleaned {
    /// Whether the cleanup ran.
    pub fn seen(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Marks its flag when dropped: the cleanup a cancelled future runs.
struct Cleanup(Cleaned);

impl Drop for Cleanup {
    fn drop(&mut self) {
        (self.0).0.store(true, Ordering::SeqCst);
    }
}

/// Work that never finishes on its own; `cleaned` is marked when it is cancelled (dropped).
pub async fn never(cleaned: Cleaned) {
    let _cleanup = Cleanup(cleaned);
    pending::<()>().await;
}
