//! The book's sources (`book/src/`): every program has a chapter that shows it (`{{#program}}`)
//! and a standalone snippet (`book/snippets/examples/*.rs`), and every snippet is shown by a
//! chapter. `make book-test` checks the built pages in a browser; this checks what they are made of.

use std::collections::BTreeSet;

use tests::repo_path;
use tests::transcripts;

/// Every chapter file's path (relative to `book/src`) and text.
fn chapters() -> Vec<(String, String)> {
    let src = repo_path("book/src");
    let mut out = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let name = path.strip_prefix(&src).unwrap().display().to_string();
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

#[test]
fn every_program_has_a_chapter_with_its_sources_and_a_snippet() {
    let chapters = chapters();
    let summary = std::fs::read_to_string(repo_path("book/src/SUMMARY.md")).unwrap();
    for program in transcripts::programs() {
        let directive = format!("{{{{#program {}}}}}", program.name);
        let showing: Vec<&(String, String)> = chapters
            .iter()
            .filter(|(_, text)| text.contains(&directive))
            .collect();
        assert_eq!(showing.len(), 1, "{}: one chapter shows it", program.name);
        let (name, text) = showing[0];
        assert!(
            summary.contains(&format!("({name})")),
            "{name} is in SUMMARY.md"
        );
        let snippet = text
            .split("{{#include ../../snippets/examples/")
            .nth(1)
            .and_then(|rest| rest.split("}}").next())
            .unwrap_or_else(|| panic!("{name}: no snippet included"));
        assert!(
            repo_path(&format!("book/snippets/examples/{snippet}")).is_file(),
            "{name}: {snippet} does not exist"
        );
    }
}

#[test]
fn every_snippet_is_shown_by_a_chapter() {
    let included: BTreeSet<String> = chapters()
        .iter()
        .flat_map(|(_, text)| {
            text.split("{{#include ../../snippets/examples/")
                .skip(1)
                .filter_map(|rest| rest.split("}}").next().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    for entry in std::fs::read_dir(repo_path("book/snippets/examples")).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        assert!(included.contains(&file), "{file} is in no chapter");
    }
}
