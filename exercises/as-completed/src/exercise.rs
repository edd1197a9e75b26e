/// Runs every task at once; `(index, result)` as each finishes.
pub fn as_completed<T: Send + 'static>(
    tasks: Vec<Box<dyn FnOnce() -> T + Send>>,
) -> impl Iterator<Item = (usize, T)> {
    todo!("start {} threads that send on one channel", tasks.len());
    #[allow(unreachable_code)]
    std::iter::empty()
}
