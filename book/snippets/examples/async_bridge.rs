//! asyncio.to_thread in tokio: spawn_blocking runs blocking code on a thread pool.
use std::time::Duration;

fn blocking_square(n: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(20)); // Blocking: must not run on the loop's thread.
    n * n
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let (squares, ticks) = runtime.block_on(async {
        let work = tokio::task::spawn_blocking(|| [5, 6].map(blocking_square));
        // Meanwhile the loop is free: this task runs while the blocking call sleeps.
        let ticker = tokio::spawn(async {
            let mut ticks = 0;
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                ticks += 1;
            }
            ticks
        });
        (work.await.unwrap(), ticker.await.unwrap())
    });
    println!("{squares:?}, the loop ticked {ticks} times meanwhile");
    assert_eq!(squares, [25, 36]);
}
