/// Runs every task at once; `(index, result)` as each finishes.
pub fn as_completed<T: Send + 'static>(
    tasks: Vec<Box<dyn FnOnce() -> T + Send>>,
) -> impl Iterator<Item = (usize, T)> {
    todo!("start a thread per task, each sending (index, result) on one channel");
    std::iter::empty()
}
