//! What the cases run in other processes: each a [`Target`], listed in [`TABLE`] for
//! `run_if_child`.

use std::time::Duration;

use common::pipe::Connection;
use common::queue::QueueWriter;
use common::shared::{SharedArray, SharedValue};
use common::target;
use common::target::{Entry, Target};
use nix::sys::signal::{Signal, raise};

pub const DOUBLE: Target<i64, i64> = target!(double);
pub const PANIC_ON_3: Target<i64, i64> = target!(panic_on_3);
pub const KILL_ON_3: Target<i64, i64> = target!(kill_on_3);
pub const ABORT_ON_3: Target<i64, i64> = target!(abort_on_3);
pub const EXIT_ON_3: Target<i64, i64> = target!(exit_on_3);
pub const EXIT_0_ON_3: Target<i64, i64> = target!(exit_0_on_3);
pub const STOP_ON_3: Target<i64, i64> = target!(stop_on_3);
pub const SAY_AND_STOP_ON_3: Target<(i64, String), i64> = target!(say_and_stop_on_3);
pub const PID: Target<i64, u32> = target!(pid);
pub const REFUSE_7: Target<i64, Result<i64, String>> = target!(refuse_7);
pub const SLEEP_MS: Target<u64, u64> = target!(sleep_ms);
pub const HUGE_ON_3: Target<i64, String> = target!(huge_on_3);
pub const UNLUCKY: Target<Fussy, u8> = target!(unlucky);
pub const PUT_FUSSY: Target<QueueWriter<Fussy>, anyhow::Result<()>> = target!(put_fussy);
pub const WAIT_FOR_RELEASE: Target<String, bool> = target!(wait_for_release);
pub const COUNT_IN_FILE: Target<String, bool> = target!(count_in_file);
pub const PUT_NOTHING: Target<QueueWriter<String>, ()> = target!(put_nothing);
pub const ANSWER_NOTHING: Target<Connection<u32>, ()> = target!(answer_nothing);
pub const PUT_BIG: Target<QueueWriter<Vec<u8>>, anyhow::Result<()>> = target!(put_big);
pub const SLEEP_THEN_PUT: Target<(u64, QueueWriter<String>), anyhow::Result<()>> =
    target!(sleep_then_put);
pub const PUT_SIZED: Target<SizedPuts, anyhow::Result<()>> = target!(put_sized);
pub const PUT_MANY_SMALL: Target<(u8, QueueWriter<Vec<u8>>), anyhow::Result<()>> =
    target!(put_many_small);
pub const CRASH: Target<SharedArray<i32>, ()> = target!(crash);
pub const ATTACH_THEN_CRASH: Target<SharedArray<i32>, ()> = target!(attach_then_crash);
pub const AFTER_FORK_STATE: Target<i32, Result<State, String>> = target!(state_in_worker);
pub const PUT_STATE: Target<(i32, QueueWriter<State>), anyhow::Result<()>> = target!(put_state);
pub const CORRUPT_REPLY: Target<i64, i64> = target!(corrupt_reply);
pub const NEGATE_ALL: Target<SharedArray<i32>, ()> = target!(negate_all);
pub const ADD_1000: Target<SharedValue<i64>, anyhow::Result<()>> = target!(add_1000);
pub const PUT_RING_MIX: Target<QueueWriter<Vec<u8>>, anyhow::Result<()>> = target!(put_ring_mix);
pub const PUT_RING_STRINGS: Target<QueueWriter<String>, anyhow::Result<()>> =
    target!(put_ring_strings);
/// Deliberately missing from [`TABLE`].
pub const UNLISTED: Target<i64, i64> = target!(triple);
/// DOUBLE's name with other types: what a child must refuse, not run.
pub const MISTYPED: Target<u64, u64> = Target::new("faults::targets::double", sleep_ms);

/// Every target a child of these cases may be asked for (all but [`UNLISTED`]).
pub static TABLE: &[&dyn Entry] = &[
    &DOUBLE,
    &PANIC_ON_3,
    &KILL_ON_3,
    &ABORT_ON_3,
    &EXIT_ON_3,
    &EXIT_0_ON_3,
    &STOP_ON_3,
    &SAY_AND_STOP_ON_3,
    &PID,
    &REFUSE_7,
    &SLEEP_MS,
    &HUGE_ON_3,
    &UNLUCKY,
    &PUT_FUSSY,
    &WAIT_FOR_RELEASE,
    &COUNT_IN_FILE,
    &PUT_NOTHING,
    &ANSWER_NOTHING,
    &PUT_BIG,
    &SLEEP_THEN_PUT,
    &PUT_SIZED,
    &PUT_MANY_SMALL,
    &CRASH,
    &ATTACH_THEN_CRASH,
    &AFTER_FORK_STATE,
    &PUT_STATE,
    &CORRUPT_REPLY,
    &NEGATE_ALL,
    &ADD_1000,
    &PUT_RING_MIX,
    &PUT_RING_STRINGS,
];

pub fn double(x: i64) -> i64 {
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

/// A worker that exits early, and successfully, is still a worker lost mid-task.
fn exit_0_on_3(x: i64) -> i64 {
    if x == 3 {
        std::process::exit(0);
    }
    x
}

/// On item 3 the worker stops itself (SIGSTOP), as `kill -STOP` would.
fn stop_on_3(x: i64) -> i64 {
    if x == 3 {
        raise(Signal::SIGSTOP).expect("raising SIGSTOP");
    }
    x
}

/// [`stop_on_3`], after writing its pid into the FIFO at `fifo`, where a case waits for it.
fn say_and_stop_on_3((x, fifo): (i64, String)) -> i64 {
    if x == 3 {
        std::fs::write(&fifo, std::process::id().to_string()).expect("writing the FIFO");
        raise(Signal::SIGSTOP).expect("raising SIGSTOP");
    }
    x
}

/// Fails for 7.
fn refuse_7(x: i64) -> Result<i64, String> {
    if x == 7 {
        Err("seven is not allowed".into())
    } else {
        Ok(x)
    }
}

/// The pid of the worker that ran the item.
fn pid(_: i64) -> u32 {
    std::process::id()
}

pub fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// Item 3's result is a string of a GiB, over the limit of one message.
fn huge_on_3(x: i64) -> String {
    if x == 3 {
        "x".repeat(1 << 30)
    } else {
        x.to_string()
    }
}

/// A value whose decoding fails for 13: a message that arrives intact but cannot be read.
#[derive(Debug, serde::Serialize)]
pub struct Fussy(pub u8);

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

fn put_fussy(writer: QueueWriter<Fussy>) -> anyhow::Result<()> {
    writer.put(&Fussy(13))?;
    Ok(writer.put(&Fussy(2))?)
}

/// Waits until the FIFO at `path` is opened for writing and closed: a release signal that
/// crosses process boundaries, waited for in the kernel (opening a FIFO to read blocks until a
/// writer opens it; reading it ends when the writer closes it).
fn wait_for_release(path: String) -> bool {
    std::fs::read(path).is_ok()
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

fn put_nothing(writer: QueueWriter<String>) {
    drop(writer);
}

fn answer_nothing(conn: Connection<u32>) {
    drop(conn);
}

/// A 10 MiB message that says which seed made it.
pub fn big_message(seed: u8) -> Vec<u8> {
    (0..10 << 20).map(|i: u32| (i % 251) as u8 ^ seed).collect()
}

fn put_big(writer: QueueWriter<Vec<u8>>) -> anyhow::Result<()> {
    writer.put(&big_message(7))?;
    Ok(writer.put(&b"and a small one".to_vec())?)
}

fn sleep_then_put((ms, writer): (u64, QueueWriter<String>)) -> anyhow::Result<()> {
    std::thread::sleep(Duration::from_millis(ms));
    Ok(writer.put(&format!("after {ms} ms"))?)
}

/// A tag byte, a message size, and where to put the messages.
pub type SizedPuts = (u8, usize, QueueWriter<Vec<u8>>);

/// Puts 100 messages of `size` bytes, each byte `tag`.
fn put_sized((tag, size, writer): SizedPuts) -> anyhow::Result<()> {
    Ok((0..100).try_for_each(|_| writer.put(&vec![tag; size]))?)
}

/// Puts 1000 messages of `tag` bytes, 1 to 4070 long (a frame of at most 4 KiB).
fn put_many_small((tag, writer): (u8, QueueWriter<Vec<u8>>)) -> anyhow::Result<()> {
    Ok((0..1000).try_for_each(|i| writer.put(&vec![tag; 1 + (i * 37) % 4070]))?)
}

fn crash(_: SharedArray<i32>) {
    std::process::abort()
}

fn attach_then_crash(array: SharedArray<i32>) {
    array.set(0, 42);
    std::process::abort()
}

/// What a forked child holds of its parent's.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Connected to a resource tracker.
    pub tracker: bool,
    /// Running a fork server.
    pub fork_server: bool,
    /// The parent's pipe end (a descriptor number) is open here.
    pub pipe_end_open: bool,
}

/// [`State`] here, with `pipe_end` the parent's pipe end's number.
pub fn after_fork_state(pipe_end: i32) -> State {
    // SAFETY: F_GETFD reads a descriptor's flags; an unknown number is EBADF, nothing more.
    let pipe_end_open = unsafe { nix::libc::fcntl(pipe_end, nix::libc::F_GETFD) } != -1;
    State {
        tracker: common::tracker::is_connected(),
        fork_server: common::process::forkserver::is_running(),
        pipe_end_open,
    }
}

/// [`after_fork_state`], as a pool worker's result.
fn state_in_worker(pipe_end: i32) -> Result<State, String> {
    Ok(after_fork_state(pipe_end))
}

fn put_state((pipe_end, report): (i32, QueueWriter<State>)) -> anyhow::Result<()> {
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

pub fn negate_all(array: SharedArray<i32>) {
    for i in 0..array.len() {
        array.set(i, -array.get(i));
    }
}

/// 1000 locked increments of `value`.
pub fn add_1000(value: SharedValue<i64>) -> anyhow::Result<()> {
    for _ in 0..1000 {
        let _held = value.lock()?;
        value.set(value.get() + 1);
    }
    Ok(())
}

/// Message `i` of the ring test: `len` bytes that say which message they are.
pub fn patterned(i: u32, len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|b| (b.wrapping_mul(31) ^ i) as u8)
        .collect()
}

/// Twelve 1 MiB messages (24 times the ring, each in pieces) and small ones between them, then
/// one of 33 MiB (an allocation that asks for huge pages).
fn put_ring_mix(writer: QueueWriter<Vec<u8>>) -> anyhow::Result<()> {
    for i in 0..12 {
        writer.put(&patterned(i, 1 << 20))?;
        writer.put(&vec![i as u8; 10])?;
    }
    writer.put(&patterned(12, 33 << 20))?;
    Ok(())
}

/// Large messages that are not bytes: encoded, then through the ring.
fn put_ring_strings(writer: QueueWriter<String>) -> anyhow::Result<()> {
    for i in 0..6 {
        writer.put(&format!("{i}").repeat(300_000))?;
    }
    Ok(())
}
