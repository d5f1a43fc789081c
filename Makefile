# yiwang — `make demo` runs the platform, `make test` runs lint and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/yiwang
REDIS_URL ?= redis://127.0.0.1:6379
TEST_ENV := YIWANG_VAR_DIR=var/test YIWANG_DEBUG=1 YIWANG_TASKS_URL="sqlite:///{var}/tasks.sqlite3" YIWANG_CACHE_URL=locmem://
# Test workers count Redis databases down from these (gw1 uses 14 and 12): tasks and cache must
# not meet, or one worker's cache FLUSHDB wipes the other's task queue.
PG_ENV := YIWANG_VAR_DIR=var/test-pg YIWANG_DEBUG=1 YIWANG_DATABASE_URL=$(PG_URL) YIWANG_TASKS_URL=$(REDIS_URL)/15 YIWANG_CACHE_URL=$(REDIS_URL)/13
PYTEST_ARGS ?=
# The suite runs on two workers (pytest-xdist; each has its own var dir, task queue name and
# cache key prefix, see yiwang.config.test_worker); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2

.PHONY: help venv demo serve test test-pg lint check-migrations pytest messages system-deps bench-worktime clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install pinned dependencies

demo: $(STAMP) ## set up (migrate, seed the demo city) and serve web + worker on :$(PORT)
	PORT=$(PORT) $(BIN)/yiwang demo --port $(PORT)

serve: $(STAMP) ## serve web + worker without seeding
	PORT=$(PORT) $(BIN)/yiwang serve --port $(PORT)

lint: $(STAMP) ## ruff + import-linter
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	PYTHONPATH=src $(BIN)/lint-imports

check-migrations: $(STAMP) ## fail if models changed without a migration
	$(TEST_ENV) $(BIN)/yiwang manage makemigrations --check --dry-run

system-deps: ## install Debian's chromium, CJK fonts and gettext for the tests when missing
	@missing=""; \
	  [ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-noto-cjk"; \
	  command -v xgettext >/dev/null || missing="$$missing gettext"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "Installing Debian packages for the tests:$$missing"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else \
	      echo "make test needs Debian packages:$$missing — run 'sudo apt-get install$$missing'"; exit 1; \
	    fi; \
	  fi

pytest: $(STAMP) system-deps
	@mkdir -p var/test
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint check-migrations pytest ## lint, migration check and the whole suite on SQLite

test-pg: $(STAMP) system-deps ## the whole suite on PostgreSQL with Redis-backed tasks and cache
	@mkdir -p var/test-pg
	$(PG_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

messages: $(STAMP) ## extract and compile the zh-hans translation catalogue
	cd src/yiwang && mkdir -p locale && env -u DJANGO_SETTINGS_MODULE ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --ignore '*/migrations/*' && env -u DJANGO_SETTINGS_MODULE ../../$(BIN)/django-admin compilemessages -l zh_Hans

bench-worktime: $(STAMP) ## run the worktime benchmark
	$(BIN)/yiwang bench worktime

clean: ## remove the virtualenv and local state
	rm -rf $(VENV) var
