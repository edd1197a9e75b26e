use spawn_and_join::numbers_from_a_thread;

#[test]
fn the_numbers_come_back_in_order() {
    let (numbers, _) = numbers_from_a_thread(5);
    assert_eq!(numbers, [0, 1, 2, 3, 4]);
    assert!(numbers_from_a_thread(0).0.is_empty());
}

#[test]
fn another_thread_made_them() {
    let (_, id) = numbers_from_a_thread(3);
    assert_ne!(
        id,
        std::thread::current().id(),
        "the numbers were made on the caller's thread"
    );
}
