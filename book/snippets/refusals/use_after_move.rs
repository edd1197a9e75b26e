// `move` gives the thread the String; main cannot use it afterwards.
use std::thread;

pub fn main() {
    let name = String::from("Alice");
    let handle = thread::spawn(move || println!("Hello, {name}!"));
    println!("main still has {name}");
    handle.join().unwrap();
}
