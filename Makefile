# Waypoint: `make run` (embedded: SQLite, filesystem broker, demo data) and `make test`.
#
# Works on a bare Debian 12 with Python 3.11: the virtualenv is created on first use and
# reinstalled from the hash-pinned lock only when requirements.lock changes (stamp file).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed-from-lock
CREDENTIALS := var/demo-credentials.json
HOST := 127.0.0.1
PORT := 8000
PYTEST_ARGS ?=

.PHONY: help install gettext messages run demo-codes test lint deploy-check deploy-test pytest bench loadtest

help:
	@echo "make run         set up (venv, translations, SQLite, demo data) and serve at http://$(HOST):$(PORT)/"
	@echo "make test        lint (ruff, import layers, mypy), migrations check, check --deploy, the whole suite"
	@echo "make deploy-test start the production stack from deploy/ (nginx, gunicorn x2, Celery) and check it"
	@echo "make bench       run every tests/benchmarks/bench_*.py (PostgreSQL)"
	@echo "make loadtest    caseworkers (locust) against the deploy-test stack with 100,000 cases"
	@echo "make demo-codes  print the current TOTP code of every demo persona"

# --- Environment ---------------------------------------------------------------------------

$(PY):
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing python3-venv with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else \
	    echo "The venv module is missing: run 'sudo apt-get install python3-venv' and try again."; \
	    exit 1; \
	  fi; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(PY)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

install: $(STAMP)

# Django's compilemessages needs msgfmt (GNU gettext). Only .po files are committed.
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing gettext (msgfmt) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
	  else \
	    echo "msgfmt is missing: run 'sudo apt-get install gettext' and try again."; \
	    exit 1; \
	  fi; }

messages: install gettext
	@$(MANAGE) compilemessages --ignore '$(VENV)' --ignore 'node_modules' --verbosity 0

# --- make run --------------------------------------------------------------------------------

run: install messages
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) seed_demo --credentials $(CREDENTIALS)
	$(MANAGE) refresh_stats
	@# One reminder scan now (beat's first comes after 5 minutes): the demo deadline due
	@# today is e-mailed to the console by the worker started below.
	$(MANAGE) send_reminders
	@echo
	@echo "  Waypoint is starting at   http://$(HOST):$(PORT)/"
	@echo "  Demo logins (mode 0600):  $(CURDIR)/$(CREDENTIALS)"
	@echo "  Current demo TOTP codes:  make demo-codes"
	@echo "  Stop with Ctrl-C (stops the web server and the Celery worker)."
	@echo
	@mkdir -p var/celery
	@worker=; \
	stop() { if [ -n "$$worker" ]; then kill -TERM "$$worker" 2>/dev/null; wait "$$worker" 2>/dev/null; fi; }; \
	trap stop EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/celery -A config worker -B --loglevel=INFO --concurrency=2 \
	  --schedule=var/celery/beat-schedule & worker=$$!; \
	$(MANAGE) runserver $(HOST):$(PORT)

demo-codes: install
	@test -f $(CREDENTIALS) || { echo "No $(CREDENTIALS) yet: run 'make run' first."; exit 1; }
	@$(PY) -c "import base64, json, sys; from django_otp.oath import totp; \
	people = json.load(open(sys.argv[1], encoding='utf-8')); \
	pad = lambda s: s + '=' * (-len(s) % 8); \
	[print('%-40s %06d' % (p['email'], totp(base64.b32decode(pad(p['totp_secret']))))) for p in people]" \
	  $(CREDENTIALS)

# --- make test -------------------------------------------------------------------------------

test: install messages lint deploy-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(MANAGE) makemigrations --check --dry-run
	@# The API's OpenAPI schema validates, without a single generator warning.
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null

# Production settings with throwaway secrets in a temporary directory: proves that a correctly
# configured production deployment passes `check --deploy` without a single warning.
deploy-check: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > "$$tmp/secret_key"; \
	$(MANAGE) generate_keyring > "$$tmp/keyring.json"; \
	chmod 600 "$$tmp/secret_key" "$$tmp/keyring.json"; \
	echo "manage.py check --deploy --fail-level WARNING (WAYPOINT_ENV=production)"; \
	env -u SECRET_KEY -u WAYPOINT_KEYRING -u DEBUG \
	  -u DATABASE_URL_FILE -u REDIS_URL_FILE -u EMAIL_URL_FILE \
	  WAYPOINT_ENV=production WAYPOINT_VAR_DIR="$$tmp" \
	  SECRET_KEY_FILE="$$tmp/secret_key" WAYPOINT_KEYRING_FILE="$$tmp/keyring.json" \
	  DATABASE_URL=postgres://waypoint@127.0.0.1:5432/waypoint \
	  REDIS_URL=redis://127.0.0.1:6379/0 \
	  EMAIL_URL=smtp://127.0.0.1:587 \
	  ALLOWED_HOSTS=waypoint.example.org \
	  $(MANAGE) check --deploy --fail-level WARNING

# The production stack from deploy/ on this machine, without containers: throwaway database
# (DEPLOY_TEST_DB_PREFIX_*), Redis database (DEPLOY_TEST_REDIS_URL, emptied), certificate and
# secrets; nginx (Debian's), two gunicorn nodes, Celery worker and beat, an SMTP sink. Checked
# over HTTPS, then every process is stopped by pid (deploy/test/deploy_test.py).
DEPLOY_TEST_DB_PREFIX ?= wp_deploytest
DEPLOY_TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

deploy-test: install messages
	PY=$(PY) DEPLOY_TEST_DB_PREFIX=$(DEPLOY_TEST_DB_PREFIX) DEPLOY_TEST_REDIS_URL=$(DEPLOY_TEST_REDIS_URL) \
	  deploy/test/deploy-test.sh

# The whole suite, browser tests included. pytest exits 5 when it collects nothing, so an
# empty run fails here too.
pytest: install messages
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks are scripts (tests/benchmarks/bench_*.py, run as modules) that print their own
# numbers. They need PostgreSQL and use a database of their own, which they may re-create.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wp_bench

bench: install messages
	@files=$$(find tests/benchmarks -name 'bench_*.py' 2>/dev/null | sort); \
	if [ -z "$$files" ]; then echo "No benchmarks found under tests/benchmarks/ (bench_*.py)."; exit 1; fi; \
	for file in $$files; do \
	  module=$$(echo "$${file%.py}" | tr / .); \
	  echo "== $$module"; \
	  DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) -m "$$module" || exit 1; \
	done

# Load: caseworkers (deploy/loadtest/locustfile.py, headless locust) against the production
# stack of deploy-test filled with LOADTEST_CASES cases, at each of LOADTEST_USERS users for
# LOADTEST_DURATION; prints requests/s and p50/p95 per page. A benchmark: not in `make test`.
LOADTEST_DB_PREFIX ?= wp_loadtest
LOADTEST_REDIS_URL ?= redis://127.0.0.1:6379/13
LOADTEST_CASES ?= 100000
LOADTEST_USERS ?= 10,50
LOADTEST_DURATION ?= 60s

loadtest: install messages
	LOADTEST_DB_PREFIX=$(LOADTEST_DB_PREFIX) LOADTEST_REDIS_URL=$(LOADTEST_REDIS_URL) \
	  LOADTEST_CASES=$(LOADTEST_CASES) LOADTEST_USERS=$(LOADTEST_USERS) \
	  LOADTEST_DURATION=$(LOADTEST_DURATION) $(PY) deploy/loadtest/run.py
