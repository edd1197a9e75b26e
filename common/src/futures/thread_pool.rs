//! `ThreadPoolExecutor`: tasks run on a fixed set of threads fed by a crossbeam channel.
//!
//! **What a task costs.** `submit` allocates the task's closure and its [`Future`] (a small shared
//! record and a one-slot channel) and sends one message; `result()` receives from the one-slot
//! channel. `map` makes no future per item: it sends the items down one channel of its own, in
//! chunks of up to 64, and queues one helper job per thread, which take chunks from it until it is
//! empty and send each chunk's results back with its first position; the iterator puts them in
//! input order. Python's `map` makes one future per item; the results and their order are the
//! same, and an item still fails, panics or is cancelled on its own.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crossbeam::channel::{Receiver, RecvTimeoutError};

use crate::error::{Error, Raised, Refusal, Result};

use super::job_queue::{Job, JobQueue};
use super::{Control, Future};

/// Runs tasks on `max_workers` threads (Python's `concurrent.futures.ThreadPoolExecutor`).
#[derive(Debug)]
pub struct ThreadPoolExecutor {
    queue: JobQueue<ThreadJob>,
    threads: usize,
}

struct ThreadJob {
    control: Arc<dyn Control>,
    /// Runs the task and records its result in the future.
    run: Box<dyn FnOnce() + Send>,
}

impl Job for ThreadJob {
    fn control(&self) -> &dyn Control {
        &*self.control
    }
}

impl ThreadPoolExecutor {
    /// Starts `max_workers` threads.
    pub fn new(max_workers: usize) -> Result<Self> {
        if max_workers == 0 {
            return Err(Error::refused(
                Refusal::Invalid,
                "an executor needs at least one worker",
            ));
        };
        let bodies = (0..max_workers).map(|_| {
            |jobs: crossbeam::channel::Receiver<ThreadJob>| {
                for job in jobs {
                    if job.control.start() {
                        (job.run)();
                    }
                }
            }
        });
        Ok(Self {
            queue: JobQueue::start("thread-pool", bodies)?,
            threads: max_workers,
        })
    }

    /// Queues `f(arg)` and returns its future (Python's `executor.submit(f, arg)`).
    ///
    /// Whatever `f` returns is the result, an `Err` too; for a task whose `Err` should fail its
    /// future, as an exception does in Python, use [`try_submit`](Self::try_submit).
    pub fn submit<T, R, F>(&self, f: F, arg: T) -> Future<R>
    where
        F: FnOnce(T) -> R + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        self.queue_task(move |arg| Ok(f(arg)), arg)
    }

    /// Queues a fallible `f(arg)`: an `Err` fails the future with [`Error::Raised`], which
    /// `result()` returns and `exception()` and `wait(FirstException)` see (Python's `submit` of a
    /// function that raises).
    pub fn try_submit<T, R, E, F>(&self, f: F, arg: T) -> Future<R>
    where
        F: FnOnce(T) -> Result<R, E> + Send + 'static,
        E: std::fmt::Display,
        T: Send + 'static,
        R: Send + 'static,
    {
        // `{:#}`: an `anyhow::Error` shows its whole chain, as it would when printed.
        self.queue_task(
            move |arg| {
                f(arg).map_err(|e| Error::Raised(Box::new(Raised::new(format!("{e:#}"), false))))
            },
            arg,
        )
    }

    fn queue_task<T, R, F>(&self, f: F, arg: T) -> Future<R>
    where
        F: FnOnce(T) -> Result<R, Error> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let (future, shared) = Future::queued();
        let finish = Arc::clone(&shared);
        let run = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(|| f(arg)))
                .map_err(|payload| panicked(&*payload, None))
                .and_then(|result| result);
            finish.finish(result);
        });
        self.queue.push(ThreadJob {
            control: shared,
            run,
        });
        future
    }

    /// Queues `f(item)` for every item and yields the results in input order as they are needed
    /// (Python's `executor.map(f, items)`). Dropping the iterator early cancels the items not
    /// yet started, as closing Python's generator does.
    pub fn map<T, R, F>(&self, f: F, items: impl IntoIterator<Item = T>) -> MapResults<R>
    where
        F: Fn(T) -> R + Send + Sync + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let items = items.into_iter();
        // Items go out in chunks, and results come back in chunks, so that a long map keeps
        // about 8 bytes a `u64` item in flight instead of a channel slot and an index each. A
        // chunk is small enough for every thread to get several (a quarter of an even share, at
        // most `MAX_CHUNK`); with no size hint, each item is its own chunk.
        let hint = items.size_hint().0;
        let chunk = (hint / (4 * self.threads)).clamp(1, MAX_CHUNK);
        let (queued, items_left) = crossbeam::channel::unbounded::<(usize, Vec<T>)>();
        let mut count = 0;
        let mut pending = Vec::with_capacity(chunk);
        for item in items {
            pending.push(item);
            count += 1;
            if pending.len() == chunk {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(chunk));
                _ = queued.send((count - full.len(), full)); // The receiver is held just below.
            }
        }
        if !pending.is_empty() {
            _ = queued.send((count - pending.len(), pending));
        }
        drop(queued);
        let (done, results) = crossbeam::channel::unbounded();
        let cancelled = Arc::new(AtomicBool::new(false));
        let f = Arc::new(f);
        for _ in 0..self.threads.min(count) {
            let (items_left, done, f) = (items_left.clone(), done.clone(), Arc::clone(&f));
            let control = Arc::new(MapControl(Arc::clone(&cancelled)));
            let flag = Arc::clone(&cancelled);
            let run = Box::new(move || {
                for (start, chunk) in items_left.try_iter() {
                    let mut results = Chunk::with_capacity(chunk.len());
                    for (item, index) in chunk.into_iter().zip(start..) {
                        if flag.load(Relaxed) {
                            results.push(Err(Error::Cancelled));
                            continue;
                        }
                        results.push(
                            catch_unwind(AssertUnwindSafe(|| f(item)))
                                .map_err(|payload| panicked(&*payload, Some(index))),
                        );
                    }
                    if done.send((start, results)).is_err() {
                        return; // The iterator is gone: nobody wants the rest.
                    }
                }
            });
            self.queue.push(ThreadJob { control, run });
        }
        MapResults {
            results,
            current: Chunk::with_capacity(0).into_iter(),
            early: BTreeMap::new(),
            next: 0,
            count,
            ended: false,
            cancelled,
            deadline: None,
        }
    }

    /// [`map`](Self::map) whose results must all arrive within `timeout` of this call (Python's
    /// `executor.map(f, items, timeout=…)`): past it, the iterator yields one
    /// `Err(FutureError::Timeout)`, cancels the items not yet started, and ends.
    pub fn map_timeout<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        timeout: Duration,
    ) -> MapResults<R>
    where
        F: Fn(T) -> R + Send + Sync + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let deadline = Instant::now() + timeout;
        let mut results = self.map(f, items);
        results.deadline = Some(deadline);
        results
    }

    /// Stops taking work (Python's `executor.shutdown(wait, cancel_futures)`): with
    /// `cancel_futures` the queued tasks are cancelled; with `wait` it returns once the threads end.
    pub fn shutdown(mut self, wait: bool, cancel_futures: bool) {
        self.queue.shutdown(wait, cancel_futures);
    }
}

/// A `map`'s helper jobs share one of these: cancelling any cancels the items not yet started.
struct MapControl(Arc<AtomicBool>);

impl Control for MapControl {
    fn start(&self) -> bool {
        !self.0.load(Relaxed)
    }

    fn cancel(&self) -> bool {
        self.0.store(true, Relaxed);
        true
    }
}

/// The most items a `map` sends a thread at once.
const MAX_CHUNK: usize = 64;

/// The iterator [`ThreadPoolExecutor::map`] returns: results in input order.
#[derive(Debug)]
pub struct MapResults<R> {
    /// Chunks of results, each with the position of its first item.
    results: Receiver<(usize, Chunk<R>)>,
    /// The rest of the chunk being handed out.
    current: ChunkIter<R>,
    /// Chunks that came before their turn, by their first position.
    early: BTreeMap<usize, Chunk<R>>,
    /// The position of the first item not yet in `current` or handed out.
    next: usize,
    count: usize,
    /// After a timeout: nothing more is handed out.
    ended: bool,
    cancelled: Arc<AtomicBool>,
    /// When every result must have arrived (`map_timeout`).
    deadline: Option<Instant>,
}

impl<R> Iterator for MapResults<R> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.ended {
                return None;
            }
            if let Some(result) = self.current.next() {
                return Some(result);
            }
            if self.next >= self.count {
                return None;
            }
            if let Some(chunk) = self.early.remove(&self.next) {
                self.take(chunk);
                continue;
            }
            let received = match self.deadline {
                None => self
                    .results
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(deadline) => self.results.recv_deadline(deadline),
            };
            match received {
                Ok((start, chunk)) if start == self.next => self.take(chunk),
                Ok((start, chunk)) => _ = self.early.insert(start, chunk),
                Err(RecvTimeoutError::Timeout) => {
                    self.cancelled.store(true, Relaxed); // As Python's generator does.
                    self.ended = true; // The iterator ends after this item.
                    return Some(Err(Error::Timeout("the next result".into())));
                }
                // Every helper is gone, and this item never ran: its helpers were cancelled.
                Err(RecvTimeoutError::Disconnected) => {
                    self.next += 1;
                    return Some(Err(Error::Cancelled));
                }
            }
        }
    }
}

impl<R> MapResults<R> {
    /// Makes `chunk`, the results from position `next` on, the one being handed out.
    fn take(&mut self, chunk: Chunk<R>) {
        self.next += chunk.len();
        self.current = chunk.into_iter();
    }
}

/// A chunk's results, kept compact: the values of the items that succeeded, in order, and the
/// failures (usually none) by their place in the chunk. A `Result<u64, Error>` takes 56 bytes and
/// a `u64` 8, so a long map of small values holds a seventh of the memory it would as results.
#[derive(Debug)]
struct Chunk<R> {
    values: Vec<R>,
    failures: Vec<(usize, Error)>,
}

impl<R> Chunk<R> {
    fn with_capacity(items: usize) -> Self {
        Chunk {
            values: Vec::with_capacity(items),
            failures: Vec::new(),
        }
    }

    fn push(&mut self, result: Result<R, Error>) {
        match result {
            Ok(value) => self.values.push(value),
            Err(e) => self.failures.push((self.len(), e)),
        }
    }

    fn len(&self) -> usize {
        self.values.len() + self.failures.len()
    }

    fn into_iter(self) -> ChunkIter<R> {
        ChunkIter {
            at: 0,
            len: self.len(),
            values: self.values.into_iter(),
            failures: self.failures.into_iter().peekable(),
        }
    }
}

/// A chunk's results, handed out in order.
#[derive(Debug)]
struct ChunkIter<R> {
    at: usize,
    len: usize,
    values: std::vec::IntoIter<R>,
    failures: std::iter::Peekable<std::vec::IntoIter<(usize, Error)>>,
}

impl<R> Iterator for ChunkIter<R> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Result<R, Error>> {
        if self.at == self.len {
            return None;
        }
        let at = self.at;
        self.at += 1;
        match self.failures.next_if(|(place, _)| *place == at) {
            Some((_, e)) => Some(Err(e)),
            None => self.values.next().map(Ok),
        }
    }
}

impl<R> Drop for MapResults<R> {
    fn drop(&mut self) {
        self.cancelled.store(true, Relaxed);
    }
}

/// A task's panic, as its future reports it: on item `item` of a `map`, or a submitted task.
fn panicked(payload: &(dyn std::any::Any + Send), item: Option<usize>) -> Error {
    Error::Raised(Box::new(Raised {
        item,
        ..Raised::new(crate::panic::message(payload), true)
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::futures::as_completed;

    #[test]
    fn a_chunk_hands_out_values_and_failures_in_their_places() {
        let mut chunk = Chunk::with_capacity(4);
        chunk.push(Err(Error::Cancelled));
        chunk.push(Ok(1));
        chunk.push(Ok(2));
        chunk.push(Err(Error::Timeout("late".into())));
        chunk.push(Ok(4));
        assert_eq!(chunk.len(), 5);
        let shown: Vec<String> = chunk
            .into_iter()
            .map(|r| r.map_or_else(|e| e.to_string(), |v| v.to_string()))
            .collect();
        let expected = [Error::Cancelled.to_string(), "1".into(), "2".into()];
        assert_eq!(shown[..3], expected);
        assert_eq!(shown[3], Error::Timeout("late".into()).to_string());
        assert_eq!(shown[4], "4");
    }

    #[test]
    fn map_returns_results_in_input_order() {
        let executor = ThreadPoolExecutor::new(3).unwrap();
        let results: Result<Vec<u64>, _> = executor.map(|n: u64| n * n, 0..10_000).collect();
        assert_eq!(
            results.unwrap(),
            (0..10_000).map(|n| n * n).collect::<Vec<_>>()
        );
    }

    /// A panic's item and message, if `result` is one.
    fn panic_of<R>(result: &Result<R, Error>) -> Option<(Option<usize>, &str)> {
        let raised = result.as_ref().err()?.raised()?;
        raised
            .panicked
            .then_some((raised.item, raised.message.as_str()))
    }

    #[test]
    fn a_chunked_map_keeps_each_items_own_outcome_and_order() {
        let executor = ThreadPoolExecutor::new(3).unwrap();
        // 1000 items: chunks of 64 (1000 / 12 = 83, capped), one item panicking mid-chunk.
        let results: Vec<_> = executor
            .map(
                |n: u32| if n == 500 { panic!("five hundred") } else { n },
                0..1000,
            )
            .collect();
        assert_eq!(results.len(), 1000);
        for (n, result) in results.iter().enumerate() {
            match n {
                500 => assert_eq!(panic_of(result), Some((Some(500), "five hundred"))),
                _ => assert_eq!(result.as_ref().ok(), Some(&(n as u32))),
            }
        }
        // No size hint: one item a chunk, the same results.
        let mut left = 0..300u32;
        let unhinted = std::iter::from_fn(move || left.next());
        let results: Result<Vec<u32>, _> = executor.map(|n| n + 1, unhinted).collect();
        assert_eq!(results.unwrap(), (1..=300).collect::<Vec<_>>());
    }

    #[test]
    fn map_yields_a_panicking_item_in_its_place_and_goes_on() {
        let executor = ThreadPoolExecutor::new(2).unwrap();
        let results: Vec<_> = executor
            .map(|n: u32| if n == 2 { panic!("two") } else { n }, 0..5)
            .collect();
        let values: Vec<Option<u32>> = results.iter().map(|r| r.as_ref().ok().copied()).collect();
        assert_eq!(values, [Some(0), Some(1), None, Some(3), Some(4)]);
        assert_eq!(panic_of(&results[2]), Some((Some(2), "two")));
        assert_eq!(
            results[2].as_ref().unwrap_err().to_string(),
            "task panicked on item 2: two"
        );
    }

    #[test]
    fn dropping_map_results_early_cancels_the_items_not_started() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let (release, released) = mpsc::channel::<()>();
        let (running, is_running) = mpsc::channel::<()>();
        let (released, running) = (
            std::sync::Mutex::new(released),
            std::sync::Mutex::new(running),
        );
        let counter = Arc::clone(&ran);
        let results = executor.map(
            move |n: u32| {
                if n == 0 {
                    // Item 0 holds the only thread until released.
                    running.lock().unwrap().send(()).unwrap();
                    released.lock().unwrap().recv().unwrap();
                }
                counter.fetch_add(1, SeqCst);
            },
            0..100,
        );
        is_running.recv().unwrap();
        drop(results);
        release.send(()).unwrap();
        executor.shutdown(true, false);
        assert_eq!(ran.load(SeqCst), 1, "only the item already running ran");
    }

    #[test]
    fn a_panicking_task_fails_its_future_and_the_pool_stays_usable() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let doomed = executor.submit(|n: u32| -> u32 { panic!("boom {n}") }, 7);
        let doomed = doomed.result();
        assert_eq!(panic_of(&doomed), Some((None, "boom 7")));
        assert_eq!(doomed.unwrap_err().to_string(), "the task panicked: boom 7");
        assert_eq!(executor.submit(|n: u32| n + 1, 1).result().unwrap(), 2);
    }

    /// Occupies the executor's only thread until the returned sender is used or dropped.
    fn block_single_thread(executor: &ThreadPoolExecutor) -> (mpsc::Sender<()>, Future<bool>) {
        let (started, has_started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let blocker = executor.submit(
            move |()| {
                started.send(()).unwrap();
                released.recv().is_ok()
            },
            (),
        );
        has_started.recv().unwrap();
        (release, blocker)
    }

    #[test]
    fn a_cancelled_queued_task_never_runs() {
        let ran = Arc::new(AtomicUsize::new(0));
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, blocker) = block_single_thread(&executor);
        let counted = Arc::clone(&ran);
        let queued = executor.submit(move |()| counted.fetch_add(1, SeqCst), ());
        assert!(queued.cancel(), "still queued behind the blocker");
        assert!(queued.done());
        assert!(!blocker.cancel(), "a running task cannot be cancelled");
        release.send(()).unwrap();
        executor.shutdown(true, false);
        assert_eq!(ran.load(SeqCst), 0);
        assert!(queued.result().unwrap_err().is_cancelled());
        assert!(blocker.result().unwrap());
    }

    #[test]
    fn shutdown_with_cancel_futures_cancels_what_is_queued() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, blocker) = block_single_thread(&executor);
        let queued: Vec<_> = (0..5).map(|n| executor.submit(|n: u32| n, n)).collect();
        executor.shutdown(false, true);
        release.send(()).unwrap();
        assert!(blocker.result().unwrap());
        for future in queued {
            assert!(future.result().unwrap_err().is_cancelled());
        }
    }

    #[test]
    fn result_timeout_gives_up_without_stopping_the_task() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let (release, released) = mpsc::channel::<()>();
        let slow = executor.submit(move |()| released.recv().is_ok(), ());
        let timeout = slow.result_timeout(Duration::from_millis(20)).unwrap_err();
        assert!(timeout.is_timeout());
        assert_eq!(timeout.to_string(), "timed out waiting for the task");
        release.send(()).unwrap(); // The task is still running and takes this.
        drop(executor); // Waits for it, like leaving the `with` block.
    }

    #[test]
    fn as_completed_yields_futures_as_they_finish() {
        let executor = ThreadPoolExecutor::new(2).unwrap();
        let (release_first, first) = mpsc::channel::<()>();
        let (release_second, second) = mpsc::channel::<()>();
        let futures = vec![
            executor.submit(move |()| first.recv().map(|()| "first"), ()),
            executor.submit(move |()| second.recv().map(|()| "second"), ()),
        ];
        let mut completed = as_completed(futures);
        release_second.send(()).unwrap();
        let (position, future) = completed.next().unwrap();
        assert_eq!((position, future.result().unwrap()), (1, Ok("second")));
        release_first.send(()).unwrap();
        let (position, future) = completed.next().unwrap();
        assert_eq!((position, future.result().unwrap()), (0, Ok("first")));
        assert!(completed.next().is_none());
    }
}
