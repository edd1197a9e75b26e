//! Drives `common`'s process machinery through its failure cases, for `tests/tests/processes.rs`.
//!
//! The test harness is multi-threaded, where `fork` is not allowed, so each case runs here, in a
//! single-threaded process of its own: `process-faults CASE`. Each case prints what happened on
//! stdout, one fact a line, and ends with two lines about what it left behind:
//! `children: none` (every child reaped) and `descriptors: as before` (every pipe closed).

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use common::futures::{FutureError, ProcessPoolExecutor};
use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::pyfmt::Py;
use common::queue::IpcQueue;
use common::shared::{SharedArray, SharedHandle, SharedValue};
use nix::errno::Errno;
use nix::sys::signal::{Signal, raise};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

fn main() -> Result<()> {
    let case = std::env::args().nth(1).unwrap_or_default();
    let descriptors = open_descriptors()?;
    match case.as_str() {
        "pool-panic" => pool_panic()?,
        "pool-kill" => pool_dies(kill_on_3)?,
        "pool-abort" => pool_dies(abort_on_3)?,
        "pool-exit" => pool_dies(exit_on_3)?,
        "pool-many" => pool_many()?,
        "queue-no-put" => queue_no_put()?,
        "queue-join-first" => queue_join_first()?,
        "queue-writers" => queue_writers()?,
        "queue-timeout" => queue_timeout()?,
        "executor-panic" => executor_panic()?,
        "executor-broken" => executor_broken()?,
        "executor-cancel" => executor_cancel()?,
        "executor-map" => executor_map()?,
        "shared-lock" => shared_lock()?,
        "shm-crash-before-attach" => shm_crash(false)?,
        "shm-crash-after-attach" => shm_crash(true)?,
        _ => bail!("unknown case {case:?}"),
    }
    report_leftovers(descriptors)
}

fn double(x: i64) -> i64 {
    2 * x
}

fn panic_on_3(x: i64) -> i64 {
    assert_ne!(x, 3, "three is right out");
    x
}

fn kill_on_3(x: i64) -> i64 {
    if x == 3 {
        raise(Signal::SIGKILL).expect("raising SIGKILL");
    }
    x
}

fn abort_on_3(x: i64) -> i64 {
    if x == 3 {
        std::process::abort();
    }
    x
}

fn exit_on_3(x: i64) -> i64 {
    if x == 3 {
        std::process::exit(3);
    }
    x
}

/// A task panics: `map` reports it, and the pool still works.
fn pool_panic() -> Result<()> {
    let mut pool = ProcessPool::new(2)?;
    println!("map: {:#}", pool.map(panic_on_3, 0..8).unwrap_err());
    println!("after: {}", Py(pool.map(double, 0..4)?));
    Ok(())
}

/// A worker dies mid-map: `map` fails at once, naming how; the pool is broken from then on.
fn pool_dies(task: fn(i64) -> i64) -> Result<()> {
    let mut pool = ProcessPool::new(2)?;
    let started = Instant::now();
    let err = pool.map(task, 0..8).unwrap_err();
    eprintln!("detected after {:?}", started.elapsed());
    println!("map: {err:#}");
    println!("within 1 s: {}", started.elapsed() < Duration::from_secs(1));
    println!("after: {:#}", pool.map(double, 0..4).unwrap_err());
    Ok(())
}

/// 100 000 items come back in order, in a few dozen chunks (the chunks are logged on stderr).
fn pool_many() -> Result<()> {
    let mut pool = ProcessPool::new(4)?;
    pool.log_to_stderr(true);
    let results = pool.map(double, 0..100_000)?;
    println!(
        "in order: {}",
        results.iter().copied().eq((0..100_000).map(double))
    );
    Ok(())
}

/// A child exits without putting anything: `get` fails instead of waiting forever.
fn queue_no_put() -> Result<()> {
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = process::fork(move || {
        drop(writer);
        Ok(())
    })?;
    println!("get: {:#}", queue.get().unwrap_err());
    child.join()
}

/// The deadlock Python warns about: join a child before taking the 10 MiB it put.
fn queue_join_first() -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let child = process::fork(move || {
        writer.put(&big_message(7))?;
        writer.put(&b"and a small one".to_vec())
    })?;
    child.join()?;
    println!("joined before getting: ok");
    println!("first intact: {}", queue.get()? == big_message(7));
    println!("second: {}", String::from_utf8(queue.get()?)?);
    Ok(())
}

fn big_message(seed: u8) -> Vec<u8> {
    (0..10 << 20).map(|i: u32| (i % 251) as u8 ^ seed).collect()
}

/// Four children share one queue; their large messages never interleave.
fn queue_writers() -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let mut children = Vec::new();
    for tag in 1..=4u8 {
        let mine = writer.try_clone()?;
        children.push(process::fork(move || {
            (0..25).try_for_each(|_| mine.put(&vec![tag; 200 * 1024]))
        })?);
    }
    drop(writer);
    let mut intact = 0;
    for _ in 0..100 {
        let message = queue.get()?;
        intact +=
            usize::from(message.len() == 200 * 1024 && message.iter().all(|&b| b == message[0]));
    }
    println!("intact messages: {intact}");
    println!("then: {:#}", queue.get().unwrap_err());
    children.into_iter().try_for_each(process::Child::join)
}

/// `get_timeout` on an empty queue whose writer is alive returns `None`.
fn queue_timeout() -> Result<()> {
    let (_writer, queue) = IpcQueue::<String>::new()?;
    println!(
        "get_timeout: {:?}",
        queue.get_timeout(Duration::from_millis(50))?
    );
    Ok(())
}

/// Four processes increment a shared counter under its lock: no update is lost. Then a child is
/// killed while holding the lock, and the parent can still take it.
fn shared_lock() -> Result<()> {
    let counter = &SharedValue::new(0i64)?;
    let increment_20_000_times = || -> Result<()> {
        for _ in 0..20_000 {
            let _held = counter.lock()?;
            counter.set(counter.get() + 1);
        }
        Ok(())
    };
    let children: Vec<_> = (0..4)
        .map(|_| process::fork(increment_20_000_times))
        .collect::<Result<_>>()?;
    children.into_iter().try_for_each(process::Child::join)?;
    println!("with lock: {}", counter.get());

    let (has_lock, holder_has_lock) = IpcQueue::<()>::new()?;
    let mut holder = process::fork(move || {
        let _held = counter.lock()?;
        has_lock.put(&())?;
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    })?;
    holder_has_lock.get()?;
    holder.kill()?;
    println!("holder: {}", holder.wait()?);
    let _held = counter.lock()?;
    println!("lock taken after its holder died: true");
    Ok(())
}

/// A child crashes before or after attaching to named shared memory; `/dev/shm` is left clean.
fn shm_crash(attach_first: bool) -> Result<()> {
    let array = SharedArray::named(0..5)?;
    let (handle, fds) = array.share();
    let target = if attach_first {
        attach_then_crash
    } else {
        crash
    };
    let child = process::start_inheriting(StartMethod::Fork, target, handle, &fds)?;
    println!("join: {:#}", child.join().unwrap_err());
    println!("first element: {}", array.get(0));
    Ok(())
}

fn crash(_: SharedHandle) -> Result<()> {
    std::process::abort()
}

fn attach_then_crash(handle: SharedHandle) -> Result<()> {
    SharedArray::<i32>::from_handle(handle)?.set(0, 42);
    std::process::abort()
}

/// A task that panics fails its own future; the process pool is not broken by it.
fn executor_panic() -> Result<()> {
    let executor = ProcessPoolExecutor::new(2)?;
    println!(
        "panicking task: {}",
        executor.submit(panic_on_3, 3).result().unwrap_err()
    );
    println!("next task: {:?}", executor.submit(double, 21).result());
    Ok(())
}

fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// One worker is killed: the task on the other worker, the queued tasks and later ones all fail
/// with "broken pool" at once, although the other task had seconds left to run.
fn executor_broken() -> Result<()> {
    let executor = ProcessPoolExecutor::new(2)?;
    let started = Instant::now();
    let long = executor.submit(sleep_ms, 10_000);
    let killer = executor.submit(kill_on_3, 3);
    let queued: Vec<_> = (0..4).map(|n| executor.submit(double, n)).collect();
    println!("killed task: {}", killer.result().unwrap_err());
    let long = long.result();
    let queued: Vec<_> = queued.into_iter().map(|f| f.result()).collect();
    println!("within 1 s: {}", started.elapsed() < Duration::from_secs(1));
    let broken = |r: &Result<i64, FutureError>| matches!(r, Err(FutureError::BrokenPool(_)));
    println!(
        "long task broken: {}",
        matches!(long, Err(FutureError::BrokenPool(_)))
    );
    println!("queued tasks broken: {}", queued.iter().all(broken));
    println!(
        "later task: {}",
        executor.submit(double, 1).result().unwrap_err()
    );
    Ok(())
}

/// Waits until the file at `path` exists: a release signal that crosses process boundaries.
fn wait_for_file(path: String) -> bool {
    while !std::path::Path::new(&path).exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Appends a byte to the file at `path`: a counter that crosses process boundaries.
fn count_in_file(path: String) -> bool {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("counter file");
    file.write_all(b"+").expect("counting");
    true
}

/// A queued task that is cancelled never runs in any worker process.
fn executor_cancel() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("process-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (release, counter) = (dir.join("release"), dir.join("counter"));
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();

    let executor = ProcessPoolExecutor::new(1)?;
    let blocker = executor.submit(wait_for_file, path(&release));
    let cancelled = executor.submit(count_in_file, path(&counter));
    let kept = executor.submit(count_in_file, path(&counter));
    println!("cancel queued: {}", cancelled.cancel());
    std::fs::write(&release, "")?;
    executor.shutdown(true, false);
    println!("blocker: {:?}", blocker.result());
    println!("cancelled: {:?}", cancelled.result());
    println!("kept: {:?}", kept.result());
    println!("times counted: {}", std::fs::read(&counter)?.len());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// 10 000 items through the process-pool executor come back in input order.
fn executor_map() -> Result<()> {
    let executor = ProcessPoolExecutor::new(3)?;
    let results: Result<Vec<i64>, FutureError> = executor.map(double, 0..10_000).collect();
    println!(
        "in order: {}",
        results? == (0..10_000).map(double).collect::<Vec<_>>()
    );
    Ok(())
}

fn open_descriptors() -> Result<usize> {
    Ok(std::fs::read_dir("/proc/self/fd")?.count())
}

fn report_leftovers(descriptors_before: usize) -> Result<()> {
    // ECHILD: this process has no child left, running or zombie.
    let children = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG));
    println!(
        "children: {}",
        if children == Err(Errno::ECHILD) {
            "none".to_owned()
        } else {
            format!("{children:?}")
        }
    );
    let after = open_descriptors()?;
    println!(
        "descriptors: {}",
        if after == descriptors_before {
            "as before".to_owned()
        } else {
            format!("{descriptors_before} → {after}")
        }
    );
    Ok(())
}
