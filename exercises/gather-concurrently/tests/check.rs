use std::time::Duration;

use gather_concurrently::gather;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn the_sleeps_overlap_and_the_order_is_kept() {
    let start = Instant::now();
    assert_eq!(gather(vec![30, 10, 20]).await, [30, 10, 20]);
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(30),
        "the sleeps ran one after another"
    );
}
