//! Waiting with a deadline, and errors as values: the futures API's lessons in std.
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn check(n: i64) -> Result<i64, String> {
    if n < 0 {
        Err(format!("negative: {n}"))
    } else {
        Ok(n * n)
    }
}

fn main() {
    let (tx, rx) = mpsc::channel();
    for n in [7, -7] {
        let tx = tx.clone();
        thread::spawn(move || tx.send((n, check(n))).unwrap());
    }
    drop(tx);
    // wait(..., timeout=...): give up on results that are not there in time.
    while let Ok((n, result)) = rx.recv_timeout(Duration::from_secs(5)) {
        // exception(): an error is a value in the result, not something raised later.
        match result {
            Ok(square) => println!("{n} → {square}"),
            Err(why) => println!("{n} → {why:?}"),
        }
    }
}
