//! `make readme`: rewrites the README's map of notes sections to programs (`tests::readme_map`),
//! so that it comes from the book's table of contents and the programs themselves, never by hand.
//! `tests/tests/transcripts.rs` checks that it is up to date.

use std::process::ExitCode;

use anyhow::{Context, anyhow};

fn main() -> ExitCode {
    common::cli::run(|| {
        let path = tests::repo_path("README.md");
        let readme = std::fs::read_to_string(&path).context("reading README.md")?;
        let map = tests::readme_map::render().map_err(anyhow::Error::msg)?;
        let updated = tests::readme_map::replaced(&readme, &map)
            .ok_or_else(|| anyhow!("README.md has no map markers"))?;
        std::fs::write(&path, updated).context("writing README.md")?;
        Ok(())
    })
}
