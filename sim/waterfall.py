"""Which lever does what: the at-scale effect attributed to each lever by taking it out.

`ipc-sim run ... --waterfall at_scale` adds, for each lever enabled in `at_scale`, the same
scenario with that lever switched off (`at_scale-without-peer_support`), run in the same
replicates, seeds and parameter draws, so every comparison is paired. Each lever's bar is
what the effect loses when that lever alone is taken out and the others are kept (its
marginal, "last-in" contribution). A lever that others need (a budget needs a care plan)
cannot be taken out alone: it is taken out with the levers that need it, and their own bars
are subtracted, so its bar is its effect with them already gone. Interactions between levers
are not shared out among them: what the bars do not add up to is shown as its own bar,
"interactions", so the bars always sum to the whole effect and no lever is credited with
another's synergy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.levers import lever_classes
from sim.summary import MONTE_CARLO, interval

WITHOUT = "-without-"
AND = "-and-"
OUTCOMES = {  # per-replicate yearly metric: its label
    "ae_attendances": "A&E attendances a year",
    "emergency_admissions": "emergency admissions a year",
    "dtoc_days": "DTOC bed days a year",
    "cost_total": "net cost, GBP a year",
}
INTERACTIONS = "interactions"
TOTAL = "total"


def _dependents(lever: str, enabled: list[str]) -> list[str]:
    """The enabled levers that need `lever` (directly or through another)."""
    needs = {c.name: set(c.requires) for c in lever_classes()}
    out: list[str] = []
    frontier = {lever}
    while frontier:
        found = [n for n in enabled if n not in out and n != lever and needs.get(n, set()) & frontier]
        out += found
        frontier = set(found)
    return out


def enabled_levers(scenario: Any) -> list[str]:
    levers = scenario.levers
    return [c.name for c in lever_classes() if getattr(levers, c.name).enabled]


def _taken_out(lever: str, enabled: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What leaving `lever` out means: (the levers taken out, the levers already out when its
    bar is measured: those that need it)."""
    dependents = tuple(_dependents(lever, enabled))
    return (lever, *dependents), dependents


def removals(scenario: Any) -> dict[str, tuple[str, ...]]:
    """Each scenario to run, by name: the levers it takes out of `scenario`."""
    enabled = enabled_levers(scenario)
    sets: list[tuple[str, ...]] = []
    for lever in enabled:
        for out in _taken_out(lever, enabled):
            if out and out not in sets:
                sets.append(out)
    return {name_without(scenario.name, out): out for out in sets}


def name_without(name: str, out: tuple[str, ...]) -> str:
    return f"{name}{WITHOUT}{AND.join(out)}"


def without_scenarios(scenario: Any) -> list[Any]:
    """The scenarios `removals` names: `scenario` with those levers switched off."""
    from sim.scenario import Scenario

    made = []
    for name, out in removals(scenario).items():
        interventions = dict(scenario.interventions)
        for lever in out:
            interventions[lever] = {**interventions.get(lever, {}), "enabled": False}
        description = f"{scenario.name} with {', '.join(out)} taken out (the lever waterfall)"
        changed = {"name": name, "interventions": interventions, "description": description}
        made.append(Scenario(**{**scenario.__dict__, **changed}))
    return made


def waterfall(reps: pd.DataFrame, scenario: Any, baseline: str, kind: str = MONTE_CARLO) -> pd.DataFrame:
    """outcome, step, mean, lo95, hi95: the effect of `scenario` against `baseline` split by
    lever, plus interactions and the total, from per-replicate yearly values (`reps` as
    `sim.summary.per_replicate` gives them). Intervals are over replicates, paired, of the run's
    `kind` (`sim.summary.interval`)."""
    enabled = enabled_levers(scenario)
    rows = []
    for metric, label in OUTCOMES.items():
        mine = reps[reps["metric"] == metric]
        wide = mine.pivot_table(index="replicate", columns="scenario", values="value")

        def arm(out: tuple[str, ...], wide: pd.DataFrame = wide) -> pd.Series:
            return wide[name_without(scenario.name, out) if out else scenario.name]

        whole = (arm(()) - wide[baseline]).to_numpy()
        bars: dict[str, np.ndarray] = {}
        for lever in enabled:
            out, already = _taken_out(lever, enabled)
            bars[lever] = (arm(already) - arm(out)).to_numpy()
        bars[INTERACTIONS] = whole - np.sum(list(bars.values()), axis=0)
        bars[TOTAL] = whole
        for step, values in bars.items():
            mean, lo, hi = interval(values, kind)
            row = {"outcome": metric, "label": label, "step": step, "mean": mean, "lo95": lo, "hi95": hi}
            rows.append(row)
    return pd.DataFrame(rows)
