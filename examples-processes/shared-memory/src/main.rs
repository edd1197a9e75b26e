//! Notes § *Shared Memory with `Value` and `Array`*.
//!
//! `SharedValue` and `SharedArray` (in `common::shared`) live in anonymous shared memory (a
//! `memfd`), as Python's `Value` and `Array` live in an unlinked file; a child process writes to
//! them and the parent prints them after joining. The child gets clones, handles on the same
//! memory, as Python passes references in `args`; they reach it under every `--start-method`
//! (`fork` by default). `--named` uses named shared memory instead (Python's
//! `shared_memory.SharedMemory`): the child removes the name once attached, so nothing is left in
//! `/dev/shm`.
//!
//! Run: `cargo run -p shared-memory` prints `3.1415 [0, -1, -2, -3, -4]`, and so do
//! `-- --named` and `-- --start-method spawn`.

use clap::Parser;
use common::cli;
use common::process::{self, StartMethod};
use common::pyfmt::Py;
use common::shared::{SharedArray, SharedValue};
use common::target::Target;

/// A child process writes to memory its parent shares with it.
#[derive(Parser)]
#[command(
    version,
    after_help = "Notes § Shared Memory with Value and Array. Source: examples-processes/shared-memory/src/main.rs; Python twin: examples-processes/shared-memory/shared_memory.py."
)]
struct Args {
    /// Use named shared memory (`/dev/shm`) instead of anonymous shared memory.
    #[arg(long)]
    named: bool,
    /// How the child process is started.
    #[arg(long, value_enum, default_value_t = StartMethod::Fork)]
    start_method: StartMethod,
    /// Say on stderr where named shared memory lives in `/dev/shm`.
    #[arg(short, long)]
    verbose: bool,
}

#[expect(
    clippy::approx_constant,
    reason = "3.1415 is the notes' value, not an attempt at π"
)]
fn f((n, a): (SharedValue<f64>, SharedArray<i32>)) {
    n.set(3.1415);
    for i in 0..a.len() {
        a.set(i, -a.get(i));
    }
}
const F: Target<(SharedValue<f64>, SharedArray<i32>), ()> = common::target!(f);

fn main() -> std::process::ExitCode {
    common::roles::run_if_child(&[&F]); // Rust's `if __name__ == '__main__':`

    let args = cli::parse::<Args>();
    cli::run(|| {
        let (num, arr) = if args.named {
            (SharedValue::named(0.0)?, SharedArray::named(0..5)?)
        } else {
            (SharedValue::new(0.0)?, SharedArray::new(0..5)?)
        };
        if let (true, Some(name)) = (args.verbose, arr.name()) {
            eprintln!("named shared memory: /dev/shm/{name}");
        }
        let p = process::start(args.start_method, &F, (num.clone(), arr.clone()))?;
        p.join()?;
        println!("{} {}", Py(num.get()), Py(arr.to_vec()));
        Ok(())
    })
}
