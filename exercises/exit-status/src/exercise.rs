use std::process::Command;

/// How a child that did not succeed ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status (not 0).
    Code(i32),
    /// This signal killed it.
    Signal(i32),
}

/// Runs `program` with `args`: its stdout if it exits with 0, or how it ended.
pub fn run_child(program: &str, args: &[&str]) -> Result<String, Ended> {
    todo!("run it with Command, then look at its ExitStatus")
}
