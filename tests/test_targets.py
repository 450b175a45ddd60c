"""The baseline check: each headline figure computed from a small hand-made daily table, and
the model's mean set beside its public range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.summary import days_to_reach, milestones
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


def test_a_milestone_is_the_day_counted_from_one_on_which_the_running_total_reaches_the_target():
    daily = pd.DataFrame(
        {"replicate": 0, "day": np.arange(10), "plans_completed": [0, 2, 0, 1, 5, 0, 0, 0, 0, 0]}
    )

    assert days_to_reach(daily, "plans_completed", 3).tolist() == [4.0]  # reached on day index 3
    assert days_to_reach(daily, "plans_completed", 9).isna().all()


def test_a_milestone_table_says_reached_only_when_every_replicate_reaches_it():
    daily = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": np.repeat([0, 1], 3),
            "day": np.tile(np.arange(3), 2),
            "plans_completed": [1, 1, 1, 1, 0, 0],
        }
    )
    table = milestones(daily, {"s": {"days_to_plan_target": 2}}).iloc[0]

    assert (table["replicates_reached"], table["replicates"], table["status"]) == (1, 2, "not reached")
