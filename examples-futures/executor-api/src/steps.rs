//! The executor's API, one step per line printed.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use common::event::Event;
use common::futures::{FutureError, ReturnWhen, ThreadPoolExecutor, wait};
use common::pyfmt::Py;

/// A task: returns `n * n` after `gate` is set, or fails for a negative `n`.
fn task(n: i64, gate: &Event) -> Result<i64> {
    gate.wait();
    if n < 0 {
        Err(anyhow!("negative: {n}"))
    } else {
        Ok(n * n)
    }
}

fn show(done: &common::futures::Done) -> String {
    format!("done {:?}, not done {:?}", done.done, done.not_done)
}

/// `wait` three ways, and `add_done_callback`.
pub fn wait_and_callbacks() -> Result<()> {
    let executor = ThreadPoolExecutor::new(3)?;
    let gates = [(); 3].map(|()| Arc::new(Event::new()));
    let [open, fail_now, later] = &gates;
    open.set();
    let submit = |n: i64, gate: &Arc<Event>| {
        let gate = Arc::clone(gate);
        executor.try_submit(move |n| task(n, &gate), n)
    };
    // Task 0 runs at once; task 1 fails once `fail_now` is set; task 2 waits for `later`.
    let mut futures = vec![submit(3, open), submit(-1, fail_now), submit(5, later)];
    let (called, calls) = crossbeam::channel::unbounded();
    futures[0].add_done_callback(move |result| {
        let seen = match result {
            Ok(value) => format!("result() {value}"),
            Err(e) => format!("exception() {e}"),
        };
        _ = called.send(seen);
    });
    let first = wait(&futures, ReturnWhen::FirstCompleted, None);
    println!("wait(FIRST_COMPLETED): {}", show(&first));
    fail_now.set(); // Only now can task 1 fail: the line above is certain.
    let failed = wait(&futures, ReturnWhen::FirstException, None);
    println!("wait(FIRST_EXCEPTION): {}", show(&failed));
    later.set();
    let all = wait(&futures, ReturnWhen::AllCompleted, None);
    println!("wait(ALL_COMPLETED): {}", show(&all));
    println!("add_done_callback: the callback saw {}", calls.recv()?);
    Ok(())
}

/// `exception()`: `None` for a task that succeeded, the error for one that failed.
pub fn exception() -> Result<()> {
    let executor = ThreadPoolExecutor::new(2)?;
    let open = Arc::new(Event::new());
    open.set();
    let mut answers = Vec::new();
    for n in [7, -7] {
        let gate = Arc::clone(&open);
        let mut future = executor.try_submit(move |n| task(n, &gate), n);
        answers.push(match future.exception() {
            None => format!("{n} → None, result() {}", future.result()?),
            Some(FutureError::Raised(why)) => format!("{n} → \"{why}\""),
            Some(other) => format!("{n} → {other:?}"),
        });
    }
    println!("exception(): {}", answers.join("; "));
    Ok(())
}

/// `map` with a timeout: every task waits for a gate that opens only after the timeout has been
/// seen, so the first result cannot come in time, whatever the load; then the same `map` without
/// a timeout.
pub fn map_with_timeout(timeout: Duration) -> Result<()> {
    let executor = ThreadPoolExecutor::new(3)?;
    let gate = Arc::new(Event::new());
    let held = Arc::clone(&gate);
    let square = move |n: i64| {
        held.wait();
        n * n
    };
    let timed: Vec<String> = executor
        .map_timeout(square.clone(), [1, 2, 3], timeout)
        .map(|r| match r {
            Ok(square) => square.to_string(),
            Err(FutureError::Timeout) => "TimeoutError".to_owned(),
            Err(other) => format!("{other:?}"),
        })
        .collect();
    gate.set(); // Lets the held tasks end.
    let squares = executor
        .map(square, [1, 2, 3])
        .collect::<Result<Vec<_>, _>>()?;
    // `Py` prints the float as Python does (`0.05`, `0.0`).
    println!(
        "map(timeout={}): {}; without a timeout: {}",
        Py(&timeout.as_secs_f64()),
        timed.join(", "),
        Py(&squares)
    );
    Ok(())
}
