//! `make bench`, the data paths: how fast values cross between processes and threads through
//! `common`'s queue, shared value, pool and executors, beside the raw primitive each is built on
//! (written out below, so a reader sees what "raw" means) and Python's counterpart
//! (`data_paths.py`). Interleaved, each round in another order (`measure::order`); `-- --pinned`
//! runs on CPU 0 only.
//!
//! Three phases, because `fork` needs a single-threaded process: first the rows that fork (queue,
//! shared value, pools), then the process-pool executor (whose dispatcher threads stay), then the
//! thread pools.

mod measure;

use std::io::{Read, Write};
use std::ops::Range;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use anyhow::{Context, Result, ensure};
use common::futures::{ProcessPoolExecutor, ThreadPoolExecutor};
use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::queue::{IpcQueue, QueueWriter};
use common::shared::SharedValue;
use common::target::Target;
use measure::{Goal, Row, Unit, seconds};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid};

const PUT_U64S: Target<(u64, QueueWriter<u64>), Result<()>> = common::target!(put_u64s);
const PUT_MIBS: Target<(u64, QueueWriter<Vec<u8>>), Result<()>> = common::target!(put_mibs);
const INCREMENT: Target<(u64, SharedValue<i64>), Result<()>> = common::target!(increment);
const TRIVIAL: Target<u64, u64> = common::target!(trivial);

const MIB: usize = 1 << 20;

fn put_u64s((n, queue): (u64, QueueWriter<u64>)) -> Result<()> {
    Ok((0..n).try_for_each(|i| queue.put(&i))?)
}

fn put_mibs((n, queue): (u64, QueueWriter<Vec<u8>>)) -> Result<()> {
    let message = vec![7u8; MIB];
    Ok((0..n).try_for_each(|_| queue.put(&message))?)
}

fn increment((n, value): (u64, SharedValue<i64>)) -> Result<()> {
    for _ in 0..n {
        let _held = value.lock()?;
        value.set(value.get() + 1);
    }
    Ok(())
}

fn trivial(n: u64) -> u64 {
    n + 1
}

fn main() -> Result<()> {
    common::roles::run_if_child(&[&PUT_U64S, &PUT_MIBS, &INCREMENT, &TRIVIAL]);
    let (rounds, mut python) = measure::start("Data paths", 10, "data_paths.py")?;
    // After `start` has pinned the process, if asked: the window watches the CPUs it may use.
    let run_line = measure::RunLine::start()?;
    let mut rows = Vec::new();

    // Phase 1: rows that fork.
    let mut pool = ProcessPool::new(2, StartMethod::Fork)?;
    let mut raw_pool = RawPool::new(2)?;
    let mut queue_u64 = Row::new(
        "`IpcQueue<u64>` child → parent, per message",
        Unit::Nanos,
        Goal::Raw(1.2),
    );
    let mut queue_mib = Row::new(
        "`IpcQueue<Vec<u8>>`, 1 MiB messages, per MiB",
        Unit::Micros,
        Goal::RawAndPython(0.5, 0.33),
    );
    let mut locked = Row::new(
        "`SharedValue<i64>` lock + increment, 2 processes, per increment",
        Unit::Nanos,
        Goal::Raw(1.2),
    );
    let mut map_100k = Row::new(
        "`ProcessPool::map`, 100k trivial items, per item",
        Unit::Nanos,
        Goal::Raw(1.3),
    );
    let mut map_1m = Row::new(
        "`ProcessPool::map`, 1M trivial items, per item",
        Unit::Nanos,
        Goal::Raw(1.3),
    );
    for round in 0..rounds {
        eprint!("\rprocesses: round {}/{rounds}  ", round + 1);
        queue_u64.sample(
            round,
            || per_item(100_000, || queue_u64s(100_000)),
            Some(|| per_item(100_000, || raw_queue_u64s(100_000))),
            python.as_mut().map(|p| move || p.ask("queue_ints 20000")),
        )?;
        queue_mib.sample(
            round,
            || per_item(32, || queue_mibs(32)),
            Some(|| per_item(32, || raw_queue_mibs(32))),
            python.as_mut().map(|p| move || p.ask("queue_mib 32")),
        )?;
        locked.sample(
            round,
            || per_item(40_000, || locked_increments(20_000)),
            Some(|| per_item(40_000, || raw_locked_increments(20_000))),
            python
                .as_mut()
                .map(|p| move || p.ask("locked_increments 20000")),
        )?;
    }
    // The maps in rounds of their own: the rows above fork in every sample, and after a fork
    // whichever pool maps first pays for the parent's pages being copy-on-write again.
    for round in 0..rounds {
        eprint!("\rprocess pools: round {}/{rounds}  ", round + 1);
        for (row, n) in [(&mut map_100k, 100_000), (&mut map_1m, 1_000_000)] {
            row.sample(
                round,
                || per_item(n, || check_map(&pool.map(&TRIVIAL, 0..n)?, n)),
                Some(|| per_item(n, || check_map(&raw_pool.map(n)?, n))),
                python
                    .as_mut()
                    .map(|p| move || p.ask(&format!("pool_map {n}"))),
            )?;
        }
    }
    drop(pool);
    rows.extend([queue_u64, queue_mib, locked, map_100k, map_1m]);

    // Phase 2: the process-pool executor, whose dispatcher threads stay until it is dropped. (The
    // raw pool stays for its round trips: its workers were forked in phase 1.)
    let executor = ProcessPoolExecutor::new(2, StartMethod::Fork)?;
    let mut submit_result = Row::new(
        "`ProcessPoolExecutor` submit + result, per round trip",
        Unit::Nanos,
        Goal::Raw(1.5),
    );
    let mut chunked = Row::new(
        "`ProcessPoolExecutor::map`, 10k trivial items, chunksize 625, per item",
        Unit::Nanos,
        Goal::Python(0.2),
    );
    let mut one_by_one = Row::new(
        "`ProcessPoolExecutor::map`, 2k trivial items, chunksize 1, per item",
        Unit::Nanos,
        Goal::None,
    );
    for round in 0..rounds {
        eprint!("\rprocess executor: round {}/{rounds}  ", round + 1);
        submit_result.sample(
            round,
            || round_trips(2_000, |i| Ok(executor.submit(&TRIVIAL, i).result()?)),
            Some(|| round_trips(2_000, |i| raw_pool.round_trip(i))),
            python
                .as_mut()
                .map(|p| move || p.ask("process_round_trip 2000")),
        )?;
        for (row, n, chunksize) in [(&mut chunked, 10_000, 625), (&mut one_by_one, 2_000, 1)] {
            row.sample(
                round,
                || per_item(n, || executor_map(&executor, n, chunksize)),
                None::<fn() -> Result<f64>>,
                python
                    .as_mut()
                    .map(|p| move || p.ask(&format!("executor_map {n} {chunksize}"))),
            )?;
        }
    }
    drop((executor, raw_pool));
    rows.extend([submit_result, chunked, one_by_one]);

    // Phase 3: thread pools.
    let executor = ThreadPoolExecutor::new(2)?;
    let raw_threads = RawThreadPool::new(2);
    let mut thread_map = Row::new(
        "`ThreadPoolExecutor::map`, 100k trivial tasks, per task",
        Unit::Nanos,
        Goal::Raw(1.5),
    );
    let mut round_trip = Row::new(
        "`ThreadPoolExecutor` submit + result, per round trip",
        Unit::Nanos,
        Goal::Raw(1.1),
    );
    for round in 0..rounds {
        eprint!("\rthreads: round {}/{rounds}  ", round + 1);
        thread_map.sample(
            round,
            || {
                per_item(100_000, || {
                    let results: Vec<u64> = executor
                        .map(trivial, 0..100_000)
                        .collect::<Result<_, _>>()?;
                    check_map(&results, 100_000)
                })
            },
            Some(|| per_item(100_000, || check_map(&raw_threads.map(100_000)?, 100_000))),
            python.as_mut().map(|p| move || p.ask("thread_map 20000")),
        )?;
        round_trip.sample(
            round,
            || round_trips(2_000, |i| Ok(executor.submit(trivial, i).result()?)),
            Some(|| round_trips(2_000, |i| raw_threads.round_trip(i))),
            python
                .as_mut()
                .map(|p| move || p.ask("thread_round_trip 2000")),
        )?;
    }
    rows.extend([thread_map, round_trip]);
    eprintln!("\r{:40}", "");
    measure::print_table(&rows, python.as_ref());
    let version = python.as_ref().map(|p| p.version.clone());
    if let Some(python) = python {
        python.stop()?;
    }
    run_line.print(version.as_deref().unwrap_or("python3 not found"))
}

/// Seconds per round trip of `n` calls of `trip`, each checked to return its item plus one.
fn round_trips(n: u64, mut trip: impl FnMut(u64) -> Result<u64>) -> Result<f64> {
    per_item(n, || {
        for i in 0..n {
            ensure!(trip(i)? == i + 1, "wrong result");
        }
        Ok(())
    })
}

/// Seconds per item of `body`, which handles `n` items.
fn per_item(n: u64, body: impl FnOnce() -> Result<()>) -> Result<f64> {
    Ok(seconds(body)? / n as f64)
}

fn check_map(results: &[u64], n: u64) -> Result<()> {
    ensure!(
        results.len() as u64 == n && results.iter().copied().eq(1..=n),
        "wrong results"
    );
    Ok(())
}

/// A child puts `n` numbers on a queue; the parent gets them all.
fn queue_u64s(n: u64) -> Result<()> {
    let (writer, queue) = IpcQueue::new()?;
    let child = process::start(StartMethod::Fork, &PUT_U64S, (n, writer))?;
    for i in 0..n {
        ensure!(queue.get()? == i);
    }
    Ok(child.join()?)
}

/// A child puts `n` messages of 1 MiB; the parent gets them all.
fn queue_mibs(n: u64) -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let child = process::start(StartMethod::Fork, &PUT_MIBS, (n, writer))?;
    for _ in 0..n {
        ensure!(queue.get()?.len() == MIB);
    }
    Ok(child.join()?)
}

/// Raw: a pipe carrying the same frames, a 4-byte length then the postcard bytes, one `write`
/// per message; the parent reads 64 KiB at a time and decodes the frames it holds.
fn raw_queue_u64s(n: u64) -> Result<()> {
    let (reader, writer) = nix::unistd::pipe()?;
    // SAFETY: this phase is single-threaded; the child writes and `_exit`s.
    let child = match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => {
            drop(reader);
            let mut file = std::fs::File::from(writer);
            for i in 0..n {
                let mut frame = [0u8; 4 + 10];
                let len = postcard::to_slice(&i, &mut frame[4..]).expect("fits").len();
                frame[..4].copy_from_slice(&(len as u32).to_le_bytes());
                file.write_all(&frame[..4 + len]).expect("pipe");
            }
            // SAFETY: `_exit` has no preconditions.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => child,
    };
    drop(writer);
    let mut file = std::fs::File::from(reader);
    let (mut buffer, mut start, mut chunk) = (Vec::new(), 0, vec![0u8; 64 * 1024]);
    let mut expected = 0;
    while expected < n {
        let read = file.read(&mut chunk)?;
        ensure!(read > 0, "the writer stopped early");
        buffer.extend_from_slice(&chunk[..read]);
        while let Some(header) = buffer.get(start..start + 4) {
            let len = u32::from_le_bytes(header.try_into()?) as usize;
            let Some(payload) = buffer.get(start + 4..start + 4 + len) else {
                break;
            };
            ensure!(postcard::from_bytes::<u64>(payload)? == expected);
            expected += 1;
            start += 4 + len;
        }
        buffer.drain(..start);
        start = 0;
    }
    waitpid(child, None)?;
    Ok(())
}

/// Raw: the same frames of 1 MiB, written with one `write_all`; read with `read_exact`.
fn raw_queue_mibs(n: u64) -> Result<()> {
    let payload = postcard::to_allocvec(&serde_bytes_like(&vec![7u8; MIB]))?;
    let mut frame = (payload.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&payload);
    measure::raw_pipe_frames(&frame, n as usize, |payload| {
        ensure!(payload.len() > MIB);
        Ok(())
    })
}

/// Postcard encodes a byte sequence as its length (a varint) then the bytes: build that directly.
fn serde_bytes_like(bytes: &[u8]) -> postcard_bytes::Bytes<'_> {
    postcard_bytes::Bytes(bytes)
}

mod postcard_bytes {
    /// Serializes as bytes (postcard: varint length, then the bytes), not as a sequence of `u8`.
    pub struct Bytes<'a>(pub &'a [u8]);

    impl serde::Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }
}

/// Two children each increment a shared counter `n` times under its lock.
fn locked_increments(n: u64) -> Result<()> {
    let value = SharedValue::new(0i64)?;
    let children = [
        process::start(StartMethod::Fork, &INCREMENT, (n, value.clone()))?,
        process::start(StartMethod::Fork, &INCREMENT, (n, value.clone()))?,
    ];
    children.into_iter().try_for_each(process::Child::join)?;
    ensure!(value.get() == 2 * n as i64, "lost updates");
    Ok(())
}

/// Raw: the primitive `ProcessLock` is built on, written out: a process-shared, robust, recursive
/// pthread mutex and a counter in one anonymous shared mapping, which the forked children inherit.
fn raw_locked_increments(n: u64) -> Result<()> {
    #[repr(C)]
    struct Shared {
        mutex: nix::libc::pthread_mutex_t,
        counter: i64,
    }
    let size = std::num::NonZeroUsize::new(size_of::<Shared>()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh anonymous shared mapping, zero-filled, aliasing nothing.
    let shared = unsafe { mmap_anonymous(None, size, prot, MapFlags::MAP_SHARED) }?
        .cast::<Shared>()
        .as_ptr();
    let mut attr = std::mem::MaybeUninit::<nix::libc::pthread_mutexattr_t>::uninit();
    let attr = attr.as_mut_ptr();
    // SAFETY: `attr` is storage on this frame; it is initialised first, then set, then used.
    unsafe { nix::libc::pthread_mutexattr_init(attr) };
    // SAFETY: as above.
    unsafe { nix::libc::pthread_mutexattr_setpshared(attr, nix::libc::PTHREAD_PROCESS_SHARED) };
    // SAFETY: as above.
    unsafe { nix::libc::pthread_mutexattr_setrobust(attr, nix::libc::PTHREAD_MUTEX_ROBUST) };
    // SAFETY: as above. (Re-entrant, as `ProcessLock` is.)
    unsafe { nix::libc::pthread_mutexattr_settype(attr, nix::libc::PTHREAD_MUTEX_RECURSIVE) };
    // SAFETY: `shared` is the fresh mapping, not yet used by anyone.
    let mutex = unsafe { &raw mut (*shared).mutex };
    // SAFETY: `mutex` is valid, unused memory; `attr` is initialised.
    unsafe { nix::libc::pthread_mutex_init(mutex, attr) };
    let mut children = Vec::new();
    for _ in 0..2 {
        // SAFETY: this phase is single-threaded; the child locks, increments and `_exit`s.
        match unsafe { nix::unistd::fork() }? {
            ForkResult::Child => {
                for _ in 0..n {
                    // SAFETY: the mutex was initialised above and stays mapped in this child.
                    unsafe { nix::libc::pthread_mutex_lock(mutex) };
                    // SAFETY: the counter is only touched under the mutex, which we hold.
                    unsafe { (*shared).counter += 1 };
                    // SAFETY: we hold the mutex.
                    unsafe { nix::libc::pthread_mutex_unlock(mutex) };
                }
                // SAFETY: `_exit` has no preconditions.
                unsafe { nix::libc::_exit(0) }
            }
            ForkResult::Parent { child } => children.push(child),
        }
    }
    for child in children {
        waitpid(child, None)?;
    }
    // SAFETY: both children are gone; the mapping is still ours.
    let total = unsafe { (*shared).counter };
    // SAFETY: exactly the mapping made above, no longer used.
    unsafe {
        munmap(
            std::ptr::NonNull::new(shared.cast()).expect("mapped"),
            size.get(),
        )
    }?;
    ensure!(total == 2 * n as i64, "lost updates");
    Ok(())
}

/// `n` items through the executor's `map`, `chunksize` to a job.
fn executor_map(executor: &ProcessPoolExecutor, n: u64, chunksize: usize) -> Result<()> {
    let results: Vec<u64> = executor
        .map(&TRIVIAL, 0..n, chunksize)
        .collect::<Result<_, _>>()?;
    check_map(&results, n)
}

/// A hand-written process pool: forked workers that read `[count: u32][count × u64]` from a
/// socket and answer `[count × u64]`, each number plus one; `map` keeps every worker busy with one
/// chunk at a time, with the same chunk size as `ProcessPool` (about four chunks per worker).
struct RawPool {
    workers: Vec<(Pid, UnixStream)>,
}

impl RawPool {
    fn new(count: usize) -> Result<RawPool> {
        let mut workers = Vec::new();
        for _ in 0..count {
            let (parent_end, child_end) = UnixStream::pair()?;
            // SAFETY: this phase is single-threaded; the child serves its socket and `_exit`s.
            match unsafe { nix::unistd::fork() }? {
                ForkResult::Child => {
                    drop(parent_end);
                    workers.clear(); // Drops the copies of siblings' sockets (pids are plain numbers).
                    _ = raw_worker(child_end);
                    // SAFETY: `_exit` has no preconditions.
                    unsafe { nix::libc::_exit(0) }
                }
                ForkResult::Parent { child } => workers.push((child, parent_end)),
            }
        }
        Ok(RawPool { workers })
    }

    /// One item to the first worker and its result back.
    fn round_trip(&mut self, item: u64) -> Result<u64> {
        let socket = &mut self.workers[0].1;
        send_chunk(socket, &(item..item + 1))?;
        let mut result = [0u8; 8];
        socket.read_exact(&mut result)?;
        Ok(u64::from_le_bytes(result))
    }

    fn map(&mut self, n: u64) -> Result<Vec<u64>> {
        let chunk = n.div_ceil(4 * self.workers.len() as u64).max(1);
        let mut chunks = (0..n)
            .step_by(chunk as usize)
            .map(|s| s..(s + chunk).min(n));
        let mut results = vec![0u64; n as usize];
        let mut busy: Vec<Option<Range<u64>>> = vec![None; self.workers.len()];
        for (index, slot) in busy.iter_mut().enumerate() {
            if let Some(range) = chunks.next() {
                send_chunk(&mut self.workers[index].1, &range)?;
                *slot = Some(range);
            }
        }
        while busy.iter().any(Option::is_some) {
            let mut fds: Vec<PollFd> = self
                .workers
                .iter()
                .zip(&busy)
                .filter(|(_, b)| b.is_some())
                .map(|((_, s), _)| PollFd::new(s.as_fd(), PollFlags::POLLIN))
                .collect();
            poll(&mut fds, PollTimeout::NONE)?;
            let ready: Vec<bool> = fds
                .iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect();
            drop(fds);
            let busy_indices: Vec<usize> = (0..busy.len()).filter(|&i| busy[i].is_some()).collect();
            for (&index, ready) in busy_indices.iter().zip(ready) {
                if !ready {
                    continue;
                }
                let range = busy[index].take().expect("busy");
                let mut bytes = vec![0u8; range.clone().count() * 8];
                self.workers[index].1.read_exact(&mut bytes)?;
                for (slot, value) in results[range.start as usize..range.end as usize]
                    .iter_mut()
                    .zip(bytes.chunks_exact(8))
                {
                    *slot = u64::from_le_bytes(value.try_into()?);
                }
                if let Some(range) = chunks.next() {
                    send_chunk(&mut self.workers[index].1, &range)?;
                    busy[index] = Some(range);
                }
            }
        }
        Ok(results)
    }
}

fn send_chunk(socket: &mut UnixStream, range: &Range<u64>) -> Result<()> {
    let mut message = Vec::with_capacity(4 + range.clone().count() * 8);
    message.extend_from_slice(&(range.clone().count() as u32).to_le_bytes());
    for i in range.clone() {
        message.extend_from_slice(&i.to_le_bytes());
    }
    socket.write_all(&message).context("sending a chunk")
}

fn raw_worker(mut socket: UnixStream) -> std::io::Result<()> {
    loop {
        let mut header = [0u8; 4];
        socket.read_exact(&mut header)?;
        let mut items = vec![0u8; u32::from_le_bytes(header) as usize * 8];
        socket.read_exact(&mut items)?;
        for item in items.chunks_exact_mut(8) {
            let n = u64::from_le_bytes(item.try_into().expect("8 bytes"));
            item.copy_from_slice(&trivial(n).to_le_bytes());
        }
        socket.write_all(&items)?;
    }
}

impl Drop for RawPool {
    fn drop(&mut self) {
        for (pid, socket) in self.workers.drain(..) {
            drop(socket);
            _ = waitpid(pid, None);
        }
    }
}

/// A plain crossbeam-channel thread pool: workers take `(index, item)` jobs from one channel and
/// send `(index, result)` back on another; a round trip sends a job with a one-slot reply channel.
struct RawThreadPool {
    jobs: crossbeam::channel::Sender<Job>,
}

enum Job {
    Map(usize, u64, crossbeam::channel::Sender<(usize, u64)>),
    RoundTrip(u64, crossbeam::channel::Sender<u64>),
}

impl RawThreadPool {
    fn new(threads: usize) -> RawThreadPool {
        let (jobs, queue) = crossbeam::channel::unbounded::<Job>();
        for _ in 0..threads {
            let queue = queue.clone();
            std::thread::spawn(move || {
                for job in queue {
                    match job {
                        Job::Map(index, item, results) => _ = results.send((index, trivial(item))),
                        Job::RoundTrip(item, reply) => _ = reply.send(trivial(item)),
                    }
                }
            });
        }
        RawThreadPool { jobs }
    }

    fn map(&self, n: u64) -> Result<Vec<u64>> {
        let (results, received) = crossbeam::channel::unbounded();
        for (index, item) in (0..n).enumerate() {
            self.jobs.send(Job::Map(index, item, results.clone()))?;
        }
        drop(results);
        let mut out = vec![0u64; n as usize];
        for (index, value) in received {
            out[index] = value;
        }
        Ok(out)
    }

    fn round_trip(&self, item: u64) -> Result<u64> {
        let (reply, answer) = crossbeam::channel::bounded(1);
        self.jobs.send(Job::RoundTrip(item, reply))?;
        Ok(answer.recv()?)
    }
}
