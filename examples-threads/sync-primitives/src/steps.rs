//! One function per primitive; each returns what its line prints.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use common::event::Event;
use common::panic::join_scoped;
use common::semaphore::Semaphore;
use common::timer::Timer;

/// `n` threads wait for one event; returns how many were released.
pub fn event(n: usize) -> Result<usize> {
    let (go, released) = (Event::new(), AtomicUsize::new(0));
    thread::scope(|s| {
        let waiters: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    go.wait();
                    released.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        go.set();
        waiters.into_iter().try_for_each(join_scoped)
    })?;
    Ok(released.into_inner())
}

/// `3n` workers share `n` permits; inside, each waits at a barrier of `n`, so `n` are certainly
/// inside together. Returns the most seen inside at once.
pub fn semaphore(n: usize) -> Result<usize> {
    let (permits, together) = (Semaphore::new(n), Barrier::new(n));
    let (inside, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
    thread::scope(|s| {
        let workers: Vec<_> = (0..3 * n)
            .map(|_| {
                s.spawn(|| {
                    let _permit = permits.acquire(); // Given back when `_permit` drops.
                    most.fetch_max(inside.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    together.wait(); // Only `n` can be here, and the barrier waits for `n`.
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        workers.into_iter().try_for_each(join_scoped)
    })?;
    Ok(most.into_inner())
}

/// `n` threads count themselves in, then meet at a barrier; returns the smallest count any
/// thread saw after it (always `n`: nobody passes before everyone arrived).
pub fn barrier(n: usize) -> Result<usize> {
    let (arrived, all_here) = (AtomicUsize::new(0), Barrier::new(n));
    thread::scope(|s| {
        let threads: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    all_here.wait();
                    arrived.load(Ordering::SeqCst)
                })
            })
            .collect();
        let seen = threads
            .into_iter()
            .map(join_scoped)
            .collect::<common::Result<Vec<_>>>()?;
        Ok(seen.into_iter().min().unwrap_or(0))
    })
}

/// A producer hands `1..=count` to a consumer through a one-slot buffer guarded by a condition
/// variable; returns what the consumer received, in order.
pub fn condition(count: u32) -> Result<Vec<u32>> {
    let (slot, changed) = (Mutex::new(None::<u32>), Condvar::new());
    thread::scope(|s| {
        s.spawn(|| {
            for n in 1..=count {
                let slot = slot.lock().expect("no panic while held");
                let mut slot = changed
                    .wait_while(slot, |v| v.is_some())
                    .expect("no panic while held");
                *slot = Some(n); // `with cond: cond.wait_for(lambda: slot is None)`, then fill it.
                changed.notify_all();
            }
        });
        let consumer = s.spawn(|| {
            (0..count)
                .map(|_| {
                    let slot = slot.lock().expect("no panic while held");
                    let mut slot = changed
                        .wait_while(slot, |v| v.is_none())
                        .expect("no panic while held");
                    let n = slot.take().expect("woken with a value");
                    changed.notify_all();
                    n
                })
                .collect()
        });
        Ok(join_scoped(consumer)?)
    })
}

/// A timer that fires after `delay`, and one cancelled before its time; returns how long the
/// first took and whether the second fired.
pub fn timer(delay: Duration) -> (Duration, bool) {
    let started = Instant::now();
    let fired_at = Arc::new(Mutex::new(None));
    let at = Arc::clone(&fired_at);
    Timer::start(delay, move || {
        *at.lock().expect("no panic while held") = Some(started.elapsed())
    })
    .join();
    let fired_after = fired_at
        .lock()
        .expect("no panic while held")
        .unwrap_or_default();

    let fired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&fired);
    Timer::start(delay + Duration::from_secs(3600), move || {
        flag.store(true, Ordering::SeqCst)
    })
    .cancel();
    (fired_after, fired.load(Ordering::SeqCst))
}
