"""The baseline check and the scale-up milestones, each worked out from a small hand-made daily
table: the headline figures and the model's mean set beside its public range; the first day a
target's live caseload reaches it and the share of days after on which it is held."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.params import REGISTRY
from sim.summary import lever_milestones, milestone_rows, milestones, reach_and_hold
from sim.targets import baseline_check, figures

# Two replicates of two days, numbers chosen so every figure is easy to work out by hand.
DAILY = pd.DataFrame(
    {
        "replicate": [0, 0, 1, 1],
        "day": [0, 1, 0, 1],
        "alive": [365.25, 365.25, 730.5, 730.5],  # person-years: 2 and 4
        "ae_attendances": [1, 3, 2, 2],
        "emergency_admissions": [2, 2, 1, 3],
        "short_stay_admissions": [1, 1, 2, 0],
        "length_of_stay_days": [10.0, 20.0, 6.0, 6.0],
        "discharges": [2, 3, 1, 2],
        "readmissions_30d": [1, 0, 0, 1],
        "hospital_bed_occupancy": [0.8, 0.9, 0.7, 0.9],
        "hospital_dtoc_days": [4.0, 6.0, 1.0, 1.0],
        "hospital_bed_days": [50, 50, 40, 60],
        "dtoc_days": [1, 1, 0, 2],
        "bed_days": [10, 10, 20, 20],
    }
)
EXPECTED = {  # replicate 0, replicate 1
    "ae_attendances_per_person_year": (4 / 2, 4 / 4),
    "emergency_admissions_per_person_year": (4 / 2, 4 / 4),
    "short_stay_share": (2 / 4, 2 / 4),
    "mean_length_of_stay_days": (30 / 5, 12 / 3),
    "readmission_30d_share": (1 / 5, 1 / 3),
    "hospital_bed_occupancy": (0.85, 0.8),
    "hospital_dtoc_share_of_bed_days": (10 / 100, 2 / 100),
    "cohort_dtoc_share_of_bed_days": (2 / 20, 2 / 40),
}


@pytest.mark.parametrize("figure", list(EXPECTED))
def test_each_headline_figure_is_worked_out_per_replicate(figure):
    assert figures(DAILY)[figure].tolist() == pytest.approx(list(EXPECTED[figure]), rel=1e-12)


def test_the_check_sets_the_model_mean_beside_the_public_range_and_says_if_it_is_inside():
    targets = {"hospital_dtoc_share_of_bed_days": {"low": 0.05, "high": 0.07, "source": "test"}}
    check = baseline_check(DAILY, targets).set_index("figure")
    row = check.loc["hospital_dtoc_share_of_bed_days"]

    assert row["model_mean"] == pytest.approx(0.06)
    assert (row["public_low"], row["public_high"], row["within"]) == (0.05, 0.07, True)
    assert check.loc["short_stay_share", "source"] == "no public figure"


PLANS = next(m for m in lever_milestones() if m.name == "days_to_plan_target")


def one_replicate(live: list[float], started: list[float] | None = None, ended: list[float] | None = None):
    n = len(live)
    return pd.DataFrame(
        {
            "scenario": "s",
            "replicate": 0,
            "day": np.arange(n),
            "plans_active": live,
            "plans_completed": started if started is not None else [0] * n,
            "plans_ended": ended if ended is not None else [0] * n,
        }
    )


def test_a_target_is_first_reached_on_the_day_counted_from_one_the_live_caseload_gets_there():
    daily = one_replicate([0, 50, 98, 100, 97, 94, 100])

    assert reach_and_hold(daily, PLANS, 100, 0.0)["day"].tolist() == [4.0]  # day index 3
    assert reach_and_hold(daily, PLANS, 100, 0.05)["day"].tolist() == [3.0]  # 98 >= 95
    assert reach_and_hold(daily, PLANS, 101, 0.0)["day"].isna().all()


def test_the_share_held_counts_the_days_from_the_first_reached_to_the_end_on_which_it_is_there():
    daily = one_replicate([0, 50, 98, 100, 97, 94, 100])

    # strict: from day index 3, live is >= 100 on 3 and 6 of [100, 97, 94, 100]
    assert reach_and_hold(daily, PLANS, 100, 0.0)["held_share"].tolist() == [2 / 4]
    # within 5% (>= 95): from day index 2, on 2, 3, 4 and 6 of [98, 100, 97, 94, 100]
    assert reach_and_hold(daily, PLANS, 100, 0.05)["held_share"].tolist() == [4 / 5]


def test_a_target_of_zero_is_never_reached_and_has_no_share_held():
    result = reach_and_hold(one_replicate([0, 0, 3]), PLANS, 0, 0.0).iloc[0]

    assert np.isnan(result["day"]) and np.isnan(result["held_share"])


def test_the_live_caseload_at_the_end_and_the_starts_and_ends_are_reported_per_replicate():
    daily = one_replicate([2, 3, 1], started=[2, 1, 0], ended=[0, 0, 2])
    result = reach_and_hold(daily, PLANS, 3, 0.0).iloc[0]

    assert (result["live_end"], result["started"], result["ended"]) == (1.0, 3.0, 2.0)


def test_a_milestone_table_says_reached_only_when_every_replicate_reaches_it():
    daily = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": np.repeat([0, 1], 3),
            "day": np.tile(np.arange(3), 2),
            "plans_active": [1, 2, 2, 1, 1, 1],
            "plans_completed": [1, 1, 0, 1, 0, 0],
            "plans_ended": [0, 0, 0, 0, 0, 0],
        }
    )
    table = milestones(daily, {"s": {"days_to_plan_target": 2}}, {"s": 0.0}).iloc[0]

    assert (table["replicates_reached"], table["replicates"], table["status"]) == (1, 2, "partly reached")
    assert np.isnan(table["days_mean"]) and np.isnan(table["held_share_mean"])
    assert (table["live_end_mean"], table["started_mean"]) == (1.5, 1.5)


def test_a_milestone_table_gives_the_mean_day_and_share_held_over_replicates_and_its_tolerance():
    daily = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": np.repeat([0, 1], 4),
            "day": np.tile(np.arange(4), 2),
            "plans_active": [0, 10, 9, 10, 10, 8, 10, 10],
            "plans_completed": 0,
            "plans_ended": 0,
        }
    )
    table = milestones(daily, {"s": {"days_to_plan_target": 10}}, {"s": 0.0}).iloc[0]

    assert table["status"] == "reached"
    assert table["hold_tolerance"] == 0.0
    assert table["days_mean"] == pytest.approx((2 + 1) / 2)  # days 2 and 1, counted from 1
    assert table["held_share_mean"] == pytest.approx((2 / 3 + 3 / 4) / 2)  # [10, 9, 10] and [10, 8, 10, 10]


def test_the_summary_rows_give_the_day_reached_and_the_share_held():
    daily = one_replicate([0, 10, 9, 10]).assign(replicate=0)
    rows = milestone_rows(milestones(daily, {"s": {"days_to_plan_target": 10}}, {"s": 0.0})).set_index(
        "metric"
    )

    assert rows.loc["days_to_plan_target", "mean"] == 2.0
    assert rows.loc["plan_target_held_share", "mean"] == pytest.approx(2 / 3)


def test_the_default_hold_tolerance_is_the_registrys():
    daily = one_replicate([0, 96, 96])
    table = milestones(daily, {"s": {"days_to_plan_target": 100}}).iloc[0]

    assert table["hold_tolerance"] == REGISTRY["milestones.hold_tolerance"].value


def four_replicates(live: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": "s",
            "replicate": np.repeat(np.arange(len(live)), len(live[0])),
            "day": np.tile(np.arange(len(live[0])), len(live)),
            "plans_active": np.concatenate(live),
            "plans_completed": 0,
            "plans_ended": 0,
        }
    )


# target 10, no tolerance: replicates 0 and 1 reach it on days 2 and 3 (counted from 1);
# replicates 2 and 3 never do, and end with 7 and 8 live: 3 and 2 short
PARTLY = four_replicates([[0, 10, 10, 10], [0, 5, 10, 10], [0, 4, 6, 7], [0, 2, 9, 8]])


def test_a_target_some_replicates_reach_gives_their_days_and_the_others_shortfall():
    row = milestones(PARTLY, {"s": {"days_to_plan_target": 10}}, {"s": 0.0}).iloc[0]

    assert (row["status"], row["replicates_reached"], row["replicates"]) == ("partly reached", 2, 4)
    assert (row["reached_day_mean"], row["reached_day_min"], row["reached_day_max"]) == (2.5, 2.0, 3.0)
    assert (row["unreached_live_end_mean"], row["unreached_live_end_min"], row["unreached_live_end_max"]) == (
        7.5,
        7.0,
        8.0,
    )
    assert (
        row["unreached_shortfall_mean"],
        row["unreached_shortfall_min"],
        row["unreached_shortfall_max"],
    ) == (
        2.5,
        2.0,
        3.0,
    )
    assert np.isnan(row["days_mean"])  # the interval over every replicate needs every replicate


def test_a_target_no_replicate_reaches_has_no_days_and_says_how_far_short_each_ends():
    row = milestones(PARTLY, {"s": {"days_to_plan_target": 11}}, {"s": 0.0}).iloc[0]

    assert (row["status"], row["replicates_reached"]) == ("not reached", 0)
    assert np.isnan(row["reached_day_mean"]) and np.isnan(row["reached_day_min"])
    # ends 10, 10, 7, 8 against 11: short 1, 1, 4, 3
    assert (
        row["unreached_shortfall_mean"],
        row["unreached_shortfall_min"],
        row["unreached_shortfall_max"],
    ) == (
        2.25,
        1.0,
        4.0,
    )


def test_a_target_every_replicate_reaches_has_no_shortfall_and_its_days_range():
    row = milestones(PARTLY, {"s": {"days_to_plan_target": 4}}, {"s": 0.0}).iloc[0]

    assert row["status"] == "reached"
    # days 2, 2, 2 and 3 (live 2 on day 2 in the last replicate is short of 4)
    assert (row["reached_day_mean"], row["reached_day_min"], row["reached_day_max"]) == (2.25, 2.0, 3.0)
    assert row["reached_day_mean"] == row["days_mean"]
    assert np.isnan(row["unreached_shortfall_mean"]) and np.isnan(row["unreached_live_end_max"])


def test_the_run_says_how_many_reach_a_target_when_and_how_far_short_the_others_end():
    from sim.cli import milestone_line

    row = next(milestones(PARTLY, {"s": {"days_to_plan_target": 10}}, {"s": 0.0}).itertuples())
    # live at the end over all four: (10 + 10 + 7 + 8) / 4 = 8.75
    assert milestone_line(row) == (
        "s: 10 care plans: reached by 2 of 4 replicates, first on day 2.5 (range 2-3); the other 2 end"
        " with 7.5 (range 7-8) live, 2.5 (range 2-3) short of it; live at the end 9, started 0, ended 0"
    )


def test_the_run_says_when_no_replicate_reaches_a_target_and_how_far_short_they_end():
    from sim.cli import milestone_line

    row = next(milestones(PARTLY, {"s": {"days_to_plan_target": 11}}, {"s": 0.0}).itertuples())
    assert milestone_line(row).startswith(
        "s: 11 care plans: reached by none of 4 replicates, which end with 8.8 (range 7-10) live,"
        " 2.2 (range 1-4) short of it;"
    )
