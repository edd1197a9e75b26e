//! `--python`: the same measurements by the Python twin, `threads_vs_processes.py`, read back
//! line by line (see `evidence::record` for the lines).

use anyhow::Result;
use evidence::record::Record;

use crate::measure::Plan;

/// Python does this fraction of Rust's CPU-bound steps, so that both take a similar time:
/// speedups compare across the languages, times do not.
pub const CPU_SHARE: u64 = 100;

/// Runs the twin with the same plan; `step` is called after each of its steps. `None` when
/// there is no python3.
pub fn run(plan: &Plan, mut step: impl FnMut()) -> Result<Option<Record>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/threads_vs_processes.py");
    let mut args = Vec::new();
    for (flag, value) in plan.numbers() {
        let value = if flag == "cpu-units" {
            value / CPU_SHARE
        } else {
            value
        };
        args.extend([format!("--{flag}"), value.to_string()]);
    }
    let mut record = Record::default();
    let ran = evidence::twin::run(script, &args, |line| {
        if record.read_twin_line(line)? {
            step();
        }
        Ok(())
    })?;
    Ok(ran.then_some(record))
}
