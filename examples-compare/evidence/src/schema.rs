//! What a recording may hold, checked before anything is computed from it.
//!
//! Each program lists its [`Field`]s: every key it records, in which scope, and what its value
//! must be. [`crate::record::Evidence::from_text`] checks every line of a file against them, and
//! [`Evidence::check`](crate::record::Evidence::check) checks evidence measured in memory the same
//! way (this file knows single values; the record knows how to walk a whole recording), so that no page is drawn from a
//! value no measurement could give: a time of `NaN`, `inf`, zero or below; a count of 0; a word
//! cut short; a key recorded twice that is recorded once; a key no program writes; a section
//! missing its required keys.

use anyhow::{Result, bail, ensure};

/// Which scopes a field is recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `run`: the machine and the plan.
    Run,
    /// `rust` and `python`: what each language measured.
    Language,
    /// `python` only: what the twin reports of its interpreter.
    Python,
}

impl Scope {
    /// Whether a field of this scope is recorded in section `scope`.
    pub fn holds(self, scope: &str) -> bool {
        match self {
            Scope::Run => scope == "run",
            Scope::Language => scope == "rust" || scope == "python",
            Scope::Python => scope == "python",
        }
    }
}

/// What a value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A finite number above 0: a time, a size, a rate.
    Positive,
    /// A finite number of 0 or more: bytes copied, seconds of CPU another program took.
    NonNegative,
    /// A whole number of 1 or more: CPUs, workers, runs.
    Count,
    /// 0 or 1.
    Flag,
    /// One of these words.
    Words(&'static [&'static str]),
    /// How a process ended: `signal NAME` or `exit N`.
    Ending,
    /// Any text that is not empty.
    Text,
}

/// One key a program records.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The scopes it is recorded in.
    pub scope: Scope,
    /// The key; `#` stands for a whole number (`when.#.Sequential`).
    pub key: &'static str,
    /// What its value must be.
    pub value: Value,
    /// Whether it is one value (a setting, a fact) or one a run (a timing, recorded again each
    /// run).
    pub repeats: bool,
    /// Whether a recording without it is incomplete.
    pub required: bool,
}

impl Field {
    /// A value recorded once, that a recording may lack.
    pub const fn once(scope: Scope, key: &'static str, value: Value) -> Field {
        Field {
            scope,
            key,
            value,
            repeats: false,
            required: false,
        }
    }

    /// A value recorded once, that every recording has.
    pub const fn required(scope: Scope, key: &'static str, value: Value) -> Field {
        Field {
            required: true,
            ..Field::once(scope, key, value)
        }
    }

    /// A value recorded once a run.
    pub const fn each_run(scope: Scope, key: &'static str, value: Value) -> Field {
        Field {
            repeats: true,
            ..Field::once(scope, key, value)
        }
    }

    fn matches(&self, scope: &str, key: &str) -> bool {
        self.scope.holds(scope) && key_matches(self.key, key)
    }
}

/// Whether `key` fits `pattern`, where a `#` part of the pattern is any whole number.
fn key_matches(pattern: &str, key: &str) -> bool {
    let (mut p, mut k) = (pattern.split('.'), key.split('.'));
    loop {
        match (p.next(), k.next()) {
            (None, None) => return true,
            (Some("#"), Some(part)) => {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return false;
                }
            }
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

impl Value {
    /// Whether it is recorded as a number (`n`) rather than a fact (`f`).
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Value::Positive | Value::NonNegative | Value::Count | Value::Flag
        )
    }
}

/// The fields every recording may have besides its program's own: the load while each language
/// measured (`crate::load`) and what the Python twin reports of its interpreter
/// (`crate::twin`).
pub const SHARED: &[Field] = &[
    Field::once(Scope::Language, "load.wall_s", Value::Positive),
    Field::once(Scope::Language, "load.busy_s", Value::NonNegative),
    Field::once(Scope::Language, "load.own_s", Value::NonNegative),
    Field::once(Scope::Language, "load.cpus", Value::Count),
    Field::once(Scope::Python, "python.implementation", Value::Text),
    Field::once(Scope::Python, "python.version", Value::Text),
    Field::once(
        Scope::Python,
        "python.gil",
        Value::Words(&["enabled", "disabled"]),
    ),
    Field::once(
        Scope::Python,
        "start_method",
        Value::Words(&["fork", "spawn", "forkserver"]),
    ),
];

/// The field `key` of `scope` is (a number's field when `number`, a fact's otherwise: a key may
/// be both, as `cpus` is), or an error saying it is none of them.
pub fn field<'a>(fields: &'a [Field], scope: &str, key: &str, number: bool) -> Result<&'a Field> {
    ensure!(
        ["run", "rust", "python"].contains(&scope),
        "{scope:?} is not a scope (run, rust or python)"
    );
    let what = if number { "number" } else { "fact" };
    match fields
        .iter()
        .chain(SHARED)
        .find(|f| f.matches(scope, key) && f.value.is_number() == number)
    {
        Some(f) => Ok(f),
        None => bail!("{scope} {key}: not a {what} this program records"),
    }
}

/// Checks one number of `scope`'s `key` against its field.
pub fn number(field: &Field, scope: &str, key: &str, number: f64) -> Result<()> {
    let ok = number.is_finite()
        && match field.value {
            Value::Positive => number > 0.0,
            Value::NonNegative => number >= 0.0,
            Value::Count => number >= 1.0 && number.fract() == 0.0,
            Value::Flag => number == 0.0 || number == 1.0,
            _ => bail!("{scope} {key}: a fact, not a number"),
        };
    ensure!(
        ok,
        "{scope} {key}: {number} is not {}",
        expected(field.value)
    );
    Ok(())
}

/// Checks one fact of `scope`'s `key` against its field.
pub fn fact(field: &Field, scope: &str, key: &str, text: &str) -> Result<()> {
    let ok = match field.value {
        Value::Words(words) => words.contains(&text),
        Value::Ending => {
            text.strip_prefix("signal ")
                .is_some_and(|s| s.starts_with("SIG") && s.len() > 3)
                || text
                    .strip_prefix("exit ")
                    .is_some_and(|n| n.parse::<i32>().is_ok())
        }
        Value::Text => !text.trim().is_empty(),
        _ => bail!("{scope} {key}: a number, not a fact"),
    };
    ensure!(
        ok,
        "{scope} {key}: {text:?} is not {}",
        expected(field.value)
    );
    Ok(())
}

fn expected(value: Value) -> String {
    match value {
        Value::Positive => "a finite number above 0".into(),
        Value::NonNegative => "a finite number of 0 or more".into(),
        Value::Count => "a whole number of 1 or more".into(),
        Value::Flag => "0 or 1".into(),
        Value::Words(words) => format!("one of {}", words.join(", ")),
        Value::Ending => "`signal NAME` or `exit N`".into(),
        Value::Text => "a text".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::required(Scope::Run, "cpus", Value::Count),
        Field::each_run(Scope::Language, "when.#.Sequential", Value::Positive),
        Field::once(
            Scope::Language,
            "memory.seen",
            Value::Words(&["seen", "not seen"]),
        ),
        Field::once(Scope::Language, "crash.ended", Value::Ending),
    ];

    #[test]
    fn keys_match_their_patterns_only() {
        assert!(key_matches("when.#.Sequential", "when.12.Sequential"));
        assert!(!key_matches("when.#.Sequential", "when.x.Sequential"));
        assert!(!key_matches("when.#.Sequential", "when..Sequential"));
        assert!(!key_matches("when.#.Sequential", "when.1.Sequential.extra"));
        assert!(field(FIELDS, "rust", "when.0.Threads", true).is_err());
        assert!(field(FIELDS, "elsewhere", "cpus", true).is_err());
        assert!(
            field(FIELDS, "rust", "cpus", true).is_err(),
            "cpus is run's"
        );
    }

    #[test]
    fn a_value_no_measurement_could_give_is_refused() {
        let t = field(FIELDS, "rust", "when.0.Sequential", true).unwrap();
        for bad in [f64::NAN, f64::INFINITY, 0.0, -1.0] {
            assert!(
                number(t, "rust", "when.0.Sequential", bad).is_err(),
                "{bad}"
            );
        }
        assert!(number(t, "rust", "when.0.Sequential", 0.5).is_ok());
        let cpus = field(FIELDS, "run", "cpus", true).unwrap();
        assert!(number(cpus, "run", "cpus", 0.0).is_err());
        assert!(number(cpus, "run", "cpus", 1.5).is_err());
        assert!(number(cpus, "run", "cpus", 2.0).is_ok());
        let seen = field(FIELDS, "rust", "memory.seen", false).unwrap();
        let said = fact(seen, "rust", "memory.seen", "se")
            .unwrap_err()
            .to_string();
        assert!(said.contains("rust memory.seen: \"se\""), "{said}");
        assert!(fact(seen, "rust", "memory.seen", "not seen").is_ok());
        let ended = field(FIELDS, "rust", "crash.ended", false).unwrap();
        assert!(fact(ended, "rust", "e", "signal SIGSEGV").is_ok());
        assert!(fact(ended, "rust", "e", "exit 3").is_ok());
        assert!(fact(ended, "rust", "e", "signal").is_err());
        assert!(fact(ended, "rust", "e", "died").is_err());
    }
}
