"""From daily rows to the contract's summary: annual figures with 95% intervals, and paired
differences from the baseline by replicate (common random numbers make the pairing tight)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from sim.lever import Milestone
from sim.levers import lever_classes
from sim.metrics import FLOW, KIND, METRIC_NAMES
from sim.params import registry
from sim.units import DAYS_PER_YEAR

HOLD_TOLERANCE = "milestones.hold_tolerance"  # the registry entry: how far below a target counts as held
PER_1000 = "_per_1000"
SUMMARY_COLUMNS = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]


def per_replicate(daily: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    """One row per (scenario, replicate, metric): flows as annual totals, stocks as daily means,
    and flows again per 1,000 people in the starting cohort."""
    grouped = daily.groupby(["scenario", "replicate"], sort=False)
    days = grouped["day"].count()
    sums = grouped[list(METRIC_NAMES)].sum()
    means = grouped[list(METRIC_NAMES)].mean()
    rows = []
    for (scenario, rep), n_days in days.items():
        years = n_days / DAYS_PER_YEAR
        per_thousand = sizes[scenario] / 1000.0
        for metric in METRIC_NAMES:
            if KIND[metric] == FLOW:
                annual = sums.at[(scenario, rep), metric] / years
                rows.append((scenario, rep, metric, annual))
                rows.append((scenario, rep, metric + PER_1000, annual / per_thousand))
            else:
                rows.append((scenario, rep, metric, means.at[(scenario, rep), metric]))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "value"])


def t_interval(values: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and t-based 95% interval of the mean across replicates along `axis` (the last by
    default), for a whole table at once. Bounds are NaN where there is only one replicate."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan.copy()
    half = stats.t.ppf(0.975, n - 1) * values.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """`t_interval` of one set of replicate values, as plain floats."""
    mean, lo, hi = t_interval(np.asarray(values, dtype=float).reshape(-1))
    return float(mean), float(lo), float(hi)


def summarise(daily: pd.DataFrame, sizes: dict[str, int], baseline: str | None) -> pd.DataFrame:
    """The contract's summary.csv: scenario, metric, mean, lo95, hi95, diff_mean, diff_lo95, diff_hi95."""
    reps = per_replicate(daily, sizes)
    wide = reps.pivot_table(index=["scenario", "metric"], columns="replicate", values="value", sort=False)
    rows = []
    for (scenario, metric), values in wide.iterrows():
        mean, lo, hi = interval(values.to_numpy())
        diff = (float("nan"),) * 3
        if baseline is not None and (baseline, metric) in wide.index:
            paired = values.to_numpy() - wide.loc[(baseline, metric)].to_numpy()
            diff = interval(paired)
        rows.append((scenario, metric, mean, lo, hi, *diff))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def lever_milestones() -> tuple[Milestone, ...]:
    """The scale-up targets the levers declare (`Lever.milestone`), in the levers' order."""
    return tuple(cls.milestone for cls in lever_classes() if cls.milestone is not None)


def reach_and_hold(
    daily: pd.DataFrame, milestone: Milestone, target: float, tolerance: float
) -> pd.DataFrame:
    """Per replicate (the index): `day`, the day (counting from 1) on which the live caseload
    first reaches the target; `held_share`, the share of the days from that one to the horizon's
    end, both included, on which it is still there; `live_end`, the live caseload on the last
    day; `started` and `ended`, the plans or budgets started and ended over the horizon.

    "There" means at least `target x (1 - tolerance)`. `day` and `held_share` are NaN where the
    caseload never gets there within the horizon, or the target is zero (nothing to reach)."""
    threshold = target * (1.0 - tolerance)
    rows = {}
    for rep, d in daily.sort_values("day").groupby("replicate", sort=True):
        live = d[milestone.live].to_numpy()
        there = live >= threshold
        hit = np.flatnonzero(there) if target > 0 else np.empty(0, dtype=np.int64)
        first = hit[0] if hit.size else None
        rows[rep] = {
            "day": float(d["day"].to_numpy()[first] + 1) if first is not None else np.nan,
            "held_share": float(there[first:].mean()) if first is not None else np.nan,
            "live_end": float(live[-1]),
            "started": float(d[milestone.metric].sum()),
            "ended": float(d[milestone.ended].sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def default_hold_tolerance() -> float:
    """The registry's `milestones.hold_tolerance` (a scenario may override it)."""
    return registry()[HOLD_TOLERANCE].value


def milestones(
    daily: pd.DataFrame,
    targets: Mapping[str, Mapping[str, float]],
    tolerances: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Reaching and holding the scale-up targets, per scenario: `targets[scenario][name] =
    target` (`Scenario.targets`), `tolerances[scenario]` the share below the target that still
    counts as there (`Scenario.hold_tolerance`; the registry's default for a scenario not given).

    The first day reached and the share of days held are given (mean and 95% interval over
    replicates) only if every replicate reaches the target within the horizon; the live
    caseload on the last day and the starts and ends over the horizon are means over all."""
    rows = []
    for scenario, wanted in targets.items():
        d = daily[daily["scenario"] == scenario]
        tolerance = (tolerances or {}).get(scenario, default_hold_tolerance())
        for milestone in lever_milestones():
            name = milestone.name
            if name not in wanted:
                continue
            per_rep = reach_and_hold(d, milestone, wanted[name], tolerance)
            reached = int(per_rep["day"].notna().sum())
            everywhere = reached == len(per_rep)
            days = interval(per_rep["day"].to_numpy()) if everywhere else (np.nan,) * 3
            held = interval(per_rep["held_share"].to_numpy()) if everywhere else (np.nan,) * 3
            held = (held[0], max(held[1], 0.0), min(held[2], 1.0))  # a share's interval stays in [0, 1]
            rows.append(
                {
                    "scenario": scenario,
                    "milestone": name,
                    "target": wanted[name],
                    "of": milestone.label,
                    "hold_tolerance": tolerance,
                    "replicates_reached": reached,
                    "replicates": len(per_rep),
                    "days_mean": days[0],
                    "days_lo95": days[1],
                    "days_hi95": days[2],
                    "held_share_mean": held[0],
                    "held_share_lo95": held[1],
                    "held_share_hi95": held[2],
                    "live_end_mean": float(per_rep["live_end"].mean()),
                    "started_mean": float(per_rep["started"].mean()),
                    "ended_mean": float(per_rep["ended"].mean()),
                    "status": "reached" if everywhere else "not reached",
                }
            )
    return pd.DataFrame(rows, columns=MILESTONE_COLUMNS)


MILESTONE_COLUMNS = (
    "scenario",
    "milestone",
    "target",
    "of",
    "hold_tolerance",
    "replicates_reached",
    "replicates",
    "days_mean",
    "days_lo95",
    "days_hi95",
    "held_share_mean",
    "held_share_lo95",
    "held_share_hi95",
    "live_end_mean",
    "started_mean",
    "ended_mean",
    "status",
)


def milestone_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The milestones as summary.csv rows: the day first reached (`days_to_plan_target` ...) and
    the share of days held after it (`plan_target_held_share` ...); NaN where not reached in
    every replicate."""
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    held_names = {m.name: m.held for m in lever_milestones()}
    days = table.rename(
        columns={"milestone": "metric", "days_mean": "mean", "days_lo95": "lo95", "days_hi95": "hi95"}
    )[["scenario", "metric", "mean", "lo95", "hi95"]]
    held = table.assign(metric=table["milestone"].map(held_names)).rename(
        columns={"held_share_mean": "mean", "held_share_lo95": "lo95", "held_share_hi95": "hi95"}
    )[["scenario", "metric", "mean", "lo95", "hi95"]]
    rows = pd.concat([days, held]).sort_index(kind="stable").reset_index(drop=True)
    return rows.assign(diff_mean=np.nan, diff_lo95=np.nan, diff_hi95=np.nan)
