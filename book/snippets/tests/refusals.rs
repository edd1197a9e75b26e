//! The compiler's refusals the book shows (`refusals/*.rs`): each is compiled with this
//! project's toolchain, and what rustc says must match `refusals/NAME.stderr`, the message the
//! book prints, where `[..]` stands for what varies between toolchains (the standard library's
//! path, a dependency's path and version, line numbers inside them). A refusal with no `.stderr`
//! is the version that compiles, and must.
//!
//! `REFUSALS_BLESS=1 cargo test -p book-snippets --test refusals` rewrites every `.stderr` from
//! what rustc says now, those parts replaced by `[..]` (review the diff before committing it).

use std::path::{Path, PathBuf};
use std::process::Command;

use tests::transcripts;

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_refusal_is_what_rustc_says() {
    let mut names: Vec<String> = std::fs::read_dir(here().join("refusals"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
        .collect();
    names.sort();
    let tokio = tokio_rlib();
    let bless = std::env::var_os("REFUSALS_BLESS").is_some();
    for name in &names {
        let said = compile(name, &tokio);
        let expected = here().join(format!("refusals/{name}.stderr"));
        if bless && !said.is_empty() {
            std::fs::write(&expected, wildcarded(&said)).unwrap();
            continue;
        }
        if !expected.is_file() {
            assert!(
                said.is_empty(),
                "{name}.rs must compile; rustc said:\n{said}"
            );
            continue;
        }
        let pattern = std::fs::read_to_string(&expected).unwrap();
        let code = pattern.lines().next().unwrap_or_default();
        assert!(code.starts_with("error"), "{name}.stderr: no error line");
        assert!(
            transcripts::matches(&pattern, &said),
            "{name}.rs: rustc no longer says what the book shows.\nrustc:\n{said}\nthe book:\n{pattern}"
        );
    }
    let refused = names
        .iter()
        .filter(|n| here().join(format!("refusals/{n}.stderr")).is_file())
        .count();
    assert!(
        refused >= 8,
        "{refused} refusals: the book shows at least 8"
    );
}

/// What rustc prints for `refusals/NAME.rs`, run from this folder so that the paths it names
/// are `refusals/NAME.rs`; empty when it compiles.
fn compile(name: &str, tokio: &Path) -> String {
    let out_dir = std::env::temp_dir().join(format!("refusal-{}-{name}", std::process::id()));
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .current_dir(here())
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit=metadata",
        ])
        .args(["--color", "never", "--diagnostic-width", "100"])
        .arg("-o")
        .arg(&out_dir)
        .arg("-L")
        .arg(format!("dependency={}", tokio.parent().unwrap().display()))
        .arg("--extern")
        .arg(format!("tokio={}", tokio.display()))
        .arg(format!("refusals/{name}.rs"))
        .output()
        .expect("running rustc");
    _ = std::fs::remove_file(&out_dir); // Written only when it compiles.
    let said = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.success(),
        said.is_empty(),
        "{name}: rustc's exit and its words disagree:\n{said}"
    );
    said
}

/// The tokio library this package builds with, as cargo reports it (one `cargo build` that
/// finds everything fresh).
fn tokio_rlib() -> PathBuf {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--lib", "--message-format=json"])
        .arg("--manifest-path")
        .arg(here().join("Cargo.toml"))
        .output()
        .expect("running cargo build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artifacts = String::from_utf8(out.stdout).unwrap();
    artifacts
        .lines()
        .filter(|l| {
            l.contains(r#""reason":"compiler-artifact""#) && l.contains(r#""name":"tokio""#)
        })
        .flat_map(|l| l.split('"'))
        .find(|part| part.ends_with(".rlib") && part.contains("libtokio-"))
        .map(PathBuf::from)
        .expect("cargo reports tokio's rlib")
}

/// rustc's words with what varies between toolchains replaced by `[..]`: a path outside this
/// folder (after `--> `), and the line numbers of the lines it quotes from there.
fn wildcarded(said: &str) -> String {
    let mut out = String::new();
    let mut outside = false;
    for line in said.lines() {
        let line = if let Some((arrow, path)) = line.split_once("--> ") {
            outside = !path.starts_with("refusals/");
            if outside {
                let file = path.rsplit_once("/src/").map_or(path, |(_, f)| f);
                let file = file.split(':').next().unwrap_or(file);
                format!("{arrow}--> [..]/src/{file}:[..]")
            } else {
                line.to_owned()
            }
        } else if outside && line.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
            let (_, text) = line.split_once(" |").unwrap_or(("", line));
            format!("[..] |{text}")
        } else {
            if line.is_empty() || line.starts_with("note") || line.starts_with("help") {
                outside = false;
            }
            line.to_owned()
        };
        out += &line;
        out += "\n";
    }
    out
}
