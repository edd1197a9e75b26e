// `RefCell` checks its borrows without atomics: sharing one between threads is refused (`Sync`).
use std::cell::RefCell;
use std::sync::Arc;
use std::thread;

pub fn main() {
    let counter = Arc::new(RefCell::new(0));
    let shared = Arc::clone(&counter);
    let handle = thread::spawn(move || *shared.borrow_mut() += 1);
    handle.join().unwrap();
    println!("{}", counter.borrow());
}
