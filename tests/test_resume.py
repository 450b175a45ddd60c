"""A finished task is reused only when nothing that changes its results has changed: its key
holds the seed, the replicate, every resolved setting of the scenario and the code itself."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import BASELINE_YAML, small_scenario, write_yaml

import sim.batch
from sim.batch import make_tasks
from sim.cli import main

BASE = small_scenario(size=1000, days=30)


def key(scenario=BASE, replicate: int = 0, seed: int = 1) -> str:
    return make_tasks([scenario], replicate + 1, seed)[replicate].key


def with_levers(**levers) -> object:
    return dataclasses.replace(BASE, interventions={**BASE.interventions, **levers})


CHANGES = {
    "the root seed": lambda: key(seed=2),
    "the replicate": lambda: key(replicate=1),
    "a parameter": lambda: key(dataclasses.replace(BASE, overrides={"hospital.beds": 500})),
    "the horizon": lambda: key(BASE.with_horizon(31)),
    "the population size": lambda: key(dataclasses.replace(BASE, population_size=1001)),
    "a lever switched on": lambda: key(with_levers(care_planning={"enabled": True, "coordinators": 3})),
    "the levers' start day": lambda: key(with_levers(start_day=10)),
}


def test_the_same_task_has_the_same_key():
    assert key() == key()


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_key_changes_with_everything_that_changes_results(change):
    assert CHANGES[change]() != key()


def test_the_key_changes_with_the_code(monkeypatch):
    before = key()
    monkeypatch.setattr(sim.batch, "code_fingerprint", lambda: "0" * 64)

    assert key() != before


def run(scenario, out, seed: int, *options: str) -> pd.DataFrame:
    argv = ["run", str(scenario), "--days", "20", "--reps", "1", "--seed", str(seed),
            "--workers", "1", "--out", str(out), "--no-progress", *options]  # fmt: skip
    assert main(argv) == 0
    return pd.read_parquet(out / "daily.parquet")


def test_a_forced_rerun_with_a_new_seed_into_the_same_folder_computes_the_new_seed(tmp_path):
    scenario = write_yaml(
        tmp_path / "small.yaml",
        {"name": "small", "extends": str(BASELINE_YAML), "population": {"size": 1000}},
    )
    first = run(scenario, tmp_path / "run", seed=1)
    again = run(scenario, tmp_path / "run", 2, "--force")
    fresh = run(scenario, tmp_path / "fresh", seed=2)

    pd.testing.assert_frame_equal(again, fresh)
    assert not again.equals(first)
