use std::sync::mpsc;
use std::time::Duration;

use submit_and_wait::{TimeoutError, submit};

#[test]
fn a_finished_task_gives_its_value() {
    let future = submit(|| 6 * 7);
    assert_eq!(future.result(Duration::from_secs(10)), Ok(42));
}

#[test]
fn a_task_that_has_not_finished_times_out_then_finishes() {
    let (release, released) = mpsc::channel::<()>();
    let future = submit(move || released.recv().map(|()| "done"));
    assert_eq!(future.result(Duration::from_millis(50)), Err(TimeoutError));
    release.send(()).unwrap();
    assert_eq!(future.result(Duration::from_secs(10)), Ok(Ok("done")));
}
