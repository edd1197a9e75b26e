# rust-concurrency-notes: the Python concurrency notes as small, tested Rust programs.
CARGO ?= cargo

.PHONY: help test fmt-check clippy unit stress-short stress loom doc bench run-all

help: ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

test: fmt-check clippy unit stress-short ## Format check, clippy with warnings denied, every test, a short stress run.

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

stress-short:
	bash tests/stress.sh 3 debug

stress: ## Every program 200 times (release, varied inputs and start methods, two busy loops): must report zero problems.
	bash tests/stress.sh 200 release

loom: ## Model-check a future's hand-off (submit, run, result; cancel; as_completed) with loom.
	CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 $(CARGO) test -p common --release --lib loom_tests

doc: ## Build common's docs, broken links denied (open target/doc/common/index.html).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p common --no-deps

bench: ## Measure: the process core vs raw syscalls vs Python (spread, then pinned), then the notes' claims.
	$(CARGO) bench -p tests --bench process_core
	$(CARGO) bench -p tests --bench process_core -- --pinned
	$(CARGO) bench -p tests --bench models
	python3 tests/benches/models.py

run-all: ## Run every program with fast flags, each output labelled (cargo run: never a stale binary).
	@run() { p=$$1; shift; echo "== cargo run -p $$p$${1:+ -- $$*}"; $(CARGO) run --quiet -p $$p -- "$$@" || exit 1; echo; }; \
	run simple-thread --delay-ms 10 && \
	run thread-args && run thread-args Bob && \
	run lock-counter && \
	run daemon-thread --interval-ms 20 --run-for-ms 100 && \
	run thread-lifecycle && \
	run simple-process && run simple-process 7 --start-method spawn && \
	run process-pool && run process-pool 3 4 -v --start-method forkserver && \
	run queue-ipc && run queue-ipc --start-method forkserver && \
	run shared-memory && run shared-memory --named --start-method spawn && \
	run executors && run executors --overlap --start-method forkserver && \
	run as-completed --unit-ms 50
