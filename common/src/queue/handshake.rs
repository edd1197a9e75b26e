//! The ring's one synchronization between processes: a writer that needs space the reader has not
//! released yet waits for it, and is always woken. The argument is in `RING.md`, beside this file;
//! `make loom` checks the model below under every interleaving loom tries.
//!
//! Two counters in the ring's shared header, and one wake-up channel (an eventfd):
//!
//! - `tail`: how far the reader has released the ring. Only the reader stores it.
//! - `waiting`: 1 while a writer is about to sleep, or sleeping, for space.
//!
//! The functions are generic over the counter ([`Counter`]) and the wake-up ([`Wakeup`]) so that
//! the code the ring runs is the code the loom model runs: std atomics in shared memory and an
//! eventfd in the ring; loom's atomics and a condition variable in the model.

use std::sync::atomic::{AtomicU64, Ordering, fence};

use crate::error::Result;

/// A counter in the ring's header: stores release, loads acquire, and [`Counter::fence`] is a
/// `SeqCst` fence. The handshake is a store, then a load, on each side (Dekker's pattern): only
/// a fence between them on both sides forbids both loads missing both stores (acquire/release
/// alone would allow it). Fences rather than `SeqCst` accesses: the C++ model (and Rust's) gives
/// both the same guarantee here, but loom models only the fences (it treats `SeqCst` loads and
/// stores as acquire/release, and finds this very deadlock in them).
pub(crate) trait Counter {
    fn get(&self) -> u64;
    fn set(&self, value: u64);
    fn fence();
}

/// [`Counter`] for an atomic type with std's API and the `SeqCst` fence that goes with it: std's
/// for the ring, loom's for the model.
macro_rules! counter {
    ($atomic:ty, $fence:path) => {
        impl Counter for $atomic {
            fn get(&self) -> u64 {
                self.load(Ordering::Acquire)
            }
            fn set(&self, value: u64) {
                self.store(value, Ordering::Release);
            }
            fn fence() {
                $fence(Ordering::SeqCst);
            }
        }
    };
}

counter!(AtomicU64, fence);

/// How the reader wakes a waiting writer: a counter that stays readable once written until it is
/// reset (an eventfd), so a wake-up sent before the writer sleeps is not lost.
pub(crate) trait Wakeup {
    /// Reader: make it readable.
    fn wake(&self) -> Result<()>;
    /// Writer: block until it is readable; an error if the reader is gone.
    fn sleep(&self) -> Result<()>;
    /// Writer: make it unreadable again (a stale wake-up only costs one more look).
    fn reset(&self);
}

/// Reader, after copying out a message: releases the ring up to `end`, then wakes the writer if
/// one said it waits.
pub(crate) fn release<C: Counter>(
    tail: &C,
    waiting: &C,
    end: u64,
    wakeup: &impl Wakeup,
) -> Result<()> {
    tail.set(end); // Also publishes the copy-out: the writer reads `tail` before reusing the space.
    C::fence();
    if waiting.get() != 0 {
        wakeup.wake()?;
    }
    Ok(())
}

/// Writer, holding the queue's lock (so it is the only writer that waits): returns once the reader
/// has released the ring up to `needed`, or fails if the reader is gone.
pub(crate) fn wait_for<C: Counter>(
    tail: &C,
    waiting: &C,
    needed: u64,
    wakeup: &impl Wakeup,
) -> Result<()> {
    loop {
        // Say we wait *before* looking again: a release after the look then sees the flag.
        waiting.set(1);
        C::fence();
        if tail.get() >= needed {
            waiting.set(0);
            return Ok(());
        }
        let slept = wakeup.sleep();
        waiting.set(0);
        slept?;
        wakeup.reset();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::{AtomicU64, Ordering};
    use loom::sync::{Arc, Condvar, Mutex};
    use loom::thread;

    use super::*;

    counter!(AtomicU64, loom::sync::atomic::fence);

    /// An eventfd: a count that wakes sleepers while above zero.
    #[derive(Default)]
    struct EventFd {
        count: Mutex<u64>,
        readable: Condvar,
    }

    impl Wakeup for EventFd {
        fn wake(&self) -> Result<()> {
            *self.count.lock().unwrap() += 1;
            self.readable.notify_all();
            Ok(())
        }
        fn sleep(&self) -> Result<()> {
            let mut count = self.count.lock().unwrap();
            while *count == 0 {
                count = self.readable.wait(count).unwrap();
            }
            Ok(())
        }
        fn reset(&self) {
            *self.count.lock().unwrap() = 0;
        }
    }

    /// A one-message ring: the reader copies out message 1, then releases; the writer waits for
    /// the space, then writes message 2 over it.
    struct Ring {
        tail: AtomicU64,
        waiting: AtomicU64,
        space: EventFd,
        data: UnsafeCell<u8>,
    }

    fn ring() -> Arc<Ring> {
        Arc::new(Ring {
            tail: AtomicU64::new(0),
            waiting: AtomicU64::new(0),
            space: EventFd::default(),
            data: UnsafeCell::new(1),
        })
    }

    /// Never a lost wake-up (loom fails a model in which the writer sleeps forever: a deadlock),
    /// and never a write over bytes the reader is still copying (loom fails a model in which the
    /// two accesses to `data` are not ordered).
    #[test]
    fn a_waiting_writer_is_always_woken_and_never_overwrites_unread_bytes() {
        loom::model(|| {
            let ring = ring();
            let reader = {
                let ring = Arc::clone(&ring);
                thread::spawn(move || {
                    // SAFETY: what the model checks: no write to `data` is unordered with this.
                    let copied = ring.data.with(|bytes| unsafe { *bytes });
                    release(&ring.tail, &ring.waiting, 1, &ring.space).unwrap();
                    copied
                })
            };
            wait_for(&ring.tail, &ring.waiting, 1, &ring.space).unwrap();
            // SAFETY: what the model checks: the reader's copy-out happened before this.
            ring.data.with_mut(|bytes| unsafe { *bytes = 2 });
            assert_eq!(
                reader.join().unwrap(),
                1,
                "the reader copied message 1 whole"
            );
        });
    }

    /// Two releases while a writer waits twice (for the first and the second message's space):
    /// a stale wake-up from the first costs a look, never a missed second.
    #[test]
    fn a_stale_wake_up_never_hides_the_next() {
        loom::model(|| {
            let ring = ring();
            let reader = {
                let ring = Arc::clone(&ring);
                thread::spawn(move || {
                    release(&ring.tail, &ring.waiting, 1, &ring.space).unwrap();
                    release(&ring.tail, &ring.waiting, 2, &ring.space).unwrap();
                })
            };
            wait_for(&ring.tail, &ring.waiting, 1, &ring.space).unwrap();
            wait_for(&ring.tail, &ring.waiting, 2, &ring.space).unwrap();
            reader.join().unwrap();
        });
    }

    /// The model can fail: a reader that releases without looking at `waiting` (no wake-up) leaves
    /// a writer that went to sleep asleep for good, and loom finds that interleaving.
    #[test]
    #[should_panic]
    fn without_the_wake_up_a_writer_can_sleep_forever() {
        loom::model(|| {
            let ring = ring();
            let reader = {
                let ring = Arc::clone(&ring);
                thread::spawn(move || ring.tail.set(1))
            };
            wait_for(&ring.tail, &ring.waiting, 1, &ring.space).unwrap();
            reader.join().unwrap();
        });
    }
}
