"""Costs a health economist would accept (issue 10): each resource counted once, worked out by
hand here for small cases."""

from __future__ import annotations

import numpy as np

from sim.trust import excess_bed_days

TRIM = 10  # bed days the episode price covers, in these hand-worked stays


def test_a_delayed_day_inside_the_trim_point_costs_nothing_extra():
    # admitted day 0.2, fit day 3.1, left day 6.4: midnights 1..6 are 6 bed days, 3 of them
    # delayed; all 6 are inside the 10 the episode price pays for
    assert excess_bed_days(np.array([0.2]), np.array([6.4]), TRIM).tolist() == [0.0]


def test_a_delayed_day_past_the_trim_point_is_one_excess_bed_day_not_two_charges():
    # admitted 2.5, fit 12.3, left 15.7: midnights 3..15 are 13 bed days, the last 3 delayed;
    # 13 - 10 = 3 excess bed days, and nothing else for the delay
    assert excess_bed_days(np.array([2.5]), np.array([15.7]), TRIM).tolist() == [3.0]


def test_excess_bed_days_count_midnights_not_elapsed_time():
    # 12.2 days elapsed but 13 midnights (1.9 -> 14.1 spans midnights 2..14): 3 excess days
    assert excess_bed_days(np.array([1.9]), np.array([14.1]), TRIM).tolist() == [3.0]
    # 11.8 days elapsed but 11 midnights (0.1 -> 11.9 spans 1..11): 1 excess day
    assert excess_bed_days(np.array([0.1]), np.array([11.9]), TRIM).tolist() == [1.0]
