"""Deaths by setting, age and frailty, with the registry's rates and ratios."""

from __future__ import annotations

import numpy as np
from conftest import small_scenario

from sim.component import Today
from sim.model import IPCModel
from sim.params import REGISTRY
from sim.population import Location


def test_care_home_residents_die_at_the_care_home_hazard_ratio_times_the_rate_at_home():
    """Half the cohort, picked by id and so alike in age and frailty, lives in care homes: over a
    year their deaths over the others' are `mortality.care_home_hr`, within sampling error."""
    model = IPCModel(small_scenario(size=60_000, days=1), root_seed=2)
    people = model.people
    in_care_home = people.ids % 2 == 1
    people.location[in_care_home] = Location.CARE_HOME
    people.residence[in_care_home] = Location.CARE_HOME
    died = np.zeros(people.size, dtype=bool)
    for day in range(365):
        today = Today(day)
        model.demography.step(today)
        died[today.died] = True
    a, b = died[in_care_home].sum(), died[~in_care_home].sum()
    standard_error = np.sqrt(1 / a + 1 / b)  # of the log of the ratio of two Poisson counts

    assert b > 1000
    assert abs(np.log(a / b) - np.log(REGISTRY["mortality.care_home_hr"].value)) < 4 * standard_error


def test_nobody_dies_twice_and_the_dead_stay_dead():
    model = IPCModel(small_scenario(size=5000, days=1), root_seed=2)
    seen: set[int] = set()
    for day in range(365):
        today = Today(day)
        model.demography.step(today)
        assert not seen & set(today.died.tolist())
        seen |= set(today.died.tolist())
    assert (model.people.location[list(seen)] == Location.DEAD).all()
    assert (model.people.location == Location.DEAD).sum() == len(seen)
