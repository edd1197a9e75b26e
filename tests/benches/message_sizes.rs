//! How a message's cost grows with its size, from 8 bytes to 64 MiB: this project's `IpcQueue`
//! (a pipe below 16 KiB, the shared ring from there), a raw pipe carrying the same frames,
//! servo's `ipc-channel` (its bytes channel: a Unix socket; a message larger than one packet
//! crosses in fragments over a socket of its own), and Python's `multiprocessing.Queue`. A child
//! sends, the parent receives; the four are interleaved, each round in another order
//! (`measure::order`). Prints a Markdown table of medians (µs per message), and under it the first
//! 1 MiB message on a fresh queue beside the ones after it; with `--data FILE`, writes every
//! sample as evidence for `bench-report`'s log–log chart.
//!
//! Run: `cargo bench -p tests --bench message_sizes [-- --pinned] [-- --data FILE]`.

use anyhow::{Context, Result, ensure};
use common::process::{self, StartMethod};
use common::queue::{IpcQueue, QueueWriter};
use common::target::Target;
use evidence::record::{DataFile, Evidence};
use nix::sys::wait::waitpid;
use nix::unistd::ForkResult;

mod measure;

/// The sizes swept, in bytes.
const SIZES: [usize; 10] = [
    8,
    1 << 10,
    16 << 10,
    64 << 10,
    256 << 10,
    1 << 20,
    4 << 20,
    16 << 20,
    32 << 20,
    64 << 20,
];

/// How many messages of `size` one sample sends: about 32 MiB in all, 4 to 5000 messages.
fn count(size: usize) -> usize {
    ((32 << 20) / size).clamp(4, 5000)
}

/// A message size, how many to send, and where.
type Sized = (usize, usize, QueueWriter<Vec<u8>>);

fn put_sized((size, n, queue): Sized) -> Result<()> {
    let message = vec![7u8; size];
    Ok((0..n).try_for_each(|_| queue.put(&message))?)
}
const PUT_SIZED: Target<Sized, Result<()>> = common::target!(put_sized);

/// How many 1 MiB messages a fresh queue carries after its first, for the steady state.
const AFTER_FIRST: usize = 32;

/// A one-byte message (it goes through the pipe: the ring is not touched), then `n` of 1 MiB,
/// made before the first.
fn put_ready_then_mibs((n, queue): (usize, QueueWriter<Vec<u8>>)) -> Result<()> {
    let message = vec![7u8; 1 << 20];
    queue.put(&vec![0u8])?;
    Ok((0..n).try_for_each(|_| queue.put(&message))?)
}
const PUT_READY_THEN_MIBS: Target<(usize, QueueWriter<Vec<u8>>), Result<()>> =
    common::target!(put_ready_then_mibs);

/// On a fresh queue whose child is running (its one-byte message is in): seconds from there to
/// the first 1 MiB message, whose ring neither process has touched yet, then between each of the
/// next `AFTER_FIRST` and the one before it.
fn fresh_queue() -> Result<(f64, Vec<f64>)> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let child = process::start(
        StartMethod::Fork,
        &PUT_READY_THEN_MIBS,
        (1 + AFTER_FIRST, writer),
    )?;
    ensure!(queue.get()?.len() == 1);
    let mut last = std::time::Instant::now();
    let mut gaps = Vec::new();
    for _ in 0..=AFTER_FIRST {
        ensure!(queue.get()?.len() == 1 << 20);
        let now = std::time::Instant::now();
        gaps.push((now - last).as_secs_f64());
        last = now;
    }
    child.join()?;
    let first = gaps.remove(0);
    Ok((first, gaps))
}

/// Seconds per message through the project's queue.
fn project(size: usize, n: usize) -> Result<f64> {
    measure::seconds(|| {
        let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
        let child = process::start(StartMethod::Fork, &PUT_SIZED, (size, n, writer))?;
        for _ in 0..n {
            ensure!(queue.get()?.len() == size);
        }
        Ok(child.join()?)
    })
    .map(|s| s / n as f64)
}

/// Seconds per message through a raw pipe: a 4-byte length, then the bytes; read in whole.
fn raw(size: usize, n: usize) -> Result<f64> {
    let mut frame = (size as u32).to_le_bytes().to_vec();
    frame.extend(std::iter::repeat_n(7u8, size));
    measure::seconds(|| {
        measure::raw_pipe_frames(&frame, n, |payload| {
            ensure!(payload.len() == size);
            Ok(())
        })
    })
    .map(|s| s / n as f64)
}

/// Seconds per message through `ipc-channel`'s bytes channel, made before the fork.
fn ipc_channel(size: usize, n: usize) -> Result<f64> {
    measure::seconds(|| {
        let (sender, receiver) = ipc_channel::ipc::bytes_channel().context("bytes_channel")?;
        // SAFETY: this benchmark is single-threaded here; the child sends and `_exit`s.
        let child = match unsafe { nix::unistd::fork() }? {
            ForkResult::Child => {
                drop(receiver);
                let message = vec![7u8; size];
                for _ in 0..n {
                    sender.send(&message).expect("ipc-channel send");
                }
                // SAFETY: `_exit` has no preconditions.
                unsafe { nix::libc::_exit(0) }
            }
            ForkResult::Parent { child } => child,
        };
        drop(sender);
        for _ in 0..n {
            let message = receiver.recv().context("ipc-channel recv")?;
            ensure!(message.len() == size);
        }
        waitpid(child, None)?;
        Ok(())
    })
    .map(|s| s / n as f64)
}

fn main() -> Result<()> {
    common::roles::run_if_child(&[&PUT_SIZED, &PUT_READY_THEN_MIBS]);
    let data = std::env::args()
        .skip_while(|a| a != "--data")
        .nth(1)
        .map(std::path::PathBuf::from);
    let data = data.as_deref().map(DataFile::create).transpose()?;
    let (rounds, mut python) = measure::start("Message sizes", 5, "data_paths.py")?;
    // After `start` has pinned the process, if asked: the window watches the CPUs it may use.
    let run_line = measure::RunLine::start()?;
    let mut evidence = Evidence::default();
    let pinned = measure::pin_if_asked()?;
    evidence
        .scope_mut("run")
        .add("pinned", if pinned { 1.0 } else { 0.0 });
    let run = evidence.scope_mut("run");
    if let Some(p) = &python {
        run.fact("python", p.version.as_str());
    }
    evidence::machine::record(run)?; // For the chart's caption.
    for round in 0..rounds {
        eprint!("\rmessage sizes: round {}/{rounds}  ", round + 1);
        for size in SIZES {
            let n = count(size);
            for column in measure::order(round, 4) {
                let (series, seconds) = match column {
                    0 => ("project", project(size, n)?),
                    1 => ("raw", raw(size, n)?),
                    2 => ("ipc-channel", ipc_channel(size, n)?),
                    _ => match python.as_mut() {
                        Some(p) => ("python", p.ask(&format!("queue_bytes {n} {size}"))?),
                        None => continue,
                    },
                };
                evidence
                    .scope_mut(series)
                    .add(format!("size.{size}"), seconds);
            }
        }
        let (first, after) = fresh_queue()?;
        let fresh = evidence.scope_mut("fresh-queue");
        fresh.add("first", first);
        after.into_iter().for_each(|gap| fresh.add("after", gap));
    }
    eprintln!();
    let version = python.as_ref().map(|p| p.version.clone());
    if let Some(p) = python {
        p.stop()?;
    }
    print_table(&evidence);
    print_fresh_queue(&evidence);
    run_line.print(version.as_deref().unwrap_or("python3 not found"))?;
    if let Some(data) = data {
        data.write(&evidence, "message-sizes")?;
    }
    Ok(())
}

/// The table: µs per message, median [min–max], and the project's ratio to each other.
fn print_table(evidence: &Evidence) {
    let series = ["project", "raw", "ipc-channel", "python"];
    println!(
        "| message size | this project | raw pipe | ipc-channel | Python | ÷ raw | ÷ ipc-channel | ÷ Python |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in SIZES {
        let key = format!("size.{size}");
        let stats: Vec<_> = series
            .iter()
            .map(|s| evidence.scope(s).and_then(|r| r.stats(&key)))
            .collect();
        let cell = |s: &Option<evidence::record::Stats>| {
            s.map_or("—".to_owned(), |s| {
                format!(
                    "{:.1} µs [{:.1}–{:.1}]",
                    s.median * 1e6,
                    s.min * 1e6,
                    s.max * 1e6
                )
            })
        };
        let ratio = |other: &Option<evidence::record::Stats>| match (&stats[0], other) {
            (Some(ours), Some(other)) => evidence::show::times(ours.median / other.median),
            _ => "—".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            show_size(size),
            cell(&stats[0]),
            cell(&stats[1]),
            cell(&stats[2]),
            cell(&stats[3]),
            ratio(&stats[1]),
            ratio(&stats[2]),
            ratio(&stats[3]),
        );
    }
    println!();
}

/// The first 1 MiB message on a fresh queue beside the ones after it on the same queue.
fn print_fresh_queue(evidence: &Evidence) {
    let stats = |key: &str| evidence.scope("fresh-queue").and_then(|s| s.stats(key));
    if let (Some(first), Some(after)) = (stats("first"), stats("after")) {
        println!(
            "- a fresh queue's first 1 MiB message took {:.0} µs [{:.0}–{:.0}] once its child ran, {} the next {AFTER_FIRST} on the same queue ({:.0} µs [{:.0}–{:.0}]; target ≤ 2×)\n",
            first.median * 1e6,
            first.min * 1e6,
            first.max * 1e6,
            evidence::show::times(first.median / after.median),
            after.median * 1e6,
            after.min * 1e6,
            after.max * 1e6,
        );
    }
}

/// `8 B`, `16 KiB`, `64 MiB`.
pub fn show_size(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}
