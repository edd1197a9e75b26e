//! Notes § *Shared Memory with `Value` and `Array`*.
//!
//! `SharedValue` and `SharedArray` (in `common::shared`) live in anonymous shared memory that the
//! forked child inherits, as Python's `Value` and `Array` do; the child's writes are what the
//! parent prints after joining. `--named` keeps them in named shared memory instead (Python's
//! `shared_memory.SharedMemory`): the child opens it by name and removes the name at once, so
//! nothing is left in `/dev/shm` even if a process crashes.
//!
//! Run: `cargo run -p shared-memory` prints `3.1415 [0, -1, -2, -3, -4]` (so does `-- --named`).

use clap::Parser;
use common::cli;
use common::process;
use common::pyfmt::Py;
use common::shared::{SharedArray, SharedValue};

/// A child process writes to memory its parent shares with it.
#[derive(Parser)]
struct Args {
    /// Use named shared memory (`/dev/shm`) instead of anonymous shared memory.
    #[arg(long)]
    named: bool,
}

#[expect(
    clippy::approx_constant,
    reason = "3.1415 is the notes' value, not an attempt at π"
)]
fn f(n: &SharedValue<f64>, a: &SharedArray<i32>) {
    n.set(3.1415);
    for i in 0..a.len() {
        a.set(i, -a.get(i));
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    cli::run(|| {
        let (num, arr) = if args.named {
            (SharedValue::named(0.0)?, SharedArray::named(0..5)?)
        } else {
            (SharedValue::new(0.0)?, SharedArray::new(0..5)?)
        };
        let p = process::fork(|| {
            // Map the memory again, as a separate process would (by name, if it has one).
            f(&num.attach()?, &arr.attach()?);
            Ok(())
        })?;
        p.join()?;
        println!("{} {}", Py(num.get()), Py(arr.to_vec()));
        Ok(())
    })
}
