//! Results in the order tasks finish: every task sends its result on one channel.
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::Duration;

fn main() {
    let lengths = [3u64, 1, 2];
    let (tx, rx) = mpsc::channel();
    // Timers alone could finish out of order on a loaded machine: each task also waits until
    // every shorter task has sent (`reported` counts them), so the order is certain.
    let reported = Arc::new((Mutex::new(0), Condvar::new()));
    for (i, &units) in lengths.iter().enumerate() {
        let (tx, reported) = (tx.clone(), Arc::clone(&reported));
        let rank = lengths.iter().filter(|&&other| other < units).count();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(30 * units));
            let (count, changed) = &*reported;
            let mut count = changed
                .wait_while(count.lock().unwrap(), |c| *c < rank)
                .unwrap();
            tx.send((i, units)).unwrap();
            *count += 1;
            changed.notify_all();
        });
    }
    drop(tx); // The loop below ends when every task has sent.
    let mut by_submission = vec![0; lengths.len()];
    for (i, result) in rx {
        println!("{result}"); // As completed.
        by_submission[i] = result;
    }
    println!("{by_submission:?}");
}
