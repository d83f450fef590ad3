# make run           set up, migrate, load the demo data and serve http://127.0.0.1:8000
# make test          lint, check-migrations, check-deploy, pytest (DATABASE_URL picks the database)
# make check-deploy  `check --deploy` with the production settings and example environment variables
# make bench         time posting a 1,000-line item journal and a 50-line Post (Ship) on the configured database
# make bench-availability  FactBox, Reservation page, Reserve, a line edit and the order card on a large data set
# make serve         production server: migrate, collectstatic, gunicorn (config.settings.production, DATABASE_URL)
# make smoke         start `make serve` on a fresh PostgreSQL database, sign in and fetch a page over HTTP
# make load          load test: gunicorn on a fresh PostgreSQL database, locust headless, check_invariants

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
BENCH_ARGS ?= --lines 1000 --repeat 5
AVAILABILITY_ARGS ?=
# make serve: where gunicorn listens and how many worker processes it runs (about 2 per core).
SERVE_ADDR ?= 127.0.0.1:8000
SERVE_WORKERS ?= 4
# make load: simulated users, how long, and the PostgreSQL database it drops and creates each run.
LOAD_USERS ?= 50
LOAD_TIME ?= 90s
LOAD_DATABASE_URL ?= postgres://app:app@127.0.0.1:5432/app_load
SMOKE_DATABASE_URL ?= postgres://app:app@127.0.0.1:5432/app_smoke

# Stamp files: pip runs again only when a requirements file is newer than its stamp.
RUNTIME_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
LOAD_STAMP := $(VENV)/.installed-requirements-load

# Example production environment for the deploy check: nothing here is a real secret.
DEPLOY_ENV := DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=check-deploy-only-7f3a9c1e5b8d2f4a6c0e9b7d3f1a5c8e2b4d6f0a9c7e3b1d5f \
	DJANGO_ALLOWED_HOSTS=example.com \
	DATABASE_URL=postgres://app:app@127.0.0.1:5432/app

.PHONY: run test lint check-migrations check-deploy pytest bench bench-availability serve smoke load

run: $(RUNTIME_STAMP)
	$(MANAGE) migrate
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:8000

# The steps run in this order and stop at the first failure; `make -k test` runs them all regardless.
test: lint check-migrations check-deploy pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

check-migrations: $(DEV_STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

check-deploy: $(RUNTIME_STAMP)
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING

pytest: $(DEV_STAMP)
	$(BIN)/pytest

bench: $(RUNTIME_STAMP)
	$(MANAGE) migrate
	$(MANAGE) bench_journal $(BENCH_ARGS)
	$(MANAGE) bench_shipping --lines 50 --repeat 7

# Issue 10's figures: 10,000 entries, then 1,000,000 compared with it (each in a database of its own:
# the data sets are append-only). Set BENCH_SMALL_DATABASE_URL and BENCH_LARGE_DATABASE_URL, or run one
# size on the configured database with AVAILABILITY_ARGS (see manage.py bench_availability --help).
bench-availability: $(RUNTIME_STAMP)
ifdef BENCH_SMALL_DATABASE_URL
	DATABASE_URL=$(BENCH_SMALL_DATABASE_URL) $(MANAGE) migrate -v0
	DATABASE_URL=$(BENCH_SMALL_DATABASE_URL) $(MANAGE) bench_availability --entries 10000 --hot-entries 2000 \
		--items 500 --sales-lines 5000 --assembly-orders 1000 --save .bench-small.json $(AVAILABILITY_ARGS)
	DATABASE_URL=$(BENCH_LARGE_DATABASE_URL) $(MANAGE) migrate -v0
	DATABASE_URL=$(BENCH_LARGE_DATABASE_URL) $(MANAGE) bench_availability --compare .bench-small.json $(AVAILABILITY_ARGS)
else
	$(MANAGE) migrate -v0
	$(MANAGE) bench_availability $(AVAILABILITY_ARGS)
endif

# Production settings need DATABASE_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (environment or .env).
# No control socket: gunicorn 27 puts it at one path per user (~/.gunicorn/gunicorn.ctl), so two servers
# on one machine (the smoke and load tests, several checkouts) would take it from each other.
serve: PROD := DJANGO_SETTINGS_MODULE=config.settings.production
serve: $(RUNTIME_STAMP)
	$(PROD) $(MANAGE) migrate --noinput
	$(PROD) $(MANAGE) collectstatic --noinput -v0
	$(PROD) exec $(BIN)/gunicorn config.wsgi --bind $(SERVE_ADDR) --workers $(SERVE_WORKERS) \
		--access-logfile - --no-control-socket

smoke: $(RUNTIME_STAMP)
	$(BIN)/python load/smoke.py --database-url $(SMOKE_DATABASE_URL)

load: $(LOAD_STAMP)
	$(BIN)/python load/run.py --users $(LOAD_USERS) --time $(LOAD_TIME) --database-url $(LOAD_DATABASE_URL)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=python3.x)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

# requirements-load.txt includes requirements.txt as well.
$(LOAD_STAMP): requirements.txt requirements-load.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-load.txt
	touch $(RUNTIME_STAMP) $@

# requirements-dev.txt includes requirements.txt, so this install satisfies both stamps.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $(RUNTIME_STAMP) $@
