//! A child writes to memory its parent made shared, with the `shared_memory` crate.
use std::env;
use std::process::Command;

use shared_memory::ShmemConf;

/// The notes' value.
#[expect(
    clippy::approx_constant,
    reason = "3.1415 is the notes' value, not an attempt at π"
)]
const VALUE: f64 = 3.1415;

/// The layout both processes agree on: a double, then five i32s.
const SIZE: usize = 8 + 5 * 4;

/// The double and the array inside the mapping.
fn parts(base: *mut u8) -> (&'static mut f64, &'static mut [i32]) {
    // SAFETY: the mapping is SIZE bytes and page-aligned, so an f64 at 0 is in bounds and aligned.
    let num = unsafe { &mut *base.cast::<f64>() };
    // SAFETY: five i32s at offset 8 are in bounds, aligned, and do not overlap the f64; one
    // process at a time uses them (the parent waits while the child runs).
    let arr = unsafe { std::slice::from_raw_parts_mut(base.wrapping_add(8).cast::<i32>(), 5) };
    (num, arr)
}

fn main() {
    if let Some(id) = env::args().nth(1) {
        let shm = ShmemConf::new()
            .os_id(id)
            .open()
            .expect("opening the segment");
        let (num, arr) = parts(shm.as_ptr());
        *num = VALUE;
        arr.iter_mut().for_each(|x| *x = -*x);
        return;
    }
    // The creating process owns the segment: dropping `shm` removes its name.
    let shm = ShmemConf::new()
        .size(SIZE)
        .create()
        .expect("creating the segment");
    let (num, arr) = parts(shm.as_ptr());
    *num = 0.0;
    arr.copy_from_slice(&[0, 1, 2, 3, 4]);
    let me = env::current_exe().expect("the path of this program");
    let status = Command::new(me)
        .arg(shm.get_os_id())
        .status()
        .expect("starting the child");
    assert!(status.success());
    println!("{num} {arr:?}");
    assert_eq!(arr, [0, -1, -2, -3, -4]);
}
