# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format validate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/coupa-gitops demo

test: $(STAMP)
	$(BIN)/ruff format --check controller tests bench
	$(BIN)/ruff check controller tests bench
	$(BIN)/python -m pytest

validate: $(STAMP)
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
