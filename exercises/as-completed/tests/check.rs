use std::sync::mpsc;
use std::time::Duration;

use as_completed::as_completed;
use exercise_support::within;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn the_task_that_finishes_first_comes_first() {
    // Task 0 cannot finish until the test has seen task 1's result: the order is certain.
    let (release, released) = mpsc::channel::<()>();
    let tasks: Vec<Box<dyn FnOnce() -> &'static str + Send>> = vec![
        Box::new(move || {
            released.recv().unwrap();
            "slow"
        }),
        Box::new(|| "quick"),
    ];
    let (first, mut rest) = within(LIMIT, "the first result", move || {
        let mut results = as_completed(tasks);
        (results.next(), results)
    });
    assert_eq!(first, Some((1, "quick")));
    release.send(()).unwrap();
    let rest: Vec<_> = within(LIMIT, "the other result", move || rest.by_ref().collect());
    assert_eq!(rest, [(0, "slow")]);
}
