# Quanhub: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: system-deps help install proto proto-check lint typecheck check test test-unit test-integration demo \
	test-e2e chaos fuzz up down purge status run bench

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# The gateway's native fast path (Rust, built by maturin into the venv).
NATIVE := services/gateway/native
NATIVE_SOURCES := $(NATIVE)/Cargo.toml $(NATIVE)/Cargo.lock $(NATIVE)/pyproject.toml \
	$(NATIVE)/quanhub_gateway_native.pyi $(wildcard $(NATIVE)/src/*.rs)

# The tools above the services, each a distribution of its own (not in the image).
TOOLS := deploy/local simulator bench cli

$(STAMP): pyproject.toml $(TOOLS:%=%/pyproject.toml) $(NATIVE_SOURCES)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' $(TOOLS:%=-e ./%)
	@command -v cargo >/dev/null || { echo "The gateway's fast path is Rust: install a toolchain (https://rustup.rs) and rerun"; exit 1; }
	$(BIN)/pip install --quiet ./$(NATIVE)
	@# Generates clients from docs/openapi in the e2e tests; its typer pin is older than the CLI's.
	$(BIN)/pip install --quiet --no-deps openapi-python-client==0.29.1
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install everything (idempotent)

proto: $(STAMP) ## Regenerate from proto/: Python code, docs/contract.md and the OpenAPI documents
	PYTHON=$(CURDIR)/$(BIN)/python proto/generate.sh
	$(BIN)/python docs/tools/export_contract.py
	$(BIN)/python docs/tools/export_openapi.py

proto-check: $(STAMP) ## Fail when committed generated code drifts from proto/, or the contract breaks
	PYTHON=$(CURDIR)/$(BIN)/python proto/generate.sh --check
	cd proto && ../$(BIN)/buf lint
	bash proto/breaking.sh $(CURDIR)/$(BIN)/buf

lint: $(STAMP) ## ruff, ruff format --check, and cargo fmt --check and clippy for the native path
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd $(NATIVE) && cargo fmt --check && cargo clippy --release --quiet -- -D warnings

typecheck: $(STAMP) ## mypy --strict
	$(BIN)/mypy

check: lint typecheck proto-check ## All static checks

test-unit: $(STAMP) ## Unit tests only (no servers)
	cd $(NATIVE) && cargo test --release --quiet
	$(BIN)/pytest tests/unit -q -n 2

test-integration: $(STAMP) ## Integration tests (real Kafka and PostgreSQL; starts the stack)
	$(BIN)/pytest tests/integration -q

test-e2e: $(STAMP) ## End-to-end tests (starts the services on free ports)
	$(BIN)/pytest tests/e2e -q

system-deps: ## Debian packages the tests use (chromium, CJK font, kcat)
	bash deploy/local/system-deps.sh

# Each tier is its own pytest run so an empty tier fails (pytest exits 5: no tests).
test: $(STAMP) system-deps ## Everything CI runs: stack, static checks, unit, integration, e2e, short chaos
	$(BIN)/quanhub stack up --reuse-running
	$(MAKE) --no-print-directory check
	cd $(NATIVE) && cargo test --release --quiet
	$(BIN)/pytest tests/unit -q -n 2
	$(BIN)/pytest tests/integration -q
	$(BIN)/pytest tests/e2e -q
	$(BIN)/pytest tests/chaos -q

fuzz: $(STAMP) ## Schemathesis on both APIs (200 examples per operation; make test: 15), the gateway's fast path against Python (5,000 examples per property; make test: 300), extreme query parameters (200 per parameter; make test: 15)
	$(BIN)/quanhub stack up --reuse-running
	QUANHUB_FUZZ_EXAMPLES=200 $(BIN)/pytest tests/e2e/test_openapi_fuzz.py -q
	QUANHUB_FAST_PATH_EXAMPLES=5000 $(BIN)/pytest tests/unit/gateway/test_fast_path.py -q
	QUANHUB_EXTREMES_EXAMPLES=200 $(BIN)/pytest tests/integration/test_query_params_extremes.py -q

chaos: $(STAMP) ## Chaos run on its own stack: make chaos N=100000 [SHARDS=4 INSTANCES=2]
	$(BIN)/python tests/chaos/run_chaos.py --events $(or $(N),20000) \
		--shards $(or $(SHARDS),1) --instances $(or $(INSTANCES),1)

up: $(STAMP) ## Start the local Kafka and PostgreSQL (idempotent; state in .quanhub/)
	$(BIN)/quanhub stack up

down: ## Stop the local stack (data kept)
	@if [ -x $(BIN)/quanhub ]; then $(BIN)/quanhub stack down; else echo "no .venv: nothing to stop"; fi

purge: ## Stop the local stack and delete its data
	@if [ -x $(BIN)/quanhub ]; then $(BIN)/quanhub stack down --purge; else echo "no .venv: nothing to stop"; fi

status: $(STAMP) ## Show the local stack's servers
	$(BIN)/quanhub stack status

run: $(STAMP) ## Start the stack and every service, supervised (Ctrl-C stops the services)
	$(BIN)/quanhub run

demo: $(STAMP) ## `run` plus simulated traffic from every partner; prints the dashboard URL
	@$(BIN)/quanhub run & trap 'kill $$! 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/quanhub simulate --recent --days 3 --orders $(or $(ORDERS),3000) --rate 300 \
		--cross-border-share 0.2 --wait-ready 180 --show-dashboard && \
	echo "traffic sent; services keep running (Ctrl-C stops them)" && wait

bench: $(STAMP) ## Benchmarks beside raw Kafka/PostgreSQL -> bench/results/ (QUICK=1: < 10 min)
	$(BIN)/quanhub stack up --reuse-running
	$(BIN)/python -m quanhub.bench run $(if $(QUICK),--quick) $(BENCH_ARGS)
