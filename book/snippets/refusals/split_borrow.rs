// Two threads negate the two halves of one array, each borrowing the whole of it.
use std::thread;

pub fn main() {
    let mut values = [0, 1, 2, 3, 4];
    let mid = values.len() / 2;
    thread::scope(|s| {
        s.spawn(|| values[..mid].iter_mut().for_each(|v| *v = -*v));
        s.spawn(|| values[mid..].iter_mut().for_each(|v| *v = -*v));
    });
    println!("{values:?}");
}
