/work/main/exercises/target/debug/deps/pin_project_lite-b53d07d3fb22c44d.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.19/src/lib.rs

/work/main/exercises/target/debug/deps/libpin_project_lite-b53d07d3fb22c44d.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.19/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.19/src/lib.rs:
