use split_borrow::negate_in_two_threads;

#[test]
fn every_value_is_negated_once() {
    let mut values = [0, 1, 2, 3, 4];
    negate_in_two_threads(&mut values);
    assert_eq!(values, [0, -1, -2, -3, -4]);
    let mut empty: [i32; 0] = [];
    negate_in_two_threads(&mut empty);
}
