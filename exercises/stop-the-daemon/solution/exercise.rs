use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A thread that does a round of work every millisecond until its `Background` is dropped.
pub struct Background {
    rounds: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    pub fn start() -> Self {
        let rounds = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let (rounds, stop, ended) = (rounds.clone(), stop.clone(), ended.clone());
            move || {
                while !stop.load(Ordering::SeqCst) {
                    rounds.fetch_add(1, Ordering::SeqCst); // A round of the notes' background task.
                    thread::sleep(Duration::from_millis(1));
                }
                ended.store(true, Ordering::SeqCst);
            }
        });
        Background {
            rounds,
            stop,
            ended,
            thread: Some(thread),
        }
    }

    /// How many rounds it has done.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::SeqCst)
    }

    /// Whether the thread has left its loop.
    pub fn ended(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.ended)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // A panic in the thread is passed on, never swallowed.
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}
