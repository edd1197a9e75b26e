/work/main/exercises/target/debug/deps/lock_held_while_joining-75e1de5a77ad2c6e.d: lock-held-while-joining/src/lib.rs lock-held-while-joining/src/exercise.rs Cargo.toml

/work/main/exercises/target/debug/deps/liblock_held_while_joining-75e1de5a77ad2c6e.rmeta: lock-held-while-joining/src/lib.rs lock-held-while-joining/src/exercise.rs Cargo.toml

lock-held-while-joining/src/lib.rs:
lock-held-while-joining/src/exercise.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
