"""Rewrite tests/baseline/summary_small.csv, the stored result of two fixed-seed small runs.

`tests/test_baseline_regression.py` compares a fresh run with this file (rtol 1e-9), so any
change that moves results, however slightly, fails it (Starsim's tests/test_baselines.py).
It is a change detector, the last line of defence: the oracle tests say *which* result is
wrong, this only says that something moved. It covers the shipped baseline and the shipped
`at_scale` scenario with every lever on, a late start and non-default effects, so that hooks
whose defaults are neutral are exercised too.

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
from sim.scenario import Scenario, load_scenario
from sim.summary import Valuation, summarise

HERE = Path(__file__).resolve().parent
BASELINE_CSV = HERE / "baseline" / "summary_small.csv"
SCENARIOS = HERE.parent / "scenarios"
SIZE, DAYS, REPS, SEED = 1500, 120, 2, 123
# Effects away from their defaults, so that every lever hook changes something.
ALL_LEVERS_EFFECTS = {
    "phb.crisis_rr": 0.85,
    "advocacy.discharge_divert_share": 0.3,
    "peer_support.activation_boost": 0.7,
    "care_planning.contingency_share": 0.15,
    "care_planning.activation_gain": 0.4,
}
ALL_LEVERS_START_DAY = 20


def stored_scenarios() -> list[Scenario]:
    """The shipped baseline, and `at_scale` with a late start and non-default effects."""
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    at_scale = load_scenario(SCENARIOS / "at_scale.yaml")
    all_levers = dataclasses.replace(
        at_scale,
        name="all_levers",
        overrides={**at_scale.overrides, **ALL_LEVERS_EFFECTS},
        interventions={**at_scale.interventions, "start_day": ALL_LEVERS_START_DAY},
    )
    stockton = baseline.population_size  # the levers keep Stockton's staffing per head
    scenarios = (baseline, all_levers.per_head(stockton))
    return [dataclasses.replace(s, population_size=SIZE, horizon_days=DAYS) for s in scenarios]


def baseline_summary() -> pd.DataFrame:
    """Both stored scenarios at 1,500 people for 120 days, 2 replicates, seed 123, paired."""
    scenarios = stored_scenarios()
    tasks = make_tasks(scenarios, REPS, SEED)
    daily = combine(tasks, {task.key: run_task(task).daily for task in tasks})
    valuations = {s.name: Valuation.of(s.params) for s in scenarios}
    return summarise(daily, {s.name: SIZE for s in scenarios}, "baseline", valuations)


def main() -> None:
    BASELINE_CSV.parent.mkdir(parents=True, exist_ok=True)
    baseline_summary().to_csv(BASELINE_CSV, index=False, float_format="%.17g")
    print(f"wrote {BASELINE_CSV}")


if __name__ == "__main__":
    main()
