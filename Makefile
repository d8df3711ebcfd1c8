# The one task runner: developers and CI (.ci/run) use the same targets.
#   make setup      virtualenv in .venv from the hashed requirements.lock (re-runs are no-ops)
#   make test       lint + typecheck + imports + pytest (all of them run; fails if any failed)
#   make run        migrate the database and serve on http://0.0.0.0:8000
#   make fmt        format and apply safe lint fixes
#   make lock       re-resolve requirements.lock after editing dependencies in pyproject.toml
#   make clean      remove caches and build leftovers (keeps .venv and the database in var/)
#   make bench      webhook throughput/latency of whole calls vs a bare FastAPI endpoint (needs wrk)
#   make bench-metrics  GET /api/metrics with 100,000 and 1,000,000 calls stored, SQLite and PostgreSQL
#   make bench-info GET /api/info-scripts?q=… with 5,000 info scripts stored, SQLite and PostgreSQL
#   make soak       bounded soak test of the webhooks on 127.0.0.1 (SOAK_MINUTES=10, SOAK_RPS=make bench's rate)
#   (bench, bench-metrics and soak are not run by CI; BENCH_ARGS passes options, e.g. --database sqlite)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

# Tools, overridable (the tooling tests substitute stand-ins to check the targets' logic).
RUFF ?= $(BIN)/ruff
MYPY ?= $(BIN)/mypy
LINT_IMPORTS ?= $(BIN)/lint-imports
PYTEST ?= $(BIN)/pytest
IVR ?= $(BIN)/ivr

PACKAGES := ivr api console cli service routing messages schedules config agents calls staffing calllog outbound complaints escalations infoscripts planning database simulator bench
# Only packages that exist yet, so that the checks run on a partly written tree.
EXISTING_PACKAGES = $(patsubst %/__init__.py,%,$(wildcard $(addsuffix /__init__.py,$(PACKAGES))))
TYPED = $(EXISTING_PACKAGES) $(wildcard app.py) $(wildcard tests) \
	$(wildcard alembic/env.py alembic/versions/*.py)

# pytest's workers (pytest-xdist): one per core by default; each test file runs whole on one
# worker, so that a module's service process or browser starts once. 0: all in one process.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
# Prerequisite of every check; `make SETUP= lint` uses tools installed some other way.
SETUP ?= setup
HOST ?= 0.0.0.0
PORT ?= 8000
SOAK_MINUTES ?= 10
SOAK_RPS ?=
BENCH_ARGS ?=

.PHONY: setup test lint typecheck imports pytest fmt run bench bench-metrics bench-info soak lock clean

setup: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  if command -v python3.11 >/dev/null; then py=python3.11; \
	  elif python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then py=python3; \
	  else echo "Python 3.11 is required: neither python3.11 nor python3 is 3.11" >&2; exit 1; fi; \
	  echo "$$py -m venv $(VENV)"; "$$py" -m venv $(VENV); \
	fi
	$(BIN)/pip install --require-hashes -r $(LOCK)
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	touch $@

# Every check runs even when an earlier one fails, so one run shows everything to fix.
test: $(SETUP)
	@failed=""; \
	for check in lint typecheck imports pytest; do \
	  $(MAKE) --no-print-directory $$check || failed="$$failed $$check"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed" >&2; exit 1; fi

lint: $(SETUP)
	$(RUFF) check .
	$(RUFF) format --check .

typecheck: $(SETUP)
	$(MYPY) --strict $(TYPED)

imports: $(SETUP)
	$(LINT_IMPORTS)

# pytest exits 5 when it collected no tests: a run that tested nothing is a failure.
pytest: $(SETUP)
	@status=0; $(PYTEST) -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; fi; \
	exit $$status

fmt: $(SETUP)
	$(RUFF) format .
	$(RUFF) check --fix .

run: $(SETUP)
	mkdir -p var
	$(IVR) db upgrade
	@echo
	@echo "Serving on http://$(HOST):$(PORT) (database: $${DATABASE_URL:-sqlite:///var/ivr.sqlite3}). Try:"
	@echo "  curl http://localhost:$(PORT)/health"
	@echo "  Twilio webhook for the citizen line: POST http://localhost:$(PORT)/twilio/voice (signed)"
	@echo "  $(IVR) check-config config/helpdesk.yaml"
	@echo '  $(IVR) simulate --helpdesk voorkempen --at "2026-12-02 10:00" --agents 1 --brief'
	@echo "  (to see the whole call without Twilio; README.md has more examples)"
	@echo
	$(IVR) serve --host $(HOST) --port $(PORT)

# The benchmarks start their own service (uvicorn, one worker per core) on a free port of
# 127.0.0.1 with throw-away databases: SQLite files and databases created on the PostgreSQL of
# BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test). They print
# medians and the ratio to the baseline measured in the same run, and fail when a target is missed.
bench: $(SETUP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk (or brew install wrk)" >&2; exit 1; }
	$(BIN)/python -m bench.webhooks $(BENCH_ARGS)

bench-metrics: $(SETUP)
	$(BIN)/python -m bench.metrics $(BENCH_ARGS)

bench-info: $(SETUP)
	$(BIN)/python -m bench.info_search $(BENCH_ARGS)

# Half the maximum rate: SOAK_RPS is make bench's whole-call mix requests/s on this machine
# (without it a short ramp finds a rate). Fractions of a minute (SOAK_MINUTES=0.5) make a smoke check.
soak: $(SETUP)
	@command -v wrk >/dev/null || [ -n "$(SOAK_RPS)" ] || { echo "make soak needs wrk to measure the maximum rate, or SOAK_RPS" >&2; exit 1; }
	$(BIN)/python -m bench.soak --minutes $(SOAK_MINUTES) $(if $(SOAK_RPS),--rps $(SOAK_RPS))

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o $(LOCK)

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .import_linter_cache build dist *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
