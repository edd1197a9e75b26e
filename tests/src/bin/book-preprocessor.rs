//! The book's preprocessor (`book/book.toml` names it; mdBook runs it before its own `links`
//! preprocessor). It expands, in every chapter:
//!
//! - `{{#lesson NAME}}`: the chapter's lesson, Python beside Rust: `book/snippets/python/NAME.py`
//!   and `book/snippets/examples/NAME.rs` as `{{#include}}`s, then what both print, from
//!   `book/snippets/transcripts/NAME.run` (the file the snippet tests check them against);
//! - `{{#program NAME}}`: which notes section the program follows (from its `--help` text), its
//!   Python twin and its `src/main.rs` side by side with the argument parsing folded (mdBook's
//!   hidden lines, one click on the eye icon away), its other source files folded, and every
//!   transcript of it (`tests::transcripts`): what it prints, from the same files the tests
//!   check. A measuring program's page comes first and its sources follow, folded;
//! - `{{#refusal NAME}}`: `book/snippets/refusals/NAME.rs` and what rustc says of it, from
//!   `NAME.stderr` beside it (the message the refusals test checks against rustc), or that it
//!   compiles where there is no `.stderr`;
//! - `{{#exercise NAME}}`: the exercise `exercises/NAME/`: its task, its starter, how to check it,
//!   and the hint and the solution folded;
//! - at the end of each chapter, a link to the next one.
//!
//! `book-preprocessor supports RENDERER` answers yes for any renderer, as mdBook asks.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use serde_json::Value;
use tests::transcripts::{self, Program, Python, Transcript};

fn main() -> ExitCode {
    common::cli::run(|| {
        if std::env::args().nth(1).as_deref() == Some("supports") {
            return Ok(());
        }
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading mdBook's JSON")?;
        let [_context, mut book]: [Value; 2] =
            serde_json::from_str(&input).context("parsing mdBook's JSON")?;
        let sections = book
            .get_mut("sections")
            .ok_or_else(|| anyhow!("no sections in the book"))?;
        let mut order = Vec::new();
        chapters_in_order(sections, &mut order);
        let programs = transcripts::programs();
        let mut at = 0;
        expand_all(sections, &order, &mut at, &programs)?;
        print!("{}", serde_json::to_string(&book)?);
        Ok(())
    })
}

/// `(name, path)` of every chapter with a file, in reading order.
fn chapters_in_order(items: &Value, out: &mut Vec<(String, String)>) {
    for item in items.as_array().into_iter().flatten() {
        if let Some(chapter) = item.get("Chapter") {
            if let Some(path) = chapter.get("path").and_then(Value::as_str) {
                let name = chapter["name"].as_str().unwrap_or_default();
                out.push((name.to_owned(), path.to_owned()));
            }
            chapters_in_order(&chapter["sub_items"], out);
        }
    }
}

fn expand_all(
    items: &mut Value,
    order: &[(String, String)],
    at: &mut usize,
    programs: &[Program],
) -> anyhow::Result<()> {
    for item in items.as_array_mut().into_iter().flatten() {
        let Some(chapter) = item.get_mut("Chapter") else {
            continue;
        };
        if let Some(path) = chapter
            .get("path")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            let content = chapter["content"].as_str().unwrap_or_default();
            let mut content = expand(content, &path, programs)?;
            *at += 1;
            if let Some((name, next)) = order.get(*at) {
                let link = relative(&path, next);
                content += &format!("\n---\n\n**Read next:** [{name}]({link})\n");
            }
            chapter["content"] = Value::String(content);
        }
        expand_all(&mut chapter["sub_items"], order, at, programs)?;
    }
    Ok(())
}

/// `to` (a chapter's path in `src/`) as a link from the chapter at `from`, `.md` → `.html`.
fn relative(from: &str, to: &str) -> String {
    let up = "../".repeat(from.matches('/').count());
    format!("{up}{}", to.trim_end_matches(".md")) + ".html"
}

/// The chapter's text with every `{{#lesson NAME}}`, `{{#program NAME}}` and `{{#exercise NAME}}`
/// expanded.
fn expand(content: &str, path: &str, programs: &[Program]) -> anyhow::Result<String> {
    // From the chapter's folder up to the repository's root: `book/src/` plus its own folders.
    let root = "../".repeat(path.matches('/').count() + 2);
    let mut out = String::new();
    let mut rest = content;
    while let Some(start) = rest.find("{{#") {
        out += &rest[..start];
        let end = rest[start..]
            .find("}}")
            .map(|i| start + i)
            .ok_or_else(|| anyhow!("{path}: an unclosed {{{{#"))?;
        let directive = &rest[start..end + 2];
        let (kind, name) = rest[start + 3..end]
            .split_once(' ')
            .map(|(k, n)| (k, n.trim()))
            .unwrap_or_default();
        out += &match kind {
            "lesson" => lesson_block(name, &root)?,
            "exercise" => exercise_block(name)?,
            "refusal" => refusal_block(name, &root)?,
            "program" => {
                let program = programs
                    .iter()
                    .find(|p| p.name == name)
                    .ok_or_else(|| anyhow!("{path}: no program {name}"))?;
                program_block(program, &root)?
            }
            _ => directive.to_owned(), // mdBook's own ({{#include}}), resolved after this.
        };
        rest = &rest[end + 2..];
    }
    out += rest;
    Ok(out)
}

/// The lesson: the Python lesson beside the Rust snippet, then what both print.
fn lesson_block(name: &str, root: &str) -> anyhow::Result<String> {
    let python = format!("book/snippets/python/{name}.py");
    let rust = format!("book/snippets/examples/{name}.rs");
    let run = format!("book/snippets/transcripts/{name}.run");
    for file in [&python, &rust, &run] {
        anyhow::ensure!(
            tests::repo_path(file).is_file(),
            "lesson {name}: {file} is missing"
        );
    }
    let t = Transcript::read(&tests::repo_path(&run)).map_err(anyhow::Error::msg)?;
    let python_too = match &t.python {
        Python::Same => "Both print",
        Python::SameFirstLine => "Rust prints (Python's first line is the same)",
        Python::Differs(_) => "Rust prints",
    };
    Ok(format!(
        "<div class=\"side-by-side lesson\">\n<div class=\"python-column\">\n\n\
         **Python** · `{python}`\n\n```python\n{{{{#include {root}{python}}}}}\n```\n\n</div>\n\
         <div class=\"rust-column\">\n\n**Rust** · `{rust}`\n\n\
         ```rust,noplayground\n{{{{#include {root}{rust}}}}}\n```\n\n</div>\n</div>\n\n\
         <p class=\"transcript-caption\">{python_too}: {}. <span class=\"transcript-file\">({run}; \
         run both with <code>cargo run -p book-snippets --example {name}</code> and \
         <code>python3 {python}</code>)</span></p>\n\n```text\n{}```\n\n",
        escaped(&t.shows),
        t.expected
    ))
}

/// A source the compiler refuses, and its message; or the version that compiles.
fn refusal_block(name: &str, root: &str) -> anyhow::Result<String> {
    let source = format!("book/snippets/refusals/{name}.rs");
    let message = format!("book/snippets/refusals/{name}.stderr");
    anyhow::ensure!(
        tests::repo_path(&source).is_file(),
        "refusal {name}: {source} is missing"
    );
    let verdict = if tests::repo_path(&message).is_file() {
        format!(
            "<p class=\"refusal-caption\">rustc refuses it (<code>{message}</code>, checked \
             against this toolchain by <code>cargo test -p book-snippets --test refusals</code>; \
             <code>[..]</code> stands for a path or line number that varies between \
             toolchains):</p>\n\n```text\n{{{{#include {root}{message}}}}}\n```\n\n"
        )
    } else {
        "<p class=\"refusal-caption\">rustc compiles it (the same test checks that it does).</p>\n\n"
            .to_owned()
    };
    Ok(format!(
        "<div class=\"refusal\">\n\n**`{source}`**\n\n\
         ```rust,noplayground\n{{{{#include {root}{source}}}}}\n```\n\n{verdict}</div>\n\n"
    ))
}

/// An exercise: the task, the starter, how to check it, and the hint and solution folded.
fn exercise_block(name: &str) -> anyhow::Result<String> {
    let folder = format!("exercises/{name}");
    let read = |file: &str| {
        std::fs::read_to_string(tests::repo_path(&format!("{folder}/{file}")))
            .with_context(|| format!("reading {folder}/{file}"))
    };
    let task = read("README.md")?;
    let title = task
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# "))
        .ok_or_else(|| anyhow!("{folder}/README.md: no `# title` line"))?;
    let task: String = task.lines().skip(1).map(|l| format!("{l}\n")).collect();
    Ok(format!(
        "## Exercise: {title}\n\n{}\n**Starter** · `{folder}/src/exercise.rs`\n\n```rust,noplayground\n{}```\n\n\
         Check your answer with `make exercise NAME={name}` (the starter fails its tests).\n\n\
         <details class=\"hint\"><summary>Hint</summary>\n\n{}\n</details>\n\n\
         <details class=\"solution\"><summary>Solution (<code>{folder}/solution/exercise.rs</code>, \
         checked by <code>make exercise NAME={name} SOLUTION=1</code>)</summary>\n\n\
         ```rust,noplayground\n{}```\n\n</details>\n\n",
        demoted(&task),
        read("src/exercise.rs")?,
        read("HINT.md")?,
        read("solution/exercise.rs")?,
    ))
}

fn program_block(program: &Program, root: &str) -> anyhow::Result<String> {
    let folder = &program.folder;
    let twin = program
        .twin()
        .ok_or_else(|| anyhow!("{folder}: no Python twin"))?;
    // The measuring programs are meant for optimised builds.
    let release = if folder.starts_with("examples-compare/") {
        "--release "
    } else {
        ""
    };
    let mut out = format!(
        "<p class=\"follows\">{} Run it: <code>cargo run {release}-p {}</code>.</p>\n\n",
        match program.follows().map_err(anyhow::Error::msg)? {
            transcripts::Follows::Notes(section) =>
                format!("Follows the notes' section <b>{}</b>.", escaped(&section)),
            transcripts::Follows::Beyond(topic) =>
                format!("Beyond the notes: {}.", escaped(&topic)),
        },
        program.name
    );
    let sources = format!(
        "<div class=\"side-by-side\">\n<div class=\"python-column\">\n\n\
         **Python** · `{twin}`\n\n````python,hidelines=~\n{}````\n\n</div>\n\
         <div class=\"rust-column\">\n\n\
         **Rust** · `{folder}/src/main.rs`\n\n\
         ````rust,noplayground\n{}````\n\n</div>\n</div>\n\n\
         <p class=\"folded-note\">Argument parsing is folded: the eye icon on a listing shows it.</p>\n\n",
        folded_python(&read_source(&twin)?),
        folded_rust(&read_source(&format!("{folder}/src/main.rs"))?),
    );
    let mut others: Vec<String> = std::fs::read_dir(tests::repo_path(&format!("{folder}/src")))
        .context("listing a program's sources")?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".rs") && f != "main.rs")
        .collect();
    others.sort();
    let mut others_out = String::new();
    for file in others {
        others_out += &format!(
            "<details class=\"more-source\"><summary><code>{folder}/src/{file}</code></summary>\n\n\
             ```rust,noplayground\n{{{{#include {root}{folder}/src/{file}}}}}\n```\n\n</details>\n\n"
        );
    }
    let mut prints = String::from("### What it prints\n\n");
    for t in program.transcripts() {
        prints += &transcript_block(&t);
    }
    if release.is_empty() {
        out += &(sources + &others_out + &prints);
    } else {
        // A measuring program: its page first, its sources (hundreds of lines) folded below.
        out += &format!(
            "{prints}<details class=\"more-source\"><summary>The sources: <code>{twin}</code> and \
             <code>{folder}/src/</code></summary>\n\n{sources}{others_out}</details>\n\n"
        );
    }
    Ok(out)
}

fn transcript_block(t: &Transcript) -> String {
    let file = t
        .path
        .strip_prefix(tests::repo_path("."))
        .unwrap_or(&t.path)
        .display()
        .to_string();
    let python = match &t.python {
        Python::Same => "Its Python twin prints the same.".to_owned(),
        Python::SameFirstLine => "Its Python twin prints the same first line.".to_owned(),
        Python::Differs(why) => format!("Python differs: {}.", escaped(why)),
    };
    let each = if t.each_start_method {
        " The same under each start method (<code>--start-method fork|spawn|forkserver</code>)."
    } else {
        ""
    };
    let args = if t.args.is_empty() {
        String::new()
    } else {
        format!(" -- {}", t.args.join(" "))
    };
    let mut out = format!(
        "<p class=\"transcript-caption\">{}. {python}{each} <span class=\"transcript-file\">({file})</span></p>\n\n",
        escaped(&capitalised(&t.shows)),
    );
    if t.markdown {
        out += &format!(
            "```text\n$ cargo run --release -p {}{args}\n```\n\n<div class=\"page-output\">\n\n{}\n</div>\n\n",
            t.program,
            demoted(&t.expected)
        );
    } else {
        out += &format!(
            "```text\n$ cargo run -q -p {}{args}\n{}```\n\n",
            t.program, t.expected
        );
    }
    out
}

fn read_source(relative: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(tests::repo_path(relative))
        .with_context(|| format!("reading {relative}"))
}

/// A program's `main.rs` with its command-line scaffolding marked as mdBook's hidden lines (`# `):
/// the `use` of clap and of `common::cli`, the `#[derive(Parser)]` struct with the doc comment
/// above it, the `Args::parse()` line, and `#[expect(…)]` attributes.
fn folded_rust(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut hide = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if line.starts_with("use clap")
            || line.starts_with("use common::cli")
            || line.contains("Args::parse()")
            || line.contains("cli::parse::<Args>()")
        {
            hide[i] = true;
        } else if line.starts_with("#[derive(") && line.contains("Parser") {
            // Back over the doc comment, forward to the struct's closing brace at column 0.
            let mut first = i;
            while first > 0 && lines[first - 1].trim_start().starts_with("///") {
                first -= 1;
            }
            let last = (i..lines.len()).find(|&j| lines[j] == "}").unwrap_or(i);
            hide[first..=last].iter_mut().for_each(|h| *h = true);
            i = last;
        } else if line.starts_with("#[expect(") {
            let last = (i..lines.len())
                .find(|&j| lines[j].trim_end().ends_with(")]"))
                .unwrap_or(i);
            hide[i..=last].iter_mut().for_each(|h| *h = true);
            i = last;
        }
        i += 1;
    }
    marked(&lines, &hide, "# ")
}

/// A Python twin with its argument parsing marked hidden (`~`, the block's `hidelines` prefix):
/// the import of the twins' helper (`common/python/twinargs.py`), and the parser, from the line
/// that makes an `ArgumentParser` to the one that calls `parse_args()` (often the same).
fn folded_python(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut hide = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let helper = line.starts_with("from twinargs import")
            || (line.starts_with("sys.path.insert(") && line.contains("\"common\" / \"python\""));
        if line == "import argparse" || helper {
            hide[i] = true;
        } else if line.contains("ArgumentParser(") {
            let last = (i..lines.len())
                .find(|&j| lines[j].contains("parse_args("))
                .unwrap_or(i);
            hide[i..=last].iter_mut().for_each(|h| *h = true);
            i = last;
        }
        i += 1;
    }
    marked(&lines, &hide, "~")
}

/// The lines, each hidden one behind `prefix`, and a blank line that follows a hidden block
/// hidden too (so the folded listing has no double gap).
fn marked(lines: &[&str], hide: &[bool], prefix: &str) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let after_hidden = i > 0 && hide[i - 1] && line.trim().is_empty();
        if hide[i] || after_hidden {
            out += prefix;
        }
        out += line;
        out += "\n";
    }
    out
}

/// Text for raw HTML, where Markdown is not read: `&`, `<` and `>` escaped.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A page's Markdown with every heading two levels down, to sit under the chapter's own.
fn demoted(page: &str) -> String {
    page.lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("##{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}
