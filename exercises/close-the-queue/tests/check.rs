use std::time::Duration;

use close_the_queue::sum_of_squares;

#[tokio::test(start_paused = true)]
async fn the_sum_arrives_and_the_consumer_stops() {
    // On the paused clock an idle runtime jumps to the deadline at once: a hang fails fast.
    let sum = tokio::time::timeout(Duration::from_secs(60), sum_of_squares(2, 10)).await;
    assert_eq!(
        sum,
        Ok(2470),
        "the consumer still waits after every number arrived"
    );
}
