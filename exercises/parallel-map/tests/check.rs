use std::collections::HashSet;
use std::sync::Mutex;
use std::thread;

use parallel_map::pool_map;

#[test]
fn results_come_back_in_input_order() {
    let squares = pool_map(4, (1..=1000u64).collect(), |x| x * x);
    assert_eq!(squares, (1..=1000u64).map(|x| x * x).collect::<Vec<_>>());
    assert!(pool_map(2, Vec::<u64>::new(), |x| x).is_empty());
}

#[test]
fn at_most_the_workers_run_it_and_never_the_caller() {
    let threads = Mutex::new(HashSet::new());
    pool_map(3, (0..300).collect(), |x: u32| {
        threads.lock().unwrap().insert(thread::current().id());
        x
    });
    let threads = threads.into_inner().unwrap();
    assert!(
        !threads.is_empty() && threads.len() <= 3,
        "{} threads",
        threads.len()
    );
    assert!(
        !threads.contains(&thread::current().id()),
        "the caller ran items itself"
    );
}
