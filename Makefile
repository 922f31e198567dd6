# Hoa CRM. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROTOS := $(shell find protos -name '*.proto')
REGISTRY := protos/crm/events/v1/registry.toml
DEPS := $(VENV)/.deps-installed
GENERATED := crm/.generated
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.DEFAULT_GOAL := help
.PHONY: help setup proto migrate web browser image run mail-servers test test-chaos test-unit lint format bench clean

help: ## Show this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(DEPS): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(GENERATED): $(PROTOS) $(REGISTRY) $(DEPS)
	rm -rf crm
	PATH="$(VENV)/bin:$$PATH" \
		$(PY) -m grpc_tools.protoc -I protos --python_out=. --grpc_python_out=. --mypy_out=. --mypy_grpc_out=. $(PROTOS)
	cp protos/crm/events/v1/registry.toml crm/events/v1/
	find crm -type d -exec touch {}/__init__.py \;
	$(PY) -m pip install --quiet --no-deps -e .  # so that the `crm` console script sees crm/ too
	touch $@

setup: $(GENERATED) ## Virtualenv, dependencies and generated protobuf/gRPC code

proto: $(GENERATED) ## Generate protobuf/gRPC code from protos/

migrate: setup ## Bring every service's database to the newest schema
	$(PY) -m suite.cli migrate-all

WEB_SOURCES := $(shell find web/src web/locales -type f) web/index.html web/vite.config.js
WEB_BUILT := web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_BUILT): web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npx vite build --logLevel warn

web: $(WEB_BUILT) ## Build the browser UI (npm packages from the registry, bundled by Vite into web/dist)

browser: ## Install Debian's Chromium for the browser tests (driven by Playwright, not downloaded by it)
	@test -x /usr/bin/chromium || { \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-core \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-core; }; }

IMAGE ?= hoa-crm:local

image: ## Build the container image of every process (Docker with BuildKit): IMAGE=hoa-crm:local
	docker build -f deploy/Dockerfile -t $(IMAGE) .

run: setup web ## Start the whole suite with demo data; SCALE=contacts=2,deals=2 runs copies of a service's processes
	$(PY) -m suite.cli migrate-all
	$(PY) -m suite.cli bootstrap
	$(PY) -m suite.procfile --scale "$(SCALE)" --out var/Procfile --env-out var/scale.env
	$(VENV)/bin/honcho -f var/Procfile -d . -e var/scale.env start

mail-servers: ## Install dovecot's IMAP server for the mail tests (each test run starts its own)
	@dovecot --version >/dev/null 2>&1 || { \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y --no-install-recommends dovecot-imapd \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends dovecot-imapd; }; }

test: setup web mail-servers browser ## Run the whole test suite (unit, integration on PostgreSQL + RabbitMQ + dovecot, API fuzz, browser)
	$(PY) -m pytest

test-chaos: setup ## Fault tests: kill consumers, relays and service copies, restart RabbitMQ, cut PostgreSQL connections
	$(PY) -m pytest -m chaos tests/chaos -s

UNIT_TESTS := tests/contacts/unit tests/deals/unit tests/mail/unit tests/analytics/unit tests/crmkit tests/suite tests/web

test-unit: setup ## The service layers on fakes and the plumbing: no PostgreSQL, RabbitMQ, mail server or browser
	$(PY) -m pytest -m "not integration" $(UNIT_TESTS)

lint: setup ## The layer contracts (import-linter), ruff and mypy over the generated stubs
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy crmkit services gateway suite

format: setup ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup mail-servers ## Benchmarks: API vs bare Flask; 10,000 deals through stages; 100,000 ERP invoice lines; classification of 1,000,000 customers; funnel and bottlenecks over 1,000,000 deals; win model trained on 200,000 closed deals; win probability of a deal over HTTP; 10,000 mails imported over IMAP and sent over SMTP; one vs two copies of every process on the busiest path; the analytics consumer vs raw pika on 20,000 invoice events; My day in Chromium with 123 overdue tasks vs none
	$(PY) -m bench.api_bench
	$(PY) -m bench.deals_bench
	$(PY) -m bench.erp_bench
	$(PY) -m bench.classification_bench
	$(PY) -m bench.pipeline_bench
	$(PY) -m bench.win_model_bench
	$(PY) -m bench.win_probability_bench
	$(PY) -m bench.mail_bench
	$(PY) -m bench.consumer_bench
	$(PY) -m bench.scale_bench
	$(PY) -m bench.myday_bench

clean: ## Remove the virtualenv, generated code and local data
	rm -rf $(VENV) crm var .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
