//! Command-line helpers shared by every example.
//!
//! The notes sleep for whole seconds; the programs keep those defaults but take every delay as a
//! `--…-ms` flag so the tests can run them in milliseconds. [`run`] is the program's exit path:
//! an error ends the program with one line on stderr and exit code 1 (clap keeps exit code 2 for
//! usage errors), never a panic backtrace.
//!
//! **A closed or full stdout.** Rust ignores `SIGPIPE`, so `println!` to a closed pipe (`| head
//! -1`) panics instead of ending the program as `cat` does. [`run`] installs a panic hook that
//! ends the program the conventional way instead, from whichever thread printed: killed by
//! `SIGPIPE` for a closed pipe, or one `error:` line and exit code 1 for any other write error
//! (`> /dev/full`). (`SIGPIPE` itself stays ignored: a queue's writer needs `EPIPE` to learn that
//! its reader is gone.)
//!
//! ```
//! use common::cli::{Millis, int64, square};
//!
//! let delay: Millis = "1500".parse().unwrap();
//! assert_eq!(delay.duration().as_millis(), 1500);
//! assert_eq!(square(int64("-9223372036854775808").unwrap()), 1 << 126);
//! assert!(int64("9223372036854775808").unwrap_err().contains("Python's ints are unbounded"));
//! ```
//!
//! Used by every program of `examples-*/`.

use std::fmt;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

/// A duration given on the command line in whole milliseconds (`--delay-ms 1000`), at most a day.
///
/// Parses like a `u64`, so clap rejects `--delay-ms soon` with its usual exit code 2, and so it
/// rejects a delay longer than [`Millis::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Millis(pub Duration);

impl Millis {
    /// The longest delay accepted: a day. (A longer one is a typo, and could overflow when
    /// multiplied.)
    pub const MAX: u64 = 24 * 60 * 60 * 1000;

    /// The duration this flag stands for.
    pub fn duration(self) -> Duration {
        self.0
    }

    /// The duration in seconds as a Python twin computes it from the same flag, `ms / 1000`:
    /// one correctly rounded division, so it prints as Python prints it (`1118` → `1.118`, where
    /// `Duration::as_secs_f64` adds two parts and gives `1.1179999999999999`).
    pub fn python_seconds(self) -> f64 {
        // At most a day of milliseconds: exact in an f64.
        self.0.as_millis() as f64 / 1000.0
    }
}

impl FromStr for Millis {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ms = whole(0, Self::MAX)(s)?;
        Ok(Millis(Duration::from_millis(ms)))
    }
}

impl Millis {
    /// A clap `value_parser` for a duration of at least 1 ms, for a flag where 0 would mean
    /// something else (or nothing): `#[arg(long, value_parser = Millis::positive)]`.
    pub fn positive(arg: &str) -> Result<Millis, String> {
        let ms = whole(1, Self::MAX)(arg)?;
        Ok(Millis(Duration::from_millis(ms)))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_millis())
    }
}

/// Parses an integer argument as an `i64`, refusing (as a usage error) one that is not.
///
/// Python's `int` is unbounded, so its twin accepts any integer; Rust's `i64` is not, and the
/// error says so. (The programs square in `i128`, where every `i64`'s square fits, so every
/// `i64` they accept prints what Python prints.)
pub fn int64(arg: &str) -> Result<i64, String> {
    arg.parse::<i64>().map_err(|_| {
        let digits = arg.strip_prefix(['-', '+']).unwrap_or(arg);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!(
                "out of range: Python's ints are unbounded, but this program's are Rust's i64, from {} to {}",
                i64::MIN,
                i64::MAX
            )
        } else {
            // The twins' `twinargs.whole()` says the same of the same texts.
            "not a whole number".to_owned()
        }
    })
}

/// `n²`, exactly: in `i128`, where the square of every `i64` fits.
pub fn square(n: i64) -> i128 {
    i128::from(n) * i128::from(n)
}

/// A clap `value_parser` for a whole number from `lo` to `hi`: `#[arg(long, value_parser =
/// cli::whole(1u64, 256))]`. Whatever is wrong with the text (not a number, `1_000`, a minus sign
/// on an unsigned option, too large for any integer, outside the range), the answer is the same
/// one sentence, which names the range: `not a whole number from 1 to 256`. The Python twins'
/// `twinargs.whole` takes and refuses the same texts with the same words.
pub fn whole<T>(lo: T, hi: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + fmt::Display + Copy + Send + Sync + 'static,
{
    move |text| match text.parse::<T>() {
        Ok(n) if lo <= n && n <= hi => Ok(n),
        _ => Err(format!("not a whole number from {lo} to {hi}")),
    }
}

/// Accepts a worker count from 1 to 256 (more processes than that is a typo on 2 to 64 cores).
pub fn worker_count() -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    whole(1, 256)
}

/// Parses the command line into `A`, as `A::parse()` does, except that a usage error is one line
/// on stderr, clap's first (`error: invalid value '-5' for '--delay-ms <DELAY_MS>': not a whole
/// number from 0 to 86400000`), and exit code 2; `--help` and `--version` print as usual.
pub fn parse<A: clap::Parser>() -> A {
    A::try_parse().unwrap_or_else(|e| {
        if e.use_stderr() {
            let rendered = e.render().to_string();
            eprintln!(
                "{}",
                rendered.lines().next().unwrap_or("error: bad arguments")
            );
            std::process::exit(2);
        }
        e.exit()
    })
}

/// The numbers a program was given, or `default` if it was given none. A bare `--` with nothing
/// after it is an explicit empty list, the counterpart of Python's `map(f, [])`.
pub fn numbers_or(given: Vec<i64>, default: &[i64]) -> Vec<i64> {
    if given.is_empty() && !std::env::args_os().any(|arg| arg == "--") {
        default.to_vec()
    } else {
        given
    }
}

/// Bad input that only the program can see (clap cannot): [`run`] ends the program with exit
/// code 2, as clap does for the usage errors it finds.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Runs the body of `main` and turns its result into the process's exit code.
///
/// On error prints `error: <message>: <cause>: …` (the error and its sources) as one line on
/// stderr and returns exit code 1, or 2 for a [`UsageError`]. `?` in the body takes any error:
/// the programs' `anyhow::Error`, [`crate::Error`], an `io::Error`.
pub fn run(body: impl FnOnce() -> Result<(), crate::error::BoxError>) -> ExitCode {
    end_quietly_when_stdout_fails();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever number of children failed: a child of this crate tells its
            // error to its parent (`process::report`), which prints it as the cause.
            eprintln!("error: {}", crate::error::chain(&*err));
            if err.is::<UsageError>() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Installs the panic hook described in the module docs (once; later calls change nothing).
pub fn end_quietly_when_stdout_fails() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = crate::panic::message(info.payload());
            let Some(why) = message.strip_prefix("failed printing to stdout: ") else {
                return default(info);
            };
            // The error's number, not its text, which depends on the locale.
            if why.ends_with(&format!("(os error {})", nix::libc::EPIPE)) {
                use nix::sys::signal::{SigHandler, Signal, raise, signal};
                // SAFETY: restoring the default action of SIGPIPE installs no handler code.
                _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
                _ = raise(Signal::SIGPIPE); // Ends the process here, as for `cat`.
            }
            // In a child of this crate, the parent reports it as the child's cause: one line.
            crate::process::report::tell(&format!("writing to stdout: {why}"));
            std::process::exit(1);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_i64_is_accepted_and_squared_exactly() {
        assert_eq!(int64("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(square(i64::MIN), 85070591730234615865843651857942052864);
        assert_eq!(square(3_037_000_500), 9_223_372_037_000_250_000);
        let big = int64("9223372036854775808").unwrap_err();
        assert!(big.contains("Python's ints are unbounded"), "{big}");
        assert!(!int64("seven").unwrap_err().contains("Python"));
    }

    #[test]
    fn millis_parse_as_whole_milliseconds() {
        assert_eq!("1500".parse(), Ok(Millis(Duration::from_millis(1500))));
        assert!("1.5".parse::<Millis>().is_err());
        assert!("-1".parse::<Millis>().is_err());
        assert!("86400001".parse::<Millis>().is_err());
        assert_eq!(Millis(Duration::from_millis(20)).to_string(), "20");
    }
}
