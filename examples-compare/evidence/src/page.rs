//! How a page reaches stdout. The pages are Markdown, which is what a file, a pipe, the README
//! and the tests want; in a terminal, a Markdown table is a wall of `|` with lines hundreds of
//! characters long. So when stdout is a terminal (and `--markdown` was not given), every table of
//! the page is drawn again by `comfy-table`, aligned and wrapped to the terminal's width, and the
//! rest of the page is left as it is. A table too wide for the terminal without cutting words
//! (nine columns in 100 characters) is drawn as one block per row instead, `header: value` per
//! line, so that no word is broken across lines.

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
    // Markdown's emphasis means nothing in a terminal.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| c.replace("**", "")).collect())
        .collect();
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = width {
        table.set_width(width);
    }
    table.set_header(&rows[0]);
    for row in &rows[1..] {
        table.add_row(row);
    }
    let drawn = table.to_string();
    match table.width().map(usize::from) {
        // Squeezed until a word was cut in two (or still too wide): one block per row instead.
        Some(width)
            if !keeps_every_word(&drawn, &rows)
                || drawn.lines().any(|l| l.chars().count() > width) =>
        {
            blocks(&rows, width)
        }
        _ => drawn,
    }
}

/// Whether every word of every cell stands whole somewhere in the drawn table.
fn keeps_every_word(drawn: &str, rows: &[Vec<String>]) -> bool {
    let shown: std::collections::HashSet<&str> = drawn
        .split(|c: char| c.is_whitespace() || "│┆".contains(c))
        .collect();
    rows.iter()
        .flatten()
        .flat_map(|cell| cell.split_whitespace())
        .all(|word| shown.contains(word))
}

/// The table as one block per row: its first cell as a title, then `header: value` for the
/// others, each wrapped at a space to `width`.
fn blocks(rows: &[Vec<String>], width: usize) -> String {
    let (header, body) = rows.split_first().expect("a table has a header");
    let mut out = String::new();
    for row in body {
        let mut cells = header.iter().zip(row);
        if let Some((name, first)) = cells.next() {
            out += &wrapped("", &format!("{name}: {first}"), width, "  ");
        }
        for (name, value) in cells {
            out += &wrapped("  ", &format!("{name}: {value}"), width, "      ");
        }
        out.push('\n');
    }
    out.pop();
    out
}

/// `text` after `first`, broken at spaces into lines of at most `width` characters (a longer word
/// stands on a line of its own), every line after the first starting with `indent`.
fn wrapped(first: &str, text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true; // No word on `line` yet.
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out += &line;
            out.push('\n');
            line = indent.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line += word;
        empty = false;
    }
    out += line.trim_end();
    out.push('\n');
    out
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
    fn a_table_too_wide_to_keep_its_words_whole_is_drawn_as_blocks() {
        let header = "| Use case | Notes recommend | Sequential | Threads | Processes | Async tasks | Fastest | Language | Verdict |";
        let row = "| File I/O (400 files, 100 MiB in all) | Multithreading | 66.1 ms (2.0×) | 34.4 ms (1.0×) | 63.6 ms (1.9×) | 33.4 ms (1.0×) | Multithreading | Python | cannot tell |";
        let page =
            format!("{header}\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n{row}\n");
        let drawn = for_terminal(&page, Some(100));
        assert!(drawn.lines().all(|l| l.chars().count() <= 100), "{drawn}");
        // Every word of every cell stands whole on some line: none is cut in two.
        for word in header.split(['|', ' ']).chain(row.split(['|', ' '])) {
            assert!(
                drawn
                    .split_whitespace()
                    .any(|w| w.trim_end_matches(':') == word)
                    || word.is_empty(),
                "{word:?} is broken: {drawn}"
            );
        }
        assert!(drawn.contains("  Threads: 34.4 ms (1.0×)"), "{drawn}");
        // Wide enough, the same table is a table.
        assert!(for_terminal(&page, Some(250)).contains('│'));
    }

    #[test]
    fn a_page_without_tables_is_unchanged() {
        let page = "# Title\n\nText only.\n";
        assert_eq!(for_terminal(page, Some(40)), page);
    }
}
