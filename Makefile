# rust-concurrency-notes: the Python concurrency notes as small, tested Rust programs.
CARGO ?= cargo
# `make bench` pipes through tee: a failing measurement must still fail the target.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: help test fmt-check clippy unit stress-short stress loom doc bench bench-record readme run-all book book-test check exercise exercises

help: ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

test: fmt-check clippy unit stress-short ## Format check, clippy with warnings denied, every test, a short stress run.

fmt-check: ## cargo fmt --check over the workspace and the exercises.
	$(CARGO) fmt --all --check
	$(CARGO) fmt --all --check --manifest-path exercises/Cargo.toml

clippy: ## Clippy over every target, warnings denied.
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## Every test of the workspace (cargo test --workspace).
	$(CARGO) test --workspace

stress-short: ## Every documented run, 3 rounds (one pinned to one CPU), under load and signals.
	bash tests/stress.sh 3 debug

check: ## One program's documented runs, Rust and its Python twin, in seconds: make check NAME=simple-thread
	@test -n "$(NAME)" || { echo "usage: make check NAME=PROGRAM (make check NAME=simple-thread)"; exit 2; }
	$(CARGO) run --quiet -p tests --bin transcripts -- check $(NAME)

EXERCISES := $(CARGO) test --manifest-path exercises/Cargo.toml
exercise: ## Check your answer to one exercise: make exercise NAME=spawn-and-join (SOLUTION=1 checks the solution).
	@test -n "$(NAME)" || { echo "usage: make exercise NAME=EXERCISE [SOLUTION=1]; the exercises: $$(cd exercises && ls -d */solution | sed 's,/solution,,' | tr '\n' ' ')"; exit 2; }
	@test -d exercises/$(NAME)/solution || { echo "no exercise $(NAME): see exercises/README.md"; exit 2; }
ifdef SOLUTION
	CARGO_TARGET_DIR=target/exercises-solution RUSTFLAGS="--cfg solution" $(EXERCISES) -p $(NAME)
else
	CARGO_TARGET_DIR=target/exercises $(EXERCISES) -p $(NAME)
endif

exercises: ## Every exercise: its solution passes its tests and its committed starter fails them (about a minute).
	bash exercises/check-all.sh

stress: ## Every documented run 200 times (release, start methods in turn, half the rounds pinned to one CPU, two busy loops) and signal interruptions: must report zero problems.
	bash tests/stress.sh 200 release

loom: ## Model-check a future's hand-off and the queue ring's handshake (common/src/queue/RING.md) with loom.
	CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 $(CARGO) test -p common --release --lib loom_tests

doc: ## Build common's docs, broken links denied (open target/doc/common/index.html).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p common --no-deps

REPORTS := target/reports
RELEASE := $(CARGO) run --release --quiet -p

bench: ## Measure everything (about 10 min): the notes' two tables, the process core and data paths vs raw syscalls vs Python, and message sizes 8 B to 64 MiB beside ipc-channel, spread and pinned; writes target/reports/ (make bench-record makes it the book's evidence).
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

bench-record: ## After make bench: its run becomes the book's evidence (each table with its run's machine, date, load and Python; the recordings; the charts), checked first and each file replaced whole; the replay transcripts take the new pages. Review the diff.
	$(RELEASE) tests --bin bench-report -- $(REPORTS) --record tests/evidence
	$(CARGO) run --quiet -p tests --bin transcripts -- bless

readme: ## Rewrite the README's map of notes sections to programs (from book/src/SUMMARY.md and each program's --help).
	$(CARGO) run --quiet -p tests --bin readme-pages

run-all: ## Every documented run (the transcripts), each labelled, then each output checked against its transcript (cargo run: never a stale binary).
	@$(CARGO) run --quiet -p tests --bin transcripts -- list | while IFS=$$'\t' read -r -a w; do \
		echo "== cargo run -p $${w[2]}$${w[3]:+ -- $${w[*]:3}}    ($${w[0]})"; \
		$(CARGO) run --quiet -p "$${w[2]}" -- "$${w[@]:3}" </dev/null | tee /dev/stderr | \
			$(CARGO) run --quiet -p tests --bin transcripts -- match "$${w[0]}" 2>/dev/null || \
			{ echo "!! not what $${w[0]} says"; exit 1; }; echo; \
	done 2>&1

# The book's tools, pinned, installed into target/tools when missing.
MDBOOK_VERSION := 0.4.52
MDBOOK := target/tools/mdbook-$(MDBOOK_VERSION)/bin/mdbook

# Not --quiet: the first install compiles mdBook (1.5 to 5 minutes), and cargo shows its progress.
$(MDBOOK):
	@echo "make book: installing mdBook $(MDBOOK_VERSION) into target/tools (once; 1.5 to 5 minutes)"
	$(CARGO) install --locked mdbook --version $(MDBOOK_VERSION) --no-default-features --features search --root target/tools/mdbook-$(MDBOOK_VERSION)

book: $(MDBOOK) ## Build the book into target/book (open target/book/index.html): each notes section with Python and Rust side by side.
	$(CARGO) build --quiet -p tests --bin book-preprocessor
	$(MDBOOK) build book
	# The charts live beside the programs that draw them; the book shows copies.
	mkdir -p target/book/charts
	cp examples-compare/*/*.svg tests/benches/*.svg target/book/charts/

book-test: book ## Open every chapter in headless Chromium (installed with apt-get when missing); screenshots in target/book-test.
	python3 book/test/book_test.py target/book target/book-test
