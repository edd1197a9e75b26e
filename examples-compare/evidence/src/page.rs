//! How a page reaches stdout. The pages are Markdown, which is what a file, a pipe, the README
//! and the tests want; in a terminal, a Markdown table is a wall of `|` with lines hundreds of
//! characters long. So when stdout is a terminal (and `--markdown` was not given), every table of
//! the page is drawn again by `comfy-table`, aligned and wrapped to the terminal's width, and the
//! rest of the page is left as it is.

use std::io::IsTerminal;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

/// Tells a person at a terminal, on stderr, that a debug build skews the numbers (plain
/// `cargo run` builds for debugging); says nothing to a pipe or a test.
pub fn note_if_debug_build() {
    if cfg!(debug_assertions) && std::io::stderr().is_terminal() {
        eprintln!(
            "note: a debug build measures slowly and skews the numbers: use cargo run --release"
        );
    }
}

/// Prints `page` (Markdown) to stdout: as it is when stdout is not a terminal or `markdown` is
/// set, with its tables drawn for the terminal otherwise.
pub fn print(page: &str, markdown: bool) {
    if markdown || !std::io::stdout().is_terminal() {
        print!("{page}");
    } else {
        print!("{}", for_terminal(page, None));
    }
}

/// `page` with each Markdown table drawn as an aligned table, `width` columns wide at most (the
/// terminal's width when `None`, as comfy-table finds it).
pub fn for_terminal(page: &str, width: Option<u16>) -> String {
    let mut out = String::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in page.lines().chain([""]) {
        if line.starts_with('|') {
            let cells: Vec<String> = line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect();
            // The header's separator row (`| --- | --- |`) has no content.
            let separator = cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-'));
            if !separator {
                rows.push(cells);
            }
            continue;
        }
        if !rows.is_empty() {
            out += &draw(&std::mem::take(&mut rows), width);
            out.push('\n');
        }
        out += line;
        out.push('\n');
    }
    out.pop(); // The newline of the "" line chained on.
    out
}

fn draw(rows: &[Vec<String>], width: Option<u16>) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = width {
        table.set_width(width);
    }
    // Markdown's emphasis means nothing in a terminal.
    let plain = |row: &Vec<String>| row.iter().map(|c| c.replace("**", "")).collect::<Vec<_>>();
    table.set_header(plain(&rows[0]));
    for row in &rows[1..] {
        table.add_row(plain(row));
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_drawn_and_wrapped_and_the_rest_is_kept() {
        let page = "# Title\n\nSome text.\n\n| a | b |\n| --- | --- |\n| one | a long cell that must wrap somewhere |\n\nAfter.\n";
        let drawn = for_terminal(page, Some(30));
        assert!(drawn.starts_with("# Title\n\nSome text.\n\n"), "{drawn}");
        assert!(drawn.ends_with("\nAfter.\n"), "{drawn}");
        assert!(!drawn.contains("| --- |"), "{drawn}");
        assert!(drawn.lines().all(|l| l.chars().count() <= 30), "{drawn}");
        assert!(drawn.contains("one"), "{drawn}");
        // Every word of the long cell is still there, wrapped over lines.
        for word in ["long", "cell", "wrap", "somewhere"] {
            assert!(drawn.contains(word), "{word}: {drawn}");
        }
    }

    #[test]
    fn a_page_without_tables_is_unchanged() {
        let page = "# Title\n\nText only.\n";
        assert_eq!(for_terminal(page, Some(40)), page);
    }
}
