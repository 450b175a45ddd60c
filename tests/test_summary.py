"""summarise(): annual flows, mean stocks, per-1,000 rates, 95% intervals and paired differences,
checked on hand-made daily tables whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics import FLOW, KIND, METRIC_NAMES, STOCK
from sim.summary import (
    COST_METRICS,
    DISCOUNTED,
    HORIZON,
    INTERVAL,
    MONTE_CARLO,
    PARAMETER,
    PER_1000,
    RELEASED,
    Valuation,
    interval_kind,
    spread_interval,
    summarise,
)
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


def test_summary_columns_are_the_contracts_then_the_kind_of_interval():
    summary = summarise(daily_table({"baseline": 1}), {"baseline": 1000}, "baseline")
    assert list(summary.columns) == [*COLUMNS, INTERVAL]
    assert (summary[INTERVAL] == MONTE_CARLO).all()


def test_the_spread_is_the_central_95_percent_of_the_replicates_values():
    """0, 1, ..., 40: linear percentiles at 2.5% and 97.5% fall on 1 and 39 exactly."""
    mean, lo, hi = spread_interval(np.arange(41.0))
    assert (mean, lo, hi) == (20.0, 1.0, 39.0)


def test_with_parameter_draws_the_interval_is_the_spread_not_the_interval_of_the_mean():
    daily = daily_table({"baseline": 1, "b": 2}, reps=5)
    summary = summarise(daily, {"baseline": 1000, "b": 1000}, "baseline", kind=PARAMETER)
    a = daily[daily["scenario"] == "b"].groupby("replicate")["alive"].mean().to_numpy()
    base = daily[daily["scenario"] == "baseline"].groupby("replicate")["alive"].mean().to_numpy()

    r = row(summary, "b", "alive")
    assert (r["lo95"], r["hi95"]) == pytest.approx(tuple(np.percentile(a, [2.5, 97.5])), rel=1e-12)
    assert (r["diff_lo95"], r["diff_hi95"]) == pytest.approx(
        tuple(np.percentile(a - base, [2.5, 97.5])), rel=1e-12
    )
    assert r[INTERVAL] == PARAMETER


def test_a_runs_kind_of_interval_follows_its_parameter_source():
    assert interval_kind({"source": "fixed"}) == MONTE_CARLO
    assert interval_kind(None) == MONTE_CARLO  # a run from before parameter sources
    assert interval_kind({"source": "calibration/stockton/posterior.csv"}) == PARAMETER


def test_identical_scenarios_differ_by_exactly_zero_with_a_zero_width_interval():
    daily = daily_table({"baseline": 1, "copy": 1})
    summary = summarise(daily, {"baseline": 1000, "copy": 1000}, "baseline")

    copy = summary[(summary["scenario"] == "copy") & ~summary["metric"].isin(RELEASED)]
    assert len(copy) > 0
    assert (copy["diff_mean"] == 0.0).all()
    assert (copy["diff_lo95"] == 0.0).all()
    assert (copy["diff_hi95"] == 0.0).all()
    released = summary[(summary["scenario"] == "copy") & summary["metric"].isin(RELEASED)]
    assert len(released) == len(RELEASED)
    assert (released[["mean", "lo95", "hi95"]] == 0.0).all().all()


def test_the_baseline_differs_from_itself_by_exactly_zero():
    summary = summarise(daily_table({"baseline": 1}), {"baseline": 1000}, "baseline")
    paired = summary[~summary["metric"].isin(RELEASED)]
    assert (paired[["diff_mean", "diff_lo95", "diff_hi95"]] == 0.0).all().all()


def test_differences_are_nan_without_a_baseline():
    summary = summarise(daily_table({"a": 1}), {"a": 1000}, None)
    assert summary[["diff_mean", "diff_lo95", "diff_hi95"]].isna().all().all()


def test_every_scenario_has_a_row_per_metric_and_per_1000_rows_only_for_flows():
    summary = summarise(daily_table({"a": 1, "b": 2}), {"a": 1000, "b": 2000}, None)
    horizon = {c + suffix for c in COST_METRICS for suffix in (HORIZON, DISCOUNTED)}
    expected = set(METRIC_NAMES) | {f + PER_1000 for f in FLOWS} | horizon | {h + PER_1000 for h in horizon}

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
    summary = summarise(
        daily_table({"baseline": 1, "b": 2}, reps=1), {"baseline": 1000, "b": 1000}, "baseline"
    )

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


def constant_cost_table(days: int, scenario: str = "a", reps: int = 2) -> pd.DataFrame:
    """Every metric zero except GBP 1 of NHS cost every day."""
    frame = daily_table({scenario: 1}, reps=reps, days=days)
    frame[list(METRIC_NAMES)] = 0.0
    frame["cost_nhs"] = frame["cost_total"] = 1.0
    return frame


def test_two_years_of_a_constant_daily_cost_discount_in_green_book_annual_steps():
    # 730 days: days 0-364 are year 0 (weight 1), days 365-729 year 1 (weight 1 / 1.035)
    summary = summarise(constant_cost_table(730), {"a": 1000}, None, {"a": Valuation(0.035)})

    assert row(summary, "a", "cost_nhs")["mean"] == pytest.approx(365.25, rel=1e-12)  # a year
    assert row(summary, "a", "cost_nhs" + HORIZON)["mean"] == pytest.approx(730.0, rel=1e-12)
    assert row(summary, "a", "cost_nhs" + DISCOUNTED)["mean"] == pytest.approx(365 + 365 / 1.035, rel=1e-12)
    assert row(summary, "a", "cost_total" + DISCOUNTED + PER_1000)["mean"] == pytest.approx(
        365 + 365 / 1.035, rel=1e-12
    )


def test_a_third_year_is_discounted_twice_and_holds_the_leap_day():
    # 1,096 days: a day belongs to the 365.25-day year that holds its middle, so year 2 is
    # days 730-1095 (366 days)
    summary = summarise(constant_cost_table(1096), {"a": 1000}, None, {"a": Valuation(0.035)})

    expected = 365 + 365 / 1.035 + 366 / 1.035**2
    assert row(summary, "a", "cost_nhs" + DISCOUNTED)["mean"] == pytest.approx(expected, rel=1e-12)


def test_a_zero_discount_rate_gives_the_undiscounted_total():
    summary = summarise(constant_cost_table(800), {"a": 1000}, None, {"a": Valuation(0.0)})
    undiscounted = row(summary, "a", "cost_nhs" + HORIZON)["mean"]
    assert row(summary, "a", "cost_nhs" + DISCOUNTED)["mean"] == undiscounted == 800.0


def test_the_discount_rate_is_each_scenarios_own():
    daily = pd.concat([constant_cost_table(730, "a"), constant_cost_table(730, "b")])
    summary = summarise(daily, {"a": 1000, "b": 1000}, None, {"a": Valuation(0.035), "b": Valuation(0.015)})

    assert row(summary, "b", "cost_nhs" + DISCOUNTED)["mean"] == pytest.approx(365 + 365 / 1.015, rel=1e-12)


def test_the_registry_rate_is_the_default():
    summary = summarise(constant_cost_table(730), {"a": 1000}, None)
    assert row(summary, "a", "cost_nhs" + DISCOUNTED)["mean"] == pytest.approx(365 + 365 / 1.035, rel=1e-12)


def test_discounted_differences_are_paired_by_replicate():
    """b spends GBP 10 more on day 400 of each replicate: year 1, so 10 / 1.035 discounted."""
    base = daily_table({"baseline": 1}, reps=3, days=730)
    more = base.assign(scenario="b")
    more.loc[more["day"] == 400, ["cost_programme", "cost_total"]] += 10
    valuations = {"baseline": Valuation(0.035), "b": Valuation(0.035)}
    summary = summarise(pd.concat([base, more]), {"baseline": 1000, "b": 1000}, "baseline", valuations)

    for metric in ("cost_programme", "cost_total"):
        r = row(summary, "b", metric + DISCOUNTED)
        assert r["diff_mean"] == pytest.approx(10 / 1.035, rel=1e-9)
        assert r["diff_hi95"] - r["diff_lo95"] == pytest.approx(0.0, abs=1e-9)
        assert row(summary, "b", metric + HORIZON)["diff_mean"] == pytest.approx(10.0, rel=1e-9)


def fewer_bed_days(freed: float, days: int = 73, reps: int = 3) -> pd.DataFrame:
    """A baseline and a scenario `b` whose cohort uses `freed` fewer bed days on day 5 of each
    replicate, while the whole hospital uses `freed - 1` fewer (someone else took a bed-day)."""
    base = daily_table({"baseline": 1}, reps=reps, days=days)
    b = base.assign(scenario="b")
    b.loc[b["day"] == 5, "bed_days"] -= freed
    b.loc[b["day"] == 5, "hospital_bed_days"] -= freed - 1
    return pd.concat([base, b])


def test_bed_days_released_are_the_paired_fall_in_the_cohorts_bed_days_a_year():
    # 10 bed days freed in a 73-day run: 10 x 365.25 / 73 a year, the same in every replicate
    valuations = {"baseline": Valuation(0.035, 300.0), "b": Valuation(0.035, 300.0)}
    summary = summarise(fewer_bed_days(10), {"baseline": 2000, "b": 2000}, "baseline", valuations)

    a_year = 10 * DAYS_PER_YEAR / 73
    released = row(summary, "b", "bed_days_released")
    assert (released["mean"], released["lo95"], released["hi95"]) == pytest.approx((a_year,) * 3, rel=1e-9)
    assert released[["diff_mean", "diff_lo95", "diff_hi95"]].isna().all()  # already a difference
    assert row(summary, "b", "bed_days_released" + PER_1000)["mean"] == pytest.approx(a_year / 2, rel=1e-9)
    assert row(summary, "b", "hospital_bed_days_released")["mean"] == pytest.approx(
        9 * DAYS_PER_YEAR / 73, rel=1e-9
    )


def test_bed_days_released_are_priced_as_capacity_at_the_bed_day_value():
    valuations = {"baseline": Valuation(0.035, 300.0), "b": Valuation(0.035, 300.0)}
    summary = summarise(fewer_bed_days(10), {"baseline": 1000, "b": 1000}, "baseline", valuations)

    value = row(summary, "b", "bed_days_released_capacity_value")["mean"]
    assert value == pytest.approx(10 * DAYS_PER_YEAR / 73 * 300.0, rel=1e-9)


def test_the_capacity_value_of_bed_days_is_never_in_a_cost():
    daily = fewer_bed_days(10)
    sizes = {"baseline": 1000, "b": 1000}
    cheap = summarise(daily, sizes, "baseline", {s: Valuation(0.035, 1.0) for s in sizes})
    dear = summarise(daily, sizes, "baseline", {s: Valuation(0.035, 1000.0) for s in sizes})

    priced = cheap["metric"].str.contains("capacity_value")
    assert priced.sum() == 4 and cheap["metric"].str.startswith("cost_").sum() > 0
    pd.testing.assert_frame_equal(cheap[~priced], dear[~priced])  # every cost row included


def test_no_bed_days_released_without_a_baseline():
    summary = summarise(fewer_bed_days(10), {"baseline": 1000, "b": 1000}, None)
    assert not summary["metric"].isin(RELEASED).any()
