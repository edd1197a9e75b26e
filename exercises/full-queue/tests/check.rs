use std::time::Duration;

use exercise_support::within;
use full_queue::sum_of_squares;

#[test]
fn the_sum_arrives_through_a_small_queue() {
    assert_eq!(
        within(Duration::from_secs(10), "sum_of_squares(20)", || {
            sum_of_squares(20)
        }),
        2470
    );
    assert_eq!(
        within(Duration::from_secs(10), "sum_of_squares(1)", || {
            sum_of_squares(1)
        }),
        0
    );
}
