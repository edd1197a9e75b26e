/work/main/exercises/target/debug/deps/shared_counter-2bd2e14c3767ee1a.d: shared-counter/src/lib.rs shared-counter/src/exercise.rs Cargo.toml

/work/main/exercises/target/debug/deps/libshared_counter-2bd2e14c3767ee1a.rmeta: shared-counter/src/lib.rs shared-counter/src/exercise.rs Cargo.toml

shared-counter/src/lib.rs:
shared-counter/src/exercise.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
