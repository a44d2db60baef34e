# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-slow test-all lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run the whole pipeline on the bundled sample data with a fresh SQLite file (demo.db).
demo: $(STAMP)
	$(BIN)/c2m --db sqlite:///demo.db demo --reset

## The default test suite (fast tests, SQLite and PostgreSQL when reachable).
test: $(STAMP)
	$(BIN)/pytest -q

## Slow tests only (solver quality, big files, real browser); CI runs these too.
test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow

test-all: test test-slow

## Ruff (rules and formatting), then the type checker.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) typecheck

## mypy: strict on the pure libraries (scheduling/, forecasting/), per [tool.mypy] in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy scheduling forecasting

## Benchmarks print JSON; they need the benchmark-only extras.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/import_speed.py

clean:
	rm -rf $(VENV) demo.db demo_out .pytest_cache .ruff_cache
