//! Processes adding to one counter in shared memory: an atomic add needs no lock.
use std::env;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use shared_memory::ShmemConf;

fn counter(base: *mut u8) -> &'static AtomicU64 {
    // SAFETY: the mapping is at least 8 bytes and page-aligned; every process touches the value
    // only through this atomic.
    unsafe { &*base.cast::<AtomicU64>() }
}

fn main() {
    if let Some(id) = env::args().nth(1) {
        let shm = ShmemConf::new()
            .os_id(id)
            .open()
            .expect("opening the segment");
        for _ in 0..1000 {
            // One indivisible read-modify-write: `with v.get_lock(): v.value += 1` in one step.
            counter(shm.as_ptr()).fetch_add(1, Ordering::Relaxed);
        }
        return;
    }
    let shm = ShmemConf::new()
        .size(8)
        .create()
        .expect("creating the segment");
    counter(shm.as_ptr()).store(0, Ordering::Relaxed);
    let me = env::current_exe().expect("the path of this program");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&me)
                .arg(shm.get_os_id())
                .spawn()
                .expect("starting a child")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let total = counter(shm.as_ptr()).load(Ordering::Relaxed);
    println!("with an atomic add: {total}");
    assert_eq!(total, 4000);
}
