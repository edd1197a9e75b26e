use std::sync::{Arc, Mutex};
use std::thread;

/// A worker writes "worker" to the log, then main writes "main": the log.
pub fn log_in_order() -> Vec<&'static str> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let worker = thread::spawn({
        let log = Arc::clone(&log);
        move || log.lock().unwrap().push("worker")
    });
    // Main holds no lock while it waits: the worker can take it, finish, and be joined.
    worker.join().unwrap();
    log.lock().unwrap().push("main");
    Arc::try_unwrap(log).unwrap().into_inner().unwrap()
}
