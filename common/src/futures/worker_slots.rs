//! Who talks to each of a [`ProcessPoolExecutor`](super::ProcessPoolExecutor)'s worker processes,
//! and when: its dispatcher thread, or the thread that submitted a task and waits for it.
//!
//! Each worker sits in a [`Slot`] with a dispatcher thread of its own, which runs queued tasks on
//! it. But a task submitted while nothing is queued and a worker is idle skips the queue:
//! `submit` writes it to that worker itself, and the future's `result()` reads the reply itself.
//! The round trip then goes caller → worker → caller, as a raw pipe's does, where the queue adds
//! two hand-offs between threads (caller → dispatcher, dispatcher → caller), each a wake-up and
//! a context switch.
//!
//! Every other way of waiting (`add_done_callback`, `wait`, `as_completed`, `result_timeout`,
//! `done`) and dropping the future *leave* the reply to the dispatcher, so a future is finished
//! whether or not anyone waits for it, as in Python. So does a task queued behind it, or the
//! executor shutting down: the dispatcher then reads the reply itself, as it needs the worker.
//!
//! A dispatcher sleeps until it has something to do, and each wake-up is an event on its
//! one-message `wake` channel, sent by whoever made the work: a task queued while it sleeps, a
//! reply left to it, its worker given back while it holds a task, or the shutdown.

use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use crossbeam::channel::{Receiver, Sender, bounded, select};
use nix::sys::signal::Signal;

use super::process_pool::{Finish, ProcessJob};
use super::{Control, ReplyReader};
use crate::error::{BrokenPool, Error, Result};
use crate::pool::{JobFrame, Worker};
use crate::process::Pidfd;

/// The largest task `submit` writes to a worker itself. An idle worker's socket is empty, so a
/// frame this small never blocks the caller; a larger one goes through the queue, where the
/// dispatcher writes it while the caller is free.
const DIRECT_MAX: usize = 16 * 1024;

/// The executor's workers, shared by the executor, its dispatcher threads and the futures of
/// tasks `submit` sent itself.
pub(super) struct Workers {
    slots: Vec<Slot>,
    /// The queue's receiving end, to see whether tasks wait.
    jobs: Receiver<ProcessJob>,
    /// Set when the executor shuts down: each dispatcher finishes the queue, then stops its
    /// worker.
    closing: AtomicBool,
    /// Why the pool is broken, set once, when the first worker dies.
    broken: OnceLock<BrokenPool>,
    /// A handle on every worker's socket, to wake every thread reading one when the pool breaks.
    sockets: Vec<UnixStream>,
    /// A pidfd for every worker, to signal them all from the caller's thread.
    pidfds: Vec<Pidfd>,
}

/// One worker, and who may use it.
struct Slot {
    state: Mutex<SlotState>,
    /// The dispatcher's wake-up: one message at most, so a wake-up sent while another waits is
    /// not lost and costs nothing.
    wake: Sender<()>,
    woken: Receiver<()>,
}

struct SlotState {
    /// The worker while no thread talks to it; `None` while one does (outside the lock), and once
    /// it is stopped.
    worker: Option<Worker>,
    stopped: bool,
    /// The task `submit` wrote to the worker itself, until its reply is read.
    direct: Option<Direct>,
    /// Numbers the direct tasks, so that a future reads its own reply and no other.
    tickets: u64,
    /// What the dispatcher thread is waiting for, which says whom to wake and when.
    dispatcher: Dispatcher,
    /// The queued task the dispatcher holds while it waits for the worker, for
    /// `shutdown(cancel_futures = true)` to cancel.
    held: Option<Arc<dyn Control>>,
}

impl SlotState {
    /// Whether the worker is here with nothing unread on its socket: free for a task.
    fn idle(&self) -> bool {
        self.worker.is_some() && self.direct.is_none()
    }
}

struct Direct {
    ticket: u64,
    finish: Finish,
    /// The future's thread will not read the reply: the dispatcher must.
    left: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dispatcher {
    /// Deciding what to do next: it looks at the state before it waits.
    Awake,
    /// Waiting for a queued task (or a wake-up): the worker was idle when it looked.
    Selecting,
    /// Waiting for a wake-up only: nothing was queued, or the worker was busy with a caller's task.
    Sleeping,
    /// Holding a queued task, waiting for the worker to be given back.
    Holding,
}

/// The future's side of a task `submit` sent itself: which worker, which ticket. Weak, so that a
/// future kept after its executor keeps no socket open; by then the dispatchers have read every
/// reply.
#[derive(Debug)]
pub(super) struct DirectReply {
    workers: Weak<Workers>,
    index: usize,
    ticket: u64,
}

impl ReplyReader for DirectReply {
    fn read(&self) {
        if let Some(workers) = self.workers.upgrade() {
            workers.read_direct(self.index, Some(self.ticket));
        }
    }

    fn leave(&self) {
        if let Some(workers) = self.workers.upgrade() {
            workers.leave(self.index, self.ticket);
        }
    }
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // Every update of the state is a few assignments with nothing that panics between them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self) {
        _ = self.wake.try_send(()); // Full: a wake-up is already on its way.
    }
}

impl Workers {
    pub(super) fn new(workers: Vec<Worker>, jobs: Receiver<ProcessJob>) -> Result<Self> {
        let sockets = workers.iter().map(Worker::socket).collect::<Result<_>>()?;
        let pidfds = workers.iter().map(Worker::pidfd).collect::<Result<_>>()?;
        let slots = workers
            .into_iter()
            .map(|worker| {
                let (wake, woken) = bounded(1);
                Slot {
                    state: Mutex::new(SlotState {
                        worker: Some(worker),
                        stopped: false,
                        direct: None,
                        tickets: 0,
                        dispatcher: Dispatcher::Awake,
                        held: None,
                    }),
                    wake,
                    woken,
                }
            })
            .collect();
        Ok(Workers {
            slots,
            jobs,
            closing: AtomicBool::new(false),
            broken: OnceLock::new(),
            sockets,
            pidfds,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Why the pool is broken, as the error every unfinished future fails with; `None` while it
    /// is not.
    pub(super) fn broken(&self) -> Option<Error> {
        self.broken
            .get()
            .map(|why| Error::BrokenPool(Box::new(why.clone())))
    }

    /// Breaks the pool, the first time only, and shuts every worker's socket down, which wakes
    /// every thread reading a reply at once.
    pub(super) fn set_broken(&self, why: BrokenPool) {
        if self.broken.set(why).is_ok() {
            for socket in &self.sockets {
                _ = socket.shutdown(Shutdown::Both); // Already closed is as good.
            }
        }
    }

    /// Sends every worker `signal` (an exited one is fine).
    pub(super) fn signal_all(&self, signal: Signal) {
        for pidfd in &self.pidfds {
            _ = pidfd.signal(signal);
        }
    }

    /// The executor shuts down: every dispatcher finishes the queue, reads any reply still
    /// unread, and stops its worker.
    pub(super) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.slots.iter().for_each(Slot::wake);
    }

    /// Cancels the tasks dispatchers hold while they wait for their workers
    /// (`shutdown(cancel_futures = true)`; the queue cancels its own).
    pub(super) fn cancel_held(&self) {
        for slot in &self.slots {
            let held = slot.lock().held.take();
            if let Some(control) = held {
                control.cancel(); // Outside the lock: cancelling runs the future's callbacks.
            }
        }
    }

    fn closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// `submit`'s way past the queue: writes `job` to an idle worker, if nothing is queued and
    /// one is, and returns the future's handle on the reply (`None` if the worker turned out
    /// dead: the future then holds the error). Hands `finish` back when the task must be queued.
    pub(super) fn try_direct(
        self: &Arc<Self>,
        job: &JobFrame,
        control: &dyn Control,
        finish: Finish,
    ) -> std::result::Result<Option<DirectReply>, Finish> {
        if job.len() > DIRECT_MAX || !self.jobs.is_empty() {
            return Err(finish);
        }
        for (index, slot) in self.slots.iter().enumerate() {
            let Ok(mut state) = slot.state.try_lock() else {
                continue; // Another thread is at it: try the next worker.
            };
            if !state.idle() || state.dispatcher == Dispatcher::Holding {
                continue;
            }
            control.start(); // A fresh future: nobody could cancel it yet.
            let worker = state.worker.as_mut().expect("idle");
            if let Err(e) = worker.send_job(job) {
                let worker = state.worker.take().expect("idle");
                drop(state);
                self.fail(index, worker, e, finish);
                return Ok(None);
            }
            state.tickets += 1;
            let ticket = state.tickets;
            state.direct = Some(Direct {
                ticket,
                finish,
                left: false,
            });
            // A dispatcher waiting for a queued task must not take one for this worker now.
            let selecting = state.dispatcher == Dispatcher::Selecting;
            drop(state);
            if selecting {
                slot.wake();
            }
            return Ok(Some(DirectReply {
                workers: Arc::downgrade(self),
                index,
                ticket,
            }));
        }
        Err(finish)
    }

    /// After a task was queued: wakes the dispatchers that sleep, so that one whose worker is
    /// idle takes it, and one whose worker has an unread reply reads it first.
    pub(super) fn queued(&self) {
        for slot in &self.slots {
            let sleeping = slot.lock().dispatcher == Dispatcher::Sleeping;
            if sleeping {
                slot.wake();
            }
        }
    }

    /// Reads the reply to the task `submit` sent worker `index` itself, if it is `ticket`'s
    /// (any, for `None`) and no other thread has the worker; finishes its future with it.
    fn read_direct(&self, index: usize, ticket: Option<u64>) {
        let mut state = self.slots[index].lock();
        let ours = (state.direct.as_ref()).is_some_and(|d| ticket.is_none_or(|t| d.ticket == t));
        if !ours || state.worker.is_none() {
            return; // Read already, or being read by another thread, which finishes it.
        }
        let (Some(direct), Some(worker)) = (state.direct.take(), state.worker.take()) else {
            unreachable!("both checked above")
        };
        drop(state);
        self.talk(index, worker, None, direct.finish);
    }

    /// The future of the direct task `ticket` will not read its reply: the dispatcher must.
    fn leave(&self, index: usize, ticket: u64) {
        let slot = &self.slots[index];
        let mut state = slot.lock();
        match &mut state.direct {
            Some(direct) if direct.ticket == ticket && !direct.left => direct.left = true,
            _ => return, // Read, or left, already.
        }
        drop(state);
        slot.wake();
    }

    /// Sends `job` to `worker` (unless it is sent already), reads the reply, finishes the future
    /// with it, and gives the worker back; or, if the worker died, breaks the pool.
    fn talk(&self, index: usize, mut worker: Worker, job: Option<&JobFrame>, finish: Finish) {
        let sent = job.map_or(Ok(()), |job| worker.send_job(job));
        match sent.and_then(|()| worker.receive()) {
            Ok(reply) => {
                finish(Ok(reply));
                self.give_back(index, worker);
            }
            Err(e) => self.fail(index, worker, e, finish),
        }
    }

    /// Puts the worker back in its slot, and wakes the dispatcher if it waits for it.
    fn give_back(&self, index: usize, worker: Worker) {
        let slot = &self.slots[index];
        let mut state = slot.lock();
        state.worker = Some(worker);
        let wake = match state.dispatcher {
            Dispatcher::Holding => true,
            Dispatcher::Sleeping => self.closing() || !self.jobs.is_empty(),
            Dispatcher::Awake | Dispatcher::Selecting => false,
        };
        drop(state);
        if wake {
            slot.wake();
        }
    }

    /// Worker `index` died, or another did and shut its socket down to wake us (then the first
    /// death is the reason), or its reply could not be read: breaks the pool, stops the worker
    /// (a dead one is reaped; one still working is killed), and fails the task.
    fn fail(&self, index: usize, worker: Worker, error: Error, finish: Finish) {
        // The first death is the one every future reports, with its pid, exit and items.
        self.set_broken(match error {
            Error::BrokenPool(facts) => *facts,
            other => BrokenPool {
                pid: None,
                exit: None,
                items: None,
                why: other.to_string(),
            },
        });
        worker.stop();
        let slot = &self.slots[index];
        slot.lock().stopped = true;
        slot.wake();
        finish(Err(self.broken().expect("set above")));
    }

    /// Dispatcher thread `index`: runs queued tasks on its worker, reads the replies left to it,
    /// and, once the queue is closed and empty, stops the worker.
    pub(super) fn dispatch(&self, index: usize, jobs: &Receiver<ProcessJob>) {
        let slot = &self.slots[index];
        loop {
            let mut state = slot.lock();
            state.dispatcher = Dispatcher::Awake;
            let has_worker = state.worker.is_some();
            let work_waits = self.closing() || !jobs.is_empty();
            if let Some(direct) = &state.direct {
                if has_worker && (direct.left || work_waits) {
                    drop(state);
                    self.read_direct(index, None);
                    continue;
                }
            }
            if state.stopped || (state.idle() && work_waits) {
                state.dispatcher = Dispatcher::Selecting;
                drop(state);
                select! {
                    recv(slot.woken) -> _ => {}
                    recv(jobs) -> job => match job {
                        Ok(job) => self.run_queued(index, job),
                        Err(_) => break, // Closed, and empty.
                    },
                }
            } else {
                state.dispatcher = Dispatcher::Sleeping;
                drop(state);
                _ = slot.woken.recv(); // The slot holds the sender: this only ends by a message.
            }
        }
        if let Some(worker) = self.acquire(index, None) {
            worker.stop();
            slot.lock().stopped = true;
        }
    }

    /// Runs a queued task on worker `index`, once the worker is free.
    fn run_queued(&self, index: usize, job: ProcessJob) {
        let ProcessJob {
            control,
            job,
            finish,
        } = job;
        if let Some(broken) = self.broken() {
            return finish(Err(broken));
        }
        let Some(worker) = self.acquire(index, Some(&control)) else {
            return finish(Err(self
                .broken()
                .expect("a worker is only stopped early once the pool is broken")));
        };
        if !control.start() {
            return self.give_back(index, worker); // Cancelled while queued.
        }
        self.talk(index, worker, Some(&job), finish);
    }

    /// Takes worker `index` for its dispatcher: first reads any reply left on it, waits while
    /// another thread reads one, and holds `task` meanwhile; `None` once the worker is stopped.
    fn acquire(&self, index: usize, task: Option<&Arc<dyn Control>>) -> Option<Worker> {
        let slot = &self.slots[index];
        loop {
            let mut state = slot.lock();
            state.dispatcher = Dispatcher::Awake;
            state.held = None;
            if state.stopped {
                return None;
            }
            if state.idle() {
                return state.worker.take();
            }
            if state.worker.is_some() {
                drop(state);
                self.read_direct(index, None); // The reply comes first on the socket.
                continue;
            }
            state.dispatcher = Dispatcher::Holding;
            state.held = task.cloned();
            drop(state);
            _ = slot.woken.recv(); // The slot holds the sender: this only ends by a message.
        }
    }
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers")
            .field("workers", &self.slots.len())
            .field("queued", &self.jobs.len())
            .field("broken", &self.broken.get())
            .finish_non_exhaustive()
    }
}
