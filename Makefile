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

.PHONY: run test test-main test-frameworks test-legacy check routes bench clean

run: $(VENV)/.run-deps
	$(VENV)/bin/mockserver serve --host $(HOST) --port $(PORT) $(ARGS)

test: test-main test-frameworks test-legacy

test-main: $(VENV)/.test-deps
	$(VENV)/bin/python -m pytest tests $(PYTEST_ARGS)

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
	$(VENV)/bin/pip install $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.run-deps
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' 'openai>=3' 'anthropic>=2' google-genai
	touch $@

$(FRAMEWORKS_VENV)/.deps: pyproject.toml
	test -x $(FRAMEWORKS_VENV)/bin/python || $(PYTHON) -m venv $(FRAMEWORKS_VENV)
	$(FRAMEWORKS_VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' $(FRAMEWORKS)
	touch $@

$(LEGACY_VENV)/.deps: pyproject.toml
	test -x $(LEGACY_VENV)/bin/python || $(PYTHON) -m venv $(LEGACY_VENV)
	$(LEGACY_VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]' $(LEGACY_SDKS)
	touch $@

clean:
	rm -rf $(VENV) $(FRAMEWORKS_VENV) $(LEGACY_VENV)
