# The two commands of the README: `make run` and `make test`. Both create .venv on first use.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The Matrix tests run a real Synapse homeserver; it lives in its own venv with its own pins.
SYNAPSE_VENV ?= .venv-synapse
SYNAPSE_VERSION ?= 1.163.2
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed-$(SYNAPSE_VERSION)
# The browser test drives Debian's chromium (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
BROWSER := $(if $(filter skip,$(ENGAGE_TEST_BROWSER)),,$(CHROMIUM))

.PHONY: run test bench lint format messages clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(CHROMIUM):
	@command -v apt-get >/dev/null 2>&1 || { echo "Install Chromium at $(CHROMIUM), or set ENGAGE_TEST_BROWSER=skip"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(SYNAPSE_STAMP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet "matrix-synapse==$(SYNAPSE_VERSION)"
	@touch $(SYNAPSE_STAMP)

run: $(STAMP)
	$(VENV)/bin/engage run

test: $(STAMP) $(SYNAPSE_STAMP) $(BROWSER)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) -m bot.messages update

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) var .pytest_cache .ruff_cache
