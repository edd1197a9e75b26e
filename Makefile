# rust-concurrency-notes: the Python concurrency notes as small, tested Rust programs.
CARGO ?= cargo
# `make bench` pipes through tee: a failing measurement must still fail the target.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: help test fmt-check clippy unit stress-short stress loom doc bench readme run-all

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

REPORTS := target/reports
RELEASE := $(CARGO) run --release --quiet -p

bench: ## Measure everything (about 10 min): the notes' two tables, the process core and data paths vs raw syscalls vs Python, and message sizes 8 B to 64 MiB beside ipc-channel, spread and pinned; writes target/reports/report.md and SVG charts.
	mkdir -p $(REPORTS)
	$(RELEASE) threads-vs-processes -- --python --sweep 4 --data $(REPORTS)/threads-vs-processes.evidence | tee $(REPORTS)/threads-vs-processes.md
	$(RELEASE) threads-vs-processes -- --python --cpus 1 --data $(REPORTS)/threads-vs-processes-1cpu.evidence | tee $(REPORTS)/threads-vs-processes-1cpu.md
	$(RELEASE) when-to-use -- --python --data $(REPORTS)/when-to-use.evidence | tee $(REPORTS)/when-to-use.md
	$(CARGO) bench -p tests --bench process_core | tee $(REPORTS)/process-core.md
	$(CARGO) bench -p tests --bench process_core -- --pinned | tee $(REPORTS)/process-core-pinned.md
	$(CARGO) bench -p tests --bench data_paths | tee $(REPORTS)/data-paths.md
	$(CARGO) bench -p tests --bench data_paths -- --pinned | tee $(REPORTS)/data-paths-pinned.md
	# A bench runs in tests/: its --data path must be absolute.
	$(CARGO) bench -p tests --bench message_sizes -- --data $(CURDIR)/$(REPORTS)/message-sizes.evidence | tee $(REPORTS)/message-sizes.md
	$(CARGO) bench -p tests --bench message_sizes -- --pinned --data $(CURDIR)/$(REPORTS)/message-sizes-pinned.evidence | tee $(REPORTS)/message-sizes-pinned.md
	$(CARGO) bench -p tests --bench pool_scaling -- --data $(CURDIR)/$(REPORTS)/pool-scaling.evidence | tee $(REPORTS)/pool-scaling.md
	$(RELEASE) tests --bin bench-report -- $(REPORTS)

readme: ## Rewrite the README's measured pages by replaying tests/evidence/ (after copying a make bench run's *.evidence there).
	$(CARGO) run --quiet -p tests --bin readme-pages

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
	run as-completed --unit-ms 50 && \
	run thread-local && run producer-consumer && run sync-primitives --timer-ms 10 && \
	run pool-api && run pipe-ipc --start-method spawn && run process-lock && \
	run executor-api --rust-way && \
	run async-basics --unit-ms 20 && run async-queue && run async-timeouts && \
	run async-bridge --start-method forkserver && run async-blocking --block-ms 100 && \
	run threads-vs-processes --quick && \
	run when-to-use --quick
