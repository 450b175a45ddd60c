# Two commands: `make run` and `make test`. Both build their own .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REPS ?= 10
SEED ?= 20170901
WORKERS ?= 2

.PHONY: run test lint bench clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ipc-sim run scenarios/baseline.yaml --reps $(REPS) --seed $(SEED) --workers $(WORKERS)

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) build *.egg-info
