//! What one run measured, in one shape for Rust and for Python: numbers by key (one value per
//! repeat) and facts by key (a sentence). The Python twin prints the same keys as lines
//! `n<TAB>key<TAB>value`, `f<TAB>key<TAB>text`, and `p` after each step (for the progress bar).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

/// Every number and fact of one language's run.
#[derive(Debug, Default)]
pub struct Results {
    numbers: BTreeMap<String, Vec<f64>>,
    facts: BTreeMap<String, String>,
}

/// A median with the smallest and largest value it was taken from.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Results {
    /// Records one more value of `key`.
    pub fn add(&mut self, key: impl Into<String>, value: f64) {
        self.numbers.entry(key.into()).or_default().push(value);
    }

    /// Records what was seen under `key`.
    pub fn fact(&mut self, key: &str, text: impl Into<String>) {
        self.facts.insert(key.to_owned(), text.into());
    }

    /// The values of `key`: median, min and max.
    pub fn stats(&self, key: &str) -> Option<Stats> {
        let mut values = self.numbers.get(key)?.clone();
        values.sort_by(f64::total_cmp);
        let median = match values.len() {
            0 => return None,
            n if n % 2 == 1 => values[n / 2],
            n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        };
        Some(Stats {
            median,
            min: values[0],
            max: values[values.len() - 1],
        })
    }

    /// The median of `key`.
    pub fn median(&self, key: &str) -> Option<f64> {
        self.stats(key).map(|s| s.median)
    }

    /// The fact recorded under `key`, or a dash.
    pub fn fact_or_dash(&self, key: &str) -> &str {
        self.facts.get(key).map_or("–", String::as_str)
    }

    /// Reads one line of the twin's output; returns whether it was a progress step.
    pub fn read_line(&mut self, line: &str) -> Result<bool> {
        let mut fields = line.splitn(3, '\t');
        match (fields.next(), fields.next(), fields.next()) {
            (Some("p"), None, None) => return Ok(true),
            (Some("n"), Some(key), Some(value)) => {
                let value = value.parse().with_context(|| format!("{key}: {value:?}"))?;
                self.add(key, value);
            }
            (Some("f"), Some(key), Some(text)) => self.fact(key, text),
            _ => bail!("unexpected line from the Python twin: {line:?}"),
        }
        Ok(false)
    }

    /// Every value as `language<TAB>key<TAB>value` lines (what `make bench` charts).
    pub fn to_tsv(&self, language: &str) -> String {
        let mut out = String::new();
        for (key, values) in &self.numbers {
            for value in values {
                _ = writeln!(out, "{language}\t{key}\t{value}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_twin_lines() {
        let mut r = Results::default();
        for line in ["n\tx\t3", "n\tx\t1", "n\tx\t2", "f\tcrash\tit died"] {
            assert!(!r.read_line(line).unwrap());
        }
        assert!(r.read_line("p").unwrap());
        assert!(r.read_line("nonsense").is_err());
        let s = r.stats("x").unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(r.fact_or_dash("crash"), "it died");
        assert_eq!(r.fact_or_dash("other"), "–");
        assert_eq!(r.to_tsv("rust"), "rust\tx\t3\nrust\tx\t1\nrust\tx\t2\n");
    }
}
