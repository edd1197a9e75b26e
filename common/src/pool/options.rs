//! Python's other `Pool` arguments: `initializer` with `initargs`, and `maxtasksperchild`.

use std::fmt::Debug;

use crate::error::{Context, Error, Refusal, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{JobFrame, ProcessPool, Task, Worker};
use crate::process::StartMethod;
use crate::target::Target;

/// Builds a [`ProcessPool`]: `ProcessPool::builder(4).initializer(&INIT, 10).max_tasks_per_child(1).start()`.
#[derive(Debug)]
#[must_use = "a builder starts nothing until `start`"]
pub struct PoolBuilder {
    workers: usize,
    method: StartMethod,
    init: Option<Result<JobFrame>>,
    max_tasks: Option<usize>,
}

impl PoolBuilder {
    pub(super) fn new(workers: usize) -> Self {
        PoolBuilder {
            workers,
            method: StartMethod::Fork,
            init: None,
            max_tasks: None,
        }
    }

    /// How the workers are started (`multiprocessing.get_context(method).Pool`); fork by default.
    pub fn method(mut self, method: StartMethod) -> Self {
        self.method = method;
        self
    }

    /// Runs `f(arg)` in every worker when it starts, before any task (Python's
    /// `initializer=f, initargs=(arg,)`): typically to set up state, a global of the worker
    /// process, that its tasks then use. A failing initializer fails `start`.
    pub fn initializer<A>(mut self, f: &Target<A, ()>, arg: A) -> Self
    where
        A: Serialize + DeserializeOwned + Debug + 'static,
    {
        self.init = Some(Task::of(f).and_then(|task| JobFrame::new(&task, &[arg])));
        self
    }

    /// Replaces a worker with a new process once it has done `tasks` tasks (Python's
    /// `maxtasksperchild`; a task is a chunk of a `map`, or one `apply_async` call): a way to
    /// give back memory a long-lived worker would keep.
    pub fn max_tasks_per_child(mut self, tasks: usize) -> Self {
        self.max_tasks = Some(tasks);
        self
    }

    /// Starts the workers and runs the initializer in each.
    pub fn start(self) -> Result<ProcessPool> {
        if self.workers == 0 {
            return Err(Error::refused(
                Refusal::Invalid,
                "a process pool needs at least one worker",
            ));
        };
        if self.max_tasks == Some(0) {
            return Err(Error::refused(
                Refusal::Invalid,
                "max_tasks_per_child must be at least 1",
            ));
        };
        let init = self.init.transpose().context("the initializer")?;
        let mut workers = Worker::start(self.workers, self.method, &[])?;
        for worker in &mut workers {
            worker.initialize(init.as_ref())?;
        }
        Ok(ProcessPool {
            workers,
            broken: None,
            log: false,
            method: self.method,
            init,
            max_tasks: self.max_tasks,
            async_replies: Vec::new(),
            next_async: 0,
            spare: Vec::new(),
        })
    }
}
