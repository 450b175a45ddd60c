"""The lever contract, checked the same way for every lever in `sim/levers/` (a new lever is
picked up here automatically and must be given busy settings below):

* before `interventions.start_day` the schedule never consults it (only `observe`), and the
  day's outputs are exactly the no-lever run's;
* its hooks are neutral for everyone it does not reach (`Lever.reached`);
* the same seed gives identical results with it on, in one process or with two workers.
"""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE_YAML, lever_scenario, write_yaml

from sim.cli import main
from sim.component import HOOKS, Component
from sim.hospital import Pathway
from sim.levers import lever_classes
from sim.model import IPCModel

SIZE, DAYS, START = 2000, 120, 30
# Settings that keep each lever busy at 2,000 people (staff, groups and targets as typed).
BUSY = {
    "care_planning": {"coordinators": 4, "target_plans": 100_000},
    "phb": {"target_budgets": 100_000, "min_conditions": 0},
    "peer_support": {"groups": 4},
    "advocacy": {"advocates": 4},
}
# Effects away from "no effect", so that a hook applied to the wrong people changes something.
EFFECTS = {
    "phb.crisis_rr": 0.8,
    "advocacy.discharge_divert_share": 0.3,
    "care_planning.contingency_share": 0.3,
    "peer_support.activation_boost": 0.7,
}
NEUTRAL = {  # per-person hooks and their neutral answer
    "crisis_multiplier": 1.0,
    "respite_hours": 0.0,
    "rehab_uptake_multiplier": 1.0,
}
NAMES = [cls.name for cls in lever_classes()]


def settings(name: str) -> dict[str, dict]:
    """The lever and every lever it requires, busy."""
    cls = {c.name: c for c in lever_classes()}[name]
    assert name in BUSY, f"give lever {name!r} busy settings in BUSY"
    return {lever: BUSY[lever] for lever in (*cls.requires, name)}


def overrides(hook: str, cls: type) -> bool:
    return getattr(cls, hook) is not getattr(Component, hook)


@functools.cache
def no_lever_run() -> pd.DataFrame:
    model = IPCModel(lever_scenario(SIZE, DAYS, EFFECTS), root_seed=5)
    model.run()
    return model.recorder.frame()


def lever_model(name: str, start_day: int = 0, seed: int = 5) -> IPCModel:
    return IPCModel(
        lever_scenario(SIZE, DAYS, EFFECTS, start_day=start_day, **settings(name)), root_seed=seed
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_schedule_does_not_consult_a_lever_before_its_start_day(name):
    model = lever_model(name, start_day=START)
    calls: dict[str, list[int]] = {}
    for lever in model.levers:
        for method in (*HOOKS, "step", "report"):
            if method in ("step", "report") or overrides(method, type(lever)):
                original = getattr(lever, method)

                def spy(*args, _original=original, _key=f"{lever.name}.{method}", **kwargs):
                    calls.setdefault(_key, []).append(model.day)
                    return _original(*args, **kwargs)

                setattr(lever, method, spy)
    model.run()

    assert calls, "the lever was never consulted"
    for key, days in calls.items():
        if key.endswith(".observe"):
            assert days[0] == 0, key  # observing starts on day 0, for before/after measures
        else:
            assert min(days) >= START, f"{key} consulted on day {min(days)}, before day {START}"


@pytest.mark.parametrize("name", NAMES)
def test_before_its_start_day_a_lever_leaves_every_output_as_without_it(name):
    model = lever_model(name, start_day=START)
    model.run()
    before = model.recorder.frame().query(f"day < {START}")

    pd.testing.assert_frame_equal(before, no_lever_run().query(f"day < {START}"))


@pytest.mark.parametrize("name", NAMES)
def test_a_levers_hooks_are_neutral_for_people_it_does_not_reach(name):
    model = lever_model(name)
    cls = type(model.lever(name))
    lever = model.lever(name)
    everyone = model.people.ids
    reached_someone = False
    for day in range(DAYS):
        model.step()
        if day % 10:
            continue
        reached = lever.reached()
        reached_someone |= bool(reached.any())
        others = ~reached
        for hook, neutral in NEUTRAL.items():
            answer = getattr(lever, hook)() if overrides(hook, cls) else None
            if answer is not None:
                assert np.all(answer[others] == neutral), f"day {day}: {hook} changes people not reached"
        if overrides("managed_at_home", cls):
            for acuity in (0, 1, 2):
                answer = lever.managed_at_home(everyone, np.full(everyone.size, acuity))
                if answer is not None:
                    assert np.all(answer[others] == 0.0), f"day {day}: managed_at_home reaches others"
        for hook in ("offer_uptake_multiplier", "setup_time_multiplier"):
            answer = getattr(lever, hook)(everyone, model.day) if overrides(hook, cls) else None
            if answer is not None:
                assert np.all(answer[others] == 1.0), f"day {day}: {hook} changes people not reached"
        if overrides("discharge_pathway", cls):
            for person in np.flatnonzero(others)[:200]:
                pathway = lever.discharge_pathway(int(person), int(Pathway.HOME_SUPPORT), day + 0.5)
                assert pathway == Pathway.HOME_SUPPORT, f"day {day}: person {person}'s pathway changed"
    assert reached_someone, f"{name} reached nobody, so the test proved nothing"


@pytest.mark.parametrize("name", NAMES)
def test_the_same_seed_gives_identical_results_with_a_lever_on(name):
    first, second = lever_model(name, seed=9), lever_model(name, seed=9)
    first.run()
    second.run()

    pd.testing.assert_frame_equal(first.recorder.frame(), second.recorder.frame(), check_exact=True)
    for column in first.people.columns:
        assert np.array_equal(getattr(first.people, column), getattr(second.people, column)), column


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("levers")
    return {
        name: write_yaml(
            folder / f"{name}.yaml",
            {
                "name": name,
                "extends": str(BASELINE_YAML),
                "population": {"size": 1500},
                "interventions": {lever: {"enabled": True, **s} for lever, s in settings(name).items()},
                "parameters": EFFECTS,
            },
        )
        for name in NAMES
    }


@pytest.mark.parametrize("name", NAMES)
def test_one_or_two_workers_write_identical_bytes_with_a_lever_on(name, scenario_files, tmp_path):
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        argv = ["run", str(scenario_files[name]), "--days", "60", "--reps", "2", "--seed", "3",
                "--workers", workers, "--out", str(out), "--no-progress"]  # fmt: skip
        assert main(argv) == 0
        outputs[workers] = {f: (out / f).read_bytes() for f in ("daily.parquet", "summary.csv")}

    assert outputs["1"] == outputs["2"]
    daily = pd.read_parquet(tmp_path / "w1" / "daily.parquet")
    assert daily.filter(like="cost_programme").to_numpy().sum() > 0  # the lever was at work


@pytest.mark.parametrize("name", NAMES)
def test_a_lever_never_imports_or_calls_another_lever(name):
    """Levers reach each other only through the schedule's hooks and events."""
    module = inspect.getmodule({c.name: c for c in lever_classes()}[name])
    tree = ast.parse(inspect.getsource(module))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    called = {
        n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }

    assert not {m for m in imported if m and m.startswith("sim.levers")}, imported
    assert "lever" not in called  # model.lever(name) is for inspection, not for levers
