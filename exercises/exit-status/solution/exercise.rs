use std::os::unix::process::ExitStatusExt;
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
    let out = Command::new(program)
        .args(args)
        .output()
        .expect("starting the child");
    match (out.status.code(), out.status.signal()) {
        (Some(0), _) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        (Some(code), _) => Err(Ended::Code(code)),
        (None, Some(signal)) => Err(Ended::Signal(signal)),
        (None, None) => unreachable!("a process ends by exit or by signal"),
    }
}
