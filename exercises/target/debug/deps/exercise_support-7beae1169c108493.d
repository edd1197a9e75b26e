/work/main/exercises/target/debug/deps/exercise_support-7beae1169c108493.d: support/src/lib.rs Cargo.toml

/work/main/exercises/target/debug/deps/libexercise_support-7beae1169c108493.rmeta: support/src/lib.rs Cargo.toml

support/src/lib.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
