//! `async with asyncio.TaskGroup() as group:` (Python 3.11) beside a `JoinSet`: one task fails
//! while its sibling waits, and the sibling is cancelled.

use common::pyfmt::Py;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::cleanup::{Cleaned, never};

/// Runs the group, then prints how many tasks failed and whether the sibling was cancelled.
pub async fn one_fails() -> Result<(), common::error::BoxError> {
    let cleaned = Cleaned::default();
    let (started, has_started) = oneshot::channel();
    let mut group: JoinSet<Result<(), String>> = JoinSet::new();
    {
        let cleaned = cleaned.clone();
        group.spawn(async move {
            _ = started.send(());
            never(cleaned).await;
            Ok(())
        });
    }
    group.spawn(async move {
        _ = has_started.await; // Fail only once the sibling is waiting.
        Err("boom".to_owned())
    });
    let mut errors = Vec::new();
    while let Some(joined) = group.join_next().await {
        match joined {
            Ok(Err(error)) => errors.push(error),
            Ok(Ok(())) => continue,
            Err(e) if e.is_cancelled() => continue,
            Err(e) => return Err(e.into()),
        }
        group.abort_all(); // What `TaskGroup` does on the first error.
    }
    println!(
        "a group where one task fails: {} error(s): {}; its sibling was cancelled: {}",
        errors.len(),
        errors.join(", "),
        Py(cleaned.seen())
    );
    Ok(())
}
