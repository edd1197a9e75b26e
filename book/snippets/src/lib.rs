//! The book's standalone snippets live in `examples/`, one per chapter; this library is empty.
//! `cargo run -p book-snippets --example simple_thread` runs one.
