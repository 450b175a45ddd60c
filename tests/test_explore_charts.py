"""The comparison views' tables (sim.explorer.charts) on hand-made runs, against sums and
intervals worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from sim.explorer import charts
from sim.run_reader import RunContents

DAYS = 61  # day 0 to 60: month 1 is days 0-30 (31 days), month 2 days 31-60 (30 days)


def run_of(daily: pd.DataFrame, summary: pd.DataFrame | None = None) -> RunContents:
    manifest = {"baseline": "baseline", "scenarios": [], "replicates": 2}
    empty = pd.DataFrame(
        columns=["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]
    )
    return RunContents(manifest, daily, summary if summary is not None else empty, {}, pd.DataFrame(), None)


def test_monthly_sums_whole_months_and_gives_the_t_interval_over_replicates() -> None:
    """One admission a day in replicate 0 and two in replicate 1: month 1 (31 days) sums to 31
    and 62, mean 46.5, and the 95% t interval with 1 degree of freedom is 46.5 +- t * sd / sqrt 2."""
    daily = pd.DataFrame(
        [
            {"scenario": "baseline", "replicate": r, "day": d, "emergency_admissions": r + 1}
            for r in (0, 1)
            for d in range(DAYS)
        ]
    )
    table = charts.monthly(run_of(daily), "emergency_admissions")
    assert table["month"].tolist() == [1, 2]
    first = table.iloc[0]
    assert first["mean"] == pytest.approx(46.5)
    half = stats.t.ppf(0.975, 1) * pd.Series([31, 62]).std() / math.sqrt(2)
    assert (first["lo95"], first["hi95"]) == pytest.approx((46.5 - half, 46.5 + half))
    assert table.iloc[1]["mean"] == pytest.approx(45.0)  # 30 and 60


def test_a_part_month_at_the_end_is_left_out() -> None:
    daily = pd.DataFrame(
        [
            {"scenario": "baseline", "replicate": r, "day": d, "emergency_admissions": 1}
            for r in (0, 1)
            for d in range(40)
        ]
    )
    assert charts.monthly(run_of(daily), "emergency_admissions")["month"].tolist() == [1]


def test_payer_costs_are_each_payers_discounted_difference_and_skip_the_baseline() -> None:
    rows = [
        {
            "scenario": s,
            "metric": f"{payer}_horizon_discounted",
            "mean": 0.0,
            "lo95": 0.0,
            "hi95": 0.0,
            "diff_mean": k,
            "diff_lo95": k - 1,
            "diff_hi95": k + 1,
        }
        for s in ("baseline", "option")
        for k, payer in enumerate(("cost_nhs", "cost_social_care", "cost_phb", "cost_programme"))
    ]
    rows.append(
        {
            "scenario": "option",
            "metric": "cost_nhs",
            "mean": 0,
            "lo95": 0,
            "hi95": 0,
            "diff_mean": 99,
            "diff_lo95": 99,
            "diff_hi95": 99,
        }
    )  # undiscounted a year: not this chart
    daily = pd.DataFrame(columns=["scenario", "replicate", "day"])
    table = charts.payer_costs(run_of(daily, pd.DataFrame(rows)))
    assert table["scenario"].unique().tolist() == ["option"]
    assert table["diff_mean"].tolist() == [0, 1, 2, 3]
    assert table["payer"].tolist() == [
        charts.PAYER_LABELS[p] for p in ("cost_nhs", "cost_social_care", "cost_phb", "cost_programme")
    ]
