"""A&E arrivals and who is admitted: the hour-of-day profile against the published facts, the
admission odds by acuity, age, frailty and conditions, access block from 85% occupancy, the
day's mean A&E wait, and a lever that averts low-acuity crises cutting attendances more than
admissions (issue 9, items 3 and 4)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import lever_scenario, simulate, small_scenario

from sim.attendance import AttendancePlanner, hourly_profile
from sim.model import IPCModel
from sim.params import Params
from sim.rng import Streams
from sim.units import HOURS_PER_DAY

P = Params({})


# --- the hour-of-day profile ([hscic-ae2013]: ~60% arrive 09:00-18:00, peak 10:00-12:00, trough 04:00-06:00)
def test_the_profile_has_a_mean_of_one_over_the_day():
    assert hourly_profile(P).mean() == pytest.approx(1.0)


def test_about_sixty_percent_of_arrivals_come_between_nine_and_six():
    profile = hourly_profile(P)
    assert profile[9:18].sum() / profile.sum() == pytest.approx(0.60, abs=0.03)


def test_arrivals_peak_in_the_late_morning_and_are_fewest_before_dawn():
    profile = hourly_profile(P)
    assert 10 <= int(np.argmax(profile)) < 12
    assert 4 <= int(np.argmin(profile)) < 6


def test_drawn_arrival_times_follow_the_profile():
    model = IPCModel(small_scenario(size=5000, days=1))
    planner = AttendancePlanner(P, Streams(0, 0))
    ids = np.arange(model.people.size)
    hours = []
    for day in range(8):  # 40,000 draws
        plan = planner.plan(model.people, ids, day, np.ones(ids.size, dtype=np.int64))
        hours.append(np.floor((plan.arrival - day) * HOURS_PER_DAY).astype(int))
    share = np.bincount(np.concatenate(hours), minlength=24) / (8 * ids.size)
    expected = hourly_profile(P) / 24

    np.testing.assert_allclose(share, expected, atol=0.004)  # about 3 binomial s.d.
    model.release()


# --- who is admitted ---------------------------------------------------------------------------
def odds(p: float) -> float:
    return p / (1 - p)


def chance(odds_value: float) -> float:
    return odds_value / (1 + odds_value)


@pytest.fixture(scope="module")
def people_and_planner():
    model = IPCModel(small_scenario(size=2000, days=1))
    yield model.people, AttendancePlanner(P, Streams(0, 0))
    model.release()


def test_admission_chance_is_the_base_odds_times_the_odds_ratios(people_and_planner):
    people, planner = people_and_planner
    ids = np.arange(people.size)
    age = people.age[ids]
    band = (age >= 75).astype(int) + (age >= 85)
    frailty_or = np.array([1.0, P["ae.admit_or_mild"], P["ae.admit_or_moderate"], P["ae.admit_or_severe"]])
    age_or = np.array([1.0, P["ae.admit_or_75_84"], P["ae.admit_or_85_plus"]])
    extra = np.maximum(people.n_conditions - 1, 0)
    for acuity, acuity_or in enumerate((P["ae.admit_or_low_acuity"], 1.0, P["ae.admit_or_high_acuity"])):
        expected = chance(
            odds(P["ae.admit_base"])
            * acuity_or
            * age_or[band]
            * frailty_or[people.frailty]
            * P["ae.admit_or_condition"] ** extra
        )
        got = planner.admission_chance(people, ids, np.full(ids.size, acuity))
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_fit_65_year_olds_medium_crisis_is_admitted_at_the_base_chance(people_and_planner):
    people, planner = people_and_planner
    fit_young = np.flatnonzero((people.frailty == 0) & (people.age < 75) & (people.n_conditions == 1))
    got = planner.admission_chance(people, fit_young, np.ones(fit_young.size, dtype=np.int64))
    assert fit_young.size > 0
    np.testing.assert_allclose(got, P["ae.admit_base"])


def test_about_half_of_the_cohorts_attendances_end_in_admission():
    """[gilbert2017]: 47% of attendances by people aged 65+ are admitted (HES 2015)."""
    run = simulate(small_scenario(size=4000, days=120))
    share = run.daily["emergency_admissions"].sum() / run.daily["ae_attendances"].sum()
    assert share == pytest.approx(0.50, abs=0.06)


def test_averting_low_acuity_crises_cuts_attendances_more_than_admissions():
    """Controlled studies ([exley2019]) found A&E attendances fall without admissions falling as
    much: the crises a care plan's contingency averts are mostly ones that would have gone
    home from A&E, so admissions avoided per attendance avoided are well below the cohort's
    usual share of attendances admitted."""
    plans = {"coordinators": 8, "target_plans": 100_000}
    on = simulate(
        lever_scenario(days=240, overrides={"care_planning.contingency_share": 0.8}, care_planning=plans)
    )
    off = simulate(
        lever_scenario(days=240, overrides={"care_planning.contingency_share": 0.0}, care_planning=plans)
    )
    ae_on, ae_off = on.daily["ae_attendances"].sum(), off.daily["ae_attendances"].sum()
    adm_on, adm_off = on.daily["emergency_admissions"].sum(), off.daily["emergency_admissions"].sum()

    assert (ae_off - ae_on) / ae_off > 1.2 * (adm_off - adm_on) / adm_off
    assert (adm_off - adm_on) / (ae_off - ae_on) < 0.8 * adm_off / ae_off


# --- access block ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("occupancy", "share_of_the_way"), [(0.5, 0.0), (0.85, 0.0), (0.925, 0.5), (1.0, 1.0), (1.2, 1.0)]
)
def test_the_wait_for_a_bed_rises_linearly_from_85_percent_occupancy(occupancy, share_of_the_way):
    model = IPCModel(small_scenario(size=1000, days=1))
    base, full = (
        P.source_value("hospital.bed_wait_hours_base"),
        P.source_value("hospital.bed_wait_hours_full"),
    )
    expected_hours = base + (full - base) * share_of_the_way

    assert model.hospital._bed_wait_mean(occupancy) * HOURS_PER_DAY == pytest.approx(expected_hours)
    model.release()


# --- the day's mean A&E wait ---------------------------------------------------------------------
def test_ae_wait_hours_is_the_mean_of_every_wait_that_ended_that_day():
    """Bug found (issue 9): the day's log was replaced before it was read, so the metric saw
    only people still waiting at midnight and was 0 on 79% of days that had waits."""
    model = IPCModel(small_scenario(size=3000, days=40))
    days_with_waits = 0
    for _ in range(model.days):
        model.step()
        waits = [w for log in model.hospital._site_logs for w in log.ae_waits]
        recorded = model.recorder.frame()["ae_wait_hours"].iloc[model.day - 1]
        expected = np.mean(waits) * HOURS_PER_DAY if waits else 0.0
        assert recorded == pytest.approx(expected)
        days_with_waits += any(w > 0 for w in waits)
    assert days_with_waits > 0.5 * model.days
    model.release()
