use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

/// `rounds` pings and `rounds` pongs, from two threads, strictly alternating, ping first.
pub fn ping_pong(rounds: usize) -> Vec<&'static str> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (to_pong, pongs_turn) = mpsc::channel::<()>();
    let (to_ping, pings_turn) = mpsc::channel::<()>();
    let log_ref = &log;
    thread::scope(|s| {
        // Each thread owns its ends of the two channels (a Receiver has one owner).
        s.spawn(move || {
            for i in 0..rounds {
                if i > 0 {
                    pings_turn.recv().unwrap(); // Wait until pong has written.
                }
                log_ref.lock().unwrap().push("ping");
                to_pong.send(()).unwrap();
            }
        });
        s.spawn(move || {
            for _ in 0..rounds {
                pongs_turn.recv().unwrap(); // Wait until ping has written.
                log_ref.lock().unwrap().push("pong");
                _ = to_ping.send(()); // After the last round nobody listens: fine.
            }
        });
    });
    Arc::try_unwrap(log).unwrap().into_inner().unwrap()
}
