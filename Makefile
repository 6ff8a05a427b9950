# Two commands: `make run` serves the app (building the demo database if missing),
# `make test` runs every test. Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test install install-dev demo clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11 is required"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
		echo "Cannot create a virtual environment: apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@command -v npm >/dev/null || { echo "npm is needed once to fetch Leaflet for the offline map: apt-get install npm"; exit 1; }
	$(PY) -m dashboard.coverage_assets
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m data_access ensure-demo
	$(PY) -m streamlit run dashboard/app.py --server.port $(PORT)

test: install-dev
	$(PY) -m pytest

demo: install
	$(PY) -m data_access demo --scale city --seed 42

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache
