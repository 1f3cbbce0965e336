# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps its own venv.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 4010
VENV := .venv
FRAMEWORKS_VENV := .venv-frameworks
LEGACY_VENV := .venv-legacy
PIP_FLAGS := --quiet --disable-pip-version-check
# This machine's pip configuration names find-links folders that do not exist; pip warns about each, every time.
PIP_FILTER := 2>&1 | sed '/^WARNING: Location .* is ignored/d'
# Debian's Chromium and its driver, for the dashboard's browser tests (installed when missing, else those skip).
BROWSER_PACKAGES := chromium chromium-driver
# The older SDK majors that framework pins still pull in (wire-formats.md probed these).
LEGACY_SDKS := openai==1.90.0 anthropic==0.69.0
FRAMEWORKS := langchain-openai langchain-anthropic langchain-google-genai llama-index-llms-openai-like llama-index-llms-openai

.PHONY: run test test-main test-frameworks test-legacy check routes bench clean browser

run: $(VENV)/.run-deps
	$(VENV)/bin/mockserver serve --host $(HOST) --port $(PORT) $(ARGS)

test: test-main test-frameworks test-legacy

test-main: $(VENV)/.test-deps browser
	$(VENV)/bin/python -m pytest tests $(PYTEST_ARGS)

browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing $(BROWSER_PACKAGES) for the dashboard's browser tests (log: $(VENV)/browser-install.log)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); } \
	    >$(VENV)/browser-install.log 2>&1 \
	    || echo "make: could not install them; the dashboard's browser tests will be skipped"; \
	else \
	  echo "make: no chromium / chromedriver and no apt-get as root: the dashboard's browser tests will be skipped"; \
	fi

test-frameworks: $(FRAMEWORKS_VENV)/.deps
	$(FRAMEWORKS_VENV)/bin/python -m pytest tests/frameworks $(PYTEST_ARGS)

test-legacy: $(LEGACY_VENV)/.deps
	$(LEGACY_VENV)/bin/python -m pytest tests/sdk $(PYTEST_ARGS)

check: $(VENV)/.run-deps
	$(VENV)/bin/mockserver check

routes: $(VENV)/.run-deps
	$(VENV)/bin/mockserver routes

# The mock against bare Starlette, steady and aimock (installs wrk and the npm peers when missing);
# e.g. make bench ARGS="--only chat,stream --seconds 5" (python bench/run.py --help); never part of make test.
bench: $(VENV)/.test-deps
	$(VENV)/bin/python bench/run.py $(ARGS)

$(VENV)/.run-deps: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	set -o pipefail; $(VENV)/bin/pip install $(PIP_FLAGS) -e . $(PIP_FILTER)
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	set -o pipefail; $(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' 'openai>=3' 'anthropic>=2' google-genai $(PIP_FILTER)
	touch $@

$(FRAMEWORKS_VENV)/.deps: pyproject.toml
	test -x $(FRAMEWORKS_VENV)/bin/python || $(PYTHON) -m venv $(FRAMEWORKS_VENV)
	set -o pipefail; $(FRAMEWORKS_VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' $(FRAMEWORKS) $(PIP_FILTER)
	touch $@

$(LEGACY_VENV)/.deps: pyproject.toml
	test -x $(LEGACY_VENV)/bin/python || $(PYTHON) -m venv $(LEGACY_VENV)
	set -o pipefail; $(LEGACY_VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' $(LEGACY_SDKS) $(PIP_FILTER)
	touch $@

clean:
	rm -rf $(VENV) $(FRAMEWORKS_VENV) $(LEGACY_VENV)
