//! Observations by scope, and the text file that holds them.
//!
//! A run keeps everything its page is computed from in an [`Evidence`]: the scope `run` (the
//! machine, the plan), `rust` and `python` (what each language measured). Each scope is a
//! [`Record`] of numbers (every sample, in the order taken) and facts (a word or a short text).
//!
//! The file (`--data FILE`) has a header line naming the program and the format, then one
//! observation a line, its four fields separated by tabs (shown here as `→`), then an end line,
//! so that a file cut anywhere is told from a whole one:
//!
//! ```text
//! # threads-vs-processes evidence, format 2
//! run→n→cpus→2
//! rust→n→cpu.sequential→1.0253
//! rust→f→memory.thread_write→seen
//! # end
//! ```
//!
//! Reading refuses a number that is not finite and a fact recorded twice; reading with the
//! program's fields ([`Evidence::read_checked`], see [`crate::schema`]) refuses any value no
//! measurement could give, naming the file, the line and the key.
//!
//! Numbers are written with Rust's shortest round-trip spelling, so a file read back gives the
//! same `f64`s and `--replay` prints the same page, byte for byte. A Python twin prints the same
//! lines without the scope (`n<TAB>key<TAB>value`, `f<TAB>key<TAB>text`), and `p` after each step.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

use crate::schema::{self, Field};

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

    /// A copy with `key`'s values replaced by `values` (for a test that needs other numbers, or
    /// fewer runs, of one key).
    pub fn with_values(&self, key: &str, values: &[f64]) -> Record {
        let mut copy = self.clone();
        copy.numbers.insert(key.to_owned(), values.to_vec());
        copy
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

    /// Every fact, by key.
    pub fn facts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.facts.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
                ensure!(number.is_finite(), "{key}: {value} is not a finite number");
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

    /// Every scope and its record, by name.
    pub fn scopes(&self) -> impl Iterator<Item = (&str, &Record)> {
        self.scopes.iter().map(|(s, r)| (s.as_str(), r))
    }

    /// The file's text: the header naming `program`, every observation, and the end line.
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
        out + END
    }

    /// Reads the text [`Evidence::to_text`] wrote for `program`: the header, whole lines, the
    /// end line last, finite numbers, each fact once.
    pub fn from_text(text: &str, program: &str) -> Result<Evidence> {
        Evidence::parse(text, program, None)
    }

    /// [`Evidence::from_text`], every line also checked against `fields`, and the recording
    /// checked complete.
    pub fn from_text_checked(text: &str, program: &str, fields: &[Field]) -> Result<Evidence> {
        let evidence = Evidence::parse(text, program, Some(fields))?;
        evidence.complete(fields)?;
        Ok(evidence)
    }

    /// Checks evidence measured in memory against `fields`, as a file is checked when read:
    /// every value, every key once where it is recorded once, and every required key present.
    pub fn check(&self, fields: &[Field]) -> Result<()> {
        for (scope, record) in self.scopes() {
            for key in record.number_keys() {
                let f = schema::field(fields, scope, key, true)?;
                let values = record.values(key);
                ensure!(
                    f.repeats || values.len() == 1,
                    "{scope} {key}: recorded {} times, where it is recorded once",
                    values.len()
                );
                for &v in values {
                    schema::number(f, scope, key, v)?;
                }
            }
            for (key, text) in record.facts() {
                schema::fact(schema::field(fields, scope, key, false)?, scope, key, text)?;
            }
        }
        self.complete(fields)
    }

    /// Checks that every required key of every scope recorded is there (`run` and `rust` always
    /// are).
    fn complete(&self, fields: &[Field]) -> Result<()> {
        ensure!(self.scope("run").is_some(), "no run section");
        ensure!(self.scope("rust").is_some(), "no rust section");
        for (scope, record) in self.scopes() {
            for f in fields.iter().filter(|f| f.required && f.scope.holds(scope)) {
                let there = if f.value.is_number() {
                    !record.values(f.key).is_empty()
                } else {
                    record.get_fact(f.key).is_some()
                };
                ensure!(there, "{scope}: {} is missing", f.key);
            }
        }
        Ok(())
    }

    fn parse(text: &str, program: &str, fields: Option<&[Field]>) -> Result<Evidence> {
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        ensure!(
            format!("{first}\n") == header(program),
            "not a {program} evidence file of format {FORMAT} (its first line is {first:?}; \
             record it again)"
        );
        ensure!(
            text.ends_with(END),
            "the file ends before its end line {:?}: it was cut short",
            END.trim_end()
        );
        let body: Vec<&str> = lines.collect();
        let (_, body) = body.split_last().expect("the end line is there");
        let mut evidence = Evidence::default();
        for (i, line) in body.iter().enumerate() {
            let at = i + 2;
            let fields_of_line: Vec<&str> = line.splitn(4, '\t').collect();
            let [scope, kind, key, value] = fields_of_line[..] else {
                bail!("line {at}: expected 4 tab-separated fields: {line:?}");
            };
            let record = evidence.scope_mut(scope);
            if kind == "f" && record.get_fact(key).is_some() {
                bail!("line {at}: {scope} {key}: recorded a second time");
            }
            record
                .read(kind, key, value)
                .with_context(|| format!("line {at}"))?;
            if let Some(fields) = fields {
                check_line(fields, scope, kind, key, value, record)
                    .with_context(|| format!("line {at}"))?;
            }
        }
        Ok(evidence)
    }

    /// Reads a file that `--data` wrote.
    pub fn read(path: &Path, program: &str) -> Result<Evidence> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Evidence::from_text(&text, program).with_context(|| format!("{}", path.display()))
    }

    /// Reads a file that `--data` wrote, every line checked against `fields`: an error names the
    /// file, the line and the key.
    pub fn read_checked(path: &Path, program: &str, fields: &[Field]) -> Result<Evidence> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Evidence::from_text_checked(&text, program, fields)
            .with_context(|| format!("{}", path.display()))
    }
}

/// One line checked against its field: the value, and a value recorded once not recorded again.
fn check_line(
    fields: &[Field],
    scope: &str,
    kind: &str,
    key: &str,
    value: &str,
    record: &Record,
) -> Result<()> {
    let field = schema::field(fields, scope, key, kind == "n")?;
    if kind == "n" {
        let values = record.values(key);
        ensure!(
            field.repeats || values.len() == 1,
            "{scope} {key}: recorded a second time"
        );
        schema::number(field, scope, key, values[values.len() - 1])
    } else {
        schema::fact(field, scope, key, value)
    }
}

/// The format [`Evidence::to_text`] writes and the readers accept.
const FORMAT: u32 = 2;

/// The last line of every recording.
const END: &str = "# end\n";

fn header(program: &str) -> String {
    format!("# {program} evidence, format {FORMAT}\n")
}

/// A `--data` file, written so that evidence is never lost.
///
/// [`DataFile::create`], before anything is measured, makes and removes a temporary file in the
/// target's directory, so that a place that cannot be written fails at once; the target itself is
/// not touched. [`DataFile::write`], after the page is printed, writes the whole recording to a
/// new temporary file there, flushes it to disk and renames it over the target in one step. So
/// the target is always either the previous recording, whole, or the new one, whole: a run
/// interrupted or killed while it measures leaves what was there and nothing beside it; a full
/// disk or a failed write leaves what was there (the temporary file is removed); of runs writing
/// one path at once, each renames a complete file and the last wins.
pub struct DataFile {
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl DataFile {
    /// Prepares to write `path`: a temporary file beside it, made now.
    pub fn create(path: &Path) -> Result<DataFile> {
        // The rename would replace whatever is there: a device (`/dev/full`) or a directory is
        // not a recording to replace.
        if let Ok(meta) = std::fs::metadata(path) {
            ensure!(
                meta.is_file(),
                "--data {}: not a regular file, so not a recording to replace",
                path.display()
            );
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let data = DataFile {
            dir: dir.to_owned(),
            path: path.to_owned(),
        };
        // Dropped at once: it only proves that the directory takes a new file.
        data.temporary()
            .with_context(|| format!("--data {}: cannot write there", path.display()))?;
        Ok(data)
    }

    /// A new temporary file beside the target, removed when dropped unless persisted.
    fn temporary(&self) -> std::io::Result<tempfile::NamedTempFile> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        tempfile::Builder::new()
            .prefix(&format!(".{}.", name.as_deref().unwrap_or("evidence")))
            .suffix(".partial")
            .tempfile_in(&self.dir)
    }

    /// Writes the evidence of `program` to the temporary file, flushes it to disk, and renames
    /// it over the target.
    pub fn write(self, evidence: &Evidence, program: &str) -> Result<()> {
        self.write_bytes(evidence.to_text(program).as_bytes())
    }

    /// [`write`](Self::write) for what is not an evidence recording: a table, a chart.
    pub fn write_bytes(self, bytes: &[u8]) -> Result<()> {
        use std::io::Write as _;
        let unchanged = || format!("writing {}: it is unchanged", self.path.display());
        let mut temp = self.temporary().with_context(unchanged)?;
        // A temporary file is private (0600); the recording keeps the mode the target had, or
        // gets an ordinary file's.
        let mode = std::fs::metadata(&self.path).map_or(0o644, |m| {
            use std::os::unix::fs::PermissionsExt as _;
            m.permissions().mode()
        });
        temp.write_all(bytes)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt as _;
                let file = temp.as_file();
                file.set_permissions(std::fs::Permissions::from_mode(mode))?;
                file.sync_all()
            })
            .with_context(unchanged)?;
        temp.persist(&self.path)
            .map_err(|e| e.error)
            .with_context(unchanged)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Scope, Value};

    #[test]
    fn measured_evidence_is_checked_too() {
        const FIELDS: &[Field] = &[
            Field::required(Scope::Run, "cpus", Value::Count),
            Field::each_run(Scope::Language, "when.#.Sequential", Value::Positive),
        ];
        let mut e = Evidence::default();
        e.scope_mut("run").add("cpus", 2.0);
        e.scope_mut("rust").add("when.0.Sequential", 1.0);
        e.check(FIELDS).unwrap();
        e.scope_mut("run").add("cpus", 2.0);
        let twice = e.check(FIELDS).unwrap_err().to_string();
        assert!(twice.contains("recorded 2 times"), "{twice}");
        let mut e = Evidence::default();
        e.scope_mut("rust").add("when.0.Sequential", 1.0);
        e.scope_mut("run");
        let missing = e.check(FIELDS).unwrap_err().to_string();
        assert!(missing.contains("cpus is missing"), "{missing}");
    }

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

    fn evidence() -> Evidence {
        let mut e = Evidence::default();
        e.scope_mut("rust").add("t", 1.5);
        e
    }

    #[test]
    fn data_replaces_the_file_whole_and_keeps_it_until_then() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.evidence");
        std::fs::write(&path, "the previous recording\n").unwrap();
        let data = DataFile::create(&path).unwrap();
        // Measuring takes a while: meanwhile the previous recording is still there, whole.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "the previous recording\n"
        );
        data.write(&evidence(), "demo").unwrap();
        assert_eq!(Evidence::read(&path, "demo").unwrap(), evidence());
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "the target's mode is kept");
        // Nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_interrupted_run_leaves_the_previous_recording_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.evidence");
        std::fs::write(&path, "the previous recording\n").unwrap();
        drop(DataFile::create(&path).unwrap()); // The run failed or was interrupted.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "the previous recording\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_place_that_cannot_be_written_is_refused_before_measuring() {
        let err = DataFile::create(Path::new("/no-such-dir/run.evidence"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("cannot write there"), "{err}");
    }

    #[test]
    fn a_device_or_a_directory_is_not_replaced() {
        for target in ["/dev/full", "/tmp"] {
            let err = DataFile::create(Path::new(target)).err().unwrap();
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
    }

    #[test]
    fn concurrent_writers_each_leave_a_complete_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.evidence");
        let files: Vec<DataFile> = (0..3).map(|_| DataFile::create(&path).unwrap()).collect();
        std::thread::scope(|s| {
            for (i, data) in files.into_iter().enumerate() {
                s.spawn(move || {
                    let mut e = Evidence::default();
                    for _ in 0..1000 {
                        e.scope_mut("rust").add("t", i as f64);
                    }
                    data.write(&e, "demo").unwrap();
                });
            }
        });
        let e = Evidence::read(&path, "demo").unwrap();
        let values = e.scope("rust").unwrap().values("t");
        assert_eq!(values.len(), 1000, "one writer's recording, whole");
        assert!(
            values.iter().all(|&v| v == values[0]),
            "no mixture of writers"
        );
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
        let bad = Evidence::from_text("# demo evidence, format 2\nrust\tn\tx\n# end\n", "demo");
        assert!(bad.is_err());
    }
}
