# `make run`: install, ingest corpus/ and serve on http://127.0.0.1:8000 (embedded default, offline).
# `make test`: install with the test extras (and Debian's chromium, redis-server and postgresql) and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: install install-test run ingest serve test eval bench lint train train-saved-answers train-small-talk

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install torch==2.13.0  # the CPU build first, or a dependency pulls a multi-GB CUDA one
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -e '.[test,llm]'
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server)
	command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

ingest: install
	$(PY) ingest.py

serve: install
	$(VENV)/bin/assistant serve

run: ingest serve

test: install-test
	$(PY) -m pytest

eval: ingest
	$(PY) -m eval --baseline --html eval/reports/report.html --out eval/reports/results.json

bench: ingest
	$(PY) -m bench

# Retrain the shipped reader (assistant/models/reader/) from training/data: about 80 minutes on 2 cores.
train: install
	$(PIP) install -e '.[train]'
	$(PY) -m training.reader --seed 13

# Retrain the saved-answer matcher (assistant/models/saved-answers/) from training/data/staff-answers: about 30 minutes.
train-saved-answers: install
	$(PIP) install -e '.[train]'
	$(PY) -m training.saved_answers --seed 13

# Retrain the small-talk detector (assistant/models/small-talk/) from training/data: about a minute.
train-small-talk: install
	$(PIP) install -e '.[train]'
	$(PY) -m training.small_talk --seed 13

lint: install-test
	$(VENV)/bin/ruff check assistant eval tests bench ingest.py
	$(VENV)/bin/mypy assistant
