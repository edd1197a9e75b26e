//! What the workers run: each function declared as a `Target`, so a worker finds it by name.

use std::sync::atomic::{AtomicI64, Ordering};

use common::target::Target;

fn square(x: i64) -> i128 {
    common::cli::square(x) // In i128: Python's ints do not overflow, and neither does this.
}
fn power((base, exponent): (i64, u32)) -> i64 {
    base.pow(exponent)
}
/// Set in each worker by the initializer; every worker process has its own.
static OFFSET: AtomicI64 = AtomicI64::new(0);
fn set_offset(offset: i64) {
    OFFSET.store(offset, Ordering::Relaxed);
}
fn add_offset(x: i64) -> i128 {
    i128::from(x) + i128::from(OFFSET.load(Ordering::Relaxed)) // Never overflows, as in Python.
}
fn worker_pid(_task: u32) -> u32 {
    std::process::id()
}
pub const SQUARE: Target<i64, i128> = common::target!(square);
pub const POWER: Target<(i64, u32), i64> = common::target!(power);
pub const SET_OFFSET: Target<i64, ()> = common::target!(set_offset);
pub const ADD_OFFSET: Target<i64, i128> = common::target!(add_offset);
pub const WORKER_PID: Target<u32, u32> = common::target!(worker_pid);
