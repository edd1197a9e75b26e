//! Threads with arguments: move the argument into the thread's closure.
use std::thread;

fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

fn main() {
    let name = String::from("Alice");
    // `move` gives the thread ownership of `name`; main can no longer use it.
    let handle = thread::spawn(move || greet(&name));
    let greeting = handle.join().expect("the thread panicked");
    println!("{greeting}");
    assert_eq!(greeting, "Hello, Alice!");
}
