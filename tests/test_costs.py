"""Costs a health economist would accept (issue 10): each resource counted once, worked out by
hand here for small cases."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import lever_scenario

from sim.model import IPCModel
from sim.params import REGISTRY, check_value
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


def test_a_crisis_managed_at_home_costs_a_gp_home_visit_in_2017_18_prices():
    # PSSRU 2013 (2012/13 prices) GBP 114, uplifted by HCHS 2013/14 +1.1%, 2014/15 +0.9% and
    # NHSCII 2015/16 +0.40%, 2016/17 +2.09%, 2017/18 +1.24%
    by_hand = 114 * 1.011 * 1.009 * 1.004 * 1.0209 * 1.0124
    assert by_hand == pytest.approx(120.675, abs=5e-4)
    assert REGISTRY["costs.crisis_managed_at_home"].value == pytest.approx(by_hand, rel=1e-12)


def test_each_crisis_managed_at_home_is_charged_to_the_nhs():
    scenario = lever_scenario(
        1500, 120, {"care_planning.contingency_share": 0.5}, care_planning={"coordinators": 10}
    )
    model = IPCModel(scenario, root_seed=3)
    managed, charged = 0, 0.0
    routing = model.routing
    for _ in range(120):
        model.step()
        managed += model.today.managed.size
        charged += routing.report(model.today)["cost_nhs"]
    assert managed > 10
    assert charged == pytest.approx(managed * REGISTRY["costs.crisis_managed_at_home"].value, rel=1e-12)


def test_the_phb_displacement_prior_runs_from_no_displacement_to_budgets_that_save():
    spec = REGISTRY["phb.displaced_nhs_share"]
    assert spec.low == 0.0  # the budget buys only new support
    assert spec.high > 1.0  # each GBP of budget replaces more than a GBP of NHS services (CHC: 1/0.83)
    assert check_value("phb.displaced_nhs_share", 1.2) is None
    assert spec.value == 0.3
