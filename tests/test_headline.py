"""The executive summary (sim/headline.py) from hand-made summary tables: totals, changes,
% changes and sentences worked out by hand, and no claim the interval does not support."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.headline import (
    Change,
    Triple,
    build_headline,
    choose_scenario,
    interval_caveat,
    outcome_phrase,
    per_admission_avoided,
    table_rows,
)
from sim.number_format import MINUS
from sim.summary import MONTE_CARLO, PARAMETER

# (metric, baseline mean, lo, hi, scenario mean, lo, hi, diff mean, lo, hi)
ROWS = [
    ("ae_attendances", 5000, 4900, 5100, 5015, 4910, 5120, 15, -10, 40),
    ("emergency_admissions", 3000, 2900, 3100, 2880, 2790, 2970, -120, -160, -80),
    ("bed_days", 20000, 19500, 20500, 19700, 19200, 20200, -300, -500, -100),
    ("dtoc_days", 1500, 1400, 1600, 1560, 1450, 1670, 60, 20, 100),
    ("care_home_admissions", 200, 190, 210, 199, 189, 209, -1, -5, 3),
    ("deaths", 600, 580, 620, 600, 580, 620, 0, -2, 2),
    ("cost_nhs", 30e6, 29e6, 31e6, 29.5e6, 28.5e6, 30.5e6, -0.5e6, -0.7e6, -0.3e6),
    ("cost_social_care", 8e6, 7.8e6, 8.2e6, 8e6, 7.8e6, 8.2e6, 0, -0.1e6, 0.1e6),
    ("cost_phb", 0, 0, 0, 1e6, 0.9e6, 1.1e6, 1e6, 0.9e6, 1.1e6),
    ("cost_programme", 0, 0, 0, 0.76e6, 0.76e6, 0.76e6, 0.76e6, 0.76e6, 0.76e6),
    ("cost_total", 38e6, 37e6, 39e6, 39.26e6, 38.2e6, 40.3e6, 1.26e6, 1.1e6, 1.4e6),
]
MANIFEST = {
    "baseline": "baseline",
    "replicates": 3,
    "scenarios": [
        {"name": "baseline", "population_size": 11989},
        {"name": "at_scale", "population_size": 11989},
    ],
    "parameters": {"source": "fixed", "intervals": "Monte Carlo only"},
}
DESCRIPTIONS = {"at_scale": "IPC scaled to 2,000 plans."}


def summary_of(rows) -> pd.DataFrame:
    out = []
    for metric, bm, bl, bh, sm, sl, sh, dm, dl, dh in rows:
        nan = float("nan")
        out.append(("baseline", metric, bm, bl, bh, nan, nan, nan))
        out.append(("at_scale", metric, sm, sl, sh, dm, dl, dh))
    columns = ["scenario", "metric", "mean", "lo95", "hi95", "diff_mean", "diff_lo95", "diff_hi95"]
    return pd.DataFrame(out, columns=columns)


@pytest.fixture
def headline():
    return build_headline(summary_of(ROWS), MANIFEST, DESCRIPTIONS, "at_scale")


def test_headline_holds_the_cohort_totals_a_year_and_the_paired_change(headline):
    admissions = next(c for c in headline.outcomes if c.metric == "emergency_admissions")

    assert admissions.baseline == Triple(3000, 2900, 3100)
    assert admissions.scenario == Triple(2880, 2790, 2970)
    assert admissions.change == Triple(-120, -160, -80)


def test_percent_change_is_the_change_and_its_interval_over_the_baselines_mean(headline):
    admissions = next(c for c in headline.outcomes if c.metric == "emergency_admissions")

    # -120 / 3000 = -4%, -160 / 3000 = -5.33%, -80 / 3000 = -2.67%
    assert admissions.percent.mean == pytest.approx(-4.0)
    assert admissions.percent.lo == pytest.approx(-5.3333, abs=1e-4)
    assert admissions.percent.hi == pytest.approx(-2.6667, abs=1e-4)


def test_a_fall_whose_interval_is_below_zero_is_stated_as_a_fall(headline):
    assert headline.sentences[0] == (
        "In the model, for a cohort of 11,989 people, at_scale against the baseline: emergency admissions "
        "fall by 120 a year (95% interval 80 to 160 fewer), 4.0% of the baseline's 3,000; the change "
        f"in A&E attendances (15.0 a year, 95% interval {MINUS}10.0 to 40.0) cannot be told from zero."
    )


def test_a_change_whose_interval_spans_zero_cannot_be_told_from_zero():
    c = Change("x", "X", "widgets", Triple(100, 90, 110), Triple(97, 87, 107), Triple(-3, -8, 2))

    assert outcome_phrase(c) == (
        f"the change in widgets ({MINUS}3.0 a year, 95% interval {MINUS}8.0 to 2.0) cannot be told from zero"
    )
    assert "fall" not in outcome_phrase(c)


def test_an_interval_ending_at_zero_is_not_a_fall():
    c = Change("x", "X", "widgets", Triple(100, 90, 110), Triple(95, 85, 105), Triple(-5, -10, 0))

    assert "cannot be told from zero" in outcome_phrase(c)


def test_a_rise_is_stated_as_a_rise(headline):
    assert headline.sentences[1] == (
        "Occupied bed days fall by 300 a year (95% interval 100 to 500 fewer), 1.5% of the baseline's "
        "20,000; delayed transfer (DTOC) days rise by 60 a year (95% interval 20 to 100 more), 4.0% "
        "of the baseline's 1,500."
    )


def test_net_cost_sentence_gives_the_cost_and_the_cost_per_admission_avoided(headline):
    # one figure per side (no replicates given): 1.26m / 120 = 10,500, no interval
    assert headline.sentences[2] == (
        "It costs all payers together £1.26m a year more than the baseline (95% interval £1.10m to "
        "£1.40m), £10,500 for each emergency admission avoided."
    )


def test_a_net_cost_spanning_zero_cannot_be_told_from_zero_and_has_no_cost_per_admission():
    rows = [r if r[0] != "cost_total" else (*r[:7], 0.2e6, -0.3e6, 0.7e6) for r in ROWS]

    h = build_headline(summary_of(rows), MANIFEST, DESCRIPTIONS, "at_scale")

    assert h.sentences[2] == (
        f"The net cost to all payers, £200,000 a year (95% interval {MINUS}£300,000 to £700,000), "
        "cannot be told from zero."
    )


def test_no_cost_per_admission_when_the_admissions_interval_includes_zero():
    ratio = per_admission_avoided(np.array([1e6, 1e6]), np.array([5, -3]), Triple(-1, -6, 4), MONTE_CARLO)

    assert ratio.value is None
    assert "cannot be told from zero" in ratio.reason


def test_cost_per_admission_interval_by_the_delta_method_for_fixed_parameters():
    """net = 1.2m, 1.3m, 1.28m; avoided = 100, 130, 130: R = 1.26m / 120 = 10,500; residuals
    net - R x avoided = 150,000, -65,000, -85,000 (sum 0), sd = sqrt(3.395e10 / 2) = 130,288.1;
    se = 130,288.1 / sqrt(3) / 120 = 626.84; t(0.975, 2) = 4.3027; half-width 2,697.1."""
    ratio = per_admission_avoided(
        np.array([1.2e6, 1.3e6, 1.28e6]), np.array([100, 130, 130]), Triple(-120, -160, -80), MONTE_CARLO
    )

    assert ratio.value.mean == pytest.approx(10_500)
    assert ratio.value.lo == pytest.approx(10_500 - 2_697.1, abs=0.5)
    assert ratio.value.hi == pytest.approx(10_500 + 2_697.1, abs=0.5)


def test_cost_per_admission_interval_with_parameter_draws_is_the_spread_of_replicate_ratios():
    """Ratios 12,000, 10,000, 9,846.15; 2.5th percentile at position 0.05 between the two
    smallest: 9,853.85; 97.5th at position 1.95: 10,000 + 0.95 x 2,000 = 11,900."""
    ratio = per_admission_avoided(
        np.array([1.2e6, 1.3e6, 1.28e6]), np.array([100, 130, 130]), Triple(-120, -160, -80), PARAMETER
    )

    assert (ratio.value.lo, ratio.value.hi) == (pytest.approx(9_853.85, abs=0.01), pytest.approx(11_900))


def test_table_rows_show_totals_changes_and_percentages_for_people(headline):
    rows = {r[0]: r for r in table_rows(headline)}

    assert rows["Emergency admissions"] == [
        "Emergency admissions",
        "3,000",
        "2,880",
        f"{MINUS}120 [{MINUS}160, {MINUS}80]",
        f"{MINUS}4.0% [{MINUS}5.3, {MINUS}2.7]",
    ]
    assert rows["Deaths"][3] == "0 [−2.0, 2.0]"
    assert rows["PHB spend"][1:4] == ["£0", "£1.00m", "£1.00m [£900k, £1.10m]"]
    assert rows["PHB spend"][4] == "–"  # no % of a zero baseline


def test_the_caveat_says_whether_intervals_include_parameter_uncertainty():
    drawn = {
        "replicates": 40,
        "parameters": {"source": "posterior.csv", "drawn": ["a", "b", "c"], "intervals": "..."},
    }

    assert "leave out uncertainty in the parameters" in interval_caveat(MANIFEST)
    assert interval_caveat(drawn).startswith(
        "The 95% intervals include parameter uncertainty: each of the 40 replicates draws 3 parameters "
        "from posterior.csv"
    )


def test_the_question_names_the_scenario_its_description_and_the_cohort(headline):
    assert headline.question == (
        "What would at_scale (IPC scaled to 2,000 plans) change in hospital use and cost a year for a "
        "cohort of 11,989 people, against baseline?"
    )


def test_the_headline_scenario_is_at_scale_unless_another_is_asked_for():
    names = ["baseline", "phb_only", "at_scale"]

    assert choose_scenario(names, "baseline", None) == "at_scale"
    assert choose_scenario(names, "baseline", "phb_only") == "phb_only"
    assert choose_scenario(["baseline", "phb_only"], "baseline", None) == "phb_only"
    assert choose_scenario(names, None, None) is None


def test_percent_of_a_zero_baseline_is_not_a_number():
    c = Change("x", "X", "x", Triple(0, 0, 0), Triple(5, 4, 6), Triple(5, 4, 6))

    assert math.isnan(c.percent.mean)


# --- numbers for people (sim/number_format.py) ------------------------------------------------


def test_numbers_never_show_exponents_and_get_thousands_separators():
    from sim.number_format import number, parameter_value

    assert parameter_value(11990.0) == "11,990"  # once printed as 1.199e+04
    assert parameter_value(0.000012) == "0.000012"
    assert number(1234567.8) == "1,234,568"


def test_a_value_that_rounds_to_zero_is_zero_not_minus_zero():
    from sim.number_format import interval, number

    assert number(-0.04, 1) == "0"
    assert interval(-0.01, -0.04, 0.03) == f"{MINUS}0.010 [{MINUS}0.040, 0.030]"
    assert interval(-0.001, -0.002, 0.0004, 1) == "0 [0, 0]"


def test_money_shows_three_significant_figures_in_pounds_or_millions():
    from sim.number_format import money

    assert money(1_262_000) == "£1.26m"
    assert money(-22_800.4) == f"{MINUS}£22,800"
    assert money(0.3) == "£0"


def test_significant_figures_never_use_exponents():
    from sim.number_format import significant

    assert significant(0.548) == "0.548"
    assert significant(12345) == "12,300"  # '{:.3g}' gives '1.23e+04'
    assert significant(0.000012) == "0.0000120"


def test_money_in_table_cells_is_short():
    from sim.number_format import money_short

    assert [money_short(v) for v in (355_000, 62_600.4, -142_000, 950, 999_600)] == [
        "£355k",
        "£62.6k",
        f"{MINUS}£142k",
        "£950",
        "£1.00m",
    ]
