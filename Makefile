# geoservice: `make run` brings everything up and serves the app; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GS := $(BIN)/geoservice
PYTEST_ARGS ?=

ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: help run test stop db migrate demo serve lint typecheck bench screenshots clean

help:
	@echo "make run         install what is missing, start PostGIS, migrate, load demo data, serve"
	@echo "make test        the same set-up, then the whole test suite on a disposable database"
	@echo "make stop        stop the private PostgreSQL cluster and background services"
	@echo "make lint        ruff and mypy"
	@echo "make bench       benchmarks (see bench/README.md)"
	@echo "make screenshots regenerate docs/screenshots/"

var/.system-run: scripts/system-deps.sh
	@bash scripts/system-deps.sh run
	@mkdir -p var && touch $@

var/.system-test: var/.system-run scripts/system-deps.sh
	@bash scripts/system-deps.sh test
	@touch $@

var/.system-bench: var/.system-run scripts/system-deps.sh
	@bash scripts/system-deps.sh bench
	@touch $@

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "» installing the Python package into .venv"
	@$(BIN)/pip install -q -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "» installing front-end packages (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: var/.system-run $(VENV)/.installed node_modules/.installed
	@bash scripts/kernel.sh

db: var/.system-run
ifeq ($(GEOSERVICE_DATABASE_URL),)
	@bash scripts/pg.sh start
endif

migrate: setup db
	@$(GS) db migrate

demo: migrate
	@$(GS) demo load --quiet

run: demo
	@echo "» serving on http://$${GEOSERVICE_HOST:-127.0.0.1}:$${GEOSERVICE_PORT:-8000}  (Ctrl+C stops)"
	@bash scripts/run-services.sh

test: var/.system-test setup db
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

stop:
	-@bash scripts/run-services.sh stop
	@bash scripts/pg.sh stop

lint:
	$(BIN)/ruff check geoservice tests
	$(BIN)/mypy geoservice

bench: setup db var/.system-bench
	@$(BIN)/python -m bench

screenshots: var/.system-test setup db
	@$(BIN)/python -m pytest tests/web -m browser -k screenshots --screenshots

clean: stop
	rm -rf var $(VENV) node_modules
