# Every target creates/updates the venv first, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lint format test test-slow test-all bench demo package schema clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict lean_connector
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite in two parts: `make test` (unit + integration against moto_server and the
# sandbox) and `make test-slow` (terraform apply/destroy on moto, Lambda zip and wheel
# builds, the worker-process fleet). CI runs both; `make test-all` runs them in one go.
test: $(STAMP)
	$(BIN)/python -m pytest -m "not terraform and not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "terraform or slow"

test-all: $(STAMP)
	$(BIN)/python -m pytest

# The property-based fuzz suite with 2,000 examples per property (`make test` runs 40).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/fuzz

bench: $(STAMP)
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

package: $(STAMP)
	$(BIN)/python scripts/package_lambda.py

schema: $(STAMP)
	$(BIN)/python -m lean_connector schema > schemas/lean-connector-spec.schema.json

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache
