use std::sync::mpsc;
use std::time::{Duration, Instant};

use exercise_support::within;
use wait_for_some::wait_for_some;

#[test]
fn the_quick_ones_are_done_and_the_blocked_one_is_not() {
    let (release, released) = mpsc::channel::<()>();
    let tasks: Vec<Box<dyn FnOnce() + Send>> = vec![
        Box::new(|| {}),
        Box::new(move || _ = released.recv()), // Waits until the test releases it.
        Box::new(|| {}),
    ];
    let (took, (done, not_done)) = within(Duration::from_secs(10), "wait_for_some", move || {
        let start = Instant::now();
        let result = wait_for_some(tasks, Duration::from_millis(200));
        (start.elapsed(), result)
    });
    release.send(()).ok();
    assert_eq!(done, [0, 2]);
    assert_eq!(not_done, [1]);
    assert!(
        took >= Duration::from_millis(200),
        "gave up before the timeout: {took:?}"
    );
}

#[test]
fn it_returns_as_soon_as_all_are_done() {
    let tasks: Vec<Box<dyn FnOnce() + Send>> = vec![Box::new(|| {}), Box::new(|| {})];
    let (took, (done, not_done)) = within(Duration::from_secs(10), "wait_for_some", move || {
        let start = Instant::now();
        let result = wait_for_some(tasks, Duration::from_secs(5));
        (start.elapsed(), result)
    });
    assert_eq!((done, not_done), (vec![0, 1], vec![]));
    assert!(
        took < Duration::from_secs(5),
        "waited for the whole timeout: {took:?}"
    );
}
