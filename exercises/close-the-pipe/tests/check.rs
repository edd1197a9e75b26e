use std::time::Duration;

use close_the_pipe::squares_by_child;
use exercise_support::within;

#[test]
fn the_child_squares_and_exits() {
    let squares = within(Duration::from_secs(10), "squares_by_child", || {
        squares_by_child(&[1, 2, 3, -4])
    });
    assert_eq!(squares, [1, 4, 9, 16]);
}
