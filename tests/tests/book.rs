//! The book's sources (`book/src/`): every program has a chapter that opens with its lesson
//! (`{{#lesson}}`, before the chapter's first heading) and shows the full program
//! (`{{#program}}`); every lesson, refusal and exercise is shown by exactly one chapter.
//! `make book-test` checks the built pages in a browser; this checks what they are made of.

use std::collections::BTreeMap;

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

/// How many times each `{{#KIND NAME}}` appears across the chapters, by NAME.
fn shown(kind: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let open = format!("{{{{#{kind} ");
    for (_, text) in chapters() {
        for rest in text.split(&open).skip(1) {
            let name = rest.split("}}").next().unwrap().trim().to_owned();
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    counts
}

/// The names of the files in `folder` (relative to the root) that end in `suffix`, without it.
fn names_in(folder: &str, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_path(folder))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(suffix).map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn every_program_chapter_opens_with_its_lesson_and_shows_the_program() {
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
        let lesson = format!("{{{{#lesson {}}}}}", program.name.replace('-', "_"));
        let at = text
            .find(&lesson)
            .unwrap_or_else(|| panic!("{name}: no {lesson}"));
        let first_heading = text.find("\n## ").unwrap_or(text.len());
        assert!(
            at < first_heading,
            "{name}: the lesson must come before the chapter's first heading"
        );
        let intro = &text[text.find('\n').unwrap_or(0)..at];
        assert!(
            intro.lines().filter(|l| !l.trim().is_empty()).count() <= 14,
            "{name}: more than 14 lines of prose before the lesson push it off the first screen"
        );
    }
}

#[test]
fn every_lesson_refusal_and_exercise_is_shown_once() {
    for (kind, folder, suffix) in [
        ("lesson", "book/snippets/examples", ".rs"),
        ("refusal", "book/snippets/refusals", ".rs"),
    ] {
        let shown = shown(kind);
        for name in names_in(folder, suffix) {
            assert_eq!(
                shown.get(&name),
                Some(&1),
                "{kind} {name}: shown by one chapter"
            );
        }
        for name in shown.keys() {
            assert!(
                repo_path(&format!("{folder}/{name}{suffix}")).is_file(),
                "{kind} {name}: no such file"
            );
        }
    }
    let shown = shown("exercise");
    let exercises: Vec<String> = std::fs::read_dir(repo_path("exercises"))
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.join("solution").is_dir())
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    assert!(exercises.len() >= 15, "{exercises:?}");
    for name in &exercises {
        assert_eq!(
            shown.get(name),
            Some(&1),
            "exercise {name}: shown by one chapter"
        );
    }
}
