use isolate_the_crash::run_isolated;

#[test]
fn a_value_comes_back() {
    assert_eq!(run_isolated(|| 6 * 7), Ok(42));
}

#[test]
fn a_panic_is_an_error_not_a_crash() {
    assert_eq!(
        run_isolated(|| -> u8 { panic!("boom") }),
        Err("boom".to_owned())
    );
    let n = 3;
    assert_eq!(
        run_isolated(move || -> u8 { panic!("item {n} failed") }),
        Err("item 3 failed".to_owned())
    );
}
