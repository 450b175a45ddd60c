"""Extreme values: unlimited capacity removes waits, no hazard means no events, and a hospital
too small for its demand backs up into A&E (treat-sim's extreme-value tests)."""

from __future__ import annotations

import math

import yaml
from conftest import simulate, small_scenario

from sim.scenario import load_scenario

UNLIMITED_SOCIAL_CARE = {
    "pathway.p1_places": math.inf,
    "pathway.p2_places": math.inf,
    "pathway.p3_places": math.inf,
    "pathway.p1_arrange_days": 0.0,
    "pathway.p2_arrange_days": 0.0,
    "pathway.p3_arrange_days": 0.0,
}
NO_CRISES = {"crisis.ae_rate": 0.0, "carers.breakdown_rate_full_strain": 0.0}
NO_COMMUNITY_DEATHS = {
    "mortality.fit_65_74": 0.0,
    "mortality.fit_75_84": 0.0,
    "mortality.fit_85_plus": 0.0,
}


def test_unlimited_discharge_capacity_gives_zero_dtoc():
    run = simulate(small_scenario(size=1500, days=120, overrides=UNLIMITED_SOCIAL_CARE))

    assert run.daily["emergency_admissions"].sum() > 0
    assert run.daily["dtoc_days"].sum() == 0
    assert run.daily["delayed_discharges"].sum() == 0


def test_unlimited_discharge_capacity_written_as_dot_inf_in_yaml_gives_zero_dtoc(scenario_file):
    path = scenario_file(size=1500, horizon_days=120, parameters=UNLIMITED_SOCIAL_CARE)
    assert ".inf" in path.read_text()

    run = simulate(load_scenario(path))

    assert run.daily["dtoc_days"].sum() == 0


def test_limited_discharge_capacity_gives_some_dtoc():
    """The contrast that makes the zero above meaningful."""
    run = simulate(small_scenario(size=1500, days=120))
    assert run.daily["dtoc_days"].sum() > 0


def test_zero_crisis_hazard_gives_no_attendances_admissions_or_bed_days():
    run = simulate(small_scenario(size=1000, days=90, overrides=NO_CRISES))
    totals = run.daily[["crises", "ae_attendances", "emergency_admissions", "bed_days"]].sum()

    assert (totals == 0).all(), totals.to_dict()
    assert (run.daily["in_hospital"] == 0).all()


def test_zero_community_mortality_means_every_death_is_in_hospital():
    run = simulate(small_scenario(size=1000, days=90, overrides=NO_COMMUNITY_DEATHS))
    hospital_deaths = sum(1 for stay in run.stays if stay.died)

    assert run.daily["deaths"].sum() == hospital_deaths


def test_zero_mortality_gives_no_deaths():
    overrides = {**NO_COMMUNITY_DEATHS, "mortality.inpatient": 0.0}
    run = simulate(small_scenario(size=1000, days=90, overrides=overrides))

    assert run.daily["deaths"].sum() == 0
    assert (run.daily["alive"] == 1000 + (run.daily["entries"] - run.daily["moved_away"]).cumsum()).all()


def test_baseline_mortality_gives_some_deaths():
    run = simulate(small_scenario(size=1000, days=90))
    assert run.daily["deaths"].sum() > 0


def test_a_full_hospital_makes_ae_waits_and_breaches_rise():
    """With 670 of the site's 754 beds, background and cohort patients fill the hospital:
    admitted patients wait in A&E cubicles for a bed and everyone else queues behind them."""
    baseline = simulate(small_scenario(size=1500, days=90))
    full = simulate(small_scenario(size=1500, days=90, overrides={"hospital.beds": 670}))

    assert (full.daily["hospital_bed_occupancy"] == 1.0).mean() > 0.5
    assert full.daily["ae_wait_hours"].mean() > baseline.daily["ae_wait_hours"].mean() + 1.0
    assert full.daily["ae_waits_over_4h"].sum() > 1.5 * baseline.daily["ae_waits_over_4h"].sum()
    assert full.daily["trolley_waits_12h"].sum() > baseline.daily["trolley_waits_12h"].sum()


def test_a_full_hospital_admits_fewer_patients_than_an_ample_one():
    ample = simulate(small_scenario(size=1500, days=90))
    full = simulate(small_scenario(size=1500, days=90, overrides={"hospital.beds": 670}))

    assert full.daily["emergency_admissions"].sum() < ample.daily["emergency_admissions"].sum()
    assert full.daily["in_hospital"].iloc[-1] > ample.daily["in_hospital"].iloc[-1]


def test_a_gridlocked_hospital_reports_who_waits_for_a_bed():
    """Eight beds, held by background patients: no cohort patient is admitted, background
    patients waiting for a bed fill the cubicles, and cohort attenders pile up in A&E."""
    gridlocked = simulate(small_scenario(size=1500, days=60, overrides={"hospital.beds": 8}))
    assert gridlocked.daily["emergency_admissions"].sum() == 0  # the precondition holds

    late = gridlocked.daily.query("day >= 30")
    assert (late["hospital_waiting_for_bed"] > 1000).all()
    assert late["in_hospital"].is_monotonic_increasing and late["in_hospital"].iloc[-1] > 50


def test_dot_inf_survives_the_resolved_yaml_round_trip(scenario_file):
    path = scenario_file(parameters={"pathway.p1_places": math.inf})
    resolved = yaml.safe_load(load_scenario(path).resolved_yaml())

    assert resolved["parameters"]["pathway.p1_places"] == math.inf
