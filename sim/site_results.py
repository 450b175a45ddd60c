"""Results per site: `sites.parquet` (one row per scenario, replicate, day and site) and
`sites.csv` (each site's annual figures with 95% intervals).

A task's daily table carries its sites' figures as extra columns `site<i>.<metric>`, so that
they travel through executors and task files with the rest of the task and are checked with
it. `sim.batch.combine` and `combine_sites` take them back out: `daily.parquet` keeps exactly
the contract's columns, and the sites' figures add up to its totals (`tests/test_sites.py`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import FLOW, KIND, STOCK
from sim.summary import MONTE_CARLO, PER_1000, band
from sim.trust import SITE_METRICS, site_column
from sim.units import DAYS_PER_YEAR

SITE_KIND = {metric: KIND.get(metric, STOCK) for metric in SITE_METRICS}  # `people` is a stock
HOSPITAL_WIDE = "hospital_"  # figures for everyone the hospital serves, not only the cohort
SITE_SUMMARY_COLUMNS = ["scenario", "site", "metric", "mean", "lo95", "hi95"]


def site_columns(n_sites: int) -> tuple[str, ...]:
    """The extra columns of a task with `n_sites` sites, in the order they are recorded."""
    return tuple(site_column(i, metric) for i in range(n_sites) for metric in SITE_METRICS)


def site_names(resolved: dict[str, Any]) -> list[str]:
    """The sites of a resolved scenario (`Scenario.resolved()`), in index order."""
    return [site["name"] for site in resolved["sites"]]


def long_table(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One task's site columns as rows: scenario, replicate, day, site, then SITE_METRICS."""
    parts = []
    for index, name in enumerate(names):
        columns = {site_column(index, metric): metric for metric in SITE_METRICS}
        part = frame[["scenario", "replicate", "day", *columns]].rename(columns=columns)
        part.insert(3, "site", name)
        parts.append(part.astype({"people": np.int64}))
    return pd.concat(parts, ignore_index=True)


def summarise_sites(sites: pd.DataFrame, kind: str = MONTE_CARLO) -> pd.DataFrame:
    """Each site's figures a year, with 95% intervals across replicates: flows as annual totals
    and per 1,000 of the site's starting cohort, stocks as daily means, and the cohort's share
    of the hospital's DTOC and bed days (the figures that must not depend on cohort size)."""
    rows = []
    for (scenario, site), d in sites.groupby(["scenario", "site"], sort=False):
        by_rep = d.sort_values("day").groupby("replicate", sort=True)
        years = by_rep["day"].count().to_numpy() / DAYS_PER_YEAR
        sums, means = by_rep[list(SITE_METRICS)].sum(), by_rep[list(SITE_METRICS)].mean()
        cohort = by_rep["people"].first().to_numpy().astype(float)
        values: dict[str, np.ndarray] = {}
        for metric in SITE_METRICS:
            if SITE_KIND[metric] == FLOW:
                values[metric] = sums[metric].to_numpy() / years
                if not metric.startswith(HOSPITAL_WIDE):  # per 1,000 of the site's cohort
                    values[metric + PER_1000] = values[metric] / np.maximum(cohort, 1.0) * 1000.0
            else:
                values[metric] = means[metric].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            values["cohort_share_of_bed_days"] = (
                sums["bed_days"].to_numpy() / sums["hospital_bed_days"].to_numpy()
            )
            values["cohort_share_of_dtoc_days"] = (
                sums["dtoc_days"].to_numpy() / sums["hospital_dtoc_days"].to_numpy()
            )
        for metric, value in values.items():
            mean, lo, hi = band(value, kind)
            rows.append((scenario, site, metric, float(mean), float(lo), float(hi)))
    return pd.DataFrame(rows, columns=SITE_SUMMARY_COLUMNS)
