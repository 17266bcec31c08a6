# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := $(VENV)/.installed-demo

.PHONY: demo test lint format validate bench clean

# The demo needs the tool and its runtime dependencies only; the tests add pytest, moto, ruff, mypy...
# pip shows what it fetches (no --quiet): the first run downloads, and says so.
$(VENV)/bin/python:
	@echo "== creating $(VENV) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEMO): pyproject.toml | $(VENV)/bin/python
	@echo "== installing coupa-gitops and what the demo needs into $(VENV)"
	$(BIN)/python -m pip install --progress-bar on -e .
	touch $(DEMO)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "== installing coupa-gitops with the test tools into $(VENV)"
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	touch $(STAMP) $(DEMO)

demo: $(DEMO)
	$(BIN)/coupa-gitops demo

test: $(STAMP)
	$(BIN)/ruff format --check controller tests bench
	$(BIN)/ruff check controller tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

validate: $(DEMO)
	$(BIN)/coupa-gitops validate config/

lint: $(STAMP)
	$(BIN)/ruff format --check controller tests bench
	$(BIN)/ruff check controller tests bench

format: $(STAMP)
	$(BIN)/ruff format controller tests bench
	$(BIN)/ruff check --fix controller tests bench

bench: $(STAMP)
	$(BIN)/python bench/validate_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
