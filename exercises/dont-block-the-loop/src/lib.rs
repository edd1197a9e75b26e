//! The exercise: see README.md. Edit `src/exercise.rs`; `make exercise NAME=dont-block-the-loop` checks it.
//! (`make exercise NAME=dont-block-the-loop SOLUTION=1` builds `solution/exercise.rs` in its place.)
#[cfg_attr(solution, path = "../solution/exercise.rs")]
mod exercise;
pub use exercise::*;
