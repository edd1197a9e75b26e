use std::time::{Duration, Instant};

use exercise_support::within;
use overlap_the_waits::wait_all;

#[test]
fn eight_waits_take_about_as_long_as_one() {
    let waits = [Duration::from_millis(100); 8];
    let took = within(Duration::from_secs(10), "wait_all", move || {
        let start = Instant::now();
        wait_all(&waits);
        start.elapsed()
    });
    assert!(
        took >= Duration::from_millis(100),
        "returned before the waits were over: {took:?}"
    );
    assert!(
        took < Duration::from_millis(400),
        "the waits did not overlap: {took:?} for 8 × 100 ms"
    );
}
