use std::sync::{Arc, Mutex};
use std::thread;

/// A worker writes "worker" to the log, then main writes "main": the log.
pub fn log_in_order() -> Vec<&'static str> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut entries = log.lock().unwrap();
    let worker = thread::spawn({
        let log = Arc::clone(&log);
        move || log.lock().unwrap().push("worker")
    });
    worker.join().unwrap();
    entries.push("main");
    drop(entries);
    Arc::try_unwrap(log).unwrap().into_inner().unwrap()
}
