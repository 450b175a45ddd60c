# Two commands: `make run` and `make test`. Both build their own .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Parameters: the shipped Stockton posterior for the eight parameters the calibration targets
# inform, the priors for the rest; each replicate is one draw, shared by every scenario.
# REPLICATES (README, "How many replicates"): with a parameter draw each, an interval is the
# central 95% of the replicates' values, and its ends need about 40 to be stable.
REPS ?= 40
SEED ?= 20170901
PARAMETERS := --parameters calibration/stockton/posterior.csv --parameters prior
WORKERS ?= 2
SCENARIOS := scenarios/baseline.yaml scenarios/demonstrator_2017.yaml scenarios/at_scale.yaml \
	scenarios/care_planning_only.yaml scenarios/phb_only.yaml scenarios/peer_support_only.yaml \
	scenarios/advocacy_only.yaml

.PHONY: run test lint bench clean setup wheel-check explore browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	@echo "Running 7 scenarios x $(REPS) replicates (seed $(SEED)) on $(WORKERS) processes into outputs/,"
	@echo "each replicate a parameter draw (calibration/stockton/posterior.csv, then the priors), and"
	@echo "at_scale with each lever taken out (the waterfall); see README, 'How many replicates'."
	$(BIN)/ipc-sim run $(SCENARIOS) --reps $(REPS) --seed $(SEED) --workers $(WORKERS) $(PARAMETERS) \
		--waterfall at_scale --sensitivity calibration/stockton/sensitivity_projection --report

# The browser explorer on http://127.0.0.1:$(PORT); runs go to outputs/ (README, "Explorer").
PORT ?= 8501
explore: $(STAMP)
	$(BIN)/ipc-sim explore --port $(PORT) --runs outputs

# What the explorer's browser test needs: Debian's chromium and its driver (tests skip without them).
browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks calibration
	$(BIN)/pytest

# Build the wheel, install it in a fresh venv outside the checkout, run a baseline from there.
wheel-check: $(STAMP)
	PY=$(PY) .ci/wheel-check

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks calibration

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) build *.egg-info
