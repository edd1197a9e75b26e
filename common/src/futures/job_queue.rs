//! The threads of an executor and the queue they take jobs from, shared by both executors.

use std::fmt;
use std::thread::JoinHandle;

use crossbeam::channel::{Receiver, Sender};

use super::Control;

/// A queued task as the executor's threads see it.
pub(super) trait Job: Send + 'static {
    fn control(&self) -> &dyn Control;
}

/// The threads of an executor and the queue they take jobs from.
pub(super) struct JobQueue<J> {
    /// `None` once shut down.
    jobs: Option<Sender<J>>,
    /// Kept to cancel what is still queued at shutdown.
    queued: Receiver<J>,
    threads: Vec<JoinHandle<()>>,
    /// Called when the queue closes, before the threads are waited for: how an executor whose
    /// threads do not only wait on the queue tells them.
    on_close: Option<Box<dyn Fn() + Send + Sync>>,
}

impl<J: Job> JobQueue<J> {
    /// Starts one thread per body, each given the queue to take jobs from.
    pub(super) fn start<B>(name: &str, bodies: impl IntoIterator<Item = B>) -> crate::Result<Self>
    where
        B: FnOnce(Receiver<J>) + Send + 'static,
    {
        Self::start_on(crossbeam::channel::unbounded(), name, bodies, None)
    }

    /// [`JobQueue::start`] on a channel made by the caller, which keeps a receiver to see
    /// whether jobs wait, with `on_close` to call when the queue closes (also if a thread fails
    /// to start, before the others are waited for).
    pub(super) fn start_on<B>(
        (jobs, queued): (Sender<J>, Receiver<J>),
        name: &str,
        bodies: impl IntoIterator<Item = B>,
        on_close: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> crate::Result<Self>
    where
        B: FnOnce(Receiver<J>) + Send + 'static,
    {
        let mut queue = JobQueue {
            jobs: Some(jobs),
            queued,
            threads: Vec::new(),
            on_close,
        };
        for (index, body) in bodies.into_iter().enumerate() {
            let receiver = queue.queued.clone();
            let thread = std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || body(receiver))
                .map_err(|e| crate::Error::os(format!("starting executor thread {index}"), e))?;
            queue.threads.push(thread);
        }
        Ok(queue)
    }

    pub(super) fn push(&self, job: J) {
        let jobs = self.jobs.as_ref().expect("shutdown consumes the executor");
        jobs.send(job)
            .expect("the queue keeps a receiver of its own");
    }

    /// Cancels every job still queued.
    pub(super) fn cancel_queued(&self) {
        for job in self.queued.try_iter() {
            job.control().cancel();
        }
    }

    /// Python's `executor.shutdown(wait, cancel_futures)`.
    pub(super) fn shutdown(&mut self, wait: bool, cancel_futures: bool) {
        if cancel_futures {
            self.cancel_queued();
        }
        if wait {
            self.close_and_join();
        } else {
            self.close();
            self.threads.clear(); // Detached: they end on their own once the queue is empty.
        }
    }
}

impl<J> JobQueue<J> {
    /// Closes the queue: the threads finish what is queued, then end.
    fn close(&mut self) {
        self.jobs = None;
        if let Some(on_close) = &self.on_close {
            on_close();
        }
    }

    /// Closes the queue and waits for the threads, which finish what is queued first.
    fn close_and_join(&mut self) {
        self.close();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() && !std::thread::panicking() {
                panic!("an executor thread panicked, though it catches every task's panic");
            }
        }
    }
}

impl<J> fmt::Debug for JobQueue<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobQueue")
            .field("threads", &self.threads.len())
            .field("queued", &self.queued.len())
            .finish()
    }
}

impl<J> Drop for JobQueue<J> {
    fn drop(&mut self) {
        self.close_and_join();
    }
}
