"""From daily rows to the contract's summary: annual figures with 95% intervals, and paired
differences from the baseline by replicate (common random numbers make the pairing tight)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.lever import Milestone
from sim.levers import lever_classes
from sim.metrics import FLOW, KIND, METRIC_NAMES
from sim.units import DAYS_PER_YEAR

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


def days_to_reach(daily: pd.DataFrame, metric: str, target: float) -> pd.Series:
    """Per replicate, the day (counting from 1) on which the running total of `metric` first
    reaches `target`; NaN where it never does within the horizon."""
    result = {}
    for rep, d in daily.sort_values("day").groupby("replicate", sort=True):
        running = d[metric].cumsum().to_numpy()
        hit = np.flatnonzero(running >= target)
        result[rep] = float(d["day"].to_numpy()[hit[0]] + 1) if target > 0 and hit.size else np.nan
    return pd.Series(result, dtype=float)


def milestones(daily: pd.DataFrame, targets: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Time to the scale-up targets per scenario: `targets[scenario][metric_name] = target`.
    A target counts as reached only if every replicate reaches it within the horizon."""
    rows = []
    for scenario, wanted in targets.items():
        d = daily[daily["scenario"] == scenario]
        for milestone in lever_milestones():
            name = milestone.name
            if name not in wanted:
                continue
            days = days_to_reach(d, milestone.metric, wanted[name])
            reached = int(days.notna().sum())
            mean, lo, hi = interval(days.to_numpy()) if reached == days.size else (np.nan,) * 3
            rows.append(
                {
                    "scenario": scenario,
                    "milestone": name,
                    "target": wanted[name],
                    "of": milestone.label,
                    "replicates_reached": reached,
                    "replicates": int(days.size),
                    "days_mean": mean,
                    "days_lo95": lo,
                    "days_hi95": hi,
                    "status": "reached" if reached == days.size else "not reached",
                }
            )
    return pd.DataFrame(rows)


def milestone_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The milestones as summary.csv rows (NaN where not reached in every replicate)."""
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rows = table.rename(
        columns={"milestone": "metric", "days_mean": "mean", "days_lo95": "lo95", "days_hi95": "hi95"}
    )[["scenario", "metric", "mean", "lo95", "hi95"]]
    return rows.assign(diff_mean=np.nan, diff_lo95=np.nan, diff_hi95=np.nan)
