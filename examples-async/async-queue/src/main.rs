//! Beyond the notes: `asyncio.Queue` with producer and consumer tasks — the async twin of
//! `producer-consumer` — beside a bounded `tokio::sync::mpsc` channel.
//!
//! Producer tasks put numbers on a queue that holds at most `--maxsize`; consumer tasks take them
//! and square them. The printed lines are the thread program's: how many, the sorted squares,
//! their sum. Python's `put` waits while the queue is full, and `queue.join()` waits until every
//! item got its `task_done()`; then `main` cancels the consumers, which loop forever.
//!
//! Where Rust differs: a tokio channel ends on its own. When every sender is dropped (each
//! producer owns one and drops it when done), `recv` returns `None` once the channel is empty, so
//! the consumers finish without `task_done`, `join` or cancelling. A tokio `mpsc` channel has one
//! receiver: here the consumers share it behind a `tokio::sync::Mutex` (the crate `async-channel`
//! has a receiver to clone instead). Python's `maxsize=0` means unbounded; a tokio channel's bound
//! must be at least 1 (`unbounded_channel` is the other kind), so `--maxsize 0` is refused.
//!
//! Run: `cargo run -p async-queue [-- --producers 2 --consumers 3 --items 10 --maxsize 4]`.

use std::sync::Arc;

use clap::Parser;
use common::cli::{self, UsageError};
use common::pyfmt::Py;
use tokio::sync::{Mutex, mpsc};

/// Square numbers made by producer tasks in consumer tasks, on one thread.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: asyncio.Queue. Source: examples-async/async-queue/src/main.rs; Python twin: examples-async/async-queue/async_queue.py."
)]
struct Args {
    /// Producer tasks.
    #[arg(allow_negative_numbers = true, long, default_value_t = 2, value_parser = cli::whole(0u64, 1000))]
    producers: u64,
    /// Consumer tasks (at least one).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::whole(1u64, 1000))]
    consumers: u64,
    /// Items each producer makes.
    #[arg(allow_negative_numbers = true, long, default_value_t = 10, value_parser = cli::whole(0u64, 1_000_000))]
    items: u64,
    /// The most items the queue holds at once (at least 1).
    #[arg(value_parser = cli::whole(1usize, 1_000_000), allow_negative_numbers = true, long, default_value_t = 4)]
    maxsize: usize,
}

async fn produce(queue: mpsc::Sender<u64>, p: u64, items: u64) {
    for i in 0..items {
        // Waits while the channel holds `maxsize` items, as Python's `await q.put(n)` does.
        queue
            .send(p * items + i)
            .await
            .expect("the consumers outlive the producers");
    }
} // `queue`, this producer's sender, is dropped here.

async fn consume(queue: Arc<Mutex<mpsc::Receiver<u64>>>) -> Vec<u64> {
    let mut squares = Vec::new();
    // `None` once every sender is gone and the channel is empty: the end, no sentinel needed.
    while let Some(n) = queue.lock().await.recv().await {
        squares.push(n * n);
    }
    squares
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        if args.maxsize == 0 {
            return Err(UsageError(
                "--maxsize must be at least 1: a tokio channel has a bound of 1 or more (Python's 0 means unbounded)".into(),
            )
            .into());
        }
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        runtime.block_on(async {
            let (sender, receiver) = mpsc::channel(args.maxsize);
            let receiver = Arc::new(Mutex::new(receiver));
            let consumers: Vec<_> = (0..args.consumers)
                .map(|_| tokio::spawn(consume(Arc::clone(&receiver))))
                .collect();
            for p in 0..args.producers {
                tokio::spawn(produce(sender.clone(), p, args.items));
            }
            drop(sender); // Only the producers' senders are left.
            let mut squares = Vec::new();
            for consumer in consumers {
                squares.extend(consumer.await?);
            }
            squares.sort_unstable();
            println!(
                "{} items from {} producers, squared by {} consumers",
                squares.len(),
                args.producers,
                args.consumers
            );
            println!("{}", Py(&squares[..]));
            println!(
                "sum: {}",
                squares.iter().map(|&s| u128::from(s)).sum::<u128>()
            );
            Ok(())
        })
    })
}
