# Absher platform — run `make help` for the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

install: $(VENV)/.installed ## Create the virtual environment and install the platform with its tools (and axe-core when npm is present)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else echo "npm not found: the accessibility browser tests will skip (or fail with REQUIRE_BROWSER=1)"; fi

run: install ## Serve the platform with demo data on http://$(HOST):$(PORT) (SQLite, in-process jobs, outbox SMS)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	CARD_GATEWAY_API_URL=http://$(HOST):$(PORT)/sandbox-gateway/ $(PY) manage.py runserver $(HOST):$(PORT)

test: install lint ## Run the whole test suite (DATABASE_URL / REDIS_URL when set, else SQLite and local memory)
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(PY) scripts/compile_messages.py --check
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff, mypy, bandit (medium+) and pip-audit (skipped offline unless REQUIRE_PIP_AUDIT=1)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy absher
	$(VENV)/bin/bandit -q -r absher sandbox_gateway config --severity-level medium
	$(PY) scripts/dependency_audit.py

format: install ## Format and auto-fix the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install ## Extract and compile translations (Arabic and English)
	cd absher && for app in */; do \
		if [ -d "$$app/locale" ]; then (cd $$app && ../../$(PY) ../../manage.py makemessages -l ar -l en --no-obsolete >/dev/null); fi; \
	done
	$(PY) scripts/compile_messages.py

worker: install ## Run a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install ## Run Celery beat (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

prodlike: install ## The production shape on loopback: nginx, two gunicorn app servers, Celery worker and beat (scripts/prodlike start|stop|status)
	scripts/prodlike start

bench: install ## Every benchmark against the prodlike stack, printed as one table (needs wrk; bench/README.md)
	$(PY) bench/run.py

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var staticfiles

.PHONY: help install run test lint format messages worker beat prodlike bench clean
