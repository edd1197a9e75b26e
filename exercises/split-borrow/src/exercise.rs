use std::thread;

/// Negates every value in place, the first half on one thread and the second on another.
pub fn negate_in_two_threads(values: &mut [i32]) {
    let mid = values.len() / 2;
    thread::scope(|s| {
        s.spawn(|| values[..mid].iter_mut().for_each(|v| *v = -*v));
        s.spawn(|| values[mid..].iter_mut().for_each(|v| *v = -*v));
    });
}
