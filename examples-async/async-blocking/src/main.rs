//! Beyond the notes: one blocking call stalls an event loop. A ticker task ticks every
//! `--tick-ms`; meanwhile a 200 ms sleep runs, first as a blocking `time.sleep` /
//! `std::thread::sleep` inside a task, then moved to another thread (`asyncio.to_thread` /
//! `spawn_blocking`). For each, the program measures the loop's longest pause between ticks and
//! counts the ticks that happened while the sleep ran.
//!
//! The two lines are certain by construction, not by timing. Blocked, the loop's only thread is
//! asleep, so no tick can happen during the call, and the gap that spans it is at least as long as
//! the call. Moved to a thread, the call waits for the ticker's last tick before it returns, so
//! every tick falls inside it; with two ticks or more the longest gap is shorter than the whole
//! call. The words `the whole call` / `part of the call` are chosen by comparing the two measured
//! durations (`-v` prints them on stderr).
//!
//! Where Rust differs: this program runs tokio's current-thread runtime, one thread as asyncio's
//! loop is. On the default multi-thread runtime a blocking call stalls one worker thread and the
//! tasks queued on it, while the others go on; the fix is the same, `spawn_blocking` (or
//! `block_in_place`). Rust cannot see a blocking call inside `async` code any more than Python can.
//!
//! Run: `cargo run -p async-blocking [-- --block-ms 200 --tick-ms 20 --ticks 5 -v]`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;

mod pauses;
use common::cli::{self, Millis};
use pauses::report;

/// Measure how a blocking call in a task stalls the loop, then move it to a thread.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: blocking the event loop. Source: examples-async/async-blocking/src/main.rs; Python twin: examples-async/async-blocking/async_blocking.py."
)]
struct Args {
    /// How long the blocking call sleeps, in milliseconds.
    #[arg(allow_negative_numbers = true, long, default_value = "200")]
    block_ms: Millis,
    /// The ticker's period, in milliseconds (at least 1).
    #[arg(allow_negative_numbers = true, long, default_value = "20", value_parser = Millis::positive)]
    tick_ms: Millis,
    /// How many times the ticker ticks (2 to 1000).
    #[arg(allow_negative_numbers = true, long, default_value_t = 5, value_parser = cli::whole(2u32, 1000))]
    ticks: u32,
    /// Print the measured durations on stderr.
    #[arg(short, long)]
    verbose: bool,
}

/// Ticks `ticks` times, `tick` apart; returns `start` and the time of each tick. Tells `done`,
/// if given, after the last one.
async fn ticker(
    ticks: u32,
    tick: Duration,
    start: Instant,
    done: Option<mpsc::Sender<()>>,
) -> Vec<Instant> {
    let mut stamps = vec![start];
    for _ in 0..ticks {
        tokio::time::sleep(tick).await;
        stamps.push(Instant::now());
    }
    if let Some(done) = done {
        _ = done.send(());
    }
    stamps
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    cli::run(|| {
        let (block, tick) = (args.block_ms.duration(), args.tick_ms.duration());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        runtime.block_on(async {
            // Blocking: the runtime's one thread sleeps, and the ticker cannot run.
            let start = Instant::now();
            let ticking = tokio::spawn(ticker(args.ticks, tick, start, None));
            tokio::task::yield_now().await; // The ticker starts and waits for its first tick.
            let call_start = Instant::now();
            std::thread::sleep(block);
            let call = (call_start, Instant::now());
            let stamps = ticking.await?;
            println!(
                "{}",
                report("a blocking sleep in a task", &stamps, call, args.verbose)
            );

            // Moved to a thread: the loop keeps ticking; the call ends after the last tick.
            let (done, ticked) = mpsc::channel();
            let call_start = Instant::now();
            let sleeper = tokio::task::spawn_blocking(move || {
                std::thread::sleep(block);
                _ = ticked.recv(); // Every tick falls inside the call.
                Instant::now()
            });
            let stamps = ticker(args.ticks, tick, Instant::now(), Some(done)).await;
            let call = (call_start, sleeper.await?);
            println!(
                "{}",
                report("the sleep moved to a thread", &stamps, call, args.verbose)
            );
            Ok(())
        })
    })
}
