use std::time::Duration;

use exercise_support::within;
use one_step_update::add_in_step;

#[test]
fn no_update_is_lost_even_in_step() {
    assert_eq!(
        within(Duration::from_secs(20), "add_in_step", || add_in_step(
            4, 1000
        )),
        4000
    );
    assert_eq!(
        within(Duration::from_secs(20), "add_in_step", || add_in_step(
            1, 10
        )),
        10
    );
}
