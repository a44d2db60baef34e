# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-slow test-all lint bench clean

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

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks print JSON; they need the benchmark-only extras.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/import_speed.py

clean:
	rm -rf $(VENV) demo.db demo_out .pytest_cache .ruff_cache
