use std::time::Duration;

use dont_block_the_loop::pause;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn two_pauses_overlap_on_one_thread() {
    let start = Instant::now();
    let (a, b) = (tokio::spawn(pause(100)), tokio::spawn(pause(100)));
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(100),
        "the tokio clock moved by {:?}: a pause that blocks the thread is not a tokio timer",
        start.elapsed()
    );
}
