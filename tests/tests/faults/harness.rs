//! The runner: one forked process per case and start method, a verdict from its exit status, and
//! the check that it left nothing behind.

use std::time::Instant;

use common::process::{self, Exit, StartMethod};
use nix::errno::Errno;
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

/// What a case returns: an unexpected error fails it as an assertion would.
pub type Outcome = anyhow::Result<()>;

/// One failure case.
pub struct Case {
    /// `module::what_it_shows`.
    pub name: &'static str,
    /// The start methods it runs under.
    pub methods: &'static [StartMethod],
    /// The case: panics (an assertion) or returns `Err` when what happened is wrong.
    pub run: fn(StartMethod) -> Outcome,
}

/// Every start method.
pub const ALL: &[StartMethod] = &[
    StartMethod::Fork,
    StartMethod::Spawn,
    StartMethod::Forkserver,
];

/// `fork` alone: the case forks by itself, or does not depend on the method.
pub const FORK: &[StartMethod] = &[StartMethod::Fork];

/// The method's name as a user types it.
pub fn method_name(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => "fork",
        StartMethod::Spawn => "spawn",
        StartMethod::Forkserver => "forkserver",
    }
}

/// Runs the cases the arguments select; the process's exit code.
pub fn main(cases: &[&Case]) -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name, method] = &args[..] {
        if flag == "--only" {
            // One case in this very process (a test runs it inside a mount namespace).
            return only(cases, name, method);
        }
    }
    let list = args.iter().any(|a| a == "--list");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<(&Case, StartMethod)> = cases
        .iter()
        .copied()
        .flat_map(|case| case.methods.iter().map(move |&m| (case, m)))
        .filter(|(case, _)| filters.is_empty() || filters.iter().any(|f| case.name.contains(*f)))
        .collect();
    if list {
        for (case, method) in &selected {
            println!("{} ({}): test", case.name, method_name(*method));
        }
        return 0;
    }
    println!("\nrunning {} fault cases", selected.len());
    let started = Instant::now();
    let mut failed = Vec::new();
    for (case, method) in selected.iter().copied() {
        print!("test {} ({}) ... ", case.name, method_name(method));
        match run_in_child(case, method) {
            Ok(()) => println!("ok"),
            Err(why) => {
                println!("FAILED: {why}");
                failed.push(format!("{} ({})", case.name, method_name(method)));
            }
        }
    }
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {} passed; {} failed; finished in {:.2}s\n",
        selected.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    for name in &failed {
        println!("    {name}");
    }
    i32::from(!failed.is_empty())
}

/// Runs `case` in a forked process; `Err` says how it failed.
fn run_in_child(case: &Case, method: StartMethod) -> Result<(), String> {
    let run = case.run;
    let mut child = process::fork(move || {
        let before = open_descriptors();
        run(method).map_err(|e| format!("{e:#}"))?;
        check_nothing_left(before);
        Ok(())
    })
    .map_err(|e| format!("forking the case: {e}"))?;
    match child.wait_timeout(tests::HANG) {
        Ok(Some(Exit::Code(0))) => Ok(()),
        Ok(Some(exit)) => Err(format!("the case {exit} (its message is above)")),
        Ok(None) => {
            _ = child.kill(); // Then dropping the handle reaps it.
            Err(format!("hung: still running after {:?}", tests::HANG))
        }
        Err(e) => Err(format!("waiting for the case: {e}")),
    }
}

/// `--only NAME METHOD`: the case, in this process.
fn only(cases: &[&Case], name: &str, method: &str) -> i32 {
    let Some(case) = cases.iter().find(|c| c.name == name) else {
        eprintln!("no case named {name}");
        return 2;
    };
    let Some(&method) = ALL.iter().find(|&&m| method_name(m) == method) else {
        eprintln!("no start method named {method}");
        return 2;
    };
    let before = open_descriptors();
    if let Err(e) = (case.run)(method) {
        eprintln!("error: {e:#}");
        return 1;
    }
    check_nothing_left(before);
    0
}

/// Stops what `common` keeps for a program (its fork server, its resource tracker), then
/// asserts that no child is left, running or unreaped, and no descriptor opened since `before`.
fn check_nothing_left(before: usize) {
    common::process::forkserver::stop().expect("stopping the fork server");
    common::tracker::stop();
    // ECHILD: this process has no child left, running or zombie.
    let children = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG));
    assert_eq!(children, Err(Errno::ECHILD), "a child was left behind");
    assert_eq!(open_descriptors(), before, "descriptors left open");
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("listing /proc/self/fd")
        .count()
}
