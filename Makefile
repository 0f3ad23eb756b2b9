# onec-bridge — the two commands a newcomer types are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit bench clean install

demo: $(STAMP)  ## set up, then run the demo (emulator -> SQLite, full + incremental sync)
	$(BIN)/onec-bridge demo

test: $(STAMP) lint typecheck  ## set up, then lint, type-check and run the whole test suite
	$(BIN)/pytest --cov --cov-report=term:skip-covered

unit: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks; results go to bench/RESULTS.md
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.run

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "onec-bridge needs Python 3.11+; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage demo.db demo.db-wal demo.db-shm
