//! The transcripts (`examples-*/*/transcripts/*.run`, see `tests::transcripts`) for scripts:
//!
//! - `transcripts programs`: every program, one per line;
//! - `transcripts list`: every run, one per line: `FILE<TAB>EACH<TAB>PROGRAM<TAB>ARG…`, where EACH
//!   is `each` when the run is repeated under every start method and `once` otherwise;
//! - `transcripts match FILE`: exit 0 when stdin is what FILE expects, 1 with the difference;
//! - `transcripts check PROGRAM`: run each of PROGRAM's transcripts (under each start method where
//!   it says so), and its Python twin where the transcript says Python prints the same; one line
//!   per run, exit 1 if any differs (`make check NAME=PROGRAM`);
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
            ["check", name] => {
                let program = transcripts::programs()
                    .into_iter()
                    .find(|p| p.name == *name)
                    .ok_or_else(|| {
                        let names: Vec<String> = transcripts::programs()
                            .into_iter()
                            .map(|p| p.name)
                            .collect();
                        common::cli::UsageError(format!(
                            "no program {name:?}; one of: {}",
                            names.join(" ")
                        ))
                    })?;
                let python = tests::python3_at_least((3, 8), "the twins");
                let mut differ = 0;
                for t in program.transcripts() {
                    for args in t.runs() {
                        let mut runs = vec![("rust", t.rust(&args))];
                        let needs = t.needs_python.unwrap_or((3, 8));
                        if python
                            && t.python == transcripts::Python::Same
                            && tests::python3_at_least(needs, &t.command_line())
                        {
                            runs.push(("python", t.python(&args)));
                        }
                        for (language, mut cmd) in runs {
                            let ran = tests::run(&mut cmd);
                            let ok = ran.status.success() && t.accepts(&ran.stdout);
                            differ += usize::from(!ok);
                            let file = t.path.file_name().unwrap_or_default().to_string_lossy();
                            let verdict = if ok { "ok  " } else { "DIFF" };
                            out += &format!(
                                "{verdict} {language:6} {file}: {name} {}\n",
                                args.join(" ")
                            );
                            if !ok {
                                out += &format!(
                                    "expected:\n{}got:\n{}{}",
                                    t.expected, ran.stdout, ran.stderr
                                );
                            }
                        }
                    }
                }
                if differ > 0 {
                    print!("{out}");
                    return Err(
                        anyhow!("{differ} run(s) of {name} differ from its transcripts").into(),
                    );
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
                let usage =
                    "usage: transcripts programs | list | match FILE | check PROGRAM | bless";
                return Err(common::cli::UsageError(usage.into()).into());
            }
        }
        print!("{out}");
        Ok(())
    })
}
