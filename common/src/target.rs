//! Functions another process can run: the counterpart of pickling a function by its name.
//!
//! Python sends a function to a child process or a pool worker as its qualified name
//! (`__main__.square`); the child imports the module and looks the name up. A [`Target`] is the
//! same idea with the types kept: a plain `fn(A) -> R`, the name the binary knows it by, and, in its
//! type, the argument and result types. Declare one per function, once:
//!
//! ```
//! use common::target::Target;
//!
//! fn square(n: i64) -> i64 {
//!     n * n
//! }
//! const SQUARE: Target<i64, i64> = common::target!(square);
//! ```
//!
//! The parent passes `&SQUARE` to [`process::start`](crate::process::start),
//! [`ProcessPool::map`](crate::pool::ProcessPool::map) or
//! [`ProcessPoolExecutor::submit`](crate::futures::ProcessPoolExecutor::submit); a process that
//! is not a plain `fork` of the parent finds it again in the binary's *target table*, the list
//! `main` gives [`roles::run_if_child`](crate::roles::run_if_child) on its first line. The
//! name travels with a signature (the type names of `fn(A) -> R`): a child that does not know the
//! name, or knows it with other types, refuses with a one-line error, never runs something else.
//! Only a fork-started process may run a target missing from the table, since it calls the very
//! function value it was given.
//!
//! What a target returns decides what counts as failure ([`Outcome`]): `Err` of a `Result` is the
//! counterpart of a Python exception; any other value is the result.

use std::fmt::{Debug, Display};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Raised, Refusal};
use crate::frame::BatchReader;

/// A function another process can run, known by name (see the module docs).
pub struct Target<A, R> {
    name: &'static str,
    f: fn(A) -> R,
    /// How a worker runs a batch: [`target!`](crate::target!) gives one made for this very
    /// function, so the loop over the items calls it directly (and can inline it) rather than
    /// through the pointer `f`.
    batch: Option<RunBatch>,
}

/// A function that runs a whole batch for one target (see [`run_batch`]).
type RunBatch = fn(&[u8], &mut Vec<u8>) -> Reply;

impl<A, R> Clone for Target<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A, R> Copy for Target<A, R> {}

impl<A, R> Debug for Target<A, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.name)
    }
}

/// Declares a [`Target`] for the function `f`, named after its module path: `target!(square)`.
#[macro_export]
macro_rules! target {
    ($f:ident) => {
        $crate::target::Target::with_batch(
            concat!(module_path!(), "::", stringify!($f)),
            $f,
            // A function for this `$f` alone: the batch loop calls it by name.
            |batch: &[u8], out: &mut ::std::vec::Vec<u8>| $crate::target::run_batch($f, batch, out),
        )
    };
}

impl<A, R> Target<A, R> {
    /// A target called `name` that runs `f`. Prefer [`target!`](crate::target!), which names it
    /// (and runs a batch faster).
    pub const fn new(name: &'static str, f: fn(A) -> R) -> Self {
        Self {
            name,
            f,
            batch: None,
        }
    }

    /// What [`target!`](crate::target!) expands to: `new`, with `batch`, which runs a batch by
    /// calling `f` directly ([`run_batch`] with `f` itself).
    #[doc(hidden)]
    pub const fn with_batch(name: &'static str, f: fn(A) -> R, batch: RunBatch) -> Self {
        Self {
            name,
            f,
            batch: Some(batch),
        }
    }

    /// The name a child looks the target up by.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the function here, in this process.
    pub fn call(&self, arg: A) -> R {
        (self.f)(arg)
    }
}

/// What a target may return. `Result<T, E>` fails with `E`; any other listed type is the value.
pub trait Outcome {
    /// The value that crosses back to the parent.
    type Value: Serialize + DeserializeOwned + Send + 'static;
    /// The value, or the error message (Python: the exception).
    fn into_value(self) -> Result<Self::Value, String>;
}

impl<T, E> Outcome for Result<T, E>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    E: Display,
{
    type Value = T;
    fn into_value(self) -> Result<T, String> {
        self.map_err(|e| format!("{e:#}"))
    }
}

macro_rules! plain_outcome {
    ($($t:ty)*) => {$(
        impl Outcome for $t {
            type Value = $t;
            fn into_value(self) -> Result<$t, String> {
                Ok(self)
            }
        }
    )*};
}

plain_outcome! { () bool char String i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 }

impl<T: Serialize + DeserializeOwned + Send + 'static> Outcome for Vec<T> {
    type Value = Vec<T>;
    fn into_value(self) -> Result<Vec<T>, String> {
        Ok(self)
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Outcome for Option<T> {
    type Value = Option<T>;
    fn into_value(self) -> Result<Option<T>, String> {
        Ok(self)
    }
}

impl<A, B> Outcome for (A, B)
where
    (A, B): Serialize + DeserializeOwned + Send + 'static,
{
    type Value = (A, B);
    fn into_value(self) -> Result<(A, B), String> {
        Ok(self)
    }
}

/// A target with its types erased, as the target table holds it.
pub trait Entry: Sync {
    /// The name it is looked up by.
    fn name(&self) -> &'static str;
    /// The type names of `fn(A) -> R`, checked against the parent's.
    fn signature(&self) -> &'static str;
    /// Decodes one argument and runs the function: an argument that does not decode is an
    /// [`Error::Protocol`], an `Err` the function returns an [`Error::Raised`].
    #[doc(hidden)]
    fn run_once(&self, arg: &[u8]) -> Result<(), Error>;
    /// Decodes a batch of arguments, runs the function on each and, if all succeed, appends the
    /// encoded results to `results` and returns [`Reply::Done`].
    #[doc(hidden)]
    fn run_batch(&self, batch: &[u8], results: &mut Vec<u8>) -> Reply;
}

impl<A, R> Entry for Target<A, R>
where
    A: DeserializeOwned + Debug + 'static,
    R: Outcome,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn signature(&self) -> &'static str {
        std::any::type_name::<fn(A) -> R>()
    }

    fn run_once(&self, arg: &[u8]) -> Result<(), Error> {
        // (The kept cause is looked at only on failure: run once, in a new child, nothing earlier
        // can have left one; and touching a thread-local costs a fresh child page faults.)
        let arg: A = postcard::from_bytes(arg).map_err(|e| {
            // The cause a handed-over value gave, which postcard's own error has lost.
            let why = crate::handoff::take_decode_failure().unwrap_or_else(|| e.to_string());
            Error::Protocol(format!("{}: decoding the argument: {why}", self.name))
        })?;
        // A panic is not caught: it ends the child with the panic's own message and code 101.
        self.call(arg)
            .into_value()
            .map(drop)
            .map_err(|message| Error::Raised(Box::new(Raised::new(message, false))))
    }

    fn run_batch(&self, batch: &[u8], out: &mut Vec<u8>) -> Reply {
        match self.batch {
            Some(run) => run(batch, out),
            None => run_batch(self.f, batch, out),
        }
    }
}

/// Runs `f` on each item of `batch` (decoded as [`crate::frame::append_batch`] wrote it) and, if
/// every one succeeds, appends their results to `out` and returns [`Reply::Done`]. Generic over
/// the function, so that [`target!`](crate::target!)'s batch runner calls it directly.
#[doc(hidden)]
pub fn run_batch<A, R, F>(f: F, batch: &[u8], out: &mut Vec<u8>) -> Reply
where
    A: DeserializeOwned + Debug + 'static,
    R: Outcome,
    F: Fn(A) -> R,
{
    // One item at a time: decode it, run it, append its result, straight from the batch into
    // `out` (which the worker keeps from batch to batch). Items and results are batches as
    // `frame::append_batch` writes them.
    let start = out.len();
    let failed = |out: &mut Vec<u8>, reply: Reply| {
        out.truncate(start);
        reply
    };
    let mut items = match BatchReader::<A>::new(batch) {
        Ok(items) => items,
        Err(e) => return failed(out, Reply::Failed(format!("{e:#}"))),
    };
    let count = items.len();
    if let Err(e) = crate::frame::append(&count, out) {
        return failed(out, Reply::Failed(format!("encoding results: {e:#}")));
    }
    // A hint only: room for plain-number results, so the loop below does not reallocate.
    out.reserve(count.min(batch.len()).saturating_mul(size_of::<R::Value>()));
    // Show an item in an error message: decode the batch again, since `f` consumed it.
    let describe = |index: usize| {
        let items = BatchReader::<A>::new(batch).and_then(BatchReader::collect_all);
        let item = items.ok().and_then(|items| items.into_iter().nth(index));
        item.map_or_else(String::new, |i| format!("{i:?}"))
    };
    let running = std::cell::Cell::new(0); // The item a panic comes from.
    // One `catch_unwind` for the whole batch, not one per item.
    let ran = catch_unwind(AssertUnwindSafe(|| {
        for index in 0..count {
            running.set(index);
            let item = match items.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => unreachable!("`count` items"),
                Err(e) => return Err(Reply::Failed(format!("{e:#}"))),
            };
            let value = f(item)
                .into_value()
                .map_err(|message| raised(index, describe(index), message, false))?;
            crate::frame::append_item(&value, out)
                .map_err(|e| Reply::Failed(format!("encoding results: {e:#}")))?;
        }
        Ok(())
    }));
    match ran {
        Ok(Ok(())) => Reply::Done,
        Ok(Err(reply)) => failed(out, reply),
        Err(payload) => {
            let (index, message) = (running.get(), crate::panic::message(&*payload));
            failed(out, raised(index, describe(index), message, true))
        }
    }
}

/// A batch's item number `index` failed: the reply that says so.
fn raised(index: usize, shown: String, message: String, panicked: bool) -> Reply {
    Reply::Raised(Raised {
        by: None,
        item: Some(index),
        shown: Some(shown),
        message,
        panicked,
    })
}

/// A worker's answer to a batch.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// Every item succeeded; the results (a postcard `Vec<R::Value>`) follow this in the frame.
    Done,
    /// The function returned an error or panicked on one item: its `item` is the position in the
    /// batch (the parent counts it again from the start of the call), `shown` its `Debug` form.
    Raised(Raised),
    /// The batch could not be decoded or its results encoded, or the target is unknown.
    Failed(String),
}

/// The program's target table, as `main` gave it to [`roles::run_if_child`](crate::roles::run_if_child).
static TABLE: OnceLock<&'static [&'static dyn Entry]> = OnceLock::new();
/// The targets `common` itself starts in other processes (a pool's worker loop), which sit above
/// this module and so are handed down by `roles`.
static BUILTINS: OnceLock<&'static [&'static dyn Entry]> = OnceLock::new();

/// Records the program's targets and `common`'s own (the first call wins).
pub(crate) fn set_table(
    program: &'static [&'static dyn Entry],
    builtins: &'static [&'static dyn Entry],
) {
    _ = TABLE.set(program);
    _ = BUILTINS.set(builtins);
}

/// Looks a target up in this program's table (and `common`'s own), checking its types.
pub(crate) fn lookup(name: &str, signature: &str) -> crate::Result<&'static dyn Entry> {
    // Searched in place: a lookup runs for every job, and allocates only to report a failure.
    let builtins = BUILTINS.get().copied().unwrap_or_default().iter().copied();
    let table = builtins.chain(TABLE.get().copied().unwrap_or_default().iter().copied());
    find(table, name, signature).map_err(|e| match e {
        Error::Refused { kind, why } if TABLE.get().is_none() => Error::Refused {
            kind,
            why: format!("{why}; call roles::run_if_child(&[…]) first in main"),
        },
        other => other,
    })
}

/// Finds `name` in `table`, with the expected `signature`.
pub(crate) fn find<'t>(
    table: impl Iterator<Item = &'t dyn Entry> + Clone,
    name: &str,
    signature: &str,
) -> Result<&'t dyn Entry, Error> {
    let entry = table.clone().find(|e| e.name() == name).ok_or_else(|| {
        let known: Vec<&str> = table.clone().map(|e| e.name()).take(4).collect();
        let more = table.count().saturating_sub(known.len());
        let why = format!(
            "this program has no target named {name}: add it to the list main gives \
                 roles::run_if_child (now {}{})",
            known.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        let name = name.to_owned();
        Error::refused(Refusal::UnknownTarget { name }, why)
    })?;
    if entry.signature() != signature {
        let why = format!(
            "target {name} is {} here, but the caller sent it as {signature}",
            entry.signature()
        );
        let name = name.to_owned();
        return Err(Error::refused(Refusal::MistypedTarget { name }, why));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(x: i64) -> i64 {
        2 * x
    }
    fn halve(x: i64) -> Result<i64, String> {
        if x % 2 == 0 {
            Ok(x / 2)
        } else {
            Err(format!("{x} is odd"))
        }
    }
    const DOUBLE: Target<i64, i64> = crate::target!(double);
    const HALVE: Target<i64, Result<i64, String>> = crate::target!(halve);

    #[test]
    fn names_carry_the_module_path_and_lookups_check_the_types() {
        assert_eq!(DOUBLE.name(), "common::target::tests::double");
        let table: &[&dyn Entry] = &[&DOUBLE, &HALVE];
        let table = || table.iter().copied();
        assert!(find(table(), DOUBLE.name(), DOUBLE.signature()).is_ok());
        let err = find(table(), "nope", "x").err().unwrap();
        let name = "nope".to_owned();
        assert_eq!(err.refusal(), Some(&Refusal::UnknownTarget { name }));
        let said = err.to_string();
        assert!(said.contains("no target named nope"), "{said}");
        assert!(said.contains("(now common::target::tests::double, common::target::tests::halve)"));
        let err = find(table(), DOUBLE.name(), HALVE.signature())
            .err()
            .unwrap();
        let name = DOUBLE.name().to_owned();
        assert_eq!(err.refusal(), Some(&Refusal::MistypedTarget { name }));
        assert!(
            err.to_string().contains("but the caller sent it as"),
            "{err}"
        );
    }

    #[test]
    fn a_batch_stops_at_the_first_error() {
        let batch = |items: &[i64]| {
            let mut bytes = Vec::new();
            crate::frame::append_batch(items, &mut bytes).unwrap();
            bytes
        };
        match HALVE.run_batch(&batch(&[4, 6, 7, 8]), &mut Vec::new()) {
            Reply::Raised(raised) => assert_eq!(
                raised,
                Raised {
                    by: None,
                    item: Some(2),
                    shown: Some("7".into()),
                    message: "7 is odd".into(),
                    panicked: false
                }
            ),
            other => panic!("{other:?}"),
        }
        let mut bytes = Vec::new();
        let Reply::Done = HALVE.run_batch(&batch(&[4, 6]), &mut bytes) else {
            panic!()
        };
        let results = BatchReader::<i64>::new(&bytes).unwrap().collect_all();
        assert_eq!(results.unwrap(), [2, 3]);
    }
}
