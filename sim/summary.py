"""From daily rows to the contract's summary: annual figures with 95% intervals, and paired
differences from the baseline by replicate (common random numbers make the pairing tight)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import FLOW, KIND, METRIC_NAMES

DAYS_PER_YEAR = 365.25
PER_1000 = "_per_1000"


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


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and t-based 95% interval of the mean across replicates (NaN bounds for one rep)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half


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
    return pd.DataFrame(
        rows,
        columns=["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"],
    )
