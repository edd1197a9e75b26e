//! Notes § *Shared Memory with `Value` and `Array`*.
//!
//! `SharedValue` and `SharedArray` (in `common::shared`) live in anonymous shared memory, as
//! Python's `Value` and `Array` do; a child process writes to them and the parent prints them
//! after joining. The child is given handles to the memory, as Python pickles `num` and `arr` for
//! it: a forked child maps the memory file it inherited, a spawned one is handed the file across
//! the exec. `--named` uses named shared memory instead (Python's `shared_memory.SharedMemory`):
//! the child opens it by name and removes the name at once, so nothing is left in `/dev/shm`.
//!
//! Run: `cargo run -p shared-memory` prints `3.1415 [0, -1, -2, -3, -4]`, and so do
//! `-- --named` and `-- --start-method spawn`.

use clap::Parser;
use common::cli;
use common::process::{self, StartMethod};
use common::pyfmt::Py;
use common::shared::{SharedArray, SharedHandle, SharedValue};

/// A child process writes to memory its parent shares with it.
#[derive(Parser)]
struct Args {
    /// Use named shared memory (`/dev/shm`) instead of anonymous shared memory.
    #[arg(long)]
    named: bool,
    /// How the child process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
}

#[expect(
    clippy::approx_constant,
    reason = "3.1415 is the notes' value, not an attempt at π"
)]
fn f((n, a): (SharedHandle, SharedHandle)) -> anyhow::Result<()> {
    let (n, a) = (
        SharedValue::<f64>::from_handle(n)?,
        SharedArray::<i32>::from_handle(a)?,
    );
    n.set(3.1415);
    for i in 0..a.len() {
        a.set(i, -a.get(i));
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    // Rust's `if __name__ == '__main__':` for `--start-method spawn` (see simple-process).
    process::run_if_spawned(f);

    let args = Args::parse();
    cli::run(|| {
        let (num, arr) = if args.named {
            (SharedValue::named(0.0)?, SharedArray::named(0..5)?)
        } else {
            (SharedValue::new(0.0)?, SharedArray::new(0..5)?)
        };
        let ((n, n_fds), (a, a_fds)) = (num.share(), arr.share());
        let fds = [n_fds, a_fds].concat();
        let p = process::start_inheriting(args.start_method, f, (n, a), &fds)?;
        p.join()?;
        println!("{} {}", Py(num.get()), Py(arr.to_vec()));
        Ok(())
    })
}
