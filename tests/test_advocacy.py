"""Advocacy and brokerage: advocates have limited places and serve only people with low
activation or no carer; while someone has an advocate, plan and budget uptake rise, budget
set-up is shorter and home-support discharges can be arranged without a council package."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PLENTY_OF_PLANS, lever_scenario, record_offers, scarce_home_care, simulate, step_days

from sim.hospital import Pathway
from sim.levers.care_planning import PlanStatus
from sim.model import IPCModel
from sim.population import Location

PLENTY_OF_ADVOCATES = {"advocates": 10}  # whole-time: 300 places
NO_ACTIVATION_CHANGE = {"care_planning.activation_gain": 0.0}


def advocacy_model(days: int, overrides=None, advocacy=None, **levers) -> IPCModel:
    scenario = lever_scenario(
        days=days, overrides=overrides, advocacy=advocacy or PLENTY_OF_ADVOCATES, **levers
    )
    return IPCModel(scenario, root_seed=1)


def advocated(model: IPCModel) -> np.ndarray:
    """Everyone who has had an advocate during the run."""
    return np.isfinite(model.people.advocate_until)


# --- who is served, and how many -------------------------------------------------------------------
def test_advocates_serve_only_people_with_low_activation_or_no_carer():
    model = advocacy_model(120, NO_ACTIVATION_CHANGE, care_planning=PLENTY_OF_PLANS)
    step_days(model)
    p, served = model.people, advocated(model)

    assert served.sum() > 100
    assert ((p.activation[served] <= 2) | ~p.has_carer[served]).all()
    # many people the service is not for were referred or admitted, and none got an advocate
    not_for = (p.activation > 2) & p.has_carer
    assert (not_for & np.isfinite(p.plan_day)).sum() > 20
    assert not (not_for & served).any()


def test_advocates_serve_only_people_without_a_carer_when_low_activation_is_not_served():
    model = advocacy_model(
        120,
        NO_ACTIVATION_CHANGE,
        {**PLENTY_OF_ADVOCATES, "serve_low_activation": False},
        care_planning=PLENTY_OF_PLANS,
    )
    step_days(model)
    served = advocated(model)

    assert served.sum() > 20
    assert not model.people.has_carer[served].any()


def test_advocates_serve_only_low_activation_when_people_without_a_carer_are_not_served():
    model = advocacy_model(
        120,
        NO_ACTIVATION_CHANGE,
        {**PLENTY_OF_ADVOCATES, "serve_no_carer": False},
        care_planning=PLENTY_OF_PLANS,
    )
    step_days(model)
    served = advocated(model)

    assert served.sum() > 20
    assert (model.people.activation[served] <= 2).all()


def test_inpatients_who_are_served_get_an_advocate_without_any_other_lever():
    run = simulate(lever_scenario(days=90, advocacy=PLENTY_OF_ADVOCATES))
    served = advocated(run.model)
    admitted = np.unique([stay.person for stay in run.stays])

    # A case closes after its weeks; a readmitted client may be served again.
    assert run.daily["advocacy_cases"].sum() >= served.sum() > 10
    assert np.isin(np.flatnonzero(served), admitted).mean() > 0.8  # admitted, discharged since


def test_caseload_never_exceeds_any_advocates_places():
    model = advocacy_model(150, NO_ACTIVATION_CHANGE, {"advocates": 1}, care_planning=PLENTY_OF_PLANS)
    lever = model.lever("advocacy")
    full_days = 0
    for day in range(model.days):
        model.step()
        for advocate in lever.advocates:
            assert len(advocate.cases) <= advocate.places, f"day {day}"
        full_days += all(a.free == 0 for a in lever.advocates)
    d = model.recorder.frame()

    assert full_days > 30  # demand outstrips the places, so the limit binds
    assert d["advocacy_active"].max() <= sum(a.places for a in lever.advocates)


def test_advocates_places_do_not_exceed_what_their_hours_allow():
    """Bug found: a fractional caseload was split with `int(places // agents + (k < places % agents))`,
    which rounds the total up (30.03 places became 16 + 15 = 31)."""
    model = advocacy_model(1, advocacy={"advocates": 1.001})
    lever = model.lever("advocacy")
    hours_allow = lever.fte * 30 * 8 / 8  # FTE x hours a week x case weeks / hours per case

    assert sum(a.places for a in lever.advocates) <= hours_allow


def test_cases_close_after_case_weeks():
    model = advocacy_model(120, advocacy={"advocates": 10})
    step_days(model)
    lever = model.lever("advocacy")
    open_until = np.array([until for a in lever.advocates for until in a.cases.values()])

    assert open_until.size > 0
    assert (open_until > model.day - 1).all()  # everything older has closed
    assert (open_until <= model.day - 1 + 8 * 7).all()


def test_cost_programme_is_paid_advocate_hours_every_day():
    run = simulate(lever_scenario(days=30, advocacy={"advocates": 1}))
    fte = 1

    hour = 40 * 1.009 * 1.004 * 1.0209 * 1.0124  # GBP 40 at 2013-14 prices, in 2017/18 prices
    np.testing.assert_allclose(run.daily["cost_programme"], fte * 30 / 7 * hour)


# --- what advocacy changes ---------------------------------------------------------------------------
def test_advocacy_raises_care_plan_acceptance():
    over = {"care_planning.acceptance": 0.5, "advocacy.uptake_rr": 1.9, **NO_ACTIVATION_CHANGE}
    on = advocacy_model(120, over, care_planning=PLENTY_OF_PLANS)
    off = IPCModel(lever_scenario(days=120, overrides=over, care_planning=PLENTY_OF_PLANS), root_seed=1)
    step_days(on)
    step_days(off)

    def acceptance(model):
        status = model.lever("care_planning").status
        took = np.isin(status, (PlanStatus.REFERRED, PlanStatus.PLANNED)).sum()
        return took / (took + (status == PlanStatus.DECLINED).sum())

    assert acceptance(off) == pytest.approx(0.5, abs=0.06)
    assert acceptance(on) > acceptance(off) + 0.15


def test_advocacy_raises_phb_uptake():
    over = {"phb.uptake": 0.3, "advocacy.uptake_rr": 3.0, **NO_ACTIVATION_CHANGE}
    phb = {"target_budgets": 100_000, "min_conditions": 0}
    on = advocacy_model(150, over, care_planning=PLENTY_OF_PLANS, phb=phb)
    off = IPCModel(
        lever_scenario(days=150, overrides=over, care_planning=PLENTY_OF_PLANS, phb=phb), root_seed=1
    )
    offers_on, offers_off = record_offers(on), record_offers(off)
    step_days(on)
    step_days(off)
    uptake_on = len(offers_on.took) / len(offers_on.day)
    uptake_off = len(offers_off.took) / len(offers_off.day)

    assert len(offers_off.day) > 100
    assert uptake_off == pytest.approx(0.3, abs=0.07)
    assert uptake_on > uptake_off + 0.2


def test_advocacy_shortens_phb_setup_by_the_setup_factor():
    # near-fixed 49-day set-up (gamma shape 100); advocated people's is halved to ~25 days
    over = {"phb.setup_shape": 100, "advocacy.setup_factor": 0.5, **NO_ACTIVATION_CHANGE}
    phb = {"target_budgets": 100_000, "min_conditions": 0}
    on = advocacy_model(150, over, care_planning=PLENTY_OF_PLANS, phb=phb)
    off = IPCModel(
        lever_scenario(days=150, overrides=over, care_planning=PLENTY_OF_PLANS, phb=phb), root_seed=1
    )
    offers_on, offers_off = record_offers(on), record_offers(off)
    step_days(on)
    step_days(off)

    def setup_days(model, offers):
        took = np.fromiter(offers.took, dtype=np.int64)
        return model.lever("phb")._setup_end[took] - np.array([offers.day[int(p)] for p in took])

    days_on, days_off = setup_days(on, offers_on), setup_days(off, offers_off)

    assert days_off.size > 30
    assert days_off.min() > 35  # nobody's set-up is short without an advocate
    short = days_on < 35
    assert short.sum() > 10  # advocated people's are
    assert np.median(days_on[short]) == pytest.approx(24.5, rel=0.15)
    assert np.median(days_on[~short]) == pytest.approx(49, rel=0.15)


def test_discharge_divert_share_one_turns_an_advocated_inpatients_p1_into_p0():
    model = advocacy_model(60, {"advocacy.discharge_divert_share": 1.0})
    step_days(model)
    lever, p = model.lever("advocacy"), model.people
    now = model.day + 0.5
    with_advocate = np.flatnonzero(p.advocate_until > now)
    without = np.flatnonzero(~np.isfinite(p.advocate_until))[:50]

    assert with_advocate.size > 5
    assert model.hospital.core.on_fit == model.schedule.discharge_pathway  # the hook is wired in
    for person in with_advocate:
        assert lever.discharge_pathway(int(person), Pathway.HOME_SUPPORT, now) == Pathway.HOME
        assert lever.discharge_pathway(int(person), Pathway.INTERMEDIATE, now) == Pathway.INTERMEDIATE
    for person in without:
        assert lever.discharge_pathway(int(person), Pathway.HOME_SUPPORT, now) == Pathway.HOME_SUPPORT


def test_no_diversion_after_the_case_has_closed():
    model = advocacy_model(60, {"advocacy.discharge_divert_share": 1.0})
    step_days(model)
    lever, p = model.lever("advocacy"), model.people
    person = int(np.flatnonzero(np.isfinite(p.advocate_until))[0])

    assert lever.discharge_pathway(person, Pathway.HOME_SUPPORT, p.advocate_until[person] + 0.5) == (
        Pathway.HOME_SUPPORT
    )


def test_discharge_diversion_lowers_dtoc_when_home_care_is_scarce():
    places, normal_dtoc = scarce_home_care(lever_scenario(days=180))
    scarce = {"pathway.p1_places": places, "advocacy.discharge_divert_share": 1.0}
    on = simulate(lever_scenario(days=180, overrides=scarce, advocacy=PLENTY_OF_ADVOCATES))
    off = simulate(lever_scenario(days=180, overrides=scarce))

    assert off.daily["dtoc_days"].sum() > 2 * normal_dtoc  # home care is scarce
    assert on.daily["dtoc_days"].sum() < 0.7 * off.daily["dtoc_days"].sum()


def test_no_dtoc_change_when_nothing_is_diverted():
    places, _ = scarce_home_care(lever_scenario(days=120))
    scarce = {"pathway.p1_places": places, "advocacy.discharge_divert_share": 0.0}
    on = simulate(lever_scenario(days=120, overrides=scarce, advocacy=PLENTY_OF_ADVOCATES))
    off = simulate(lever_scenario(days=120, overrides=scarce))

    assert on.daily["advocacy_cases"].sum() > 0
    np.testing.assert_array_equal(on.daily["dtoc_days"], off.daily["dtoc_days"])


# --- regressions: bugs found while these tests were written ---------------------------------------
def test_dead_clients_do_not_hold_an_advocates_place():
    """Bug found: a client who died kept the advocate's place until the case ran out."""
    deadly = {f"mortality.fit_{band}": 0.5 for band in ("65_74", "75_84", "85_plus")}
    model = advocacy_model(90, deadly)
    step_days(model)
    dead = model.people.location == Location.DEAD
    cases = [q for a in model.lever("advocacy").advocates for q in a.cases]

    assert cases
    assert not any(dead[q] for q in cases)
