//! Beyond the notes: calling blocking code from `asyncio` — `asyncio.to_thread` and
//! `loop.run_in_executor` with a thread pool and a process pool — beside tokio's
//! `spawn_blocking`, and awaiting this project's executors' futures from async code.
//!
//! Three lines. First a blocking function runs on another thread while the loop runs another
//! task: the function waits for that task's signal, so the line can only say `True` if the loop
//! stayed free (it gives up after 10 s and says `False`). Then the numbers are squared on a thread
//! pool and on a process pool, each call awaited as an async future, the results gathered in order.
//!
//! Where Rust differs: `spawn_blocking` is `to_thread` (tokio keeps a pool of threads for it).
//! `common::futures::Future` is Python's `concurrent.futures.Future`, not a Rust `Future`: as
//! `run_in_executor` wraps one for asyncio, `awaited` here gets its result through a done-callback
//! and a `oneshot` channel, which the task awaits without blocking the loop. The process pool is
//! started before the runtime: `fork` needs a process with one thread, and a runtime may add
//! threads (Python's `fork` would go ahead, copying only the forking thread).
//!
//! Run: `cargo run -p async-bridge [-- NUMBERS… --workers 2 --start-method fork]`.

use std::sync::mpsc;
use std::time::Duration;

use clap::Parser;
use common::cli;
use common::futures::{Future, ProcessPoolExecutor, ThreadPoolExecutor};
use common::process::StartMethod;
use common::pyfmt::Py;
use common::target::Target;
use tokio::sync::oneshot;

/// Run blocking calls from async code: on a thread, a thread pool and a process pool.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: asyncio.to_thread and run_in_executor. Source: examples-async/async-bridge/src/main.rs; Python twin: examples-async/async-bridge/async_bridge.py."
)]
struct Args {
    /// The numbers to square (each an i64; squared exactly, as i128) [default: 1 2 3].
    #[arg(allow_negative_numbers = true, value_parser = cli::int64)]
    numbers: Vec<i64>,
    /// Workers in each pool (1 to 256).
    #[arg(allow_negative_numbers = true, long, default_value_t = 2, value_parser = cli::worker_count())]
    workers: usize,
    /// How the process pool's workers are started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

fn square(n: i64) -> i128 {
    cli::square(n)
}
const SQUARE: Target<i64, i128> = common::target!(square);

/// Awaits a `concurrent.futures`-style future without blocking the runtime's thread (what
/// `asyncio.wrap_future` does for `run_in_executor`).
async fn awaited<R: Clone + Send + 'static>(mut future: Future<R>) -> common::Result<R> {
    let (send, receive) = oneshot::channel();
    future.add_done_callback(move |result| _ = send.send(result.clone()));
    receive
        .await
        .expect("a future calls its callbacks once it is done")
}

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&SQUARE]);
    let args = cli::parse::<Args>();
    let numbers = cli::numbers_or(args.numbers, &[1, 2, 3]);
    cli::run(|| {
        let processes = ProcessPoolExecutor::new(args.workers, args.start_method)?;
        let threads = ThreadPoolExecutor::new(args.workers)?;
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        runtime.block_on(async {
            // `await asyncio.to_thread(f)`, while another task on the loop sends `f` a signal.
            let (signal, signalled) = mpsc::channel();
            let blocking = tokio::task::spawn_blocking(move || {
                signalled.recv_timeout(Duration::from_secs(10))
            });
            tokio::spawn(async move { _ = signal.send(()) });
            let loop_was_free = blocking.await?.is_ok();
            println!(
                "to_thread: the loop ran another task meanwhile: {}",
                Py(loop_was_free)
            );

            let mut squares = Vec::new();
            let futures: Vec<_> = numbers.iter().map(|&n| threads.submit(square, n)).collect();
            for future in futures {
                squares.push(awaited(future).await?);
            }
            println!("run_in_executor, thread pool: {}", Py(squares));

            let mut squares = Vec::new();
            let futures: Vec<_> = numbers
                .iter()
                .map(|&n| processes.submit(&SQUARE, n))
                .collect();
            for future in futures {
                squares.push(awaited(future).await?);
            }
            println!("run_in_executor, process pool: {}", Py(squares));
            Ok(())
        })
    })
}
