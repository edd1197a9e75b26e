use std::future::Future;
use std::time::Duration;

/// The future's value if it finishes within `limit`; otherwise `None`, the future dropped.
pub async fn first_within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, future).await.ok()
}
