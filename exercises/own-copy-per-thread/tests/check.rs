use std::time::Duration;

use exercise_support::within;
use own_copy_per_thread::ids_seen;

#[test]
fn every_thread_sees_its_own_id() {
    let seen = within(Duration::from_secs(10), "ids_seen", || ids_seen(4));
    assert_eq!(seen, [1, 2, 3, 4]);
}
