use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use give_up_in_time::first_within;

struct Cleanup(Arc<AtomicBool>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn a_quick_future_gives_its_value() {
    let quick = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        7
    };
    assert_eq!(
        first_within(Duration::from_millis(50), quick).await,
        Some(7)
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_future_is_given_up_and_cleaned_up() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let guard = Cleanup(Arc::clone(&cleaned));
    let never = async move {
        let _guard = guard;
        std::future::pending::<u8>().await
    };
    let got = tokio::time::timeout(
        Duration::from_secs(60),
        first_within(Duration::from_millis(50), never),
    )
    .await;
    assert_eq!(got, Ok(None), "first_within did not give up");
    assert!(
        cleaned.load(Ordering::SeqCst),
        "the abandoned future was not dropped"
    );
}
