//! Creating a simple thread: spawn it, then join it.
use std::thread;
use std::time::Duration;

fn print_numbers() {
    for i in 0..5 {
        println!("{i}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn main() {
    let handle = thread::spawn(print_numbers);
    // `join` returns `Err` with the panic's payload if the thread panicked.
    handle.join().expect("the thread panicked");
}
