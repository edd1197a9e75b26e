//! The book's lessons: the Rust half of each lives in `examples/` (the Python half in `python/`,
//! what both print in `transcripts/`), one per chapter; this library is empty.
//! `cargo run -p book-snippets --example simple_thread` runs one.
