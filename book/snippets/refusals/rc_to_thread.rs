// `Rc` counts its owners without atomics: sending one to another thread is refused (`Send`).
use std::rc::Rc;
use std::thread;

pub fn main() {
    let numbers = Rc::new(vec![1, 2, 3]);
    let shared = Rc::clone(&numbers);
    let handle = thread::spawn(move || shared.iter().sum::<i32>());
    println!("{}", handle.join().unwrap());
}
