//! A Barrier and a Condvar from std: threading.Barrier and threading.Condition.
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;

fn main() {
    // Barrier: nobody goes on until all three have arrived.
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait().is_leader())
        })
        .collect();
    let leaders = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap().then_some(()))
        .count();
    assert_eq!(leaders, 1);

    // Condvar: wait until a condition on the Mutex's data holds (the Event pattern).
    let ready = Arc::new((Mutex::new(false), Condvar::new()));
    let waiter = {
        let ready = Arc::clone(&ready);
        thread::spawn(move || {
            let (flag, changed) = &*ready;
            let _set = changed
                .wait_while(flag.lock().unwrap(), |set| !*set)
                .unwrap();
        })
    };
    let (flag, changed) = &*ready;
    *flag.lock().unwrap() = true;
    changed.notify_all();
    waiter.join().unwrap();
    println!("barrier: one leader of 3; condition: the waiter saw the flag");
}
