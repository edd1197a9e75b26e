//! Executors and futures: the counterpart of `concurrent.futures`.
//!
//! [`ThreadPoolExecutor`] runs tasks on a fixed set of threads; [`ProcessPoolExecutor`] runs them in
//! worker processes (the [`pool`](crate::pool) module's workers). Both have Python's shape:
//!
//! - `new(max_workers)`; `submit(f, arg)` returns a [`Future`]; `map(f, items)` yields results in
//!   input order, lazily; [`as_completed`] yields futures in the order they finish, each with its
//!   position in the list it was given.
//! - [`wait`] blocks until the first future is done, the first fails, or all are done
//!   ([`ReturnWhen`]), with an optional timeout.
//! - A [`Future`] has `result()`, `result_timeout(d)`, `exception()`, `add_done_callback(f)`,
//!   `done()` and `cancel()`, which succeeds
//!   while the task has not started. (Python's `ProcessPoolExecutor` is stricter: it moves the
//!   next `max_workers + 1` pending tasks into its call queue ahead of time, and those can no
//!   longer be cancelled. Here a task waits in the parent until a worker is free, so any task not
//!   yet sent can be.)
//! - `shutdown(wait, cancel_futures)` takes the executor by value, so submitting after shutdown,
//!   a `RuntimeError` in Python, does not compile. Dropping an executor is `shutdown(wait = true)`:
//!   the end of a scope is the Rust counterpart of leaving the `with` block.
//!
//! A task that panics fails only its own future, with the panic message. A worker *process* that
//! dies breaks the process pool, as in Python: every unfinished future fails with
//! [`Error::BrokenPool`] at once (Python's `BrokenProcessPool`), and so does every later
//! `submit`'s future, where Python's `submit` raises `BrokenProcessPool` itself. (It is
//! `multiprocessing.Pool`, not the executor, that waits forever when a worker dies; see
//! [`ProcessPool`](crate::pool::ProcessPool).)
//!
//! ```
//! use common::futures::{ThreadPoolExecutor, as_completed};
//!
//! let executor = ThreadPoolExecutor::new(2)?;
//! let futures: Vec<_> = (1..=3).map(|n| executor.submit(|n: u64| n * n, n)).collect();
//! let mut squares: Vec<u64> = as_completed(futures).map(|(_, f)| f.result().unwrap()).collect();
//! squares.sort();
//! assert_eq!(squares, [1, 4, 9]);
//! # Ok::<(), common::Error>(())
//! ```
//!
//! **Not `std::future::Future`.** A [`Future`] here is Python's `concurrent.futures.Future`: a
//! handle on work a pool runs in threads or processes, read with a *blocking* `result()`. Rust's
//! `std::future::Future` is a different thing: a value an async runtime (tokio) polls to make
//! progress, which does nothing unless awaited. This one cannot be `.await`ed; it is finished by the
//! pool whether or not anyone waits.
//!
//! Shown by: `executors`, `as-completed` and `executor-api` (`examples-futures/`).

#[cfg(not(loom))]
mod job_queue;
#[cfg(not(loom))]
mod process_pool;
#[cfg(not(loom))]
mod thread_pool;
#[cfg(not(loom))]
mod worker_slots;

use std::fmt;
use std::sync::PoisonError;

use crate::error::Error;
use std::time::Duration;

// Std and crossbeam, or loom's models of them under `--cfg loom` (see `crate::sync`).
use crate::sync::{Arc, Mutex, MutexGuard, Receiver, RecvTimeoutError, Sender, bounded, unbounded};

#[cfg(not(loom))]
pub use process_pool::ProcessPoolExecutor;
#[cfg(not(loom))]
pub use thread_pool::ThreadPoolExecutor;

/// The eventual result of a submitted task.
#[derive(Debug)]
pub struct Future<R> {
    shared: Arc<Shared<R>>,
    /// Where the result arrives: a one-slot channel, which a waiting `result()` blocks on (after
    /// the short spin crossbeam does first), and which costs nothing when nobody waits.
    result: Receiver<Result<R, Error>>,
    /// The result, once `exception` or `add_done_callback` took it off the channel to look at it.
    taken: Option<Result<R, Error>>,
    /// A process-pool task's reply that a waiting `result()` may read itself, sparing two
    /// thread hand-offs (see [`ReplyReader`]); `None` for every other future.
    reply: Option<Box<dyn ReplyReader>>,
}

/// A task's reply that the thread waiting for it may read itself: a process-pool task that
/// `submit` wrote straight to an idle worker. The executor's thread reads it instead once told
/// to with `leave`, so the future is finished whether or not anyone waits, as in Python.
trait ReplyReader: Send + Sync + fmt::Debug {
    /// Reads the reply and finishes the future with it, unless another thread already has it
    /// (and then finishes the future) or the future is finished.
    fn read(&self);
    /// Leaves the reply to the executor's thread: nobody here will read it.
    fn leave(&self);
}

/// A function to call with a future's result when it is done.
type Callback<R> = Box<dyn FnOnce(&Result<R, Error>) + Send>;

/// What a [`Future`] and the executor running its task share.
struct Shared<R> {
    inner: Mutex<Inner<R>>,
    result: Sender<Result<R, Error>>,
}

impl<R> fmt::Debug for Shared<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

struct Inner<R> {
    state: State,
    /// Whether `cancel` ended it (Python's `cancelled()`).
    cancelled: bool,
    /// Whether it finished with an error (what `wait(FirstException)` looks for).
    failed: bool,
    /// `as_completed` iterators to tell, with the future's position in their list.
    watchers: Vec<(Sender<usize>, usize)>,
    /// Added while the future was unfinished; called, then dropped, when it finishes. (Under the
    /// same lock as the state: finishing takes one lock, not two.)
    callbacks: Vec<Callback<R>>,
}

impl<R> fmt::Debug for Inner<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("state", &self.state)
            .field("cancelled", &self.cancelled)
            .field("failed", &self.failed)
            .field("watchers", &self.watchers.len())
            .field("callbacks", &self.callbacks.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Queued,
    Running,
    Finished,
}

impl<R> Future<R> {
    /// A future for a task about to be queued, and the executor's handle on it.
    fn queued() -> (Self, Arc<Shared<R>>) {
        let (sender, result) = bounded(1);
        let inner = Inner {
            state: State::Queued,
            cancelled: false,
            failed: false,
            watchers: Vec::new(),
            callbacks: Vec::new(),
        };
        let shared = Arc::new(Shared {
            inner: Mutex::new(inner),
            result: sender,
        });
        let future = Future {
            shared: Arc::clone(&shared),
            result,
            taken: None,
            reply: None,
        };
        (future, shared)
    }

    /// A future that has already failed.
    fn failed(error: Error) -> Self {
        let (future, shared) = Self::queued();
        shared.finish(Err(error));
        future
    }

    /// Waits for the task and returns its result (Python's `future.result()`).
    pub fn result(mut self) -> Result<R, Error> {
        self.take()
    }

    /// The result, off the channel or from where `exception` left it; first read off the
    /// worker's socket by this thread, where it may.
    fn take(&mut self) -> Result<R, Error> {
        if let Some(reply) = self.reply.take() {
            reply.read();
        }
        match self.taken.take() {
            Some(result) => result,
            None => self
                .result
                .recv()
                .expect("the future holds the sender through `shared`"),
        }
    }

    /// Waits for the task; returns its error, or `None` if it succeeded (Python's
    /// `future.exception()`, which also waits, and raises `CancelledError` where this returns
    /// `Some(&Error::Cancelled)`). The result stays for `result()`.
    pub fn exception(&mut self) -> Option<&Error> {
        let result = self.take();
        self.taken.insert(result).as_ref().err()
    }

    /// Calls `f` with the result once the task is done (Python's
    /// `future.add_done_callback(f)`): at once, in this thread, if it already is; otherwise in the
    /// thread that finishes it, as in Python. Callbacks run in the order they were added. A
    /// callback that panics is reported on stderr and ignored, as Python logs and ignores an
    /// exception raised in one.
    pub fn add_done_callback(&mut self, f: impl FnOnce(&Result<R, Error>) + Send + 'static) {
        self.leave();
        let mut inner = self.shared.lock();
        if inner.state != State::Finished {
            // Under `inner`'s lock: `settle` marks the future finished under it, then calls.
            inner.callbacks.push(Box::new(f));
            return;
        }
        drop(inner);
        let result = self.take();
        call_back(Box::new(f), &result);
        self.taken = Some(result);
    }

    /// Waits at most `timeout` for the result (Python's `future.result(timeout=…)`).
    ///
    /// On [`Error::Timeout`] the task goes on running; only the wait is over.
    pub fn result_timeout(mut self, timeout: Duration) -> Result<R, Error> {
        self.leave(); // The executor's thread reads it: this wait may end first.
        if let Some(result) = self.taken.take() {
            return result;
        }
        match self.result.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout("the task".into())),
            Err(RecvTimeoutError::Disconnected) => unreachable!("the future holds the sender"),
        }
    }

    /// Whether the task has finished, failed, or been cancelled (Python's `future.done()`).
    pub fn done(&self) -> bool {
        self.leave();
        self.shared.lock().state == State::Finished
    }

    /// Cancels the task if it has not started; returns whether it is cancelled
    /// (Python's `future.cancel()`). A cancelled task never runs.
    pub fn cancel(&self) -> bool {
        self.shared.cancel()
    }

    /// Leaves the reply, if this thread could have read it, to the executor's thread: for every
    /// way of waiting but `result` and `exception`, and for a future dropped unread.
    fn leave(&self) {
        if let Some(reply) = &self.reply {
            reply.leave();
        }
    }
}

impl<R> Drop for Future<R> {
    fn drop(&mut self) {
        self.leave();
    }
}

/// How an executor drives a future whose result type it does not know.
trait Control: Send + Sync {
    /// Marks the task running; `false` if it was cancelled and must not run.
    fn start(&self) -> bool;
    /// Cancels the task if it has not started.
    fn cancel(&self) -> bool;
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, Inner<R>> {
        // Every update of `Inner` is a single assignment, so a panic cannot leave it half-done.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the result and tells whoever waits for it. A second result is ignored.
    fn finish(&self, result: Result<R, Error>) {
        let inner = self.lock();
        if inner.state != State::Finished {
            self.settle(inner, result);
        }
    }

    /// Marks the future finished, under the lock the caller checked its state with, then hands
    /// out the result.
    fn settle(&self, mut inner: MutexGuard<'_, Inner<R>>, result: Result<R, Error>) {
        inner.state = State::Finished;
        inner.failed = result.is_err();
        let watchers = std::mem::take(&mut inner.watchers);
        // No callback can be added from now on: `add_done_callback` sees the state first.
        let callbacks = std::mem::take(&mut inner.callbacks);
        drop(inner); // Callbacks run outside the lock: a panicking one cannot poison it.
        for callback in callbacks {
            call_back(callback, &result);
        }
        _ = self.result.try_send(result); // The slot is free: this is the only send.
        for (watcher, position) in watchers {
            _ = watcher.send(position); // The iterator may have been dropped: nobody to tell.
        }
    }

    /// Tells `watcher` when the future is done (at once if it is).
    fn watch(&self, watcher: Sender<usize>, position: usize) {
        let mut inner = self.lock();
        if inner.state == State::Finished {
            _ = watcher.send(position); // The receiver is alive: the caller holds it.
        } else {
            inner.watchers.push((watcher, position));
        }
    }

    fn start(&self) -> bool {
        let mut inner = self.lock();
        let queued = inner.state == State::Queued;
        if queued {
            inner.state = State::Running;
        }
        queued
    }

    fn cancel(&self) -> bool {
        let mut inner = self.lock();
        match inner.state {
            State::Queued => {
                inner.cancelled = true;
                self.settle(inner, Err(Error::Cancelled)); // Under the same lock: `start` can't slip in.
                true
            }
            State::Finished => inner.cancelled,
            State::Running => false,
        }
    }
}

impl<R: Send> Control for Shared<R> {
    fn start(&self) -> bool {
        Shared::start(self)
    }

    fn cancel(&self) -> bool {
        Shared::cancel(self)
    }
}

/// Runs a done-callback; a panic in it is reported and goes no further.
fn call_back<R>(callback: Callback<R>, result: &Result<R, Error>) {
    let call = std::panic::AssertUnwindSafe(|| callback(result));
    if let Err(payload) = std::panic::catch_unwind(call) {
        eprintln!(
            "a done-callback panicked: {}",
            crate::panic::message(&*payload)
        );
    }
}

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future is done.
    FirstCompleted,
    /// As soon as any future fails; if none does, when all are done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// Which of the futures given to [`wait`] are done, and which not, by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// Finished, failed or cancelled.
    pub done: Vec<usize>,
    /// Queued or running.
    pub not_done: Vec<usize>,
}

/// Blocks until `return_when` holds for `futures`, or `timeout` passes (Python's
/// `wait(fs, timeout, return_when)`); returns the positions of the done and the not-done futures
/// (Python returns two sets of futures). The futures stay with the caller.
pub fn wait<R>(futures: &[Future<R>], return_when: ReturnWhen, timeout: Option<Duration>) -> Done {
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    let (watcher, finished) = unbounded();
    for (position, future) in futures.iter().enumerate() {
        future.leave();
        future.shared.watch(watcher.clone(), position);
    }
    loop {
        let states: Vec<(bool, bool)> = futures
            .iter()
            .map(|f| {
                let inner = f.shared.lock();
                (
                    inner.state == State::Finished,
                    inner.failed && !inner.cancelled,
                )
            })
            .collect();
        let all = states.iter().all(|&(done, _)| done);
        let enough = match return_when {
            ReturnWhen::FirstCompleted => {
                states.iter().any(|&(done, _)| done) || futures.is_empty()
            }
            ReturnWhen::FirstException => all || states.iter().any(|&(_, failed)| failed),
            ReturnWhen::AllCompleted => all,
        };
        let woke = || match deadline {
            None => finished.recv().is_ok(),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                finished.recv_timeout(left).is_ok()
            }
        };
        if enough || !woke() {
            let (done, not_done): (Vec<usize>, Vec<usize>) =
                (0..futures.len()).partition(|&i| states[i].0);
            return Done { done, not_done };
        }
    }
}

/// Yields `futures` in the order they finish (Python's `as_completed(futures)`), each with its
/// position in `futures`: the counterpart of the dict from future to argument Python code keeps.
pub fn as_completed<R>(futures: impl IntoIterator<Item = Future<R>>) -> AsCompleted<R> {
    let (watcher, finished) = unbounded();
    let futures: Vec<Option<Future<R>>> = futures.into_iter().map(Some).collect();
    for (position, future) in futures.iter().enumerate() {
        let future = future.as_ref().expect("all present");
        future.leave();
        future.shared.watch(watcher.clone(), position);
    }
    AsCompleted { futures, finished }
}

/// The iterator [`as_completed`] returns.
#[derive(Debug)]
pub struct AsCompleted<R> {
    futures: Vec<Option<Future<R>>>,
    finished: Receiver<usize>,
}

impl<R> Iterator for AsCompleted<R> {
    type Item = (usize, Future<R>);

    fn next(&mut self) -> Option<(usize, Future<R>)> {
        if self.futures.iter().all(Option::is_none) {
            return None;
        }
        let position = self
            .finished
            .recv()
            .expect("each unfinished future holds a sender");
        Some((position, self.futures[position].take()?))
    }
}

/// Model checks of a future's hand-off, run by `make loom`: loom runs each body under every
/// interleaving of its threads that matters, so a lost wake-up or a double result cannot hide
/// behind lucky scheduling.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use loom::thread;

    use super::*;

    /// submit → run → result: the waiting caller always gets the result.
    #[test]
    fn a_result_is_never_lost() {
        loom::model(|| {
            let (future, shared) = Future::<u32>::queued();
            let worker = thread::spawn(move || {
                if shared.start() {
                    shared.finish(Ok(7));
                }
            });
            assert_eq!(future.result().unwrap(), 7);
            worker.join().unwrap();
        });
    }

    /// cancel before start: exactly one of them wins; a cancelled task never runs.
    #[test]
    fn cancel_and_start_never_both_win() {
        loom::model(|| {
            let (future, shared) = Future::<u32>::queued();
            let ran = Arc::new(AtomicBool::new(false));
            let worker = {
                let ran = Arc::clone(&ran);
                thread::spawn(move || {
                    if shared.start() {
                        ran.store(true, SeqCst);
                        shared.finish(Ok(1));
                    }
                })
            };
            let cancelled = future.cancel();
            worker.join().unwrap();
            assert_eq!(ran.load(SeqCst), !cancelled);
            match future.result() {
                Err(e) => assert!(cancelled && e.is_cancelled(), "{e}"),
                Ok(value) => assert!(!cancelled && value == 1),
            }
        });
    }

    /// as_completed, registering while the futures finish: each is yielded exactly once.
    #[test]
    fn as_completed_hears_every_finish_once() {
        loom::model(|| {
            let (first, first_shared) = Future::<u32>::queued();
            let (second, second_shared) = Future::<u32>::queued();
            let worker = thread::spawn(move || {
                first_shared.finish(Ok(1));
                second_shared.finish(Ok(2));
            });
            let mut seen: Vec<usize> = as_completed([first, second]).map(|(p, _)| p).collect();
            seen.sort_unstable();
            assert_eq!(seen, [0, 1]);
            worker.join().unwrap();
        });
    }
}
