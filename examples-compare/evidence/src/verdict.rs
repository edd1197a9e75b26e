//! Verdicts: the three words, the threshold rule, and the table a page ends with.
//!
//! Every row of a verdict table is one claim of the notes for one language: the claim quoted, the
//! numbers it rests on, exactly one of `holds`, `does not hold`, `cannot tell`, and why. The
//! programs choose each row's verdict and reason from the data; this module only gives them the
//! shared rules and the table's shape.

use std::fmt;

use crate::record::Stats;
use crate::show::times;

/// The only three things a verdict cell may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The data supports the claim.
    Holds,
    /// The data contradicts the claim.
    DoesNotHold,
    /// The data cannot decide (too few runs, a busy machine, a range across the threshold).
    CannotTell,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::CannotTell => "cannot tell",
        })
    }
}

impl Verdict {
    /// `Holds` when `yes`, `DoesNotHold` otherwise: for a claim that an observation decides.
    pub fn from_observation(yes: bool) -> Verdict {
        if yes {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    }
}

/// **The threshold rule** for a claim "this is more than `threshold` times that": `ratio` is the
/// range of the ratio over every pairing of the two sides' runs ([`Stats::ratio`]).
/// - `holds` when the whole range is above the threshold (even the least favourable pairing
///   clears it);
/// - `does not hold` when the whole range is below it;
/// - `cannot tell` when the range straddles it.
pub fn exceeds(ratio: Stats, threshold: f64) -> Verdict {
    if ratio.min > threshold {
        Verdict::Holds
    } else if ratio.max < threshold {
        Verdict::DoesNotHold
    } else {
        Verdict::CannotTell
    }
}

/// The fewest runs a timing must have before a speed verdict is drawn from it: with fewer, the
/// spread that the threshold rule needs is not seen.
pub const MIN_RUNS: usize = 3;

/// Why a speed verdict cannot be drawn at all, or `None` if it can: a `--quick` run, fewer than
/// [`MIN_RUNS`] runs, or a busy machine (the load's sentence).
pub fn speed_gate(quick: bool, runs: usize, load: Option<&crate::load::Load>) -> Option<String> {
    if quick {
        return Some("a --quick run's timings are too short to judge".into());
    }
    if runs < MIN_RUNS {
        return Some(format!(
            "{runs} run{} of each timing: at least {MIN_RUNS} are needed to see the spread",
            if runs == 1 { "" } else { "s" }
        ));
    }
    match load {
        Some(load) if load.is_busy() => Some(format!("the machine was busy: {}", load.describe())),
        Some(_) => None,
        None => Some("the machine's load was not recorded".into()),
    }
}

/// Work "ran on all CPUs" when its speedup is at least this share of the CPUs it could use.
pub const ALL_CPUS: f64 = 0.8;
/// Work "ran one at a time" when its speedup is below this.
pub const ONE_AT_A_TIME: f64 = 1.2;

/// How work of `speedup` used `usable` CPUs, in words chosen by [`ALL_CPUS`] and
/// [`ONE_AT_A_TIME`]: `ran on all 2 CPUs at once (1.97×)`, `ran one at a time (1.02×)`, and
/// below one worker's speed by as much as one at a time is above it (under 1 ÷ [`ONE_AT_A_TIME`]),
/// `ran slower than one worker (0.49×)`.
pub fn cpu_use(speedup: f64, usable: usize) -> String {
    if usable <= 1 {
        format!("{} on 1 CPU", times(speedup))
    } else if speedup >= ALL_CPUS * usable as f64 {
        format!("ran on all {usable} CPUs at once ({})", times(speedup))
    } else if speedup < 1.0 / ONE_AT_A_TIME {
        format!("ran slower than one worker ({})", times(speedup))
    } else if speedup < ONE_AT_A_TIME {
        format!("ran one at a time ({})", times(speedup))
    } else {
        format!("used {speedup:.1} of {usable} CPUs")
    }
}

/// One row of a verdict table.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The notes' claim, quoted, with where it stands.
    pub claim: String,
    /// `Rust` or `Python`.
    pub language: &'static str,
    /// The numbers or observations the verdict rests on.
    pub measured: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, from the measured cause.
    pub why: String,
}

impl Finding {
    /// A row of the table.
    pub fn new(
        claim: impl Into<String>,
        language: &'static str,
        measured: String,
        verdict: Verdict,
        why: String,
    ) -> Finding {
        Finding {
            claim: claim.into(),
            language,
            measured,
            verdict,
            why,
        }
    }

    /// The row of a claim with no data: `cannot tell`, `not measured`.
    pub fn not_measured(claim: impl Into<String>, language: &'static str) -> Finding {
        let why = "not measured".to_owned();
        Finding::new(claim, language, "–".into(), Verdict::CannotTell, why)
    }

    /// A finding whose verdict is overridden by a gate: `cannot tell`, with the gate's reason.
    pub fn gated(mut self, gate: Option<&String>) -> Finding {
        if let Some(reason) = gate {
            self.verdict = Verdict::CannotTell;
            self.why = reason.clone();
        }
        self
    }
}

/// The findings as a Markdown table.
pub fn table(findings: &[Finding]) -> String {
    let mut out = String::from("| The notes' claim | Language | Measured | Verdict | Why |\n");
    out += "| --- | --- | --- | --- | --- |\n";
    for f in findings {
        out += &format!(
            "| {} | {} | {} | {} | {} |\n",
            f.claim, f.language, f.measured, f.verdict, f.why
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_use_names_what_the_speedup_says() {
        assert_eq!(cpu_use(1.97, 2), "ran on all 2 CPUs at once (1.97×)");
        assert_eq!(cpu_use(1.02, 2), "ran one at a time (1.02×)");
        assert_eq!(cpu_use(0.49, 2), "ran slower than one worker (0.49×)");
        assert_eq!(cpu_use(1.4, 2), "used 1.4 of 2 CPUs");
    }
    use crate::load::Load;

    fn range(min: f64, max: f64) -> Stats {
        Stats {
            median: (min + max) / 2.0,
            min,
            max,
            runs: 3,
        }
    }

    #[test]
    fn the_threshold_rule_has_three_outcomes() {
        assert_eq!(exceeds(range(1.2, 1.4), 1.1), Verdict::Holds);
        assert_eq!(exceeds(range(0.9, 1.05), 1.1), Verdict::DoesNotHold);
        assert_eq!(exceeds(range(1.0, 1.2), 1.1), Verdict::CannotTell);
        assert_eq!(Verdict::CannotTell.to_string(), "cannot tell");
        assert_eq!(
            Verdict::from_observation(false).to_string(),
            "does not hold"
        );
    }

    #[test]
    fn gates_close_on_quick_few_runs_and_load() {
        let quiet = Load {
            wall: 10.0,
            busy: 10.0,
            own: 10.0,
            cpus: 1.0,
        };
        let busy = Load { own: 5.0, ..quiet };
        assert!(
            speed_gate(true, 5, Some(&quiet))
                .unwrap()
                .contains("--quick")
        );
        assert!(
            speed_gate(false, 2, Some(&quiet))
                .unwrap()
                .contains("2 runs")
        );
        assert!(speed_gate(false, 3, Some(&busy)).unwrap().contains("busy"));
        assert!(speed_gate(false, 3, None).is_some());
        assert_eq!(speed_gate(false, 3, Some(&quiet)), None);
    }
}
