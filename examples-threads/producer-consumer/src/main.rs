//! Beyond the notes: `queue.Queue(maxsize)` between producer and consumer threads ↔ crossbeam's
//! bounded channel, used directly: it is the Rust counterpart.
//!
//! Python's `put` blocks while the queue holds `maxsize` items; so does `send` on a bounded
//! channel. Python ends its consumers with `q.join()` (every item `task_done`) and then one `None`
//! per consumer; here each consumer's loop ends by itself once every sender is dropped and the
//! channel is empty, and joining the consumers is `q.join()`: no sentinel, no `task_done` to
//! forget. Which consumer handled which item varies from run to run, so the summary is sorted.
//!
//! Run: `cargo run -p producer-consumer` prints the 20 squares of 0 to 19 and their sum, 2470.

use std::thread;

use clap::Parser;
use common::cli;
use common::pyfmt::Py;

/// Square numbers made by producer threads in consumer threads, through a bounded queue.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: queue.Queue. Source: examples-threads/producer-consumer/src/main.rs; Python twin: examples-threads/producer-consumer/producer_consumer.py."
)]
struct Args {
    /// Producer threads (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 2, value_parser = cli::worker_count())]
    producers: usize,
    /// Consumer threads (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::worker_count())]
    consumers: usize,
    /// Items each producer makes (0 to 10000).
    #[arg(allow_negative_numbers = true, long, default_value_t = 10, value_parser = cli::whole(0u64, 10_000))]
    items: u64,
    /// How many items the queue holds before `put` blocks (Python's `maxsize`, 1 to 1000).
    #[arg(allow_negative_numbers = true, long, default_value_t = 4, value_parser = cli::whole(1u64, 1000))]
    maxsize: u64,
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let (queue, items) = crossbeam::channel::bounded::<u64>(args.maxsize as usize);
        let mut squares = thread::scope(|s| {
            for p in 0..args.producers as u64 {
                let queue = queue.clone();
                s.spawn(move || {
                    for i in 0..args.items {
                        // Blocks while the queue is full; fails only if every consumer is gone.
                        queue
                            .send(p * args.items + i)
                            .expect("a consumer is running");
                    }
                });
            }
            drop(queue); // Only the producers' clones are left: when they end, the queue closes.
            let consumers: Vec<_> = (0..args.consumers)
                .map(|_| {
                    let items = items.clone();
                    s.spawn(move || items.iter().map(|n| n * n).collect::<Vec<u64>>())
                })
                .collect();
            consumers
                .into_iter()
                .map(common::panic::join_scoped)
                .collect::<common::Result<Vec<_>>>()
        })?
        .concat();
        squares.sort();
        println!(
            "{} items from {} producers, squared by {} consumers",
            squares.len(),
            args.producers,
            args.consumers
        );
        println!("{}", Py(&squares));
        println!("sum: {}", squares.iter().sum::<u64>());
        Ok(())
    })
}
