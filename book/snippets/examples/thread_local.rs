//! Per-thread state with `thread_local!`: each thread sees its own copy.
use std::cell::Cell;
use std::thread;

thread_local! {
    static REQUEST_ID: Cell<u32> = const { Cell::new(0) };
}

fn handle() -> String {
    // Deep in the call stack, no parameter needed.
    format!("request {} handled", REQUEST_ID.get())
}

fn main() {
    let workers: Vec<_> = (1..=3)
        .map(|id| {
            thread::spawn(move || {
                REQUEST_ID.set(id);
                handle()
            })
        })
        .collect();
    for (i, w) in workers.into_iter().enumerate() {
        println!("thread {}: {}", i + 1, w.join().unwrap());
    }
    assert_eq!(REQUEST_ID.get(), 0, "main's copy is untouched");
}
