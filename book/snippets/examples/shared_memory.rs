//! A child process writes to memory its parent made shared (the `shared_memory` crate), through
//! atomics: a shared mapping is memory two processes may touch at once, so no `&mut` to it.
use std::env;
use std::process::Command;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::SeqCst};

use shared_memory::{Shmem, ShmemConf};

/// The layout both processes agree on: an f64 (stored as its bits), then five i32s.
fn parts(shm: &Shmem) -> (&AtomicU64, &[AtomicI32]) {
    assert!(shm.len() >= 8 + 5 * 4);
    let base = shm.as_ptr();
    // SAFETY: the mapping is page-aligned and at least 28 bytes long, lives as long as `shm`,
    // and every process reads and writes it only through these atomics.
    let num = unsafe { &*base.cast::<AtomicU64>() };
    // SAFETY: as above; five i32s at offset 8 are in bounds, aligned, and apart from the f64.
    let arr = unsafe { std::slice::from_raw_parts(base.wrapping_add(8).cast::<AtomicI32>(), 5) };
    (num, arr)
}

fn main() {
    if let Some(id) = env::args().nth(1) {
        let shm = ShmemConf::new()
            .os_id(id)
            .open()
            .expect("opening the segment");
        let (num, arr) = parts(&shm);
        num.store(3.1415_f64.to_bits(), SeqCst);
        arr.iter().for_each(|a| a.store(-a.load(SeqCst), SeqCst));
        return;
    }
    // The creating process owns the segment: dropping `shm` removes its name.
    let shm = ShmemConf::new()
        .size(8 + 5 * 4)
        .create()
        .expect("creating the segment");
    let (num, arr) = parts(&shm);
    (0..5).for_each(|i| arr[i].store(i as i32, SeqCst));
    let me = env::current_exe().expect("the path of this program");
    let status = Command::new(me)
        .arg(shm.get_os_id())
        .status()
        .expect("starting the child");
    assert!(status.success());
    let values: Vec<i32> = arr.iter().map(|a| a.load(SeqCst)).collect();
    println!("{} {values:?}", f64::from_bits(num.load(SeqCst)));
}
