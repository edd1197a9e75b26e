use std::thread;

/// Negates every value in place, the first half on one thread and the second on another.
pub fn negate_in_two_threads(values: &mut [i32]) {
    let mid = values.len() / 2;
    let (first, second) = values.split_at_mut(mid); // Two borrows that cannot overlap.
    thread::scope(|s| {
        s.spawn(move || first.iter_mut().for_each(|v| *v = -*v));
        s.spawn(move || second.iter_mut().for_each(|v| *v = -*v));
    });
}
