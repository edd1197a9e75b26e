use std::time::Duration;

use exercise_support::within;
use lock_held_while_joining::log_in_order;

#[test]
fn the_log_is_worker_then_main() {
    let log = within(Duration::from_secs(10), "log_in_order", log_in_order);
    assert_eq!(log, ["worker", "main"]);
}
