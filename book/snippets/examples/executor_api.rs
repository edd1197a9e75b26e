//! A future's result with a deadline, and an error as a value: `Future.result(timeout=…)` in std.
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
    for n in [7, -7] {
        let (tx, result) = mpsc::channel(); // A one-result channel is the future.
        thread::spawn(move || tx.send(check(n)));
        // result(timeout=5): wait at most 5 s.
        match result.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(square)) => println!("{n}: {square}"),
            // The task's error is a value that travels back; nothing is raised across threads.
            Ok(Err(why)) => println!("{n}: raised {why}"),
            Err(_) => println!("{n}: timed out"),
        }
    }
    // A task that never answers: the wait gives up, and the task is not stopped.
    let (_keep, never) = mpsc::channel::<i64>();
    let waited = never.recv_timeout(Duration::from_millis(50));
    println!(
        "never: {}",
        if waited.is_err() {
            "timed out"
        } else {
            "answered"
        }
    );
}
