//! The book's preprocessor (`book/book.toml` names it; mdBook runs it before its own `links`
//! preprocessor). It expands, in every chapter:
//!
//! - `{{#program NAME}}`: which notes section the program follows (from its `--help` text), its
//!   Python twin and its `src/main.rs` side by side, as `{{#include}}`s of the files themselves,
//!   its other source files folded, and every transcript of it (`tests::transcripts`): what it
//!   prints, from the same files the tests check;
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

/// The chapter's text with every `{{#program NAME}}` expanded.
fn expand(content: &str, path: &str, programs: &[Program]) -> anyhow::Result<String> {
    // From the chapter's folder up to the repository's root: `book/src/` plus its own folders.
    let root = "../".repeat(path.matches('/').count() + 2);
    let mut out = String::new();
    let mut rest = content;
    while let Some(start) = rest.find("{{#program ") {
        out += &rest[..start];
        let end = rest[start..]
            .find("}}")
            .map(|i| start + i)
            .ok_or_else(|| anyhow!("{path}: an unclosed {{{{#program"))?;
        let name = rest[start + "{{#program ".len()..end].trim();
        let program = programs
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| anyhow!("{path}: no program {name}"))?;
        out += &program_block(program, &root)?;
        rest = &rest[end + 2..];
    }
    out += rest;
    Ok(out)
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
    out += &format!(
        "<div class=\"side-by-side\">\n<div class=\"python-column\">\n\n\
         **Python** · `{twin}`\n\n```python\n{{{{#include {root}{twin}}}}}\n```\n\n</div>\n\
         <div class=\"rust-column\">\n\n\
         **Rust** · `{folder}/src/main.rs`\n\n\
         ```rust,noplayground\n{{{{#include {root}{folder}/src/main.rs}}}}\n```\n\n</div>\n</div>\n\n"
    );
    let mut others: Vec<String> = std::fs::read_dir(tests::repo_path(&format!("{folder}/src")))
        .context("listing a program's sources")?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".rs") && f != "main.rs")
        .collect();
    others.sort();
    for file in others {
        out += &format!(
            "<details class=\"more-source\"><summary><code>{folder}/src/{file}</code></summary>\n\n\
             ```rust,noplayground\n{{{{#include {root}{folder}/src/{file}}}}}\n```\n\n</details>\n\n"
        );
    }
    out += "### What it prints\n\n";
    for t in program.transcripts() {
        out += &transcript_block(&t);
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
