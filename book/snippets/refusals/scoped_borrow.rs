// The same borrow inside `thread::scope`: every thread is joined before the scope ends, so it
// cannot outlive `name`. This one compiles.
use std::thread;

pub fn main() {
    let name = String::from("Alice");
    thread::scope(|s| {
        s.spawn(|| println!("Hello, {name}!"));
    });
    println!("{name} is still ours");
}
