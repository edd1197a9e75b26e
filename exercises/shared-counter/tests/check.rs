use shared_counter::count;

#[test]
fn no_update_is_lost() {
    assert_eq!(count(8, 100_000), 800_000);
    assert_eq!(count(1, 10), 10);
    assert_eq!(count(0, 10), 0);
}
