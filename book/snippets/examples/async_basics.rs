//! asyncio.run, create_task and gather, in tokio: a current-thread runtime, spawn, await.
use std::time::Duration;

async fn work(units: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(20 * units)).await;
    println!("finished: {units} unit(s)");
    units
}

fn main() {
    // One thread, as asyncio's loop is: `asyncio.run(main())` is `block_on`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
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
    assert_eq!(results, [3, 1, 2]);
}
