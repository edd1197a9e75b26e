// A thread borrows a local of the function that spawned it.
use std::thread;

pub fn main() {
    let name = String::from("Alice");
    let handle = thread::spawn(|| println!("Hello, {name}!"));
    handle.join().unwrap();
}
