use move_into_thread::greet_all;

#[test]
fn everyone_is_greeted_in_order() {
    let names = vec!["Alice".to_owned(), "Bob".to_owned(), "Carol".to_owned()];
    assert_eq!(
        greet_all(names),
        ["Hello, Alice!", "Hello, Bob!", "Hello, Carol!"]
    );
    assert!(greet_all(Vec::new()).is_empty());
}
