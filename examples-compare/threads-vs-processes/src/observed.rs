//! What a run's record says, read back: the setup it ran with, a row's speedups, and how a child
//! ended. Both the page ([`crate::report`]) and the verdicts ([`crate::verdicts`]) read it.

use anyhow::{Context, Result};
use evidence::record::{Record, Stats};

use crate::measure::Plan;

/// How the run was made.
pub struct Setup {
    /// A `--quick` run: timings too short to judge anything.
    pub quick: bool,
    /// CPUs this run could use (all the process was allowed, or `--cpus`).
    pub cpus: usize,
    /// Whether `--cpus` pinned the run.
    pub pinned: bool,
    /// The machine's logical and physical cores (num_cpus).
    pub logical: usize,
    pub physical: usize,
    pub plan: Plan,
}

impl Setup {
    /// Records the setup in the `run` scope.
    pub fn record(&self, r: &mut Record) {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        r.add("quick", flag(self.quick));
        r.add("cpus", self.cpus as f64);
        r.add("pinned", flag(self.pinned));
        r.add("logical", self.logical as f64);
        r.add("physical", self.physical as f64);
        self.plan.record(r);
    }

    /// The setup the `run` scope holds.
    pub fn from_record(r: &Record) -> Result<Setup> {
        let get = |key: &str| {
            r.median(key)
                .with_context(|| format!("no run {key} in the evidence"))
        };
        Ok(Setup {
            quick: get("quick")? != 0.0,
            cpus: get("cpus")? as usize,
            pinned: get("pinned")? != 0.0,
            logical: get("logical")? as usize,
            physical: get("physical")? as usize,
            plan: Plan::from_record(r)?,
        })
    }
}

/// The speedup of `row` by `kind` (`threads`, `processes`): the sequential median over each
/// run's time, as a range.
pub fn speedup(r: &Record, row: &str, kind: &str) -> Option<Stats> {
    let sequential = r.median(&format!("{row}.sequential"))?;
    Some(r.stats(&format!("{row}.{kind}"))?.inverse_of(sequential))
}

/// How a process ended, for a reader: `killed by SIGSEGV`, `exited with code 0`.
pub fn ending(fact: &str) -> String {
    if let Some(signal) = fact.strip_prefix("signal ") {
        format!("killed by {signal}")
    } else if let Some(code) = fact.strip_prefix("exit ") {
        format!("exited with code {code}")
    } else {
        fact.to_owned()
    }
}
