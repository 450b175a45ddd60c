"""The causal effect of care planning on its own plan holders, measured the way the controlled
studies in docs/references.md measure it: each planned person's A&E attendances and emergency
admissions from the day after their plan to the end of the run, against the same person over
the same days in the paired baseline (same seed, same replicate, no levers). Plans that end
(death, a care home) stay in the count, as in an intention-to-treat comparison.

Used by `tests/test_lever_effect_ranges.py`, and as a script to measure the effects a set of
parameter values gives (how the care-planning defaults were set; README "Lever effects"):

    .venv/bin/python tests/lever_effects.py --size 11989 --days 730 --reps 4 \\
        --set care_planning.crisis_rr=1.05 --set care_planning.contingency_share=0.07
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from sim.component import Component, Phase, Today
from sim.model import IPCModel
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("ae", "admissions")


class EventLog(Component):
    """Watches the day: who attended A&E and who was admitted (changes nothing)."""

    name = "event_log"
    phase = Phase.SERVICES

    def __init__(self, model: IPCModel):
        super().__init__(model)
        self.days: dict[str, list[np.ndarray]] = {outcome: [] for outcome in OUTCOMES}

    def observe(self, today: Today) -> None:
        self.days["ae"].append(np.asarray(today.attenders, dtype=np.int64).copy())
        self.days["admissions"].append(np.asarray(today.admitted, dtype=np.int64).copy())

    def counts_after(self, first_day: np.ndarray) -> dict[str, np.ndarray]:
        """Each person's events on days strictly after `first_day` (NaN/inf: none counted)."""
        counts = {}
        for outcome, per_day in self.days.items():
            count = np.zeros(first_day.size, dtype=np.int64)
            for day, ids in enumerate(per_day):
                counted = ids[day > first_day[ids]]
                np.add.at(count, counted, 1)
            counts[outcome] = count
        return counts


def _run(scenario: Scenario, seed: int, replicate: int) -> IPCModel:
    model = IPCModel(scenario, replicate=replicate, root_seed=seed, components=[EventLog])
    model.run()
    return model


def _log(model: IPCModel) -> EventLog:
    return next(c for c in model.schedule.components if isinstance(c, EventLog))


def plan_holder_effects(scenario: Scenario, seed: int = 1, replicate: int = 0) -> dict[str, tuple[int, int]]:
    """{outcome: (events of planned people after their plan with the levers, the same people's
    events over the same days in the paired baseline)}."""
    with_levers = _run(scenario, seed, replicate)
    baseline = _run(dataclasses.replace(scenario, interventions={}), seed, replicate)
    plan_day = np.where(np.isfinite(with_levers.people.plan_day), with_levers.people.plan_day, np.inf)
    mine, theirs = _log(with_levers).counts_after(plan_day), _log(baseline).counts_after(plan_day)
    with_levers.release()
    baseline.release()
    return {outcome: (int(mine[outcome].sum()), int(theirs[outcome].sum())) for outcome in OUTCOMES}


def relative_effects(scenario: Scenario, seed: int = 1, reps: int = 1) -> dict[str, float]:
    """Pooled over replicates: events with the levers / events in the paired baseline - 1."""
    totals = {outcome: np.zeros(2) for outcome in OUTCOMES}
    for replicate in range(reps):
        for outcome, pair in plan_holder_effects(scenario, seed, replicate).items():
            totals[outcome] += pair
    return {outcome: float(a / b - 1.0) for outcome, (a, b) in totals.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "care_planning_only.yaml")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], help="parameter=value")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    overrides = dict(scenario.overrides)
    for item in args.set:
        name, value = item.split("=")
        overrides[name] = float(value)
    scenario = dataclasses.replace(
        scenario,
        overrides=overrides,
        population_size=args.size or scenario.population_size,
        horizon_days=args.days or scenario.horizon_days,
    )
    effects = relative_effects(scenario, args.seed, args.reps)
    print(" ".join(args.set) or "defaults", {k: f"{v:+.2%}" for k, v in effects.items()}, file=sys.stdout)


if __name__ == "__main__":
    main()
