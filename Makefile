# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps its own venv.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 4010
VENV := .venv
FRAMEWORKS_VENV := .venv-frameworks
LEGACY_VENV := .venv-legacy
PIP_FLAGS := --quiet --disable-pip-version-check
# The older SDK majors that framework pins still pull in (wire-formats.md probed these).
LEGACY_SDKS := openai==1.90.0 anthropic==0.69.0
FRAMEWORKS := langchain-openai langchain-anthropic langchain-google-genai llama-index-llms-openai-like llama-index-llms-openai

# pip's output goes to a log that is shown only when it fails (this machine's pip config names find-links
# locations that do not exist, and pip warns "Location ... is ignored" for each).
PIP_INSTALL = pip install $(PIP_FLAGS)
QUIET_PIP = > $(@D)/pip.log 2>&1 || { grep -v 'is ignored' $(@D)/pip.log >&2; exit 1; }

.PHONY: run test test-main test-frameworks test-legacy check routes bench clean test-services

run: $(VENV)/.run-deps
	$(VENV)/bin/mockserver serve --host $(HOST) --port $(PORT) $(ARGS)

test: test-main test-frameworks test-legacy

test-main: $(VENV)/.test-deps test-services
	$(VENV)/bin/python -m pytest tests $(PYTEST_ARGS)

# The shared-state tests start a real redis-server (Debian's package) on an ephemeral port: install it when
# missing and we may (root with apt-get); otherwise those tests are skipped and say why.
test-services:
	@command -v redis-server >/dev/null 2>&1 || command -v valkey-server >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "make: installing redis-server with apt-get (for the shared-state tests)"; \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } \
	        > /tmp/mockserver-apt.log 2>&1 || echo "make: apt-get install redis-server failed (/tmp/mockserver-apt.log)"; \
	    else echo "make: redis-server is missing and cannot be installed here: the shared-state tests will skip"; fi; }

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
	$(VENV)/bin/$(PIP_INSTALL) -e . $(QUIET_PIP)
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	$(VENV)/bin/$(PIP_INSTALL) -e '.[test]' 'openai>=3' 'anthropic>=2' google-genai $(QUIET_PIP)
	touch $@

$(FRAMEWORKS_VENV)/.deps: pyproject.toml
	test -x $(FRAMEWORKS_VENV)/bin/python || $(PYTHON) -m venv $(FRAMEWORKS_VENV)
	$(FRAMEWORKS_VENV)/bin/$(PIP_INSTALL) -e '.[test]' $(FRAMEWORKS) $(QUIET_PIP)
	touch $@

$(LEGACY_VENV)/.deps: pyproject.toml
	test -x $(LEGACY_VENV)/bin/python || $(PYTHON) -m venv $(LEGACY_VENV)
	$(LEGACY_VENV)/bin/$(PIP_INSTALL) -e '.[test]' $(LEGACY_SDKS) $(QUIET_PIP)
	touch $@

clean:
	rm -rf $(VENV) $(FRAMEWORKS_VENV) $(LEGACY_VENV)
