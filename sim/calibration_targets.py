"""Calibration targets: a public figure, how sure we are of it, and exactly how the model's
own daily outputs measure the same thing.

Each target in `calibration/targets.yaml` may give, beside the baseline check's public range:

    value: 0.61            # the figure
    sd: 0.15               # its standard error, or a tolerance, in the same units
    measure:
      scenario: baseline   # which scenario of the run measures it
      metric: ae_attendances
      per: person_year     # person_year | day | total | <another daily metric>
      window: [0, 730]     # days from day 0, end excluded (default: the whole horizon)
      transform: none      # none | change (ratio - 1: a before/after)
    held_out: false        # kept out of the fit, to test the posterior's prediction
    source: "..."

Aggregate series only: every measure is a sum or mean of daily, whole-cohort columns, so a
researcher's own monthly figures can be targets and no person-level data is ever needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from sim.errors import InputError, Problem
from sim.lever import StrictSpec
from sim.limits import MAX_HORIZON_DAYS
from sim.units import DAYS_PER_YEAR
from sim.yaml_reader import read_mapping

PER = ("person_year", "day", "total")


class Measure(StrictSpec):
    """How the model's daily table measures a target."""

    scenario: str = Field(min_length=1, max_length=100)
    metric: str = Field(min_length=1, max_length=100)
    per: str = Field(default="total", min_length=1, max_length=100)
    window: list[int] | None = Field(default=None, min_length=2, max_length=2)
    transform: Literal["none", "change"] = "none"

    @model_validator(mode="after")
    def _window_in_order(self) -> Measure:
        if self.window is not None:
            start, end = self.window
            if not 0 <= start < end <= MAX_HORIZON_DAYS:
                raise ValueError(f"window must be [start, end) with 0 <= start < end <= {MAX_HORIZON_DAYS}")
        return self


class Target(StrictSpec):
    """One entry of a target file (the baseline check's range fields are allowed beside it)."""

    low: float | None = None
    high: float | None = None
    source: str = Field(min_length=1, max_length=2000)
    value: float | None = None
    sd: float | None = Field(default=None, gt=0)
    measure: Measure | None = None
    held_out: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Target:
        given = [self.value is not None, self.sd is not None, self.measure is not None]
        if any(given) and not all(given):
            raise ValueError("a calibration target needs value, sd and measure together")
        return self

    @property
    def calibrates(self) -> bool:
        return self.measure is not None


def load_calibration_targets(path: str | Path, metrics: tuple[str, ...] | None = None) -> dict[str, Target]:
    """The targets of a file that have a measure; every problem reported, one line each."""
    from sim.metrics import METRIC_NAMES
    from sim.scenario import _pydantic_problems

    metrics = METRIC_NAMES if metrics is None else metrics
    shown = str(path)
    data, problems = read_mapping(Path(path), shown)
    targets: dict[str, Target] = {}
    for name, entry in (data or {}).items():
        if not isinstance(entry, dict):
            problems.append(Problem(shown, name, "must be a mapping of keys to values"))
            continue
        found = [
            Problem(p.file, p.field.rstrip("."), p.message)  # a whole-entry problem names the entry
            for p in _pydantic_problems(shown, Target, entry, prefix=f"{name}.")
        ]
        problems += found
        if found:
            continue
        target = Target.model_validate(entry)
        if target.measure is not None:
            for field, column in (("metric", target.measure.metric), ("per", target.measure.per)):
                if field == "per" and column in PER:
                    continue
                if column not in metrics:
                    problems.append(Problem(shown, f"{name}.measure.{field}", f"no daily metric {column!r}"))
        targets[name] = target
    if problems:
        raise InputError(problems)
    calibrating = {n: t for n, t in targets.items() if t.calibrates}
    if not calibrating:
        raise InputError([Problem(shown, "", "no target has a value, sd and measure: nothing to calibrate")])
    return calibrating


def measure(target: Target, daily: pd.DataFrame) -> pd.Series:
    """The target's figure in each replicate of `daily` (the run's combined daily table)."""
    m = target.measure
    rows = daily[daily["scenario"] == m.scenario]
    if rows.empty:
        raise KeyError(f"the run has no scenario {m.scenario!r}")
    if m.window is not None:
        rows = rows[(rows["day"] >= m.window[0]) & (rows["day"] < m.window[1])]
    by = rows.groupby("replicate", sort=True)
    top = by[m.metric].sum()
    if m.per == "person_year":
        value = top / (by["alive"].sum() / DAYS_PER_YEAR)
    elif m.per == "day":
        value = top / by.size()
    elif m.per == "total":
        value = top
    else:
        value = top / by[m.per].sum()
    if m.transform == "change":
        value = value - 1.0
    return value.astype(float)


def distance(targets: dict[str, Target], daily: pd.DataFrame) -> float:
    """Root mean square of (model mean - value) / sd over the fitted (not held-out) targets:
    the ABC distance, in standard errors."""
    z = [
        (measure(t, daily).mean() - t.value) / t.sd
        for t in targets.values()
        if not t.held_out
    ]
    return float(np.sqrt(np.mean(np.square(z))))


def fit_table(targets: dict[str, Target], daily: pd.DataFrame) -> pd.DataFrame:
    """Each target beside the model's mean and 95% range over replicates, in standard errors."""
    rows = []
    for name, t in targets.items():
        values = measure(t, daily)
        rows.append(
            {
                "target": name,
                "value": t.value,
                "sd": t.sd,
                "model_mean": values.mean(),
                "model_lo95": values.quantile(0.025),
                "model_hi95": values.quantile(0.975),
                "z": (values.mean() - t.value) / t.sd,
                "held_out": t.held_out,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)
