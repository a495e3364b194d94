# The interface to the project: CI calls the same targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311     ?= python3.11
# python3.10 from PATH when it really runs (a pyenv shim may exist without the version), else pyenv's.
PY310     ?= $(shell python3.10 -c 'import sys' >/dev/null 2>&1 && command -v python3.10 || echo /root/.pyenv/versions/3.10.13/bin/python)
VENV      := .venv
RASA_VENV := .venv-rasa
BIN       := $(VENV)/bin
RASA_BIN  := $(RASA_VENV)/bin
NLU       ?= tests/nlu/holdout.yml

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup redis train up down test test-unit test-integration test-rasa test-scenarios \
        nlu-gate lint bench nlu-eval nlu-cv demo drill clean

help:
	@echo "make demo        set up everything and run the demo (the first command to try)"
	@echo "make test        set up everything and run every test tier"
	@echo "make setup       create .venv (worker) and .venv-rasa (Rasa 3.6, Python 3.10)"
	@echo "make train       train the Rasa model when data or configuration changed"
	@echo "make up / down   start / stop Redis, the Rasa server and the action server"
	@echo "make lint        ruff + mypy --strict"
	@echo "make bench       benchmarks; writes reports/bench.json"
	@echo "make drill       every fault drill, long variants too (docs/drills.md)"
	@echo "make nlu-eval NLU=file   rasa test nlu on a file; reports under reports/nlu/"
	@echo "make nlu-gate    fail when held-out macro-F1 drops below tests/nlu/baseline.json"
	@echo "make nlu-cv      5-fold cross-validation on nlu/; reports under reports/nlu-cv/"

setup: $(VENV)/.done $(RASA_VENV)/.done

# The stamp depends on the file that pins the environment: editing it rebuilds, nothing else does.
$(VENV)/.done: pyproject.toml
	test -x $(BIN)/python || $(PY311) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(RASA_VENV)/.done: requirements-rasa.txt
	test -x $(RASA_BIN)/python || $(PY310) -m venv $(RASA_VENV)
	$(RASA_BIN)/pip install --quiet --disable-pip-version-check -r requirements-rasa.txt
	touch $@

redis:
	@scripts/ensure-redis

train: setup
	@scripts/train
	@scripts/train-guard

# Without a .env (and no OZONBOT_ENV_FILE), `make up` uses the sandbox profile, as `make demo`.
PROFILE   := $(if $(wildcard .env),.env,config/sandbox.env)

up: setup redis train
	OZONBOT_ENV_FILE=$${OZONBOT_ENV_FILE:-$(PROFILE)} $(BIN)/ozonbot services up

down:
	@test -x $(BIN)/ozonbot && OZONBOT_ENV_FILE=$${OZONBOT_ENV_FILE:-$(PROFILE)} \
	  $(BIN)/ozonbot services down || true

lint: setup
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	@# The Rasa side (policies/, tests/rasa/) runs on Python 3.10 against Rasa's own packages.
	$(BIN)/ruff check --target-version py310 policies tests/rasa scripts/tune_fallback.py
	$(BIN)/ruff format --check policies tests/rasa scripts/tune_fallback.py
	$(BIN)/mypy --config-file tests/rasa/mypy.ini --python-executable $(RASA_BIN)/python \
	  policies tests/rasa scripts/tune_fallback.py

test: setup redis train
	@scripts/run-tests

test-unit: $(VENV)/.done redis
	$(BIN)/pytest -q tests/unit

# Fault drills (docs/drills.md): real worker processes against the emulator, a fake Telegram, a
# Rasa stand-in and real Redis. CI runs the short ones (scripts/run-tests); this runs all of them.
drill: setup redis train
	OZONBOT_ENV_FILE=config/sandbox.env PYTHONPATH=$(CURDIR) $(BIN)/pytest -q -p no:cacheprovider tests/drills

nlu-eval: setup train
	@scripts/nlu-eval $(NLU)

nlu-cv: setup
	@scripts/nlu-cv

# The NLU regression gate: macro-F1 on tests/nlu/holdout.yml against tests/nlu/baseline.json.
nlu-gate: setup train
	@scripts/nlu-gate

bench: setup redis train
	$(BIN)/python -m bench

demo: setup redis train
	$(BIN)/ozonbot demo

clean:
	rm -rf reports .run .pytest_cache .mypy_cache .ruff_cache
