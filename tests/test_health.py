"""The crisis hazard: who is at risk, and why a caseload picked after a crisis improves alone."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_scenario

from sim.component import Today
from sim.health import activation_rr, start_episodes
from sim.model import IPCModel
from sim.population import Location


def cohort(size: int = 20_000, **overrides: float):
    """A fresh model's people, parameters and health component (nothing has run yet)."""
    model = IPCModel(small_scenario(size=size, overrides=overrides), replicate=0, root_seed=9)
    return model.people, model.params, model.health


def test_the_cohort_mean_stable_rate_equals_the_parameter() -> None:
    people, params, health = cohort()
    assert np.isclose(health.stable[: people.n_start].mean(), params["crisis.ae_rate"])


def test_frailer_people_have_higher_hazard() -> None:
    people, params, health = cohort()
    by_class = [
        np.median(health.stable[people.frailty == f] / people.propensity[people.frailty == f])
        for f in range(4)
    ]
    assert by_class == sorted(by_class)


def test_more_activated_people_have_lower_hazard() -> None:
    _, params, _ = cohort(size=1000)
    rr = activation_rr(np.array([1, 2, 3, 4]), params)
    assert rr[0] == 1.0 and np.isclose(rr[3], params["activation.ae_rr_level4"])
    assert np.all(np.diff(rr) < 0)


def test_people_in_hospital_or_dead_have_no_crisis_hazard() -> None:
    people, params, health = cohort(size=1000)
    people.location[:10] = Location.HOSPITAL
    people.location[10:20] = Location.DEAD
    assert np.all(health.hazard(0)[:20] == 0)
    assert np.all(health.hazard(0)[20 : people.n_start] > 0)
    assert np.all(health.hazard(0)[people.n_start :] == 0)  # not joined yet


def test_an_acute_episode_fades_with_its_half_life() -> None:
    people, params, health = cohort(size=1000)
    start_episodes(people, np.array([0]), 1.0)
    for day in range(int(params["episode.half_life_days"])):
        health.step(Today(day))
    assert np.isclose(people.episode[0], 0.5)


def test_a_caseload_picked_after_a_crisis_uses_hospitals_less_afterwards_with_no_intervention() -> None:
    """Regression to the mean ([bottle2006], docs/references.md): the before/after fall the site would see."""
    people, params, health = cohort()
    window = 90
    for day in range(window):
        health.step(Today(day))
    before = health.clock.count.copy()
    picked = before > 0
    for day in range(window, 2 * window):
        health.step(Today(day))
    after = health.clock.count - before
    fall = 1 - after[picked].sum() / before[picked].sum()
    assert fall > 0.4


def test_carer_strain_raises_the_hazard_by_the_registry_ratio_at_full_strain():
    """Two people alike but for their carer's strain: the hazard ratio is 1 + (HR - 1) x strain."""
    people, params, health = cohort(size=1000)
    health.stable[1] = health.stable[0]
    people.episode[:2] = 0.0
    people.location[:2] = Location.HOME
    people.carer_strain[0], people.carer_strain[1] = 0.0, 0.6
    hazard = health.hazard(0)
    hr = params["carers.strain_crisis_hr"]

    assert hr > 1
    assert hazard[1] / hazard[0] == pytest.approx(1 + (hr - 1) * 0.6, rel=1e-12)
