//! `common`'s failure cases: each a function that takes the start method and asserts on what
//! happened, the typed [`common::Error`] first (its variant and fields), then the one line a user
//! would read. No case prints a fact for another file to parse.
//!
//! `harness = false`: this `main` is the test runner. It stays single-threaded, so `fork` is
//! allowed, and runs each case in a process of its own (forked), one at a time. The case process
//! ends by checking what it left behind: no child (running or unreaped, the fork server included),
//! no descriptor it did not have before. A case that panics, fails or outlives
//! [`tests::HANG`] fails; the runner kills what is left of it.
//!
//! `cargo test -p tests --test faults -- FILTER` runs the cases whose name contains `FILTER`;
//! `--list` names them. A spawned worker runs this executable again: `run_if_child` comes first.

mod executor;
mod harness;
mod owner_killed;
mod pool;
mod queue;
mod shared;
mod state;
mod targets;

fn main() {
    common::roles::run_if_child(targets::TABLE);
    let cases: Vec<&harness::Case> = [
        pool::CASES,
        executor::CASES,
        queue::CASES,
        shared::CASES,
        state::CASES,
        owner_killed::CASES,
    ]
    .into_iter()
    .flatten()
    .collect();
    std::process::exit(harness::main(&cases));
}
