"""Rewrite tests/baseline/summary_small.csv, the stored result of a fixed-seed small run.

`tests/test_baseline_regression.py` compares a fresh run with this file (rtol 1e-9), so any
change that moves results, however slightly, fails it (Starsim's tests/test_baselines.py).

Run this script ONLY when a change is meant to move results:

    .venv/bin/python tests/regenerate_baseline.py

then commit the new CSV with that change, and say so in CHANGELOG.md under a "Regression"
entry naming the change and which outcomes moved. If the test fails and no change was meant to
move results, do not regenerate: find the cause.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from sim.batch import combine, make_tasks, run_task
from sim.scenario import load_scenario
from sim.summary import summarise

HERE = Path(__file__).resolve().parent
BASELINE_CSV = HERE / "baseline" / "summary_small.csv"
SCENARIO = HERE.parent / "scenarios" / "baseline.yaml"
SIZE, DAYS, REPS, SEED = 1500, 90, 2, 123


def baseline_summary() -> pd.DataFrame:
    """The shipped baseline scenario at 1,500 people for 90 days, 2 replicates, seed 123."""
    scenario = dataclasses.replace(load_scenario(SCENARIO), population_size=SIZE, horizon_days=DAYS)
    tasks = make_tasks([scenario], REPS, SEED)
    daily = combine(tasks, {task.key: run_task(task) for task in tasks})
    return summarise(daily, {scenario.name: SIZE}, baseline=scenario.name)


def main() -> None:
    BASELINE_CSV.parent.mkdir(parents=True, exist_ok=True)
    baseline_summary().to_csv(BASELINE_CSV, index=False, float_format="%.17g")
    print(f"wrote {BASELINE_CSV}")


if __name__ == "__main__":
    main()
