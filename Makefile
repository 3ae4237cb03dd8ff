# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INSTANCE ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000
# the suite runs in parallel processes (pytest-xdist); every test has its own database, directory
# and loopback port; a file's tests stay in one process, in order (some files are one officer's
# season, step by step). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 3

.PHONY: venv run server app test test-fast lint bench stress clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,postgres]'
	@touch $(STAMP)

venv: $(STAMP)

## make run: embedded SQLite instance with the pilot forms and demo accounts, the sync server, the field app
run: $(STAMP)
	$(VENV)/bin/survey-server --instance $(INSTANCE) init-db
	$(VENV)/bin/survey-server --instance $(INSTANCE) seed-demo
	@echo "Sync server on http://$(HOST):$(PORT) (supervisor pages: /review)"
	@$(VENV)/bin/survey-server --instance $(INSTANCE) serve --host $(HOST) --port $(PORT) & \
	  server=$$!; trap "kill $$server 2>/dev/null" EXIT INT TERM; \
	  $(VENV)/bin/field-app --server http://$(HOST):$(PORT); \
	  kill $$server 2>/dev/null; wait $$server 2>/dev/null; true

server: $(STAMP)
	$(VENV)/bin/survey-server --instance $(INSTANCE) init-db
	$(VENV)/bin/survey-server --instance $(INSTANCE) seed-demo
	$(VENV)/bin/survey-server --instance $(INSTANCE) serve --host $(HOST) --port $(PORT)

app: $(STAMP)
	$(VENV)/bin/field-app --server http://$(HOST):$(PORT)

## make test: services (PostgreSQL, Chromium), lint, the whole suite
test: $(STAMP)
	@source scripts/test-services.sh && \
	  $(VENV)/bin/ruff check . && \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -x -q -m "not browser and not kivy and not postgres" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check . || true

bench: $(STAMP)
	@source scripts/test-services.sh && $(PY) -m bench.run_all

stress: $(STAMP)
	@source scripts/test-services.sh && $(PY) -m stress.run_all --long

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
