"""Verification by conservation: everyone is somewhere, beds are never over capacity, and a
delayed day is only ever counted after a patient is medically fit (design.md, "Verification")."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import SimRun, drain_hospital, midnights_delayed, scarce_home_care, simulate, small_scenario

from sim.model import IPCModel
from sim.population import Location

RUNS = {
    "baseline": {},
    "tight_beds": {"hospital.beds": 640},
    "tight_beds_and_home_care": {"hospital.beds": 640, "pathway.p1_places": 400},
}


@functools.cache
def finished_run(name: str) -> SimRun:
    return simulate(small_scenario(size=1500, days=120, overrides=RUNS[name]), seed=5)


@pytest.fixture(params=list(RUNS))
def run(request) -> SimRun:
    return finished_run(request.param)


def test_the_cohort_is_its_start_plus_entries_less_deaths_and_moves_every_day(run):
    d = run.daily
    assert (d["alive"] == 1500 + (d["entries"] - d["deaths"] - d["moved_away"]).cumsum()).all()


def test_everyone_alive_is_at_home_in_hospital_or_in_a_care_home_every_day(run):
    d = run.daily
    assert (d["at_home"] + d["in_hospital"] + d["in_care_home"] == d["alive"]).all()


def test_beds_in_use_never_exceed_the_hospital_capacity(run):
    capacity = run.model.hospital.core.bed_capacity
    assert (run.daily["hospital_bed_days"] <= capacity).all()
    assert (run.daily["hospital_bed_occupancy"] <= 1.0).all()


def test_cohort_beds_are_a_part_of_all_beds_and_of_people_in_hospital(run):
    d = run.daily
    assert (d["bed_days"] <= d["hospital_bed_days"]).all()
    assert (d["bed_days"] <= d["in_hospital"]).all()


def test_delayed_patients_never_exceed_patients_in_beds(run):
    assert (run.daily["dtoc_days"] <= run.daily["bed_days"]).all()


def test_every_finished_stay_is_admitted_then_fit_then_left(run):
    assert run.stays, "the run should finish some stays"
    for stay in run.stays:
        assert stay.admitted <= stay.fit <= stay.left, stay


def test_patients_who_die_in_hospital_are_never_delayed(run):
    deaths = [s for s in run.stays if s.died]
    assert all(s.left == s.fit for s in deaths)


@pytest.mark.parametrize("name", ["tight_beds", "tight_beds_and_home_care"])
def test_tight_capacity_runs_keep_the_hospital_full(name):
    """Guards the tests above: the tight runs really do reach capacity."""
    run = finished_run(name)
    capacity = run.model.hospital.core.bed_capacity
    assert (run.daily["hospital_bed_days"] == capacity).mean() > 0.5


def test_summed_dtoc_days_equal_midnights_between_fit_and_discharge():
    """Exact accounting: the daily census of delayed patients, summed over the run and over a
    drain period after it (no new arrivals, until every cohort bed is empty), equals the
    midnights m with fit < m <= left over every stay."""
    places, _ = scarce_home_care(small_scenario(size=1500, days=120))
    run = simulate(small_scenario(size=1500, days=120, overrides={"pathway.p1_places": places}))
    counted_after, later_stays = drain_hospital(run.model)
    stays = run.stays + later_stays

    counted = run.daily["dtoc_days"].sum() + counted_after

    assert counted > 0
    assert counted == sum(midnights_delayed(s) for s in stays)


def test_delayed_discharges_count_stays_that_waited_a_midnight(run):
    waited = sum(1 for s in run.stays if not s.died and midnights_delayed(s) > 0)
    assert run.daily["delayed_discharges"].sum() == waited


def test_care_home_residents_return_to_the_care_home_after_hospital():
    overrides = {
        "pathway.share_p3": 0.6,
        "pathway.p3_places": float("inf"),
        "crisis.ae_rate": 0.9,
        "care_home.crisis_hr": 2.3,
    }
    model = IPCModel(small_scenario(size=1000, days=180, overrides=overrides), root_seed=3)
    resident = np.zeros(model.people.size, dtype=bool)  # has lived in a care home
    hospital_trips = 0
    days_at_home = 0
    for _ in range(model.days):
        before = model.people.location.copy()
        model.step()
        after = model.people.location
        resident |= before == Location.CARE_HOME
        left = (before == Location.CARE_HOME) & ~np.isin(after, [Location.CARE_HOME, Location.DEAD])
        hospital_trips += int(left.sum())
        days_at_home += int((resident & (after == Location.HOME)).sum())
    model.release()
    assert hospital_trips > 0, "the scenario should send care-home residents to hospital"
    assert days_at_home == 0
