//! asyncio.run, create_task and gather, in tokio: a current-thread runtime, spawn, await.
use std::time::{Duration, Instant};

async fn work(units: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(20 * units)).await; // Yields to the loop.
    units
}

fn main() {
    // One thread, as asyncio's loop is: `asyncio.run(main())` is `block_on`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let start = Instant::now();
    let results = runtime.block_on(async {
        let tasks: Vec<_> = [3, 1, 2].map(|u| tokio::spawn(work(u))).into();
        // gather: await the handles in the order they were started.
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("the task panicked"));
        }
        results
    });
    println!("gather, in start order: {results:?}");
    // The sleeps overlapped: 6 units in a row would take 120 ms; at least the longest, 60 ms.
    println!(
        "waited at least 60 ms: {}",
        start.elapsed() >= Duration::from_millis(60)
    );
}
