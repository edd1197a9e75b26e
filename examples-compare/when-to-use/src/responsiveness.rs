//! The notes' "improve responsiveness (e.g. GUI apps)": a main loop that must report progress
//! every frame, while a long computation runs inline (the loop stalls) or in a worker thread
//! (the loop keeps its rhythm). The measure is the longest pause between two reports.
//!
//! Here the loop wakes every frame on purpose: the frame is what a GUI redraws at, not a way of
//! waiting for the worker, whose end arrives on a channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::workloads::darts;

/// How often the loop reports progress (a 100 Hz display).
pub const FRAME: Duration = Duration::from_millis(10);

/// Records the longest time between two calls of `report`.
struct Pauses {
    last: Instant,
    longest: Duration,
}

impl Pauses {
    fn new() -> Self {
        Pauses {
            last: Instant::now(),
            longest: Duration::ZERO,
        }
    }

    fn report(&mut self) {
        let now = Instant::now();
        self.longest = self.longest.max(now - self.last);
        self.last = now;
    }
}

/// The work: `slices` slices of Monte Carlo darts, counting slices done in `progress`.
fn work(slices: u64, samples: u64, progress: &AtomicU64) -> u64 {
    (0..slices)
        .map(|seed| {
            let hits = darts((samples, seed));
            progress.fetch_add(1, Ordering::Relaxed);
            hits
        })
        .sum()
}

/// The longest pause of the loop, in seconds, with the work done inline and in a worker thread.
/// `show` is called with the percentage done at each report.
pub fn longest_pauses(samples: u64, show: &dyn Fn(u64)) -> Result<(f64, f64)> {
    const SLICES: u64 = 100;
    let progress = AtomicU64::new(0);

    // Inline: the loop's handler runs the whole computation, then the loop reports again.
    let mut inline = Pauses::new();
    let inline_hits = work(SLICES, samples / SLICES, &progress);
    show(progress.load(Ordering::Relaxed) * 100 / SLICES);
    inline.report();

    // A worker thread: the loop reports every frame until the result arrives.
    progress.store(0, Ordering::Relaxed);
    let mut threaded = Pauses::new();
    let threaded_hits = thread::scope(|s| {
        let (done, result) = mpsc::channel();
        let progress = &progress;
        s.spawn(move || done.send(work(SLICES, samples / SLICES, progress)));
        loop {
            match result.recv_timeout(FRAME) {
                Ok(hits) => break Ok(hits),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    show(progress.load(Ordering::Relaxed) * 100 / SLICES);
                    threaded.report();
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break Err(anyhow!("the worker died")),
            }
        }
    })?;
    threaded.report();
    anyhow::ensure!(
        inline_hits == threaded_hits,
        "inline and threaded work disagree"
    );
    Ok((inline.longest.as_secs_f64(), threaded.longest.as_secs_f64()))
}
