"""From daily rows to the contract's summary: annual figures with 95% intervals, and paired
differences from the baseline by replicate (common random numbers make the pairing tight).

Costs are also given as totals over the horizon, undiscounted and discounted (HM Treasury
Green Book), side by side, each with its paired difference. Bed days released against the
baseline are given apart from every cost, priced as capacity, never as cash: a freed bed
saves no money unless the trust closes it, and a busy trust fills it with other patients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import COST_TOTAL, FLOW, KIND, METRIC_NAMES, PAYERS
from sim.params import Params
from sim.units import DAYS_PER_YEAR

PER_1000 = "_per_1000"
HORIZON = "_horizon"  # a cost's undiscounted total over the whole horizon
DISCOUNTED = "_horizon_discounted"  # the same total, discounted
COST_METRICS = (*(payer.name for payer in PAYERS), COST_TOTAL.name)
SUMMARY_COLUMNS = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]


# Rows that are already paired differences from the baseline (released = baseline - scenario),
# so they have no difference columns of their own.
RELEASED = (
    "bed_days_released",
    "bed_days_released" + PER_1000,
    "bed_days_released_capacity_value",
    "bed_days_released_capacity_value" + PER_1000,
    "hospital_bed_days_released",
)


@dataclass(frozen=True)
class Valuation:
    """How one scenario's costs are valued: its discount rate (a year), and the capacity value
    of a bed day (GBP; the excess bed day cost), which is never cash."""

    discount_rate: float
    bed_day_value: float = 0.0

    @classmethod
    def of(cls, params: Params) -> Valuation:
        return cls(
            discount_rate=params.source_value("costs.discount_rate"),
            bed_day_value=params.source_value("costs.excess_bed_day"),
        )


def discount_weights(day: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """The weight of each recorded day's cost: 1 / (1 + rate)^t, t the whole year of the horizon
    that holds the day's middle (t = 0 for the first year, day 0 being the first day reported).
    Annual steps, as the Green Book discounts (year 0 undiscounted), not a continuous decline."""
    year = np.floor((np.asarray(day, dtype=float) + 0.5) / DAYS_PER_YEAR)
    return (1.0 + rate) ** -year


def per_replicate(
    daily: pd.DataFrame, sizes: dict[str, int], valuations: dict[str, Valuation] | None = None
) -> pd.DataFrame:
    """One row per (scenario, replicate, metric): flows as annual totals, stocks as daily means,
    and flows again per 1,000 people in the starting cohort. Each cost is followed by its
    totals over the horizon, undiscounted and discounted at the scenario's rate."""
    valuations = _valuations(valuations, daily)
    rate = daily["scenario"].map({s: v.discount_rate for s, v in valuations.items()}).to_numpy()
    weighted = daily[list(COST_METRICS)].mul(discount_weights(daily["day"].to_numpy(), rate), axis=0)
    discounted = weighted.groupby([daily["scenario"], daily["replicate"]], sort=False).sum()
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
                total = sums.at[(scenario, rep), metric]
                rows.append((scenario, rep, metric, total / years))
                rows.append((scenario, rep, metric + PER_1000, total / years / per_thousand))
            else:
                rows.append((scenario, rep, metric, means.at[(scenario, rep), metric]))
            if metric in COST_METRICS:
                present = discounted.at[(scenario, rep), metric]
                rows.append((scenario, rep, metric + HORIZON, total))
                rows.append((scenario, rep, metric + HORIZON + PER_1000, total / per_thousand))
                rows.append((scenario, rep, metric + DISCOUNTED, present))
                rows.append((scenario, rep, metric + DISCOUNTED + PER_1000, present / per_thousand))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "value"])


def _valuations(given: dict[str, Valuation] | None, daily: pd.DataFrame) -> dict[str, Valuation]:
    """Each scenario's valuation; the registry's defaults for a scenario not given one."""
    default = Valuation.of(Params())
    return {s: (given or {}).get(s, default) for s in daily["scenario"].unique()}


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


def summarise(
    daily: pd.DataFrame,
    sizes: dict[str, int],
    baseline: str | None,
    valuations: dict[str, Valuation] | None = None,
) -> pd.DataFrame:
    """The contract's summary.csv: scenario, metric, mean, lo95, hi95, diff_mean, diff_lo95, diff_hi95.
    `valuations` gives each scenario's discount rate (the registry's by default)."""
    reps = per_replicate(daily, sizes, valuations)
    if baseline is not None:
        reps = _with_released(reps, released_rows(reps, baseline, _valuations(valuations, daily)))
    wide = reps.pivot_table(index=["scenario", "metric"], columns="replicate", values="value", sort=False)
    rows = []
    for (scenario, metric), values in wide.iterrows():
        mean, lo, hi = interval(values.to_numpy())
        diff = (float("nan"),) * 3
        if baseline is not None and (baseline, metric) in wide.index and metric not in RELEASED:
            paired = values.to_numpy() - wide.loc[(baseline, metric)].to_numpy()
            diff = interval(paired)
        rows.append((scenario, metric, mean, lo, hi, *diff))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def released_rows(reps: pd.DataFrame, baseline: str, valuations: dict[str, Valuation]) -> pd.DataFrame:
    """Per (scenario, replicate): the cohort's bed days a year released against the paired
    baseline replicate (baseline minus scenario), also per 1,000, priced at the scenario's
    capacity value of a bed day; and the whole hospital's bed days released, which differ from
    the cohort's by what happened to everyone else's (other patients' use of beds, or their
    delays, change with the cohort's)."""
    wide = reps.pivot_table(index=["scenario", "replicate"], columns="metric", values="value", sort=False)
    base = wide.loc[baseline]
    rows = []
    for scenario in dict.fromkeys(reps["scenario"]):
        mine = wide.loc[scenario]
        price = valuations[scenario].bed_day_value
        released = (base["bed_days"] - mine["bed_days"]).dropna()
        per_1000 = (base["bed_days" + PER_1000] - mine["bed_days" + PER_1000]).dropna()
        hospital = (base["hospital_bed_days"] - mine["hospital_bed_days"]).dropna()
        for rep in released.index:
            rows += [
                (scenario, rep, RELEASED[0], released[rep]),
                (scenario, rep, RELEASED[1], per_1000[rep]),
                (scenario, rep, RELEASED[2], released[rep] * price),
                (scenario, rep, RELEASED[3], per_1000[rep] * price),
                (scenario, rep, RELEASED[4], hospital[rep]),
            ]
    return pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "value"])


def _with_released(reps: pd.DataFrame, released: pd.DataFrame) -> pd.DataFrame:
    """The released rows placed after each scenario's own bed days (then its other rows)."""
    metrics = list(dict.fromkeys(reps["metric"]))
    at = metrics.index("bed_days" + PER_1000) + 1
    order = {m: i for i, m in enumerate([*metrics[:at], *RELEASED, *metrics[at:]])}
    scenarios = {s: i for i, s in enumerate(dict.fromkeys(reps["scenario"]))}
    combined = pd.concat([reps, released], ignore_index=True)
    key = combined["scenario"].map(scenarios) * len(order) + combined["metric"].map(order)
    return combined.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


MILESTONES = (
    ("days_to_plan_target", "plans_completed", "care plans"),
    ("days_to_budget_target", "phbs_started", "personal health budgets"),
)


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
        for name, metric, label in MILESTONES:
            if name not in wanted:
                continue
            days = days_to_reach(d, metric, wanted[name])
            reached = int(days.notna().sum())
            mean, lo, hi = interval(days.to_numpy()) if reached == days.size else (np.nan,) * 3
            rows.append(
                {
                    "scenario": scenario,
                    "milestone": name,
                    "target": wanted[name],
                    "of": label,
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
