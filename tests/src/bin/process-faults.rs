//! Drives `common`'s process machinery through its failure cases, for `tests/tests/processes.rs`.
//!
//! The test harness is multi-threaded, where `fork` is not allowed, so each case runs here, in a
//! process of its own: `process-faults CASE [fork|spawn|forkserver]` (fork by default). Each case
//! prints what happened on stdout, one fact a line, and ends with two lines about what it left
//! behind: `children: none` (every child reaped, the fork server too) and `descriptors: as before`.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use common::futures::{FutureError, ProcessPoolExecutor, ThreadPoolExecutor};
use common::pipe::Connection;
use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::pyfmt::Py;
use common::queue::{IpcQueue, QueueWriter};
use common::shared::{SharedArray, SharedValue};
use common::target;
use common::target::Target;
use nix::errno::Errno;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, raise};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

const DOUBLE: Target<i64, i64> = target!(double);
const PANIC_ON_3: Target<i64, i64> = target!(panic_on_3);
const KILL_ON_3: Target<i64, i64> = target!(kill_on_3);
const ABORT_ON_3: Target<i64, i64> = target!(abort_on_3);
const EXIT_ON_3: Target<i64, i64> = target!(exit_on_3);
const EXIT_0_ON_3: Target<i64, i64> = target!(exit_0_on_3);
const SLEEP_MS: Target<u64, u64> = target!(sleep_ms);
const STOP_ON_3: Target<i64, i64> = target!(stop_on_3);
const HUGE_ON_3: Target<i64, String> = target!(huge_on_3);
const UNLUCKY: Target<Fussy, u8> = target!(unlucky);
const PUT_FUSSY: Target<QueueWriter<Fussy>, Result<()>> = target!(put_fussy);
const WAIT_FOR_FILE: Target<String, bool> = target!(wait_for_file);
const COUNT_IN_FILE: Target<String, bool> = target!(count_in_file);
const PUT_NOTHING: Target<QueueWriter<String>, ()> = target!(put_nothing);
const ANSWER_NOTHING: Target<Connection<u32>, ()> = target!(answer_nothing);
const PUT_BIG: Target<QueueWriter<Vec<u8>>, Result<()>> = target!(put_big);
const SLEEP_THEN_PUT: Target<(u64, QueueWriter<String>), Result<()>> = target!(sleep_then_put);
/// A tag byte, a message size, and where to put the messages.
type SizedPuts = (u8, usize, QueueWriter<Vec<u8>>);
const PUT_SIZED: Target<SizedPuts, Result<()>> = target!(put_sized);
const CRASH: Target<SharedArray<i32>, ()> = target!(crash);
const AFTER_FORK_STATE: Target<i32, String> = target!(after_fork_state);
const CORRUPT_REPLY: Target<i64, i64> = target!(corrupt_reply);
const CRASH_FREE: Target<SharedArray<i32>, ()> = target!(negate_all);
const ADD_1000: Target<SharedValue<i64>, Result<()>> = target!(add_1000);
const PUT_RING_MIX: Target<QueueWriter<Vec<u8>>, Result<()>> = target!(put_ring_mix);
const PUT_RING_STRINGS: Target<QueueWriter<String>, Result<()>> = target!(put_ring_strings);
const PUT_STATE: Target<(i32, QueueWriter<String>), Result<()>> = target!(put_state);
const ATTACH_THEN_CRASH: Target<SharedArray<i32>, ()> = target!(attach_then_crash);
/// Deliberately missing from the table below.
const UNLISTED: Target<i64, i64> = target!(triple);
/// DOUBLE's name with other types: what a child must refuse, not run.
const MISTYPED: Target<u64, u64> = Target::new("process_faults::double", sleep_ms);

fn main() -> Result<()> {
    common::roles::run_if_child(&[
        &DOUBLE,
        &PANIC_ON_3,
        &KILL_ON_3,
        &ABORT_ON_3,
        &EXIT_ON_3,
        &EXIT_0_ON_3,
        &SLEEP_MS,
        &STOP_ON_3,
        &HUGE_ON_3,
        &UNLUCKY,
        &PUT_FUSSY,
        &WAIT_FOR_FILE,
        &COUNT_IN_FILE,
        &PUT_NOTHING,
        &ANSWER_NOTHING,
        &PUT_BIG,
        &SLEEP_THEN_PUT,
        &PUT_SIZED,
        &CRASH,
        &ATTACH_THEN_CRASH,
        &AFTER_FORK_STATE,
        &CORRUPT_REPLY,
        &CRASH_FREE,
        &ADD_1000,
        &PUT_RING_MIX,
        &PUT_RING_STRINGS,
        &PUT_STATE,
    ]);
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    if case.is_empty() || case == "--help" || case == "-h" {
        println!(
            "process-faults: the internal test driver for tests/tests/processes.rs, not an example.\n\
             Usage: process-faults CASE [fork|spawn|forkserver]\n\
             Each case drives common's process machinery through one failure and reports, one fact\n\
             a line, what happened and what was left behind. For the examples: cargo run -p <package>."
        );
        std::process::exit(if case.is_empty() { 2 } else { 0 });
    }
    let method = match args.next().as_deref() {
        None | Some("fork") => StartMethod::Fork,
        Some("spawn") => StartMethod::Spawn,
        Some("forkserver") => StartMethod::Forkserver,
        Some(other) => bail!("unknown start method {other:?}"),
    };
    let descriptors = open_descriptors()?;
    match case.as_str() {
        "pool-panic" => pool_panic(method)?,
        "pool-kill" => pool_dies(method, &KILL_ON_3)?,
        "pool-abort" => pool_dies(method, &ABORT_ON_3)?,
        "pool-exit" => pool_dies(method, &EXIT_ON_3)?,
        "pool-exit-0" => pool_dies(method, &EXIT_0_ON_3)?,
        "pool-many" => pool_many(method)?,
        "pool-stopped" => pool_stopped(method)?,
        "pool-result-too-large" => pool_result_too_large(method)?,
        "decode-fails" => decode_fails(method)?,
        "pool-stopped-hold" => pool_stopped_hold(method)?,
        "executor-stopped-kill" => executor_stopped(method, true)?,
        "executor-stopped-terminate" => executor_stopped(method, false)?,
        "unknown-target" => unknown_target(method)?,
        "queue-no-put" => queue_no_put(method)?,
        "pipe-no-answer" => pipe_no_answer(method)?,
        "pipe-eof-beside-children" => pipe_eof_beside_children(method)?,
        "after-fork-state" => after_fork_state_everywhere()?,
        "pool-corrupt-reply" => pool_corrupt_reply(method)?,
        "shm-full" => shm_full(method)?,
        "tracker-killed" => tracker_killed(method)?,
        "shared-everywhere" => shared_everywhere(method)?,
        "shared-absurd" => shared_absurd()?,
        "pool-api-mix" => pool_api_mix(method)?,
        "pool-imap-kill" => pool_imap_kill(method)?,
        "queue-join-first" => queue_join_first(method)?,
        "queue-ring" => queue_ring(method)?,
        "queue-writers" => queue_writers()?,
        "queue-mixed-writers" => queue_mixed_writers(method)?,
        "queue-timeout" => queue_timeout()?,
        "join-cpu" => join_cpu(method, false)?,
        "join-cpu-queue" => join_cpu(method, true)?,
        "join-while-getting" => join_while_getting(method)?,
        "threaded-parent" => threaded_parent(method)?,
        "forkserver-in-forked-child" => forkserver_in_forked_child()?,
        "executor-panic" => executor_panic(method)?,
        "executor-broken" => executor_broken(method)?,
        "executor-cancel" => executor_cancel(method)?,
        "executor-map" => executor_map(method)?,
        "shared-lock" => shared_lock()?,
        "shm-hold" => shm_hold(method)?,
        "shm-crash-before-attach" => shm_crash(method, &CRASH)?,
        "shm-crash-after-attach" => shm_crash(method, &ATTACH_THEN_CRASH)?,
        _ => bail!("unknown case {case:?}"),
    }
    common::process::forkserver::stop()?;
    common::tracker::stop();
    report_leftovers(descriptors)
}

/// What a forked child holds of its parent's: a resource tracker, a fork server, the end of a
/// parent's pipe (descriptor `pipe_end`).
fn after_fork_state(pipe_end: i32) -> String {
    // SAFETY: F_GETFD reads a descriptor's flags; an unknown number is EBADF, nothing more.
    let open = unsafe { nix::libc::fcntl(pipe_end, nix::libc::F_GETFD) } != -1;
    format!(
        "tracker: {}, fork server: {}, parent's pipe end open: {open}",
        common::tracker::is_connected(),
        common::process::forkserver::is_running()
    )
}

/// The same state, seen by a child of `fork()`, of `start(Fork)` and by a forked pool worker, in
/// a parent that holds a tracker, a fork server and a pipe: one after-fork list, one answer.
fn after_fork_state_everywhere() -> Result<()> {
    let _segment = SharedArray::named(0..4)?; // Starts the resource tracker.
    process::start(StartMethod::Forkserver, &DOUBLE, 1)?.join()?; // Starts the fork server.
    let (end, _other) = common::pipe::pipe::<u8>()?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(&end));
    println!("parent: {}", after_fork_state(fd));
    let (report, reports) = IpcQueue::<String>::new()?;
    let via_fork = process::fork(move || {
        report.put(&after_fork_state(fd))?;
        Ok(())
    })?;
    println!("fork(): {}", reports.get()?);
    via_fork.join()?;
    let (report, reports) = IpcQueue::<String>::new()?;
    process::start(StartMethod::Fork, &PUT_STATE, (fd, report))?.join()?;
    println!("start(Fork): {}", reports.get()?);
    let mut pool = ProcessPool::new(1, StartMethod::Fork)?;
    println!("pool worker: {}", pool.map(&AFTER_FORK_STATE, [fd])?[0]);
    Ok(())
}

fn put_state((pipe_end, report): (i32, QueueWriter<String>)) -> Result<()> {
    Ok(report.put(&after_fork_state(pipe_end))?)
}

/// In a worker: writes a frame header no reply can have (a length over the limit) on the
/// worker's socket, the only socket it holds, then returns normally.
fn corrupt_reply(x: i64) -> i64 {
    for entry in std::fs::read_dir("/proc/self/fd")
        .expect("listing /proc/self/fd")
        .flatten()
    {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let fd = entry.file_name().to_string_lossy().parse::<i32>();
        if let (true, Ok(fd)) = (is_socket, fd) {
            let header = u32::MAX.to_le_bytes();
            // SAFETY: writes 4 bytes from a live buffer to a descriptor this process holds.
            unsafe { nix::libc::write(fd, header.as_ptr().cast(), header.len()) };
        }
    }
    x
}

/// A reply that cannot be read (not a death): the error says what it is, and the worker is not
/// killed for it, but left to exit as the broken pool closes its socket.
fn pool_corrupt_reply(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(1, method)?;
    let err = pool.map(&CORRUPT_REPLY, [1]).unwrap_err();
    println!("map: {err}");
    println!(
        "a protocol error: {}",
        matches!(err, common::Error::Protocol(_))
    );
    println!("after: {}", pool.map(&DOUBLE, [1]).unwrap_err());
    Ok(())
}

/// A named segment larger than `/dev/shm` has room for (the test mounts a 1 MiB one): an error
/// line, no SIGBUS, nothing left; then a small one still works, handed to a child.
fn shm_full(method: StartMethod) -> Result<()> {
    match SharedArray::<i64>::named(0..200_000) {
        Ok(_) => println!("1.6 MB segment: created"),
        Err(e) => println!("1.6 MB segment: {e}"),
    }
    let small = SharedArray::<i32>::named(0..5)?;
    process::start(method, &CRASH_FREE, small.clone())?.join()?;
    println!("small segment after it: {:?}", small.to_vec());
    Ok(())
}

fn negate_all(array: SharedArray<i32>) {
    for i in 0..array.len() {
        array.set(i, -array.get(i));
    }
}

/// The resource tracker is killed: the next named segment starts a new one, which is told the
/// names still alive; then this program dies without cleaning up, and the test checks that the
/// new tracker removed both names.
fn tracker_killed(method: StartMethod) -> Result<()> {
    let first = SharedArray::<i32>::named(0..4)?;
    let old = common::tracker::pid().context("no tracker after a named segment")?;
    let old_pidfd = common::process::pidfd_of(old)?;
    nix::sys::signal::kill(Pid::from_raw(old), Signal::SIGKILL)?;
    nix::poll::poll(
        &mut [nix::poll::PollFd::new(
            old_pidfd.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )],
        nix::poll::PollTimeout::NONE,
    )?; // Until the old tracker is gone.
    let second = SharedArray::<i32>::named(0..4)?;
    let handed = SharedArray::<i32>::named(0..4)?; // A child attaches, then removes the name.
    process::start(method, &CRASH_FREE, handed)?.join()?;
    let new = common::tracker::pid().context("no tracker after the restart")?;
    println!(
        "names: {} {}",
        first.name().unwrap(),
        second.name().unwrap()
    );
    println!("new tracker: {new} (was {old})");
    std::io::Write::flush(&mut std::io::stdout())?;
    raise(Signal::SIGKILL)?; // Die as a crash would: only the tracker can clean up now.
    unreachable!("killed")
}

/// 1000 locked increments of `value`.
fn add_1000(value: SharedValue<i64>) -> Result<()> {
    for _ in 0..1000 {
        let _held = value.lock()?;
        value.set(value.get() + 1);
    }
    Ok(())
}

/// One `SharedValue`, updated by two child processes and two threads of this one at once (it is
/// `Sync`: the threads borrow it), every increment under its lock: nothing is lost.
fn shared_everywhere(method: StartMethod) -> Result<()> {
    let value = SharedValue::new(0i64)?;
    // The children first: `fork` needs this process to have one thread.
    let children = (0..2)
        .map(|_| process::start(method, &ADD_1000, value.clone()))
        .collect::<common::Result<Vec<_>>>()?;
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| s.spawn(|| add_1000(value.clone())))
            .collect();
        threads
            .into_iter()
            .try_for_each(|t| common::panic::join_scoped(t)?)
    })?;
    for child in children {
        child.join()?;
    }
    println!("total: {} of 4000", value.get());
    Ok(())
}

/// Absurd lengths are errors, never a panic.
fn shared_absurd() -> Result<()> {
    let overflow = SharedArray::<i64>::new(std::iter::repeat_n(0, usize::MAX));
    println!("usize::MAX elements: {}", overflow.unwrap_err());
    let huge = SharedArray::<i64>::new(0..(1i64 << 60));
    println!("2^60 elements: {}", huge.unwrap_err());
    Ok(())
}

fn double(x: i64) -> i64 {
    2 * x
}

fn triple(x: i64) -> i64 {
    3 * x
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

/// Item 3's result is a string of a GiB, over the limit of one message.
fn huge_on_3(x: i64) -> String {
    if x == 3 {
        "x".repeat(1 << 30)
    } else {
        x.to_string()
    }
}

/// A result too large to send is an error that says so, and the pool lives on.
fn pool_result_too_large(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(1, method)?;
    println!("map: {:#}", pool.map(&HUGE_ON_3, 0..5).unwrap_err());
    println!("after: {}", Py(pool.map(&DOUBLE, 0..4)?));
    Ok(())
}

/// A value whose decoding fails for 13: a message that arrives intact but cannot be read.
#[derive(Debug, serde::Serialize)]
struct Fussy(u8);

impl<'de> serde::Deserialize<'de> for Fussy {
    fn deserialize<D: serde::Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
        match u8::deserialize(from)? {
            13 => Err(serde::de::Error::custom("13 is unlucky")),
            n => Ok(Fussy(n)),
        }
    }
}

fn unlucky(f: Fussy) -> u8 {
    f.0
}

fn put_fussy(writer: QueueWriter<Fussy>) -> Result<()> {
    writer.put(&Fussy(13))?;
    Ok(writer.put(&Fussy(2))?)
}

/// A message that fails to decode: the pool reports the item and lives on; the queue reports the
/// message and the next one still arrives.
fn decode_fails(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(1, method)?;
    println!(
        "map: {:#}",
        pool.map(&UNLUCKY, [Fussy(1), Fussy(13)]).unwrap_err()
    );
    println!("after: {}", Py(pool.map(&DOUBLE, 0..4)?));
    let (writer, queue) = IpcQueue::<Fussy>::new()?;
    let child = process::start(method, &PUT_FUSSY, writer)?;
    println!("get: {:#}", queue.get().unwrap_err());
    println!("next: {:?}", queue.get()?);
    Ok(child.join()?)
}

/// A worker that exits early, and successfully, is still a worker lost mid-task.
fn exit_0_on_3(x: i64) -> i64 {
    if x == 3 {
        std::process::exit(0);
    }
    x
}

/// On item 3 the worker says its pid and stops itself (SIGSTOP), as `kill -STOP` would.
fn stop_on_3(x: i64) -> i64 {
    if x == 3 {
        println!("worker {} stops", std::process::id());
        std::io::Write::flush(&mut std::io::stdout()).expect("stdout");
        raise(Signal::SIGSTOP).expect("raising SIGSTOP");
    }
    x
}

/// A worker stops: `map_timeout` gives up in time, kills the workers (the stopped one too) and
/// breaks the pool; nothing is left.
fn pool_stopped(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    let started = Instant::now();
    let err = pool
        .map_timeout(&STOP_ON_3, 0..8, Duration::from_millis(300))
        .unwrap_err();
    println!("map_timeout: {err:#}");
    println!("within 1 s: {}", started.elapsed() < Duration::from_secs(1));
    println!(
        "matched a timeout: {}",
        matches!(err, common::Error::Timeout(_))
    );
    println!("after: {:#}", pool.map(&DOUBLE, 0..4).unwrap_err());
    Ok(())
}

/// A worker stops and `map` waits for it (forever): the test kills this process meanwhile and
/// checks that the stopped worker dies with it.
fn pool_stopped_hold(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    pool.map(&STOP_ON_3, 0..8)?;
    bail!("map returned although a worker is stopped")
}

/// A worker stops: `result_timeout` returns, then `kill_workers` / `terminate_workers` end every
/// worker, stopped or busy, and return; unfinished futures fail as a broken pool.
fn executor_stopped(method: StartMethod, kill: bool) -> Result<()> {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let stopped = executor.submit(&STOP_ON_3, 3);
    let busy = executor.submit(&SLEEP_MS, 10_000);
    println!(
        "result_timeout: {}",
        stopped
            .result_timeout(Duration::from_millis(300))
            .unwrap_err()
    );
    let started = Instant::now();
    if kill {
        executor.kill_workers();
    } else {
        executor.terminate_workers();
    }
    println!(
        "returned within 1 s: {}",
        started.elapsed() < Duration::from_secs(1)
    );
    println!("busy task: {}", busy.result().unwrap_err());
    Ok(())
}

/// A task panics: `map` reports it, and the pool still works.
fn pool_panic(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    println!("map: {:#}", pool.map(&PANIC_ON_3, 0..8).unwrap_err());
    println!("after: {}", Py(pool.map(&DOUBLE, 0..4)?));
    Ok(())
}

/// A worker dies mid-map: `map` fails at once, naming how; the pool is broken from then on.
fn pool_dies(method: StartMethod, task: &Target<i64, i64>) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    let started = Instant::now();
    let err = pool.map(task, 0..8).unwrap_err();
    eprintln!("detected after {:?}", started.elapsed());
    println!("map: {err:#}");
    println!("within 1 s: {}", started.elapsed() < Duration::from_secs(1));
    // What a caller can match on: the worker, how it ended, the items it held.
    if let common::Error::BrokenPool(broken) = &err {
        println!(
            "matched: BrokenPool, exit {:?}, items {:?}, pid given: {}",
            broken.exit,
            broken.items,
            broken.pid.is_some()
        );
    }
    println!("after: {:#}", pool.map(&DOUBLE, 0..4).unwrap_err());
    Ok(())
}

/// 100 000 items come back in order, in a few dozen chunks (the chunks are logged on stderr).
fn pool_many(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(4, method)?;
    pool.log_to_stderr(true);
    let results = pool.map(&DOUBLE, 0..100_000)?;
    println!(
        "in order: {}",
        results.iter().copied().eq((0..100_000).map(double))
    );
    Ok(())
}

/// A target missing from the table is refused with one line, by a pool, an executor and `start`
/// (with `fork`, `start` calls the function value it was given, so it runs).
fn unknown_target(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(1, method)?;
    println!("pool: {:#}", pool.map(&UNLISTED, [1]).unwrap_err());
    let executor = ProcessPoolExecutor::new(1, method)?;
    println!(
        "executor: {}",
        executor.submit(&UNLISTED, 1).result().unwrap_err()
    );
    drop(executor); // Its dispatcher threads would make `fork` refuse.
    match process::start(method, &UNLISTED, 1) {
        Ok(child) => println!("start: {:?}", child.join()),
        Err(e) => println!("start: {e:#}"),
    }
    println!("mistyped: {:#}", pool.map(&MISTYPED, [1]).unwrap_err());
    Ok(())
}

fn put_nothing(writer: QueueWriter<String>) {
    drop(writer);
}

/// A child exits without putting anything: `get` fails instead of waiting forever.
fn queue_no_put(method: StartMethod) -> Result<()> {
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = process::start(method, &PUT_NOTHING, writer)?;
    println!("get: {:#}", queue.get().unwrap_err());
    Ok(child.join()?)
}

/// `apply_async` calls outstanding (more than there are workers) while a `map` and an `imap`
/// run; a failing item in `imap`; a worker replaced after each task. Every answer arrives.
fn pool_api_mix(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    let pending = [5, 6, 7].map(|x| pool.apply_async(&DOUBLE, x));
    println!("map meanwhile: {}", Py(&pool.map(&DOUBLE, [1, 2, 3])?));
    let imap: Vec<String> = pool
        .imap(&PANIC_ON_3, [1, 2, 3, 4], 1)?
        .map(|r| r.map_or_else(|e| format!("error: {e:#}"), |v| v.to_string()))
        .collect();
    println!("imap with a panic: {}", imap.join("; "));
    let answers: Vec<i64> = pending
        .into_iter()
        .map(|p| p?.get(&mut pool))
        .collect::<common::Result<_>>()?;
    println!("apply_async, got after both: {}", Py(&answers));
    let mut pool = ProcessPool::builder(2)
        .method(method)
        .max_tasks_per_child(2)
        .start()?;
    let unordered: Vec<i64> = pool
        .imap_unordered(&DOUBLE, 0..10, 1)?
        .collect::<common::Result<_>>()?;
    println!(
        "imap_unordered, replacing workers: {} results",
        unordered.len()
    );
    Ok(())
}

/// A worker killed during `imap`: the iterator yields the error, then ends; the pool is broken.
fn pool_imap_kill(method: StartMethod) -> Result<()> {
    let mut pool = ProcessPool::new(2, method)?;
    let results: Vec<common::Result<i64>> = pool.imap(&KILL_ON_3, 1..=6, 1)?.collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!(
        "imap: {} ok, {failed} error, the last: {}",
        results.len() - failed,
        results.last().is_some_and(Result::is_err)
    );
    println!("after: {:#}", pool.map(&DOUBLE, [1]).unwrap_err());
    Ok(())
}

/// A pipe's end is dropped while a child and a pool started after it, and handed nothing, still
/// run: the other end reads EOF at once, since no child kept a copy.
fn pipe_eof_beside_children(method: StartMethod) -> Result<()> {
    let (ours, theirs) = common::pipe::pipe::<u32>()?;
    let mut child = process::start(method, &SLEEP_MS, 60_000)?;
    let pool = ProcessPool::new(1, method)?;
    drop(theirs);
    let eof = ours.poll(Duration::from_secs(1))? && ours.recv_or_closed()?.is_none();
    println!("EOF while a child and a pool live: {eof}");
    drop(pool);
    child.kill()?;
    child.wait()?;
    Ok(())
}

fn answer_nothing(conn: Connection<u32>) {
    drop(conn);
}

/// A child exits without answering on its pipe: `recv` fails instead of waiting forever.
fn pipe_no_answer(method: StartMethod) -> Result<()> {
    let (ours, theirs) = common::pipe::pipe::<u32>()?;
    let child = process::start(method, &ANSWER_NOTHING, theirs)?;
    println!("recv: {:#}", ours.recv().unwrap_err());
    Ok(child.join()?)
}

fn put_big(writer: QueueWriter<Vec<u8>>) -> Result<()> {
    writer.put(&big_message(7))?;
    Ok(writer.put(&b"and a small one".to_vec())?)
}

/// Message `i` of the ring test: `len` bytes that say which message they are.
fn patterned(i: u32, len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|b| (b.wrapping_mul(31) ^ i) as u8)
        .collect()
}

/// Twelve 1 MiB messages (three times the ring) and small ones between them.
fn put_ring_mix(writer: QueueWriter<Vec<u8>>) -> Result<()> {
    for i in 0..12 {
        writer.put(&patterned(i, 1 << 20))?;
        writer.put(&vec![i as u8; 10])?;
    }
    Ok(())
}

/// Large messages that are not bytes: encoded, then through the ring.
fn put_ring_strings(writer: QueueWriter<String>) -> Result<()> {
    for i in 0..6 {
        writer.put(&format!("{i}").repeat(300_000))?;
    }
    Ok(())
}

/// The large-message path: more than the ring holds, joined before drained (the parent must free
/// ring space while it waits), in order and intact, bytes and encoded values alike.
fn queue_ring(method: StartMethod) -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    process::start(method, &PUT_RING_MIX, writer)?.join()?;
    let mut intact = true;
    for i in 0..12 {
        intact &= queue.get()? == patterned(i, 1 << 20);
        intact &= queue.get()? == vec![i as u8; 10];
    }
    println!("joined first, 12 MiB through a 4 MiB ring, in order and intact: {intact}");
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = process::start(method, &PUT_RING_STRINGS, writer)?;
    let strings: Vec<String> = (0..6).map(|_| queue.get()).collect::<common::Result<_>>()?;
    child.join()?;
    let expected = (0..6).all(|i| strings[i] == format!("{i}").repeat(300_000));
    println!("large encoded messages: {expected}");
    Ok(())
}

/// The deadlock Python warns about: join a child before taking the 10 MiB it put.
fn queue_join_first(method: StartMethod) -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let child = process::start(method, &PUT_BIG, writer)?;
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
            Ok((0..25).try_for_each(|_| mine.put(&vec![tag; 200 * 1024]))?)
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
    Ok(children.into_iter().try_for_each(process::Child::join)?)
}

/// Puts 100 messages of `size` bytes, each byte `tag`.
fn put_sized((tag, size, writer): SizedPuts) -> Result<()> {
    Ok((0..100).try_for_each(|_| writer.put(&vec![tag; size]))?)
}

/// Two children write to one queue, one small messages and one large ones: a small message never
/// lands inside a large one, and once one writer is gone the other goes on alone.
fn queue_mixed_writers(method: StartMethod) -> Result<()> {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let small = process::start(method, &PUT_SIZED, (1, 10, writer.try_clone()?))?;
    let large = process::start(method, &PUT_SIZED, (2, 300 * 1024, writer))?;
    let mut intact = 0;
    for _ in 0..200 {
        let message = queue.get()?;
        let size = if message.first() == Some(&1) {
            10
        } else {
            300 * 1024
        };
        intact += usize::from(message.len() == size && message.iter().all(|&b| b == message[0]));
    }
    small.join()?;
    large.join()?;
    println!("intact messages: {intact} of 200");
    println!("then: {:#}", queue.get().unwrap_err());
    Ok(())
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

fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

fn sleep_then_put((ms, writer): (u64, QueueWriter<String>)) -> Result<()> {
    std::thread::sleep(Duration::from_millis(ms));
    Ok(writer.put(&format!("after {ms} ms"))?)
}

fn cpu_time() -> Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
    Ok(Duration::from_micros(
        micros(usage.user_time()) + micros(usage.system_time()),
    ))
}

/// Joining a child that sleeps 500 ms costs the parent almost no CPU: the wait blocks in the
/// kernel. CPU time, not wall time, so the verdict does not depend on the machine's load.
fn join_cpu(method: StartMethod, with_queue: bool) -> Result<()> {
    let (writer, queue) = IpcQueue::<String>::new()?;
    let before = cpu_time()?;
    let child = if with_queue {
        process::start(method, &SLEEP_THEN_PUT, (500, writer))?
    } else {
        drop(writer);
        process::start(method, &SLEEP_MS, 500)?
    };
    let started = cpu_time()?;
    child.join()?;
    let waiting = cpu_time()? - started;
    eprintln!("start {:?}, join {waiting:?}", started - before);
    println!(
        "parent CPU while joining under 50 ms: {}",
        waiting < Duration::from_millis(50)
    );
    if with_queue {
        println!("then: {}", queue.get()?);
    }
    Ok(())
}

/// One thread joins a child while another `get`s from the queue the child writes to: the join
/// drains the queue into its buffer, and the getter must still wake. Twenty times.
fn join_while_getting(method: StartMethod) -> Result<()> {
    let mut received = 0;
    for round in 0..20 {
        let (writer, queue) = IpcQueue::<String>::new()?;
        let child = process::start(method, &SLEEP_THEN_PUT, (round % 3, writer))?;
        std::thread::scope(|s| -> Result<()> {
            let getter = s.spawn(|| queue.get_timeout(Duration::from_secs(5)));
            child.join()?;
            let got = getter
                .join()
                .map_err(|_| anyhow::anyhow!("the getter panicked"))??;
            received += usize::from(got.is_some());
            Ok(())
        })?;
    }
    println!("getter woken: {received} of 20");
    Ok(())
}

/// A process that already runs threads (a live thread pool) starts a process pool and an
/// executor: `fork` refuses with a clear error, `spawn` and `forkserver` work.
fn threaded_parent(method: StartMethod) -> Result<()> {
    let threads = ThreadPoolExecutor::new(2)?;
    let from_threads: i64 = threads.map(double, 0..4).map(|r| r.unwrap()).sum();
    match ProcessPool::new(2, method) {
        Ok(mut pool) => println!("pool: {}", Py(pool.map(&DOUBLE, 0..4)?)),
        Err(e) => println!("pool: {e:#}"),
    }
    match ProcessPoolExecutor::new(2, method) {
        Ok(executor) => {
            let results: Result<Vec<i64>, _> = executor.map(&DOUBLE, 0..4, 1).collect();
            println!("executor: {}", Py(results?));
        }
        Err(e) => println!("executor: {e:#}"),
    }
    println!("thread pool still alive: {}", from_threads == 12);
    Ok(())
}

/// A child forked after the fork server started does not share the parent's server: it starts
/// its own, and the parent's keeps working.
fn forkserver_in_forked_child() -> Result<()> {
    let (writer, queue) = IpcQueue::<String>::new()?;
    process::start(
        StartMethod::Forkserver,
        &SLEEP_THEN_PUT,
        (0, writer.try_clone()?),
    )?
    .join()?;
    let child = process::fork(move || {
        process::start(StartMethod::Forkserver, &SLEEP_THEN_PUT, (1, writer))?.join()?;
        Ok(common::process::forkserver::stop()?)
    })?;
    child.join()?;
    let (writer, again) = IpcQueue::<String>::new()?;
    process::start(StartMethod::Forkserver, &SLEEP_THEN_PUT, (2, writer))?.join()?;
    println!("parent: {}", queue.get()?);
    println!("forked child: {}", queue.get()?);
    println!("parent again: {}", again.get()?);
    Ok(())
}

/// Four processes increment a shared counter under its lock: no update is lost. Then a child is
/// killed while holding the lock, and the parent can still take it.
fn shared_lock() -> Result<()> {
    let counter = &SharedValue::new(0i64)?;
    let increment_20_000_times = || -> Result<(), common::error::BoxError> {
        for _ in 0..20_000 {
            let _held = counter.lock()?;
            counter.set(counter.get() + 1);
        }
        Ok(())
    };
    let children: Vec<_> = (0..4)
        .map(|_| process::fork(increment_20_000_times))
        .collect::<common::Result<_>>()?;
    children.into_iter().try_for_each(process::Child::join)?;
    println!("with lock: {}", counter.get());

    let (has_lock, holder_has_lock) = IpcQueue::<()>::new()?;
    let mut holder = process::fork(move || {
        let _held = counter.lock()?;
        has_lock.put(&())?;
        loop {
            std::thread::park();
        }
    })?;
    holder_has_lock.get()?;
    holder.kill()?;
    println!("holder: {}", holder.wait()?);
    let _held = counter.lock()?;
    println!("lock taken after its holder died: true");
    Ok(())
}

/// Creates named shared memory, says its name, then joins a child that sleeps a minute: the test
/// kills this process (or its group) meanwhile, and checks the name is removed all the same.
fn shm_hold(method: StartMethod) -> Result<()> {
    let array = SharedArray::named(0..5)?;
    println!("name: {}", array.name().expect("named"));
    std::io::Write::flush(&mut std::io::stdout())?;
    Ok(process::start(method, &SLEEP_MS, 60_000)?.join()?)
}

/// A child crashes before or after attaching to named shared memory; `/dev/shm` is left clean.
fn shm_crash(method: StartMethod, target: &Target<SharedArray<i32>, ()>) -> Result<()> {
    let array = SharedArray::named(0..5)?;
    eprintln!(
        "named shared memory: /dev/shm/{}",
        array.name().expect("named")
    );
    let child = process::start(method, target, array.clone())?;
    println!("join: {:#}", child.join().unwrap_err());
    println!("first element: {}", array.get(0));
    Ok(())
}

fn crash(_: SharedArray<i32>) {
    std::process::abort()
}

fn attach_then_crash(array: SharedArray<i32>) {
    array.set(0, 42);
    std::process::abort()
}

/// A task that panics fails its own future; the process pool is not broken by it.
fn executor_panic(method: StartMethod) -> Result<()> {
    let executor = ProcessPoolExecutor::new(2, method)?;
    println!(
        "panicking task: {}",
        executor.submit(&PANIC_ON_3, 3).result().unwrap_err()
    );
    println!("next task: {:?}", executor.submit(&DOUBLE, 21).result());
    Ok(())
}

/// One worker is killed: the task on the other worker, the queued tasks and later ones all fail
/// with "broken pool" at once, although the other task had seconds left to run.
fn executor_broken(method: StartMethod) -> Result<()> {
    let executor = ProcessPoolExecutor::new(2, method)?;
    let started = Instant::now();
    let long = executor.submit(&SLEEP_MS, 10_000);
    let killer = executor.submit(&KILL_ON_3, 3);
    let queued: Vec<_> = (0..4).map(|n| executor.submit(&DOUBLE, n)).collect();
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
        executor.submit(&DOUBLE, 1).result().unwrap_err()
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
fn executor_cancel(method: StartMethod) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("process-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (release, counter) = (dir.join("release"), dir.join("counter"));
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();

    let executor = ProcessPoolExecutor::new(1, method)?;
    let blocker = executor.submit(&WAIT_FOR_FILE, path(&release));
    let cancelled = executor.submit(&COUNT_IN_FILE, path(&counter));
    let kept = executor.submit(&COUNT_IN_FILE, path(&counter));
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

/// 10 000 items through the process-pool executor come back in input order, one job per item
/// or 625 to a job; a panicking item ends the results with its error, as in Python.
fn executor_map(method: StartMethod) -> Result<()> {
    let executor = ProcessPoolExecutor::new(3, method)?;
    let expected: Vec<i64> = (0..10_000).map(double).collect();
    for chunksize in [1, 625] {
        let results: Result<Vec<i64>, FutureError> =
            executor.map(&DOUBLE, 0..10_000, chunksize).collect();
        println!("chunksize {chunksize}, in order: {}", results? == expected);
    }
    let results: Vec<_> = executor.map(&PANIC_ON_3, 0..10, 2).collect();
    let shown: Vec<String> = results
        .iter()
        .map(|r| {
            r.as_ref()
                .map_or_else(|_| "error".to_owned(), i64::to_string)
        })
        .collect();
    println!("with a panic at 3, chunksize 2: {}", shown.join(" "));
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
