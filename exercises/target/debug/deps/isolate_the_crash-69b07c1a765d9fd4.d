/work/main/exercises/target/debug/deps/isolate_the_crash-69b07c1a765d9fd4.d: isolate-the-crash/src/lib.rs isolate-the-crash/src/exercise.rs Cargo.toml

/work/main/exercises/target/debug/deps/libisolate_the_crash-69b07c1a765d9fd4.rmeta: isolate-the-crash/src/lib.rs isolate-the-crash/src/exercise.rs Cargo.toml

isolate-the-crash/src/lib.rs:
isolate-the-crash/src/exercise.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
