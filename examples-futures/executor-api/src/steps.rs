//! The executor's API, one step per line printed.

use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use common::cli::Millis;
use common::event::Event;
use common::futures::{ReturnWhen, ThreadPoolExecutor, wait};
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
            Some(common::Error::Raised(why)) => format!("{n} → \"{}\"", why.message),
            Some(other) => format!("{n} → {other:?}"),
        });
    }
    println!("exception(): {}", answers.join("; "));
    Ok(())
}

/// `map` with a timeout, on one worker: the first item runs (held until the timeout has been
/// seen) and the two queued behind it are cancelled when the timeout is raised, as CPython's
/// `map` cancels every future it has not yielded; then the same map without a timeout.
pub fn map_with_timeout(timeout: Millis) -> Result<()> {
    let (gate, started) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let ran = Arc::new(Mutex::new(Vec::new()));
    let square = {
        let (gate, started, ran) = (gate.clone(), started.clone(), ran.clone());
        move |n: i64| {
            ran.lock().unwrap_or_else(|e| e.into_inner()).push(n);
            started.set();
            gate.wait();
            n * n
        }
    };
    let items = [1, 2, 3];
    let timed: Vec<String> = {
        let one_worker = ThreadPoolExecutor::new(1)?;
        let results = one_worker.map_timeout(square.clone(), items, timeout.duration());
        started.wait(); // The first item runs; the other two wait behind it.
        let timed = results
            .map(|r| match r {
                Ok(square) => square.to_string(),
                Err(e) if e.is_timeout() => "TimeoutError".to_owned(),
                Err(other) => format!("{other:?}"),
            })
            .collect();
        gate.set(); // Lets the running item end; dropping `one_worker` joins its thread.
        timed
    };
    let ran = ran.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let cancelled: Vec<i64> = items.into_iter().filter(|n| !ran.contains(n)).collect();
    let squares = ThreadPoolExecutor::new(3)?
        .map(square, items)
        .collect::<Result<Vec<_>, _>>()?;
    // `Py` prints the float as Python does (`0.05`, `0.0`), from the same `ms / 1000`.
    println!(
        "map(timeout={}): {}; ran {}, cancelled {}; without a timeout: {}",
        Py(&timeout.python_seconds()),
        timed.join(", "),
        Py(&ran),
        Py(&cancelled),
        Py(&squares)
    );
    Ok(())
}
