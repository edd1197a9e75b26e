use pool_initializer::shifted_on_pool;

#[test]
fn every_worker_knows_the_offset() {
    let numbers: Vec<u64> = (1..=100).collect();
    let expected: Vec<u64> = numbers.iter().map(|x| x + 10).collect();
    assert_eq!(shifted_on_pool(&numbers, 10), expected);
}
