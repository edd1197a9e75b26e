//! What the example programs share: the Rust counterparts of the Python abstractions the notes use.
//!
//! Each module is named after the thing it stands in for and says, in its docs, which Python object
//! it mirrors and which pitfall it avoids. The examples stay as short as the Python snippets; the
//! mechanism lives here.

pub mod cli;
pub mod frame;
pub mod futures;
pub mod lock;
pub mod named;
pub mod panic;
pub mod pool;
pub mod process;
pub mod pyfmt;
pub mod queue;
pub mod shared;
