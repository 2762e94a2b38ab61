# planmap — the two commands a newcomer needs:
#   make run    set everything up (venv, deps, PostGIS, database, migrations, seed) and serve
#   make test   the same setup, then lint, type-check and the whole test suite
# Both are idempotent. With DATABASE_URL unset, a private PostgreSQL cluster is started on
# 127.0.0.1:55432 (see scripts/pgcluster.sh); the system cluster is never touched.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

ifeq ($(origin DATABASE_URL), undefined)
PRIVATE_DB := 1
export DATABASE_URL := postgresql+psycopg://postgres@127.0.0.1:$(or $(PLANMAP_PG_PORT),55432)/planmap
endif

.PHONY: help run test lint db postgis chromium fonts poppler cluster cluster-stop venv clean bench soak

help:
	@echo "make run    set up and serve planmap on http://127.0.0.1:8000"
	@echo "make test   set up and run lint, type checks and the test suite"
	@echo "make lint   ruff and mypy only"
	@echo "make bench  planmap vs tipg vs pygeoapi at 1k/100k/1M projects, 3 alternating rounds (BENCH_SIZES=\"1000 100000\" to choose; ~40 min)"
	@echo "make soak   minutes of mixed load (wrk) with errors, latency and memory -> soak/RESULTS.md (SOAK_MINUTES=5)"
	@echo "make cluster-stop   stop the private PostgreSQL cluster"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

postgis:
	@scripts/ensure-postgis.sh

chromium:
	@scripts/ensure-chromium.sh

fonts:
	@scripts/ensure-fonts.sh

poppler:
	@scripts/ensure-poppler.sh

cluster: postgis
ifdef PRIVATE_DB
	@scripts/pgcluster.sh start
else
	@echo "database: using DATABASE_URL from the environment"
endif

cluster-stop:
	@scripts/pgcluster.sh stop

db: venv cluster fonts
	$(BIN)/planmap db create
	$(BIN)/planmap db upgrade
	$(BIN)/planmap seed

# The notification worker runs beside the server and stops with it (Ctrl-C or serve exiting).
run: db
	$(BIN)/planmap worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/planmap serve

lint: venv
	$(BIN)/ruff check app tests migrations bench soak
	$(BIN)/ruff format --check app tests migrations bench soak
	$(BIN)/mypy app

# Three workers on two cores: most of the suite's time is spent waiting on Chromium, served apps and PostGIS,
# not on the CPU. Each worker has its own throwaway databases; tests of one module stay on one worker
# (--dist loadscope), so module fixtures are built once. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 3
test: venv cluster chromium fonts poppler lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# Not part of `make test`: minutes of load on both cores. Writes bench/RESULTS.md (see bench/run.py).
BENCH_SIZES ?= 1000 100000 1000000
bench: venv cluster
	$(BIN)/python bench/run.py --sizes "$(BENCH_SIZES)"

# Not part of `make test`: SOAK_MINUTES (default 5) of mixed load from wrk on 127.0.0.1; writes soak/RESULTS.md.
SOAK_MINUTES ?= 5
soak: venv cluster
	@scripts/ensure-wrk.sh
	SOAK_MINUTES=$(SOAK_MINUTES) $(BIN)/python soak/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
