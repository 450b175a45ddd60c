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

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.hospital import Discharge, Pathway
from sim.levers.phb import BudgetStatus
from sim.model import IPCModel
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE_YAML = ROOT / "scenarios" / "baseline.yaml"


def small_scenario(
    size: int = 1000,
    days: int = 60,
    overrides: dict[str, float] | None = None,
    name: str = "small",
    warm_up_days: int = 0,
) -> Scenario:
    """A scenario built directly (no file): baseline parameters plus `overrides`. No warm-up
    by default: most tests check a mechanism from a known start; those about equilibrium
    ask for one."""
    return Scenario(
        name=name,
        description="",
        horizon_days=days,
        population_size=size,
        overrides=dict(overrides or {}),
        source="<test>",
        warm_up_days=warm_up_days,
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
    while model.day < model.days:
        model.step()
        stays.extend(model.today.log.finished)
    return SimRun(model, model.recorder.frame(), stays)


def scarce_home_care(scenario: Scenario, share: float = 0.975, seed: int = 1) -> tuple[int, float]:
    """Home-care (P1) places that make home care scarce in `scenario`'s own window, and the
    cohort's DTOC days there at the registry's supply: `share` of the places in use at that
    supply. A fixed count would be scarce in one season and load and not another."""
    model = IPCModel(scenario, root_seed=seed)
    in_use = []
    while model.day < model.days:
        model.step()
        in_use.append(
            sum(c[Pathway.HOME_SUPPORT].in_use for core in model.hospital.cores for c in core.councils)
        )
    dtoc = float(model.recorder.frame()["dtoc_days"].sum())
    model.release()
    return int(share * np.mean(in_use)), dtoc


def drain_hospital(model: IPCModel, max_days: int = 3000) -> tuple[int, list[Discharge]]:
    """After the horizon, keep the hospital running with no new arrivals until every cohort
    patient in a bed has left. Returns (delayed midnights counted meanwhile, stays finished)."""
    cores, env = model.hospital.cores, model.hospital.env
    day = model.days
    delayed_midnights = 0
    stays: list[Discharge] = []
    while any(core.in_bed for core in cores) and day < model.days + max_days:
        env.run(until=day + 1)
        day += 1
        delayed_midnights += sum(core.delayed for core in cores)
        for core in cores:
            stays.extend(core.new_day_log().finished)
    assert not any(core.in_bed for core in cores), "the hospital did not empty; raise max_days"
    return delayed_midnights, stays


def midnights_delayed(stay: Discharge) -> int:
    """Midnights m with fit < m <= left: the census counts a patient as delayed at those."""
    return math.floor(stay.left) - math.floor(stay.fit)


def assert_conservation(run: SimRun) -> None:
    """The invariants every run must keep, day by day."""
    d = run.daily
    start = run.model.people.n_start
    capacity = run.model.hospital.core.bed_capacity
    joined_and_left = (d["entries"] - d["deaths"] - d["moved_away"]).cumsum()
    assert (d["alive"] == start + joined_and_left).all(), "alive != start + entries - deaths - moves"
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


# --- IPC levers -------------------------------------------------------------------------------
# Staff, groups and targets are absolute numbers for the scenario's cohort: 4 co-ordinators
# are 4 whole-time equivalents (for a 2,000-person cohort, more than referrals need).
PLENTY_OF_PLANS = {"coordinators": 4, "target_plans": 100_000}
HOSPITAL_OUTCOMES = (
    "ae_attendances",
    "emergency_admissions",
    "short_stay_admissions",
    "bed_days",
    "dtoc_days",
    "deaths",
    "care_home_admissions",
    "carer_breakdowns",
    "readmissions_30d",
    "discharges",
    "length_of_stay_days",
    "hospital_bed_days",
    "crises",
)


def lever_scenario(
    size: int = 2000,
    days: int = 120,
    overrides: dict[str, float] | None = None,
    start_day: int = 0,
    **levers: dict[str, Any],
) -> Scenario:
    """`small_scenario` with IPC levers switched on: `lever_scenario(care_planning={...},
    phb={...})`. Each lever named is enabled unless its settings say `enabled: False`."""
    interventions: dict[str, Any] = {"start_day": start_day}
    interventions.update({name: {"enabled": True, **settings} for name, settings in levers.items()})
    scenario = small_scenario(size=size, days=days, overrides=overrides)
    scenario.interventions = interventions
    return scenario


def first_day(daily: pd.DataFrame, metric: str) -> int:
    """The first day on which `metric` is positive (fails if it never is)."""
    positive = daily.loc[daily[metric] > 0, "day"]
    assert len(positive), f"{metric} never positive"
    return int(positive.iloc[0])


def step_days(model: IPCModel, days: int | None = None) -> None:
    """Run `days` more days of `model` (to its horizon by default)."""
    for _ in range(model.days - model.day if days is None else days):
        model.step()


@dataclass
class Offers:
    """What the PHB lever did at each day's offers."""

    day: dict[int, int] = field(default_factory=dict)  # person -> day offered
    frailty: dict[int, int] = field(default_factory=dict)  # person -> frailty when offered
    took: set[int] = field(default_factory=set)


def record_offers(model: IPCModel) -> Offers:
    """Wrap the PHB lever's daily offers to record who was offered a budget, when, their
    frailty then, and who took it (before the model runs)."""
    lever = model.lever("phb")
    offers = Offers()
    offer = lever._offer

    def recording(day: int) -> None:
        before = lever.status.copy()
        offer(day)
        for person in np.flatnonzero(
            (before == BudgetStatus.NOT_OFFERED) & (lever.status != BudgetStatus.NOT_OFFERED)
        ):
            offers.day[int(person)] = day
            offers.frailty[int(person)] = int(model.people.frailty[person])
            if lever.status[person] == BudgetStatus.SETTING_UP:
                offers.took.add(int(person))

    lever._offer = recording
    return offers
