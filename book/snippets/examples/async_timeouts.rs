//! Timeouts and cancellation in tokio: a future that is given up on is dropped.
use std::time::Duration;

struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Python's `except CancelledError:` or `finally:` clean-up: runs however the work ends.
        println!("cleanup ran");
    }
}

async fn forever() {
    let _cleanup = Cleanup;
    std::future::pending::<()>().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // asyncio.wait_for(forever(), 0.01)
        let gave_up = tokio::time::timeout(Duration::from_millis(10), forever()).await;
        assert!(gave_up.is_err());
        // task.cancel(): abort, then awaiting the handle reports the cancellation.
        let task = tokio::spawn(forever());
        tokio::task::yield_now().await; // Let it start.
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
}
