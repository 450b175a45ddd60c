"""From daily rows to the contract's summary: annual figures with 95% intervals, and paired
differences from the baseline by replicate (common random numbers make the pairing tight).

Costs are also given as totals over the horizon, undiscounted and discounted (HM Treasury
Green Book), side by side, each with its paired difference. Bed days released against the
baseline are given apart from every cost, priced as capacity, never as cash: a freed bed
saves no money unless the trust closes it, and a busy trust fills it with other patients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.lever import Milestone
from sim.levers import lever_classes
from sim.metrics import COST_TOTAL, FLOW, KIND, METRIC_NAMES, PAYERS
from sim.params import Params, registry
from sim.units import DAYS_PER_YEAR

HOLD_TOLERANCE = "milestones.hold_tolerance"  # the registry entry: how far below a target counts as held
PER_1000 = "_per_1000"
HORIZON = "_horizon"  # a cost's undiscounted total over the whole horizon
DISCOUNTED = "_horizon_discounted"  # the same total, discounted
COST_METRICS = (*(payer.name for payer in PAYERS), COST_TOTAL.name)
SUMMARY_COLUMNS = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]
INTERVAL = "interval"  # summary.csv's last column: MONTE_CARLO or PARAMETER (older runs lack it)


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


MONTE_CARLO = "monte_carlo"  # fixed parameters: the t interval of the mean over replicates
PARAMETER = "parameter"  # a parameter draw per replicate: the 2.5th-97.5th percentiles over them
SPREAD = (2.5, 97.5)


def spread_interval(values: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and the central 95% of the replicates' own values along `axis`. With a parameter
    draw per replicate this is the projection's range under parameter uncertainty (with one
    replicate's Monte Carlo noise in it); it does not shrink as replicates are added, as the
    interval of the mean would. NaN bounds where there is only one replicate."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=axis)
    if values.shape[axis] < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan.copy()
    lo, hi = np.percentile(values, SPREAD, axis=axis)
    return mean, lo, hi


def band(values: np.ndarray, kind: str = MONTE_CARLO, axis: int = -1):
    """The interval a run's kind calls for (`MONTE_CARLO` or `PARAMETER`), for a whole table."""
    return spread_interval(values, axis) if kind == PARAMETER else t_interval(values, axis)


def interval(values: np.ndarray, kind: str = MONTE_CARLO) -> tuple[float, float, float]:
    """`band` of one set of replicate values, as plain floats."""
    mean, lo, hi = band(np.asarray(values, dtype=float).reshape(-1), kind)
    return float(mean), float(lo), float(hi)


def interval_kind(parameters: Mapping[str, Any] | None) -> str:
    """A run's kind of interval from its manifest's `parameters` (none before they existed)."""
    return MONTE_CARLO if not parameters or parameters.get("source") == "fixed" else PARAMETER


def summarise(
    daily: pd.DataFrame,
    sizes: dict[str, int],
    baseline: str | None,
    valuations: dict[str, Valuation] | None = None,
    kind: str = MONTE_CARLO,
) -> pd.DataFrame:
    """The contract's summary.csv: scenario, metric, mean, lo95, hi95, diff_mean, diff_lo95, diff_hi95,
    and which interval they are (`kind`). `valuations` gives each scenario's discount rate (the
    registry's by default)."""
    reps = per_replicate(daily, sizes, valuations)
    if baseline is not None:
        reps = _with_released(reps, released_rows(reps, baseline, _valuations(valuations, daily)))
    wide = reps.pivot_table(index=["scenario", "metric"], columns="replicate", values="value", sort=False)
    rows = []
    for (scenario, metric), values in wide.iterrows():
        mean, lo, hi = interval(values.to_numpy(), kind)
        diff = (float("nan"),) * 3
        if baseline is not None and (baseline, metric) in wide.index and metric not in RELEASED:
            paired = values.to_numpy() - wide.loc[(baseline, metric)].to_numpy()
            diff = interval(paired, kind)
        rows.append((scenario, metric, mean, lo, hi, *diff, kind))
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, INTERVAL])


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
    kind: str = MONTE_CARLO,
) -> pd.DataFrame:
    """Reaching and holding the scale-up targets, per scenario: `targets[scenario][name] =
    target` (`Scenario.targets`), `tolerances[scenario]` the share below the target that still
    counts as there (`Scenario.hold_tolerance`; the registry's default for a scenario not given).

    The first day reached and the share of days held are given (mean and 95% interval over
    replicates) only if every replicate reaches the target within the horizon; the live
    caseload on the last day and the starts and ends over the horizon are means over all.
    Whatever the count, the replicates that reach it give their first day (mean and range,
    `reached_day_*`), and those that do not give the live caseload they end with and how far
    it is short of the target (mean and range, `unreached_*`): "reached by 19 of 20 on days
    380-455; the other one ends 110 short" says what "not reached" alone does not."""
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
            days_reached = per_rep["day"].dropna()
            live_unreached = per_rep.loc[per_rep["day"].isna(), "live_end"]
            days = interval(per_rep["day"].to_numpy(), kind) if everywhere else (np.nan,) * 3
            held = interval(per_rep["held_share"].to_numpy(), kind) if everywhere else (np.nan,) * 3
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
                    "status": "reached" if everywhere else "partly reached" if reached else "not reached",
                    **_range("reached_day", days_reached),
                    **_range("unreached_live_end", live_unreached),
                    **_range("unreached_shortfall", wanted[name] - live_unreached),
                }
            )
    return pd.DataFrame(rows, columns=[*MILESTONE_COLUMNS, *MILESTONE_RANGES])


def _range(name: str, values: pd.Series) -> dict[str, float]:
    """`name`_mean, _min and _max of `values`; NaN where there are none."""
    if values.empty:
        return {f"{name}_{stat}": np.nan for stat in RANGE}
    return {f"{name}_{stat}": float(values.agg(stat)) for stat in RANGE}


RANGE = ("mean", "min", "max")
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
# after them (a run folder from before they existed lacks them): the days of the replicates that
# reach a target, and the live caseload and shortfall of those that do not
RANGED = ("reached_day", "unreached_live_end", "unreached_shortfall")
MILESTONE_RANGES = tuple(f"{name}_{stat}" for name in RANGED for stat in RANGE)


def milestone_rows(table: pd.DataFrame, kind: str = MONTE_CARLO) -> pd.DataFrame:
    """The milestones as summary.csv rows: the day first reached (`days_to_plan_target` ...) and
    the share of days held after it (`plan_target_held_share` ...); NaN where not reached in
    every replicate."""
    if table.empty:
        return pd.DataFrame(columns=[*SUMMARY_COLUMNS, INTERVAL])
    held_names = {m.name: m.held for m in lever_milestones()}
    days = table.rename(
        columns={"milestone": "metric", "days_mean": "mean", "days_lo95": "lo95", "days_hi95": "hi95"}
    )[["scenario", "metric", "mean", "lo95", "hi95"]]
    held = table.assign(metric=table["milestone"].map(held_names)).rename(
        columns={"held_share_mean": "mean", "held_share_lo95": "lo95", "held_share_hi95": "hi95"}
    )[["scenario", "metric", "mean", "lo95", "hi95"]]
    rows = pd.concat([days, held]).sort_index(kind="stable").reset_index(drop=True)
    return rows.assign(diff_mean=np.nan, diff_lo95=np.nan, diff_hi95=np.nan, **{INTERVAL: kind})
