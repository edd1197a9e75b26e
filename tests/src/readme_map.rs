//! The README's map of notes sections to programs, made from the book's table of contents
//! (`book/src/SUMMARY.md`, for the order and each program's chapter) and each program's own
//! `--help` text (for the section it follows). `make readme` writes it between the README's
//! `<!-- map -->` and `<!-- /map -->` lines; a test checks that it is up to date.

use crate::transcripts::{self, Follows};

/// The marker lines around the generated map.
pub const START: &str =
    "<!-- map: written by `make readme` from book/src/SUMMARY.md and each program's --help -->\n";
/// The line after the map.
pub const END: &str = "<!-- /map -->\n";

/// The map as Markdown: one table, a row per program, in the book's order.
pub fn render() -> Result<String, String> {
    let summary_path = crate::repo_path("book/src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path).map_err(|e| e.to_string())?;
    let programs = transcripts::programs();
    let mut out =
        String::from("| notes section | program (Rust · Python twin) | chapter |\n|---|---|---|\n");
    let mut listed = Vec::new();
    for line in summary.lines() {
        let Some(path) = line
            .split("](")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
        else {
            continue;
        };
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".md");
        let Some(program) = programs.iter().find(|p| p.name == stem) else {
            continue;
        };
        let section = match program.follows()? {
            Follows::Notes(section) => section,
            Follows::Beyond(topic) => format!("*beyond the notes:* {topic}"),
        };
        let twin = program
            .twin()
            .ok_or(format!("{}: no twin", program.folder))?;
        let title = line
            .split('[')
            .nth(1)
            .and_then(|t| t.split(']').next())
            .unwrap_or(stem);
        out += &format!(
            "| {section} | [`{name}`]({folder}/src/main.rs) · [{file}]({twin}) | [{title}](book/src/{path}) |\n",
            name = program.name,
            folder = program.folder,
            file = twin.rsplit('/').next().unwrap_or(&twin),
        );
        listed.push(program.name.clone());
    }
    if let Some(missing) = programs.iter().find(|p| !listed.contains(&p.name)) {
        return Err(format!(
            "{} has no chapter in book/src/SUMMARY.md",
            missing.name
        ));
    }
    Ok(out)
}

/// `readme` with its map replaced by `map`; `None` if it has no map markers.
pub fn replaced(readme: &str, map: &str) -> Option<String> {
    let start = readme.find(START)? + START.len();
    let end = start + readme[start..].find(END)?;
    Some(format!("{}{map}{}", &readme[..start], &readme[end..]))
}
