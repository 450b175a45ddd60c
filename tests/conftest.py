"""Shared helpers: small scenarios built directly or written as YAML, short model runs, and the
conservation invariants. Plain functions are imported (`from conftest import simulate`) so that
Hypothesis tests can use them; `scenario_file` is a fixture because it writes into tmp_path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim.hospital import Discharge
from sim.model import IPCModel
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE_YAML = ROOT / "scenarios" / "baseline.yaml"


def small_scenario(
    size: int = 1000,
    days: int = 60,
    overrides: dict[str, float] | None = None,
    name: str = "small",
) -> Scenario:
    """A scenario built directly (no file): baseline parameters plus `overrides`."""
    return Scenario(
        name=name,
        description="",
        horizon_days=days,
        population_size=size,
        overrides=dict(overrides or {}),
        source="<test>",
    )


@dataclass
class SimRun:
    """A finished model run, its daily table and every stay that ended during it."""

    model: IPCModel
    daily: pd.DataFrame
    stays: list[Discharge] = field(default_factory=list)


def simulate(scenario: Scenario, seed: int = 1, replicate: int = 0) -> SimRun:
    """Run `scenario` to its horizon, capturing each day's finished stays."""
    model = IPCModel(scenario, replicate=replicate, root_seed=seed)
    stays: list[Discharge] = []
    apply_day = model._apply_hospital_day

    def capture(log):
        stays.extend(log.finished)
        return apply_day(log)

    model._apply_hospital_day = capture
    model.run()
    return SimRun(model, model.recorder.frame(), stays)


def drain_hospital(model: IPCModel, max_days: int = 3000) -> tuple[int, list[Discharge]]:
    """After the horizon, keep the hospital running with no new arrivals until every cohort
    patient in a bed has left. Returns (delayed midnights counted meanwhile, stays finished)."""
    core = model.hospital.core
    day = model.days
    delayed_midnights = 0
    stays: list[Discharge] = []
    while core.in_bed and day < model.days + max_days:
        core.open_day_slots()
        core.run_until(day + 1)
        day += 1
        delayed_midnights += core.delayed
        stays.extend(core.new_day_log().finished)
    assert core.in_bed == 0, "the hospital did not empty; raise max_days"
    return delayed_midnights, stays


def midnights_delayed(stay: Discharge) -> int:
    """Midnights m with fit < m <= left: the census counts a patient as delayed at those."""
    return math.floor(stay.left) - math.floor(stay.fit)


def assert_conservation(run: SimRun) -> None:
    """The invariants every run must keep, day by day."""
    d = run.daily
    size = run.model.people.size
    capacity = run.model.hospital.core.bed_capacity
    assert (d["alive"] + d["deaths"].cumsum() == size).all(), "alive + dead != size"
    assert (d["at_home"] + d["in_hospital"] + d["in_care_home"] == d["alive"]).all()
    assert (d["hospital_bed_days"] <= capacity).all(), "more beds in use than exist"
    assert (d["bed_days"] <= d["hospital_bed_days"]).all()
    assert (d["bed_days"] <= d["in_hospital"]).all()
    assert (d["dtoc_days"] <= d["bed_days"]).all(), "more delayed patients than in beds"
    for stay in run.stays:
        assert stay.admitted <= stay.fit <= stay.left, stay


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario YAML into tmp_path; by default it extends the shipped baseline.

    `scenario_file(name="x", size=1000, horizon_days=60, parameters={...})`; pass
    `extends=None` for a standalone file and `filename=` to choose the file name.
    """

    def make(
        name: str = "small",
        size: int | None = 1000,
        horizon_days: int | None = 60,
        parameters: dict[str, Any] | None = None,
        extends: str | Path | None = BASELINE_YAML,
        filename: str | None = None,
        **fields: Any,
    ) -> Path:
        data: dict[str, Any] = {"name": name}
        if extends is not None:
            data["extends"] = str(extends)
        if horizon_days is not None:
            data["horizon_days"] = horizon_days
        if size is not None:
            data["population"] = {"size": size}
        if parameters:
            data["parameters"] = parameters
        data.update(fields)
        return write_yaml(tmp_path / (filename or f"{name}.yaml"), data)

    return make
