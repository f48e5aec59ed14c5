# omskit developer tasks. `make demo` and `make test` work on a fresh clone:
# they create .venv and install the project with its dev tools when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.omskit-installed

.PHONY: help venv demo test lint format typecheck unit examples docs clean

help:
	@echo "make demo   - set up and run the end-to-end demo"
	@echo "make test   - set up and run every check (lint, types, tests, examples, docs)"
	@echo "make format - apply ruff formatting and safe fixes"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . --group dev
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m omskit demo

test: lint typecheck unit examples docs
	@echo "make test: all checks passed"

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks docs
	$(BIN)/ruff format --check src tests examples benchmarks docs

format: $(STAMP)
	$(BIN)/ruff format src tests examples benchmarks docs
	$(BIN)/ruff check --fix src tests examples benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy

# The PostgreSQL tests need a server. With OMSKIT_PG_DSN set they use it;
# otherwise, when initdb and pg_ctl are installed, a throwaway server is
# started with .ci/postgres for the run and stopped afterwards; without
# either they are skipped (OMSKIT_REQUIRE_PG=1, set by .ci/run, fails them).
unit: $(STAMP)
	$(BIN)/coverage erase
	@if [ -z "$${OMSKIT_PG_DSN:-}" ] && { command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl; } >/dev/null 2>&1; then \
		eval "$$(.ci/postgres start)" || exit 1; \
		trap '.ci/postgres stop "$$OMSKIT_PG_DATA"' EXIT; \
		$(BIN)/coverage run -m pytest -q; \
	else \
		$(BIN)/coverage run -m pytest -q; \
	fi
	$(BIN)/coverage report

examples: $(STAMP)
	@for f in examples/*.py; do echo "== $$f"; $(BIN)/python $$f > /dev/null || exit 1; done

docs: $(STAMP)
	$(BIN)/sphinx-build -q -W --keep-going -n -b html docs docs/_build/html

clean:
	rm -rf docs/_build .coverage .mypy_cache .ruff_cache .pytest_cache dist build
