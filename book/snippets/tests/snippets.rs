//! Every snippet in `examples/` runs to success: the code a reader copies from the book works.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn every_snippet_runs_and_succeeds() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "{names:?}");
    for name in names {
        let out = run_with_timeout(Command::new(example(&name)), &name);
        assert!(
            out.status.success(),
            "{name}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The example's binary: the one `cargo test` built beside this test's (in `target/…/examples/`)
/// if it is newer than its source, or else (`cargo test --test snippets` builds no examples)
/// built now.
fn example(name: &str) -> PathBuf {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}.rs"));
    let beside = std::env::current_exe()
        .ok()
        .and_then(|test| Some(test.parent()?.parent()?.join("examples").join(name)));
    if let Some(path) = beside.filter(|p| modified(p) > modified(&source)) {
        return path;
    }
    escargot::CargoBuild::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .example(name)
        .run()
        .unwrap_or_else(|e| panic!("building {name}: {e}"))
        .path()
        .to_owned()
}

/// Runs `cmd` and returns its output; a run past a minute is killed and fails as a hang.
fn run_with_timeout(mut cmd: Command, name: &str) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match finished.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{name}: still running after a minute");
        }
    }
}
