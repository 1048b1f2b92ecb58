# Vigie: two commands on a fresh machine with Python 3.11+ and make.
#   make run   set up, migrate, load the seeds, create demo accounts (the editor owns a few
#              overdue commitments, alerts raised once), serve on 127.0.0.1:8000
#   make test  install the test tools and run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Development settings for `make run`; production sets its own environment instead.
RUN_ENV := DEBUG=1

.PHONY: run serve setup test lint check clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies change.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-app
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed-app
	mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_seeds
	$(RUN_ENV) $(BIN)/python manage.py create_demo_users
	$(RUN_ENV) $(BIN)/python manage.py demo_alerts

run: setup
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	SECRET_KEY=lint $(BIN)/python manage.py check
	SECRET_KEY=lint $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache

# Benchmark, not a test (bench/README.md): synthetic data at each size, every page measured under
# gunicorn against a fixed page, the alert job timed. `make bench SIZES=1000,10000`; PostgreSQL
# with DATABASE_URL=postgres://user@host:port/any (databases vigie_bench_<size> created there).
SIZES ?=

.PHONY: bench
bench: $(VENV)/.installed-app
	SIZES="$(SIZES)" $(BIN)/python -m bench

# --- Production -------------------------------------------------------------------------------
# These targets read their settings from the environment, never from this file: SECRET_KEY,
# ALLOWED_HOSTS, DATABASE_URL and the rest (every variable is listed in deploy/vigie.env.example).
# Load them first, e.g. `set -a; . /etc/vigie/vigie.env; set +a; make deploy-check`.
GUNICORN_WORKERS ?= 3
BACKUP_DIR ?= var/backups
# Left out of backups: rebuilt by `migrate` (content types, permissions), rebuilt by `make restore`
# from what they describe (search documents, keyed by commitment ids a restore renumbers), or not
# worth keeping (sessions, login-throttling counters and access log).
BACKUP_EXCLUDE := contenttypes auth.permission sessions accounts.usersession axes commitments.searchdocument
# YAML keeps times to the microsecond (Django's JSON rounds them to the millisecond).
BACKUP_FORMAT := yaml

.PHONY: deploy-check collectstatic migrate serve-prod backup restore

deploy-check: $(VENV)/.installed-app
	$(BIN)/python manage.py check --deploy --fail-level WARNING

collectstatic: $(VENV)/.installed-app
	$(BIN)/python manage.py collectstatic --noinput

migrate: $(VENV)/.installed-app
	$(BIN)/python manage.py migrate --noinput

serve-prod: $(VENV)/.installed-app
	$(BIN)/gunicorn tracker.wsgi:application --bind 127.0.0.1:8000 \
		--workers $(GUNICORN_WORKERS) --access-logfile - --error-logfile -

# Portable backup (SQLite or PostgreSQL, and from one to the other): every record and all
# history, users referred to by username and commitments, bodies and sources by their key.
backup: $(VENV)/.installed-app
	mkdir -p $(BACKUP_DIR)
	$(BIN)/python manage.py dumpdata --natural-foreign --natural-primary \
		$(addprefix --exclude ,$(BACKUP_EXCLUDE)) --format $(BACKUP_FORMAT) \
		--output $(BACKUP_DIR)/vigie-$(shell date +%Y%m%d-%H%M%S).$(BACKUP_FORMAT).gz
	@ls -t $(BACKUP_DIR)/vigie-*.gz | head -n 1

# Restore a backup into an EMPTY database: `make restore FILE=var/backups/vigie-….yaml.gz`.
restore: $(VENV)/.installed-app
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup.yaml.gz"; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py shell -c "import sys; from commitments.models import Commitment; \
		Commitment.objects.exists() and sys.exit('Refusing: the database already has data.')"
	SIMPLE_HISTORY_ENABLED=0 $(BIN)/python manage.py loaddata $(FILE)
	$(BIN)/python manage.py rebuild_search_index
	$(BIN)/python manage.py refresh_advocacy_facts
