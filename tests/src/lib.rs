//! Helpers for the integration tests in `tests/tests/`: build an example binary once and run it.

// The README's Rust code blocks are compiled and run as doc tests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub mod bench_order;
pub mod readme_map;
pub mod transcripts;

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Builds the binary of package `package` (once per test process) and returns a command for it.
pub fn example(package: &str) -> Command {
    binary(package, package)
}

/// Python's three start methods, as the programs' `--start-method` flag spells them.
pub const START_METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

/// Builds binary `bin` of package `package` (once per test process) and returns a command for it.
///
/// `cargo test --workspace` does not build other packages' binaries for this crate's tests, so we
/// ask cargo for them; the build shares the workspace's target directory and profile.
pub fn binary(package: &str, bin: &str) -> Command {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let path = built.entry(bin.to_owned()).or_insert_with(|| {
        escargot::CargoBuild::new()
            .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
            .package(package)
            .bin(bin)
            .run()
            .unwrap_or_else(|e| panic!("building {bin}: {e}"))
            .path()
            .to_owned()
    });
    Command::new(path)
}

/// How long any binary a test runs may take; past it the test fails as a hang. Generous, for a
/// loaded 2-core machine: the slowest case takes under 2 s there.
pub const HANG: Duration = Duration::from_secs(60);

/// Runs `cmd` to completion and returns its output, with stdout and stderr as strings.
///
/// A run that takes longer than [`HANG`] is killed with its whole process group (children,
/// fork server) and fails the test: a regression that hangs shows as a failure, not a stall.
pub fn run(cmd: &mut Command) -> Ran {
    run_to(cmd, Stdio::piped())
}

/// [`run`] with stdout sent to `stdout` (a closed pipe, `/dev/full`); `Ran::stdout` is then empty.
pub fn run_to(cmd: &mut Command, stdout: Stdio) -> Ran {
    cmd.stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .process_group(0);
    let child = cmd.spawn().expect("starting the example");
    let group = Pid::from_raw(i32::try_from(child.id()).expect("pid fits"));
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Output {
        status,
        stdout,
        stderr,
    } = match finished.recv_timeout(HANG) {
        Ok(output) => output.expect("collecting the example's output"),
        Err(_) => {
            _ = killpg(group, Signal::SIGKILL); // Already gone is fine.
            panic!("hung: still running after {HANG:?}: {cmd:?}");
        }
    };
    Ran {
        status,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// What a finished example printed and how it exited.
#[derive(Debug)]
pub struct Ran {
    /// The exit status.
    pub status: std::process::ExitStatus,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl Ran {
    /// Asserts a zero exit and returns stdout.
    #[track_caller]
    pub fn success(&self) -> &str {
        assert!(self.status.success(), "expected success, got {self:#?}");
        &self.stdout
    }

    /// Asserts the exit code `code`, a one-line `error:` message on stderr and no panic; returns
    /// the error line.
    #[track_caller]
    pub fn failure(&self, code: i32) -> &str {
        assert_eq!(self.status.code(), Some(code), "unexpected exit: {self:#?}");
        assert!(
            !self.stderr.contains("panicked"),
            "panic message on stderr: {self:#?}"
        );
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "backtrace hint on stderr: {self:#?}"
        );
        let first = self.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:"),
            "stderr does not start with `error:`: {self:#?}"
        );
        first
    }
}

/// Whether `python3` exists and is at least `version`; says in one line what is skipped if not.
pub fn python3_at_least(version: (u32, u32), what: &str) -> bool {
    let check = format!("import sys; print(sys.version_info >= {version:?})");
    let out = Command::new("python3").args(["-c", &check]).output();
    let yes = out.is_ok_and(|out| out.stdout.starts_with(b"True"));
    if !yes {
        eprintln!(
            "skipping {what}: it needs python3 {}.{} or later",
            version.0, version.1
        );
    }
    yes
}

/// The path of a file given relative to the repository's root.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(relative)
}
