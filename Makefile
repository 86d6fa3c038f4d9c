# Two commands set up a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# PostgreSQL for the second pass of the suite (trust auth on this machine).
ESCALERA_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo test lint typecheck test-sqlite test-postgres chromium browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/escalera demo --reset

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider

# tests/unit holds pure rules only (tests/conftest.py refuses a database fixture there), so
# the PostgreSQL pass leaves it out: it would run the same code twice.
test-postgres: install
	ESCALERA_TEST_DATABASE_URL=$(ESCALERA_TEST_POSTGRES_URL) $(BIN)/pytest -q -p no:cacheprovider --ignore=tests/unit

# Debian's Chromium for the browser tests (tests/browser); they are skipped without it.
chromium:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "chromium is missing and installing it needs root: the browser tests will be skipped (apt-get install -y chromium)"; fi

browser: install chromium
	$(BIN)/pytest -q -p no:cacheprovider -m browser tests/browser

test: chromium lint typecheck test-sqlite test-postgres

bench: install
	$(BIN)/python benchmarks/ladder_eval.py
	$(BIN)/python benchmarks/demo_generate.py
	$(BIN)/python benchmarks/bench_refresh.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache escalera.db escalera.db-wal escalera.db-shm
