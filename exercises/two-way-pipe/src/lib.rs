//! The exercise: see README.md. Edit `src/exercise.rs`; `make exercise NAME=two-way-pipe` checks it.
//! (`make exercise NAME=two-way-pipe SOLUTION=1` builds `solution/exercise.rs` in its place.)
// A starter leaves arguments unused until it is solved: no warnings for that.
#[cfg_attr(not(solution), allow(unused))]
#[cfg_attr(solution, path = "../solution/exercise.rs")]
mod exercise;
pub use exercise::*;
