# autolog monorepo: every target bootstraps .venv from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# Installed plugins: every plugins/<name>/ with a pyproject.toml, except the template.
PLUGINS := $(filter-out plugins/_template,$(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml)))
EXAMPLE_PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard examples/*/pyproject.toml))
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest -q --import-mode=importlib -p no:cacheprovider
# The real MLflow for the interop tests and benchmarks, in its own venv (never in .venv).
MLFLOW_VENV := bench/.mlflow-venv/.ready

.PHONY: install lint test interop demo bench bench-vs-mlflow team-demo bench-server bench-history bench-registry bench-projects bench-store bench-ui bench-serving clean chromium soak

# Examples install as users would (not editable), so their sources are part of the stamp too.
$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml) $(wildcard examples/*/pyproject.toml) \
		$(wildcard examples/*/autolog_*/*.py) Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# The CPU build of torch must come first: otherwise lightning pulls a multi-GB CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[test,server,lint]' $(foreach p,$(PLUGINS),-e '$(p)[test]') $(foreach p,$(EXAMPLE_PLUGINS),'./$(p)[test]')
	touch $(STAMP)

install: $(STAMP)

# Layers (.importlinter), ruff (lint and format check) and mypy: the plugins' and examples' sources
# come first on the path so their sources are checked, not installed copies.
LINT_PATH := $(subst $(eval) ,:,$(PLUGINS) plugins/_template $(EXAMPLE_PLUGINS))
lint: $(STAMP)
	PYTHONPATH=$(LINT_PATH) $(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy

test: lint $(STAMP) chromium $(MLFLOW_VENV)
	AUTOLOG_REQUIRE_MLFLOW=1 $(PYTEST) tests
	set -e; for p in $(PLUGINS) plugins/_template $(EXAMPLE_PLUGINS); do \
		if [ -d $$p/tests ]; then echo "== $$p"; $(PYTEST) $$p/tests; fi; \
	done
	$(MAKE) --no-print-directory interop

# MLflow's own REST tests (tests/tracking/test_rest_tracking.py, and test_model_registry.py when present)
# against `autolog server`, in the MLflow venv; expected failures with their reasons in
# interop/expected_failures.py (strict). MLflow's test files are not part of this repository: MLFLOW_TESTS is
# a folder holding MLflow's tests/ (a checkout of MLflow, or a copy of the files interop/README.md lists), by
# default bench/.mlflow-tests or the machine's cache ~/.cache/autolog/mlflow-tests (so a fresh clone on a
# machine that has them runs them); without them the target says so and does nothing.
MLFLOW_TESTS ?= $(or $(wildcard bench/.mlflow-tests),$(HOME)/.cache/autolog/mlflow-tests)
MLFLOW_TEST_FILES = $(patsubst $(MLFLOW_TESTS)/%,%,$(wildcard $(MLFLOW_TESTS)/tests/tracking/test_rest_tracking.py \
	$(MLFLOW_TESTS)/tests/tracking/test_model_registry.py))
interop: $(STAMP) $(MLFLOW_VENV)
	@if [ ! -f $(MLFLOW_TESTS)/tests/tracking/test_rest_tracking.py ]; then \
		echo "interop: skipped: no MLflow tests at $(MLFLOW_TESTS)/tests/tracking/test_rest_tracking.py (interop/README.md)"; \
	else \
		$(PY) -c "from bench.vs_mlflow import mlflow_test_python; mlflow_test_python()" && \
		cd $(MLFLOW_TESTS) && PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTHONPATH=$(CURDIR)/interop \
		AUTOLOG_PYTHON=$(CURDIR)/$(PY) $(CURDIR)/bench/.mlflow-venv/bin/python -m pytest -q -p no:cacheprovider \
		--noconftest -p autolog_interop -W ignore -rfEX --tb=short $(MLFLOW_TEST_FILES); \
	fi

# The UI tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium || { echo "installing chromium for the UI tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "warning: could not install chromium (not root?): the browser tests of the UI will be skipped"

demo: $(STAMP)
	cd examples && ../$(PY) quickstart.py

bench: $(STAMP)
	$(PY) -m bench.run
	AUTOLOG_DISABLED_PLUGINS=sklearn_confusion $(PY) -m bench.own_time

$(MLFLOW_VENV): | $(STAMP)
	$(PY) -c "from bench.vs_mlflow import mlflow_python; mlflow_python()"

bench-vs-mlflow: $(STAMP)
	$(PY) -m bench.vs_mlflow

# A team deployment on this machine: PostgreSQL, an S3-compatible server (moto), two autolog servers,
# eight clients training through both; checks everything arrived exactly once.
team-demo: $(STAMP)
	$(PY) -m bench.team

# autolog server next to mlflow server (SQLite, one worker): start, log-batch, get-history, runs, search.
bench-server: $(STAMP) $(MLFLOW_VENV)
	$(PY) -m bench.server

# The model registry of autolog server next to mlflow server (SQLite, one worker): create version,
# set alias, get by alias, search versions over 10,000 versions.
bench-registry: $(STAMP) $(MLFLOW_VENV)
	$(PY) -m bench.registry

# autolog models serve next to mlflow models serve, one sklearn model: cold start, 4 clients' single rows.
bench-serving: $(STAMP) $(MLFLOW_VENV)
	$(PY) -m bench.serving

# get-history of a 1,000,000-point metric through autolog server, client parse included (and MLflow's client).
bench-history: $(STAMP) $(MLFLOW_VENV)
	$(PY) -m bench.history

# The store alone: run creation, a search over 100,000 runs, a 1,000,000-point history (minutes).
bench-store: $(STAMP)
	$(PY) -m bench.store_search

# The web UI in Chromium on 100,000 runs and 10 x 100,000-step charts (issue 11's targets).
# Issue 23: what `autolog run URI` costs beside a direct run and `mlflow run` (AUTOLOG_BENCH_PROJECTS_BUILD=1
# adds the first build of an environment from the package index, minutes).
bench-projects: $(STAMP) $(MLFLOW_VENV)
	$(PY) -m bench.projects

bench-ui: $(STAMP) chromium
	$(PY) -m bench.ui

# Issue 14's long reliability runs (tens of minutes): 10,000 fits in one process, 20 SIGKILLs, 8 threads +
# 4 processes x 10,000 points into SQLite, PostgreSQL (a throwaway server when its binaries exist) and a
# restarted server, then the property tests with many more examples; prints the figures as a table.
soak: $(STAMP)
	$(PY) -m bench.soak --server $$($(PY) -c "import sys; sys.path.insert(0, 'tests'); from postgres_support import find_bindir; print('--with-postgres' if find_bindir() else '')")
	HYPOTHESIS_PROFILE=soak $(PYTEST) tests/reliability/test_hostile_input.py tests/reliability/test_hostile_rest.py

clean:
	rm -rf $(VENV) autologruns
