use rc_to_arc::sums_on_threads;

#[test]
fn every_thread_sums_the_same_numbers() {
    assert_eq!(sums_on_threads((1..=100).collect(), 4), [5050; 4]);
    assert!(sums_on_threads(vec![1], 0).is_empty());
}
