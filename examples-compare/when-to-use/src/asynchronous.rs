//! The async column: the two I/O-bound use cases as tasks on a tokio current-thread runtime (one
//! thread, as asyncio's event loop is), and the async side of the many-connections row.
//!
//! Web pages are fetched by an async client written on `tokio::net::TcpStream` (the server speaks
//! HTTP/1.0, one request per connection); at most `workers` at once, so that the row compares
//! techniques at the same concurrency. Files have no async API on Linux that tokio uses: like
//! `tokio::fs` and Python's `asyncio.to_thread`, each round trip runs on the runtime's pool of
//! blocking threads, here at most `workers` of them.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Semaphore;

use crate::server;
use crate::workloads::{checksum, file_round_trip};

/// A one-thread runtime with at most `blocking` threads for blocking calls.
fn runtime(blocking: usize) -> Result<Runtime> {
    Builder::new_current_thread()
        .enable_io()
        .max_blocking_threads(blocking)
        .build()
        .context("starting a tokio runtime")
}

/// `files` files of `size` bytes in `dir`, each written and read back on the blocking pool.
pub fn file_io(workers: usize, dir: &Path, files: u64, size: usize) -> Result<u64> {
    runtime(workers)?.block_on(async {
        let handles: Vec<_> = (0..files)
            .map(|n| {
                let dir = dir.to_owned();
                tokio::task::spawn_blocking(move || file_round_trip((dir, n, size)))
            })
            .collect();
        let mut sums = Vec::with_capacity(handles.len());
        for handle in handles {
            sums.push(handle.await??);
        }
        Ok(checksum(sums))
    })
}

/// Page `n`, fetched without blocking the runtime's thread.
async fn fetch(port: u16, n: u64) -> Result<u64> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .context("connecting")?;
    stream.write_all(server::request(n).as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    server::page_sum(n, &response)
}

/// Fetches `pages` pages, a task each, at most `at_once` at a time (`None`: all at once).
pub fn web(at_once: Option<usize>, port: u16, pages: u64) -> Result<u64> {
    runtime(1)?.block_on(async {
        let limit = at_once.map(|n| Arc::new(Semaphore::new(n)));
        let tasks: Vec<_> = (0..pages)
            .map(|n| {
                let limit = limit.clone();
                tokio::spawn(async move {
                    let _permit = match &limit {
                        Some(limit) => Some(limit.acquire().await?),
                        None => None,
                    };
                    fetch(port, n).await
                })
            })
            .collect();
        let mut sums = Vec::with_capacity(tasks.len());
        for task in tasks {
            sums.push(task.await??);
        }
        Ok(checksum(sums))
    })
}
