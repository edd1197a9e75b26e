//! One blocking call stalls a single-threaded loop; moved to spawn_blocking, it does not.
use std::time::{Duration, Instant};

fn longest_pause(block_inline: bool) -> Duration {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let ticker = tokio::spawn(async {
            let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        });
        tokio::task::yield_now().await; // Let the ticker start.
        let sleep = || std::thread::sleep(Duration::from_millis(60));
        if block_inline {
            sleep(); // The loop's only thread sleeps: no task runs.
        } else {
            tokio::task::spawn_blocking(sleep).await.unwrap();
        }
        ticker.await.unwrap()
    })
}

fn main() {
    let blocked = longest_pause(true);
    let moved = longest_pause(false);
    println!("longest pause: blocked {blocked:?}, on a thread {moved:?}");
    assert!(blocked >= Duration::from_millis(60));
}
