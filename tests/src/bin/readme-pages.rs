//! `make readme`: rewrites every replay block of `README.md` with what its program prints for its
//! evidence file (`<!-- replay PROGRAM FILE -->` … `<!-- /replay -->`), so that the README's
//! measured pages come from the committed evidence, never by hand. `tests/tests/compare.rs`
//! checks that they do.

use std::process::ExitCode;

use anyhow::Context;

fn main() -> ExitCode {
    common::cli::run(|| {
        let path = tests::repo_path("README.md");
        let readme = std::fs::read_to_string(&path).context("reading README.md")?;
        let mut out = String::new();
        let mut copied = 0;
        for block in tests::replay_blocks(&readme) {
            out += &readme[copied..block.content.start];
            out += &tests::replayed_section(&block);
            copied = block.content.end;
        }
        out += &readme[copied..];
        std::fs::write(&path, out).context("writing README.md")?;
        Ok(())
    })
}
