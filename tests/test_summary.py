"""summarise(): annual flows, mean stocks, per-1,000 rates, 95% intervals and paired differences,
checked on hand-made daily tables whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics import FLOW, KIND, METRIC_NAMES, STOCK
from sim.summary import PER_1000, summarise
from sim.units import DAYS_PER_YEAR

COLUMNS = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]
FLOWS = [m for m in METRIC_NAMES if KIND[m] == FLOW]
STOCKS = [m for m in METRIC_NAMES if KIND[m] == STOCK]


def daily_rows(scenario: str, replicate: int, days: int, seed: int) -> pd.DataFrame:
    """A daily table with every metric filled with reproducible made-up numbers."""
    rng = np.random.default_rng([seed, replicate])
    frame = pd.DataFrame({"scenario": scenario, "replicate": replicate, "day": np.arange(days)})
    for metric in METRIC_NAMES:
        frame[metric] = rng.integers(0, 20, days).astype(float)
    return frame


def daily_table(scenarios: dict[str, int], reps: int = 3, days: int = 40) -> pd.DataFrame:
    """`scenarios` maps name -> seed of its made-up numbers (same seed, same numbers)."""
    return pd.concat(
        [daily_rows(name, r, days, seed) for name, seed in scenarios.items() for r in range(reps)],
        ignore_index=True,
    )


def row(summary: pd.DataFrame, scenario: str, metric: str) -> pd.Series:
    [index] = summary.index[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    return summary.loc[index]


def test_summary_columns_are_exactly_the_contracts():
    summary = summarise(daily_table({"baseline": 1}), {"baseline": 1000}, "baseline")
    assert list(summary.columns) == COLUMNS


def test_identical_scenarios_differ_by_exactly_zero_with_a_zero_width_interval():
    daily = daily_table({"baseline": 1, "copy": 1})
    summary = summarise(daily, {"baseline": 1000, "copy": 1000}, "baseline")

    copy = summary[summary["scenario"] == "copy"]
    assert len(copy) > 0
    assert (copy["diff_mean"] == 0.0).all()
    assert (copy["diff_lo95"] == 0.0).all()
    assert (copy["diff_hi95"] == 0.0).all()


def test_the_baseline_differs_from_itself_by_exactly_zero():
    summary = summarise(daily_table({"baseline": 1}), {"baseline": 1000}, "baseline")
    assert (summary[["diff_mean", "diff_lo95", "diff_hi95"]] == 0.0).all().all()


def test_differences_are_nan_without_a_baseline():
    summary = summarise(daily_table({"a": 1}), {"a": 1000}, None)
    assert summary[["diff_mean", "diff_lo95", "diff_hi95"]].isna().all().all()


def test_every_scenario_has_a_row_per_metric_and_per_1000_rows_only_for_flows():
    summary = summarise(daily_table({"a": 1, "b": 2}), {"a": 1000, "b": 2000}, None)
    expected = set(METRIC_NAMES) | {f + PER_1000 for f in FLOWS}

    for scenario in ("a", "b"):
        assert set(summary.loc[summary["scenario"] == scenario, "metric"]) == expected
    assert not any(s + PER_1000 in set(summary["metric"]) for s in STOCKS)


@pytest.mark.parametrize("metric", FLOWS)
def test_flows_are_annualised_sums(metric):
    days = 40
    daily = daily_table({"a": 1}, reps=1, days=days)
    summary = summarise(daily, {"a": 1000}, None)

    expected = daily[metric].sum() * DAYS_PER_YEAR / days
    assert row(summary, "a", metric)["mean"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("metric", FLOWS)
def test_per_1000_rate_is_the_annual_figure_per_1000_people(metric):
    summary = summarise(daily_table({"a": 1}), {"a": 2500}, None)

    annual = row(summary, "a", metric)["mean"]
    per_1000 = row(summary, "a", metric + PER_1000)["mean"]
    assert per_1000 == pytest.approx(annual / 2500 * 1000, rel=1e-12)


@pytest.mark.parametrize("metric", STOCKS)
def test_stocks_are_daily_means(metric):
    daily = daily_table({"a": 1}, reps=1)
    summary = summarise(daily, {"a": 1000}, None)

    assert row(summary, "a", metric)["mean"] == pytest.approx(daily[metric].mean(), rel=1e-12)


def test_mean_is_the_average_over_replicates_of_each_replicates_figure():
    days = 40
    daily = daily_table({"a": 1}, reps=3, days=days)
    summary = summarise(daily, {"a": 1000}, None)

    per_rep = daily.groupby("replicate")["ae_attendances"].sum() * DAYS_PER_YEAR / days
    assert row(summary, "a", "ae_attendances")["mean"] == pytest.approx(per_rep.mean(), rel=1e-12)


def test_interval_is_the_t_interval_of_the_replicate_figures():
    daily = daily_table({"a": 1}, reps=4)
    summary = summarise(daily, {"a": 1000}, None)
    per_rep = daily.groupby("replicate")["alive"].mean().to_numpy()
    half = 3.182446305284263 * per_rep.std(ddof=1) / math.sqrt(4)  # t(0.975, 3 df)

    r = row(summary, "a", "alive")
    assert r["lo95"] == pytest.approx(per_rep.mean() - half, rel=1e-9)
    assert r["hi95"] == pytest.approx(per_rep.mean() + half, rel=1e-9)


def test_one_replicate_gives_nan_interval_bounds():
    summary = summarise(daily_table({"baseline": 1, "b": 2}, reps=1), {"baseline": 1000, "b": 1000},
                        "baseline")

    assert summary["mean"].notna().all()
    for column in ("lo95", "hi95", "diff_lo95", "diff_hi95"):
        assert summary[column].isna().all(), column


def test_differences_are_paired_by_replicate():
    """b = baseline + 5 on one day of each replicate: the difference is the same in every
    replicate, so the paired interval has zero width although the replicates vary."""
    base = daily_table({"baseline": 1}, reps=3, days=40)
    shifted = base.assign(scenario="b")
    shifted.loc[shifted["day"] == 0, "ae_attendances"] += 5
    summary = summarise(pd.concat([base, shifted]), {"baseline": 1000, "b": 1000}, "baseline")

    r = row(summary, "b", "ae_attendances")
    assert r["diff_mean"] == pytest.approx(5 * DAYS_PER_YEAR / 40, rel=1e-12)
    assert r["diff_hi95"] - r["diff_lo95"] == pytest.approx(0.0, abs=1e-9)
    assert r["hi95"] - r["lo95"] > 1.0
