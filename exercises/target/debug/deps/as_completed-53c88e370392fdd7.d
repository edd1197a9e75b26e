/work/main/exercises/target/debug/deps/as_completed-53c88e370392fdd7.d: as-completed/src/lib.rs as-completed/src/exercise.rs Cargo.toml

/work/main/exercises/target/debug/deps/libas_completed-53c88e370392fdd7.rmeta: as-completed/src/lib.rs as-completed/src/exercise.rs Cargo.toml

as-completed/src/lib.rs:
as-completed/src/exercise.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
