# integrita — the two commands in the README are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck contracts pytest bench system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Create the environment, generate a synthetic bank and run the main job end to end.
demo: $(STAMP)
	$(BIN)/integrita demo

## Install what the tests need and run lint, types, layer contracts and the whole suite.
test: $(STAMP) system-deps lint typecheck contracts pytest

system-deps:
	@bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

contracts: $(STAMP)
	$(BIN)/lint-imports

# pytest exits 5 when it ran no test; make treats any non-zero exit as failure. Two workers
# (one per core); a test file stays on one worker, so its module fixtures start once. Files run
# in collection order (--no-loadscope-reorder; xdist would otherwise sort them by test count), and
# tests/conftest.py puts the longest files first, so no long file starts last and runs alone.
# The 25 slowest tests are listed at the end: the suite's 20-minute budget is kept from them.
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=25

## Benchmarks: each prints one JSON object; figures are copied into docs/benchmarks.md.
## The `bench` extra brings the peers the quality benchmarks compare against (snapml: IBM's GFP).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/generate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
