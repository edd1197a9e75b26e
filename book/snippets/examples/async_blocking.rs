//! One blocking call stalls a single-threaded loop; moved to spawn_blocking, it does not.
use std::time::{Duration, Instant};

async fn ticker() -> Duration {
    let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        longest = longest.max(last.elapsed());
        last = Instant::now();
    }
    longest
}

async fn longest_pause(block_inline: bool) -> Duration {
    let tick = tokio::spawn(ticker());
    tokio::task::yield_now().await; // Let the ticker start.
    let sleep = || std::thread::sleep(Duration::from_millis(60));
    if block_inline {
        sleep(); // The loop's only thread sleeps: no task runs.
    } else {
        tokio::task::spawn_blocking(sleep).await.unwrap();
    }
    tick.await.unwrap()
}

fn main() {
    let run = |block_inline| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build();
        runtime
            .expect("a runtime")
            .block_on(longest_pause(block_inline))
    };
    let blocked = run(true) >= Duration::from_millis(60);
    println!("blocked: the loop paused at least 60 ms: {blocked}");
    println!(
        "on a thread: the longest pause was {} ms",
        run(false).as_millis()
    );
}
