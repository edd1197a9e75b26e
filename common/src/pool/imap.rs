//! The rest of `Pool`'s ways to run work: `imap`, `imap_unordered`, `starmap` and `apply_async`.
//!
//! [`ProcessPool::imap`] sends chunks as workers become free and yields results as they arrive,
//! in input order; [`ProcessPool::imap_unordered`] yields each chunk's results as soon as it
//! comes back. Both take Python's `chunksize` (1 by default in Python). They borrow the pool
//! until the iterator is dropped, which first waits for the chunks already sent. The iterator
//! stops after the first error it yields.
//!
//! [`ProcessPool::apply_async`] sends one call to an idle worker and returns at once; the
//! [`AsyncResult`] it returns is Python's: `get` waits for the answer. The pool is driven by the
//! caller's thread, so `get` takes the pool. (For many independent calls with futures,
//! [`ProcessPoolExecutor::submit`](crate::futures::ProcessPoolExecutor::submit) is the tool.)

use std::collections::VecDeque;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::ops::Range;

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ProcessPool, Task, decode_into, show};
use crate::target::{Outcome, Target};

impl ProcessPool {
    /// Applies `f` to each item, lazily, yielding results in input order as they arrive
    /// (Python's `pool.imap(f, items, chunksize)`).
    pub fn imap<T, R, I>(
        &mut self,
        f: &Target<T, R>,
        items: I,
        chunksize: usize,
    ) -> Result<Imap<'_, I::IntoIter, R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
        I: IntoIterator<Item = T>,
    {
        Imap::start(self, Task::of(f)?, items.into_iter(), chunksize, true)
    }

    /// [`imap`](Self::imap), yielding each chunk's results as soon as it is done, in whatever
    /// order the workers finish (Python's `pool.imap_unordered(f, items, chunksize)`).
    pub fn imap_unordered<T, R, I>(
        &mut self,
        f: &Target<T, R>,
        items: I,
        chunksize: usize,
    ) -> Result<Imap<'_, I::IntoIter, R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
        I: IntoIterator<Item = T>,
    {
        Imap::start(self, Task::of(f)?, items.into_iter(), chunksize, false)
    }

    /// Python's `pool.starmap(f, [(a, b), …])`, which unpacks each tuple into `f`'s arguments. A
    /// Rust target takes its tuple as one argument, so this is [`map`](Self::map) over tuples.
    pub fn starmap<T, R>(
        &mut self,
        f: &Target<T, R>,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        self.map(f, items)
    }

    /// Sends `f(arg)` to an idle worker and returns at once (Python's `pool.apply_async(f,
    /// (arg,))`); waits for a worker to be free if none is. Get the answer with
    /// [`AsyncResult::get`].
    pub fn apply_async<T, R>(&mut self, f: &Target<T, R>, arg: T) -> Result<AsyncResult<R::Value>>
    where
        T: Serialize + DeserializeOwned + Debug + 'static,
        R: Outcome,
    {
        if let Some(broken) = &self.broken {
            return Err(Error::BrokenPool(broken.clone()));
        }
        let task = Task::of(f)?;
        let index = match self.workers.iter().position(|w| w.async_id.is_none()) {
            Some(idle) => idle,
            None => {
                let busy = self.next_reply(None)?.expect("every worker is busy");
                self.collect_async(busy)?;
                busy
            }
        };
        let id = self.next_async;
        self.next_async += 1;
        self.send(index, &task, &mut vec![arg], 0..1)?;
        self.workers[index].async_id = Some(id);
        Ok(AsyncResult {
            id,
            _value: PhantomData,
        })
    }
}

/// The pending answer of an [`apply_async`](ProcessPool::apply_async) call (Python's
/// `AsyncResult`).
#[derive(Debug)]
#[must_use = "the answer is lost unless you `get` it"]
pub struct AsyncResult<V> {
    id: u64,
    _value: PhantomData<fn() -> V>,
}

impl<V: DeserializeOwned + 'static> AsyncResult<V> {
    /// Waits for the answer (Python's `async_result.get()`).
    pub fn get(self, pool: &mut ProcessPool) -> Result<V> {
        loop {
            if let Some(at) = pool.async_replies.iter().position(|(id, _)| *id == self.id) {
                let (_, reply) = pool.async_replies.swap_remove(at);
                let mut value = Vec::with_capacity(1);
                decode_into(&reply, &(0..1), &mut value)?;
                return value
                    .pop()
                    .ok_or_else(|| Error::Protocol("no result".to_owned()));
            }
            let Some(index) = pool
                .workers
                .iter()
                .position(|w| w.async_id == Some(self.id))
            else {
                return Err(match &pool.broken {
                    Some(broken) => Error::BrokenPool(broken.clone()),
                    None => {
                        Error::Closed("this call's worker is gone: the pool was terminated".into())
                    }
                });
            };
            pool.collect_async(index)?;
        }
    }
}

/// The iterator of [`ProcessPool::imap`] and [`ProcessPool::imap_unordered`].
#[derive(Debug)]
pub struct Imap<'pool, I: Iterator, V> {
    pool: &'pool mut ProcessPool,
    task: Task,
    items: I,
    chunksize: usize,
    /// The position of the next item to send.
    sent: usize,
    ordered: bool,
    /// Results decoded and not yet yielded (in order, when ordered), an error last.
    ready: VecDeque<Result<V>>,
    /// Ordered: how many results have been decoded; replies that come early wait here.
    decoded: usize,
    early: Vec<(Range<usize>, Vec<u8>)>,
    batch: Vec<I::Item>,
    done: bool,
}

impl<'pool, I, T, V> Imap<'pool, I, V>
where
    I: Iterator<Item = T>,
    T: Serialize + 'static,
    V: DeserializeOwned + 'static,
{
    fn start(
        pool: &'pool mut ProcessPool,
        task: Task,
        items: I,
        chunksize: usize,
        ordered: bool,
    ) -> Result<Self> {
        pool.ready_for_work()?;
        Ok(Imap {
            pool,
            task,
            items,
            chunksize: chunksize.max(1),
            sent: 0,
            ordered,
            ready: VecDeque::new(),
            decoded: 0,
            early: Vec::new(),
            batch: Vec::new(),
            done: false,
        })
    }

    /// Gives every idle worker its next chunk, while items last.
    fn feed(&mut self) -> Result<()> {
        for index in 0..self.pool.workers.len() {
            if self.pool.workers[index].busy.is_some() {
                continue;
            }
            self.batch.extend(self.items.by_ref().take(self.chunksize));
            if self.batch.is_empty() {
                return Ok(());
            }
            let range = self.sent..self.sent + self.batch.len();
            self.sent = range.end;
            self.pool.send(index, &self.task, &mut self.batch, range)?;
        }
        Ok(())
    }

    /// Waits for one reply and decodes what it may; `false` when no chunk is out.
    fn receive(&mut self) -> Result<bool> {
        let Some(index) = self.pool.next_reply(None)? else {
            return Ok(false);
        };
        let worker = &mut self.pool.workers[index];
        let range = worker.busy.clone().expect("only busy workers reply");
        let len = match worker.receive_len() {
            Ok(len) => len,
            Err(e) => return Err(self.pool.break_pool(e)),
        };
        if self.pool.log {
            eprintln!("worker pid {} handled {}", worker.pid(), show(&range));
        }
        let payload = worker.buffer[..len].to_vec();
        self.pool.task_done(index)?;
        if !self.ordered {
            self.decode(&payload, &range);
            return Ok(true);
        }
        self.early.push((range, payload));
        while let Some(at) = self.early.iter().position(|(r, _)| r.start == self.decoded) {
            let (range, payload) = self.early.swap_remove(at);
            self.decode(&payload, &range);
            self.decoded = range.end;
        }
        Ok(true)
    }

    /// Queues a reply's results; a failed task queues its error after the results before it,
    /// and ends the iteration there.
    fn decode(&mut self, payload: &[u8], range: &Range<usize>) {
        if self.done {
            return;
        }
        let mut values = Vec::with_capacity(range.len());
        let decoded = decode_into(payload, range, &mut values);
        self.ready.extend(values.into_iter().map(Ok));
        if let Err(e) = decoded {
            self.ready.push_back(Err(e));
            self.done = true;
        }
    }
}

impl<I, T, V> Iterator for Imap<'_, I, V>
where
    I: Iterator<Item = T>,
    T: Serialize + 'static,
    V: DeserializeOwned + 'static,
{
    type Item = Result<V>;

    fn next(&mut self) -> Option<Result<V>> {
        loop {
            if let Some(result) = self.ready.pop_front() {
                return Some(result);
            }
            if self.done {
                return None;
            }
            match self.feed().and_then(|()| self.receive()) {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<I: Iterator, V> Drop for Imap<'_, I, V> {
    /// Waits for the chunks already sent, so the pool's workers are idle again.
    fn drop(&mut self) {
        while let Ok(Some(index)) = self.pool.next_reply(None) {
            let worker = &mut self.pool.workers[index];
            if let Err(e) = worker.receive_len() {
                self.pool.break_pool(e);
                return;
            }
            if self.pool.task_done(index).is_err() {
                return;
            }
        }
    }
}
