# Quanhub: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install proto proto-check lint typecheck check test test-unit up down status run

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install everything (idempotent)

proto: $(STAMP) ## Regenerate Python code from proto/
	PYTHON=$(BIN)/python proto/generate.sh

proto-check: $(STAMP) ## Fail when committed generated code drifts from proto/
	PYTHON=$(BIN)/python proto/generate.sh --check
	cd proto && ../$(BIN)/buf lint

lint: $(STAMP) ## ruff and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy --strict
	$(BIN)/mypy

check: lint typecheck proto-check ## All static checks

test-unit: $(STAMP) ## Unit tests only (no servers)
	$(BIN)/pytest tests/unit -q
