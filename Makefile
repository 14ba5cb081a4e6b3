# Two entry points for a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev browser lint typecheck

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

# Debian's chromium for scrapy-playwright (Playwright cannot download a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

# the loopback newsroom into ./newscrawl-demo.db (its own database, not the crawls' news.db)
demo: install
	$(BIN)/newscrawl demo

# the checks first (seconds), then the suite (minutes)
test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python .ci/typecheck
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# mypy over newscrawl/, the glue folders (as newscrawl.spiders, ...), tests/ and bench/
typecheck: install-dev
	$(BIN)/python .ci/typecheck
