//! Producers and consumers through a bounded channel: `queue.Queue(maxsize)` in std.
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    // `sync_channel(4)`: `send` blocks while 4 items wait, as `put` does on a full queue.
    let (tx, rx) = mpsc::sync_channel::<u64>(4);
    // std's receiver has one owner; consumers share it behind a Mutex.
    let rx = Arc::new(Mutex::new(rx));
    thread::scope(|s| {
        for p in 0..2u64 {
            let tx = tx.clone();
            s.spawn(move || {
                for i in 0..10 {
                    tx.send(p * 10 + i).unwrap();
                }
            });
        }
        drop(tx); // Once every sender is gone, `recv` fails and the consumers stop.
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let rx = Arc::clone(&rx);
                s.spawn(move || {
                    let mut squares = Vec::new();
                    // The guard is dropped at the end of each `let`, so others can receive.
                    while let Ok(n) = { rx.lock().unwrap().recv() } {
                        squares.push(n * n);
                    }
                    squares
                })
            })
            .collect();
        let mut all: Vec<u64> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort();
        println!("{all:?}\nsum: {}", all.iter().sum::<u64>());
        assert_eq!(all.iter().sum::<u64>(), 2470);
    });
}
