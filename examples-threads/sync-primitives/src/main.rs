//! Beyond the notes: `threading`'s other synchronization tools, one step each.
//!
//! - `Event` ↔ `common::event::Event` (std has the parts, `Mutex<bool>` + `Condvar`, not the whole).
//! - `Semaphore` ↔ `common::semaphore::Semaphore` (std has none); a permit is given back on drop.
//! - `Barrier` ↔ `std::sync::Barrier`; `Condition` ↔ `std::sync::Condvar` with its `Mutex`.
//! - `Timer` ↔ `common::timer::Timer`.
//!
//! Each step's line is certain by construction, not by timing: the semaphore's workers meet at a
//! barrier of its size while inside, so exactly that many are inside at once, and the semaphore
//! lets no more in.
//!
//! Run: `cargo run -p sync-primitives` prints six lines (`event: …` to `timer: …`).

mod steps;

use clap::Parser;
use common::cli;

/// Show Event, Semaphore, Barrier, Condition and Timer at work.
#[derive(Parser)]
#[command(
    version,
    after_help = "Beyond the notes: threading's synchronization primitives. Source: examples-threads/sync-primitives/src/main.rs; Python twin: examples-threads/sync-primitives/sync_primitives.py."
)]
struct Args {
    /// Threads for each step (1 to 64; the semaphore step runs three times as many).
    #[arg(allow_negative_numbers = true, long, default_value_t = 3, value_parser = cli::whole(1u64, 64))]
    threads: u64,
    /// The timer's delay.
    #[arg(allow_negative_numbers = true, long, default_value = "50")]
    timer_ms: cli::Millis,
}

fn main() -> std::process::ExitCode {
    let args = cli::parse::<Args>();
    let n = args.threads as usize;
    cli::run(|| {
        println!("event: {} waiters released by one set()", steps::event(n)?);
        println!(
            "semaphore({n}): {} workers, at most {} inside at once",
            3 * n,
            steps::semaphore(n)?
        );
        println!(
            "barrier: each of {n} threads saw {} arrivals before going on",
            steps::barrier(n)?
        );
        println!(
            "condition: {:?} through a one-slot buffer",
            steps::condition(5)?
        );
        let delay = args.timer_ms.duration();
        let (fired_after, cancelled_fired) = steps::timer(delay);
        let verdict = if fired_after >= delay {
            "at least"
        } else {
            "BEFORE"
        };
        println!("timer: fired after {verdict} {} ms", delay.as_millis());
        println!(
            "timer: cancelled in time, {}",
            if cancelled_fired {
                "fired anyway"
            } else {
                "never fired"
            }
        );
        Ok(())
    })
}
