/// `f` over `items` on at most `workers` threads (not the caller's), results in input order.
pub fn pool_map<T: Send, R: Send>(
    workers: usize,
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    todo!("split the items among `workers` threads; join them in order")
}
