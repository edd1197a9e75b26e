//! The transcripts (`examples-*/*/transcripts/*.run`, see `tests::transcripts`) for scripts:
//!
//! - `transcripts programs`: every program, one per line;
//! - `transcripts list`: every run, one per line: `FILE<TAB>EACH<TAB>PROGRAM<TAB>ARG…`, where EACH
//!   is `each` when the run is repeated under every start method and `once` otherwise;
//! - `transcripts match FILE`: exit 0 when stdin is what FILE expects, 1 with the difference;
//! - `transcripts bless`: rewrite every transcript without wildcards to what its program prints
//!   now (review the diff before committing it).

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, anyhow};

use tests::transcripts::{self, Transcript};

fn main() -> ExitCode {
    common::cli::run(|| {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut out = String::new();
        match args.as_slice() {
            ["programs"] => {
                for p in transcripts::programs() {
                    out += &format!("{}\n", p.name);
                }
            }
            ["list"] => {
                for t in transcripts::all() {
                    let each = if t.each_start_method { "each" } else { "once" };
                    let file = t
                        .path
                        .strip_prefix(tests::repo_path("."))
                        .unwrap_or(&t.path);
                    let words = [file.display().to_string(), each.into(), t.program.clone()];
                    out += &format!(
                        "{}\n",
                        words
                            .iter()
                            .chain(&t.args)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("\t")
                    );
                }
            }
            ["match", file] => {
                let t = Transcript::read(file.as_ref()).map_err(anyhow::Error::msg)?;
                let mut stdout = String::new();
                std::io::stdin()
                    .read_to_string(&mut stdout)
                    .context("reading stdin")?;
                if !t.accepts(&stdout) {
                    eprint!("expected:\n{}got:\n{stdout}", t.expected);
                    return Err(anyhow!("the output is not what {file} says").into());
                }
            }
            ["bless"] => {
                for t in transcripts::all()
                    .into_iter()
                    .filter(|t| !t.has_wildcards())
                {
                    let ran = tests::run(&mut t.rust(&t.args));
                    let text = t.with_output(ran.success()).map_err(anyhow::Error::msg)?;
                    std::fs::write(&t.path, text).context("writing a transcript")?;
                }
            }
            _ => {
                let usage = "usage: transcripts programs | list | match FILE | bless";
                return Err(common::cli::UsageError(usage.into()).into());
            }
        }
        print!("{out}");
        Ok(())
    })
}
