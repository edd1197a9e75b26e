//! Observations by scope, and the text file that holds them.
//!
//! A run keeps everything its page is computed from in an [`Evidence`]: the scope `run` (the
//! machine, the plan), `rust` and `python` (what each language measured). Each scope is a
//! [`Record`] of numbers (every sample, in the order taken) and facts (a word or a short text).
//!
//! The file (`--data FILE`) has a header line, then one observation a line, its four fields
//! separated by tabs (shown here as `→`):
//!
//! ```text
//! # threads-vs-processes evidence, format 1
//! run→n→cpus→2
//! rust→n→cpu.sequential→1.0253
//! rust→f→memory.thread_write→seen
//! ```
//!
//! Numbers are written with Rust's shortest round-trip spelling, so a file read back gives the
//! same `f64`s and `--replay` prints the same page, byte for byte. A Python twin prints the same
//! lines without the scope (`n<TAB>key<TAB>value`, `f<TAB>key<TAB>text`), and `p` after each step.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

/// Every number and fact of one scope.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Record {
    numbers: BTreeMap<String, Vec<f64>>,
    facts: BTreeMap<String, String>,
}

/// A median with the smallest and largest value it was taken from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// The middle value (the mean of the two middle ones for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many values.
    pub runs: usize,
}

impl Stats {
    /// One value seen once.
    pub fn once(value: f64) -> Stats {
        Stats {
            median: value,
            min: value,
            max: value,
            runs: 1,
        }
    }

    /// `self ÷ other` as a range: the median ratio, and the smallest and largest ratio that any
    /// pairing of one value of each could give.
    pub fn ratio(self, other: Stats) -> Stats {
        Stats {
            median: self.median / other.median,
            min: self.min / other.max,
            max: self.max / other.min,
            runs: self.runs.min(other.runs),
        }
    }

    /// `numerator ÷ self` as a range (a speedup: the sequential median over these times).
    pub fn inverse_of(self, numerator: f64) -> Stats {
        Stats {
            median: numerator / self.median,
            min: numerator / self.max,
            max: numerator / self.min,
            runs: self.runs,
        }
    }
}

/// The median, min and max of `values`, or `None` for none.
pub fn stats(values: &[f64]) -> Option<Stats> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = match n {
        0 => return None,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Some(Stats {
        median,
        min: v[0],
        max: v[n - 1],
        runs: n,
    })
}

impl Record {
    /// Records one more value of `key`.
    pub fn add(&mut self, key: impl Into<String>, value: f64) {
        self.numbers.entry(key.into()).or_default().push(value);
    }

    /// Records what was seen under `key` (replacing an earlier fact of that key).
    pub fn fact(&mut self, key: impl Into<String>, text: impl Into<String>) {
        self.facts.insert(key.into(), text.into());
    }

    /// Every value of `key`, in the order recorded.
    pub fn values(&self, key: &str) -> &[f64] {
        self.numbers.get(key).map_or(&[], Vec::as_slice)
    }

    /// The values of `key`: median, min and max.
    pub fn stats(&self, key: &str) -> Option<Stats> {
        stats(self.values(key))
    }

    /// The median of `key`.
    pub fn median(&self, key: &str) -> Option<f64> {
        self.stats(key).map(|s| s.median)
    }

    /// The fact recorded under `key`.
    pub fn get_fact(&self, key: &str) -> Option<&str> {
        self.facts.get(key).map(String::as_str)
    }

    /// The fact recorded under `key`, or a dash.
    pub fn fact_or_dash(&self, key: &str) -> &str {
        self.get_fact(key).unwrap_or("–")
    }

    /// Every key with numbers, sorted.
    pub fn number_keys(&self) -> impl Iterator<Item = &str> {
        self.numbers.keys().map(String::as_str)
    }

    /// Reads one line of a Python twin's output; returns whether it was a progress step (`p`).
    pub fn read_twin_line(&mut self, line: &str) -> Result<bool> {
        let mut fields = line.splitn(3, '\t');
        match (fields.next(), fields.next(), fields.next()) {
            (Some("p"), None, None) => return Ok(true),
            (Some(kind), Some(key), Some(value)) => self.read(kind, key, value)?,
            _ => bail!("unexpected line from the Python twin: {line:?}"),
        }
        Ok(false)
    }

    fn read(&mut self, kind: &str, key: &str, value: &str) -> Result<()> {
        match kind {
            "n" => {
                let number: f64 = value.parse().with_context(|| format!("{key}: {value:?}"))?;
                self.add(key, number);
            }
            "f" => self.fact(key, value),
            _ => bail!("{kind:?} is neither n (a number) nor f (a fact)"),
        }
        Ok(())
    }
}

/// Everything one run of a program observed, by scope.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Evidence {
    scopes: BTreeMap<String, Record>,
}

impl Evidence {
    /// The record of `scope`, if anything was recorded under it.
    pub fn scope(&self, scope: &str) -> Option<&Record> {
        self.scopes.get(scope)
    }

    /// The record of `scope`, or an error naming it: for a page that cannot be written without it.
    pub fn required(&self, scope: &str) -> Result<&Record> {
        self.scope(scope)
            .with_context(|| format!("no {scope} scope in the evidence"))
    }

    /// The record of `scope`, made empty if new.
    pub fn scope_mut(&mut self, scope: &str) -> &mut Record {
        self.scopes.entry(scope.to_owned()).or_default()
    }

    /// Puts `record` under `scope`.
    pub fn insert(&mut self, scope: &str, record: Record) {
        self.scopes.insert(scope.to_owned(), record);
    }

    /// The file's text: the header naming `program`, then every observation.
    pub fn to_text(&self, program: &str) -> String {
        let mut out = header(program);
        for (scope, record) in &self.scopes {
            for (key, values) in &record.numbers {
                for value in values {
                    _ = writeln!(out, "{scope}\tn\t{key}\t{value}");
                }
            }
            for (key, text) in &record.facts {
                _ = writeln!(out, "{scope}\tf\t{key}\t{text}");
            }
        }
        out
    }

    /// Reads the text [`Evidence::to_text`] wrote for `program`.
    pub fn from_text(text: &str, program: &str) -> Result<Evidence> {
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        ensure!(
            format!("{first}\n") == header(program),
            "not a {program} evidence file (its first line is {first:?})"
        );
        let mut evidence = Evidence::default();
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let [scope, kind, key, value] = fields[..] else {
                bail!("line {}: expected 4 tab-separated fields: {line:?}", i + 2);
            };
            evidence
                .scope_mut(scope)
                .read(kind, key, value)
                .with_context(|| format!("line {}", i + 2))?;
        }
        Ok(evidence)
    }

    /// Reads a file that `--data` wrote.
    pub fn read(path: &Path, program: &str) -> Result<Evidence> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Evidence::from_text(&text, program).with_context(|| format!("reading {}", path.display()))
    }
}

fn header(program: &str) -> String {
    format!("# {program} evidence, format 1\n")
}

/// A `--data` file, opened (created or truncated) before anything is measured, so that a path
/// that cannot be written fails at once instead of after the whole run.
pub struct DataFile {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl DataFile {
    /// Creates (or truncates) `path` for writing.
    pub fn create(path: &Path) -> Result<DataFile> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("--data {}: cannot write there", path.display()))?;
        Ok(DataFile {
            file,
            path: path.to_owned(),
        })
    }

    /// Writes the evidence of `program` and closes the file.
    pub fn write(mut self, evidence: &Evidence, program: &str) -> Result<()> {
        use std::io::Write as _;
        self.file
            .write_all(evidence.to_text(program).as_bytes())
            .and_then(|()| self.file.sync_all())
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ranges_and_twin_lines() {
        let mut r = Record::default();
        for line in ["n\tx\t3", "n\tx\t1", "n\tx\t2", "f\tcrash\tit died"] {
            assert!(!r.read_twin_line(line).unwrap());
        }
        assert!(r.read_twin_line("p").unwrap());
        assert!(r.read_twin_line("nonsense").is_err());
        assert!(r.read_twin_line("q\tx\t1").is_err());
        let s = r.stats("x").unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.0, 1.0, 3.0, 3));
        assert_eq!(r.fact_or_dash("crash"), "it died");
        assert_eq!(r.fact_or_dash("other"), "–");
        let speedup = s.inverse_of(6.0);
        assert_eq!((speedup.median, speedup.min, speedup.max), (3.0, 2.0, 6.0));
        let ratio = Stats::once(4.0).ratio(s);
        assert_eq!((ratio.median, ratio.min, ratio.max), (2.0, 4.0 / 3.0, 4.0));
    }

    #[test]
    fn a_file_reads_back_to_the_same_evidence() {
        let mut e = Evidence::default();
        e.scope_mut("run").add("cpus", 2.0);
        for v in [0.1 + 0.2, 1e-300, 123456.789, f64::MAX] {
            e.scope_mut("rust").add("t", v);
        }
        e.scope_mut("python")
            .fact("python.version", "3.11.7 (CPython)");
        let text = e.to_text("demo");
        assert_eq!(Evidence::from_text(&text, "demo").unwrap(), e);
        let wrong = Evidence::from_text(&text, "other").unwrap_err();
        assert!(
            wrong.to_string().contains("not a other evidence file"),
            "{wrong}"
        );
        let bad = Evidence::from_text("# demo evidence, format 1\nrust\tn\tx\n", "demo");
        assert!(bad.is_err());
    }
}
