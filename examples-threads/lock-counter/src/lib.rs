//! What Rust refuses to compile in the notes' § *Synchronization Using Lock*.
//!
//! This library holds no code, only documentation tests that `cargo test` runs: each one is a
//! Python habit that is a data race, and each is rejected by the compiler, not found in testing.
//!
//! Incrementing a plain shared counter from several threads, as Python allows without a lock:
//!
//! ```compile_fail,E0499
//! let mut counter = 0;
//! std::thread::scope(|s| {
//!     for _ in 0..8 {
//!         s.spawn(|| counter += 1); // error: `counter` borrowed mutably by two threads
//!     }
//! });
//! ```
//!
//! A `global counter`, Python's other spelling, needs `unsafe` in Rust, so safe code cannot race on it:
//!
//! ```compile_fail,E0133
//! static mut COUNTER: u64 = 0;
//! std::thread::spawn(|| COUNTER += 1); // error: use of mutable static is unsafe
//! ```
//!
//! Sharing the counter through `Rc` (a non-atomic reference count) is refused too, because `Rc`
//! is not `Send`:
//!
//! ```compile_fail,E0277
//! let counter = std::rc::Rc::new(std::cell::Cell::new(0));
//! let shared = counter.clone();
//! std::thread::spawn(move || shared.set(shared.get() + 1)); // error: `Rc<…>` cannot be sent
//! ```
//!
//! What compiles is what `main.rs` does: a `Mutex` around the counter (or an atomic).
//!
//! ```
//! let counter = std::sync::Mutex::new(0);
//! std::thread::scope(|s| {
//!     for _ in 0..8 {
//!         s.spawn(|| *counter.lock().unwrap() += 1);
//!     }
//! });
//! assert_eq!(counter.into_inner().unwrap(), 8);
//! ```
