//! What the two programs of `examples-compare/` share, so that both judge the notes' claims the
//! same way:
//!
//! - [`record`]: every observation of a run (each timing sample, each fact a demonstration saw),
//!   kept by scope (`run`, `rust`, `python`) and written to or read from one text file, so that
//!   `--replay FILE` prints the very page a measuring run printed.
//! - [`load`]: the one busy-machine rule: how much CPU time other programs took while we measured.
//! - [`verdict`]: the verdict words (`holds`, `does not hold`, `cannot tell`), the threshold rule
//!   that speed claims use, and the verdict table.
//! - [`show`]: how both pages spell ratios and durations.
//! - [`twin`]: running a Python twin and reading its lines.
//! - [`machine`]: where and when a run was made, for a chart's caption.
//! - [`page`]: how a page reaches stdout: Markdown when piped (or `--markdown`), aligned tables
//!   fitted to the width when stdout is a terminal.
//!
//! Nothing here prints a conclusion by itself: the programs pick each row's verdict and reason
//! from the numbers, by the rules written next to them.

pub mod load;
pub mod machine;
pub mod page;
pub mod record;
pub mod schema;
pub mod show;
pub mod twin;
pub mod verdict;
