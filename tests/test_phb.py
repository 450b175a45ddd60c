"""Personal health budgets: only plan holders who meet the rules are offered one, uptake and
set-up decide who gets one and when, the commissioned number caps them, spending buys carer
respite and personal assistants, and what budgets displace is set against NHS cost."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (
    HOSPITAL_OUTCOMES,
    PLENTY_OF_PLANS,
    Offers,
    first_day,
    lever_scenario,
    record_offers,
    scarce_home_care,
    simulate,
    step_days,
)

from sim.hospital import Pathway
from sim.levers.phb import BudgetStatus
from sim.model import IPCModel
from sim.population import Location

MANY_BUDGETS = {"target_budgets": 100_000, "min_conditions": 0}
WEEKS_PER_YEAR = 365.25 / 7


def run_phb(days: int = 180, overrides=None, phb=None, seed: int = 1, **levers) -> tuple[IPCModel, Offers]:
    scenario = lever_scenario(
        days=days, overrides=overrides, care_planning=PLENTY_OF_PLANS, phb=phb or MANY_BUDGETS, **levers
    )
    model = IPCModel(scenario, root_seed=seed)
    offers = record_offers(model)
    step_days(model)
    return model, offers


def holders(model: IPCModel) -> np.ndarray:
    """People whose budget started (in payment now, or ended since)."""
    return np.isin(model.lever("phb").status, (BudgetStatus.ACTIVE, BudgetStatus.ENDED))


# --- who gets a budget ----------------------------------------------------------------------------
def test_no_budgets_without_care_planning():
    run = simulate(lever_scenario(days=120, phb=MANY_BUDGETS))  # care planning not enabled

    assert run.daily[["phb_offers", "phbs_started", "cost_phb"]].sum().sum() == 0


def test_no_budgets_when_care_planning_has_no_coordinators():
    run = simulate(lever_scenario(days=120, care_planning={"coordinators": 0}, phb=MANY_BUDGETS))

    assert run.daily[["plans_completed", "phb_offers", "phbs_started", "cost_phb"]].sum().sum() == 0


def test_budgets_are_offered_only_to_plan_holders():
    model, offers = run_phb(days=120)
    offered = np.fromiter(offers.day, dtype=np.int64)
    plan_day = model.people.plan_day[offered]

    assert offered.size > 50
    assert np.isfinite(plan_day).all()
    assert all(plan_day[i] <= offers.day[int(p)] for i, p in enumerate(offered))


def test_zero_uptake_gives_offers_but_no_budgets():
    run = simulate(
        lever_scenario(
            days=150, overrides={"phb.uptake": 0.0}, care_planning=PLENTY_OF_PLANS, phb=MANY_BUDGETS
        )
    )

    assert run.daily["phb_offers"].sum() > 50
    assert run.daily[["phbs_started", "phbs_active", "phbs_in_setup", "cost_phb"]].sum().sum() == 0
    assert (run.model.people.phb_budget == 0).all()


def test_uptake_is_the_share_of_offers_taken():
    model, offers = run_phb(days=120, overrides={"phb.uptake": 0.6})

    assert len(offers.day) > 100
    assert len(offers.took) / len(offers.day) == pytest.approx(0.6, abs=0.08)


def test_eligibility_rules_min_frailty_and_min_conditions_hold_for_every_offer():
    model, offers = run_phb(
        days=180, phb={"target_budgets": 100_000, "min_frailty": "moderate", "min_conditions": 3}
    )
    offered = np.fromiter(offers.day, dtype=np.int64)
    frailty_when_offered = np.array([offers.frailty[int(p)] for p in offered])

    assert offered.size > 20
    assert (frailty_when_offered >= 2).all()  # moderate or severe
    assert (model.people.n_conditions[offered] >= 3).all()
    assert holders(model).any()
    # the rules bite: plan holders who fail them are never offered one
    plan_holders = np.isfinite(model.people.plan_day)
    failing = plan_holders & (model.people.n_conditions < 3)
    assert failing.any()
    assert (model.lever("phb").status[failing] == BudgetStatus.NOT_OFFERED).all()


# --- when ------------------------------------------------------------------------------------------
def test_budgets_start_only_after_the_setup_delay():
    # a near-fixed 60-day set-up (gamma shape 100: sd 6 days)
    run = simulate(
        lever_scenario(
            days=180,
            overrides={"phb.setup_days": 60, "phb.setup_shape": 100},
            care_planning=PLENTY_OF_PLANS,
            phb=MANY_BUDGETS,
        )
    )
    d = run.daily

    assert first_day(d, "phb_offers") >= first_day(d, "plans_completed")
    assert first_day(d, "phbs_started") >= first_day(d, "phb_offers") + 40
    assert d.loc[d["day"] < first_day(d, "phb_offers") + 40, "phbs_active"].sum() == 0


def test_each_budget_starts_on_the_first_day_its_setup_has_ended():
    """Budgets start at the beginning of each day's work, before that day's offers: so on the
    first day on or after the set-up end, and never on the day of the offer itself."""
    model = IPCModel(lever_scenario(days=150, care_planning=PLENTY_OF_PLANS, phb=MANY_BUDGETS), root_seed=1)
    offers = record_offers(model)
    lever = model.lever("phb")
    began: dict[int, int] = {}
    for day in range(model.days):
        before = lever.active().copy()
        model.step()
        began.update(dict.fromkeys(np.flatnonzero(lever.active() & ~before).tolist(), day))
    started = np.fromiter(began, dtype=np.int64)
    setup_end = lever._setup_end[started]
    offered = np.array([offers.day[int(p)] for p in started])
    expected = np.maximum(np.ceil(setup_end), offered + 1)

    assert started.size > 20
    assert (np.array(list(began.values())) == expected).all()
    assert (setup_end - offered).mean() == pytest.approx(49, rel=0.2)  # phb.setup_days


def test_zero_setup_days_starts_budgets_at_once():
    """Bug found: setup_days 0 gave gamma.ppf(..., scale=0) = NaN set-up ends, so no budget ever
    started and the NaN budgets filled the commissioned number."""
    run = simulate(
        lever_scenario(
            days=60, overrides={"phb.setup_days": 0}, care_planning=PLENTY_OF_PLANS, phb=MANY_BUDGETS
        )
    )
    d = run.daily

    assert d["phb_offers"].sum() > 0
    assert first_day(d, "phbs_started") <= first_day(d, "phb_offers") + 1


# --- how many --------------------------------------------------------------------------------------
def test_budgets_in_payment_reach_the_target_with_plenty_of_plans_and_never_pass_it():
    target = 100
    run = simulate(
        lever_scenario(
            days=240, care_planning=PLENTY_OF_PLANS, phb={"target_budgets": 100, "min_conditions": 0}
        )
    )
    d = run.daily

    assert run.model.lever("phb").target == target
    assert d["phbs_active"].max() >= 0.95 * target
    assert (d["phbs_active"] <= target).all()


def test_budgets_in_payment_or_in_setup_never_exceed_a_small_target_despite_many_offers():
    """Budgets being set up are committed: they count towards the target when offering."""
    target = 20
    model = IPCModel(
        lever_scenario(
            days=180, care_planning=PLENTY_OF_PLANS, phb={"target_budgets": 20, "min_conditions": 0}
        ),
        root_seed=1,
    )
    lever = model.lever("phb")
    committed = []
    for _ in range(model.days):
        model.step()
        committed.append(np.isin(lever.status, (BudgetStatus.ACTIVE, BudgetStatus.SETTING_UP)).sum())

    d = model.recorder.frame()
    assert max(committed) == target
    assert d["phb_offers"].sum() > target  # some declined, so more offers than budgets


def test_budgets_that_end_are_replaced_so_more_start_than_the_target():
    """Holders die or move into care homes: their budgets end and new ones are offered, so the
    budgets started pass the target by the budgets ended, and the caseload stays near it."""
    target = 60
    run = simulate(
        lever_scenario(
            days=365,
            overrides={"phb.setup_days": 14},
            care_planning=PLENTY_OF_PLANS,
            phb={"target_budgets": target, "min_conditions": 0},
        )
    )
    d = run.daily

    assert d["phbs_ended"].sum() >= 3
    assert d["phbs_started"].sum() > target
    assert d["phbs_started"].sum() - d["phbs_ended"].sum() == d["phbs_active"].iloc[-1]
    assert d["phbs_active"].iloc[-1] >= 0.9 * target


def test_a_setup_lapses_when_the_person_dies_moves_away_or_into_a_care_home_before_payment():
    deadly = {f"mortality.fit_{band}": 0.5 for band in ("65_74", "75_84", "85_plus")}
    model, _ = run_phb(days=120, overrides={**deadly, "phb.setup_days": 84})
    p, status = model.people, model.lever("phb").status
    left = (p.location == Location.DEAD) | (p.location == Location.OUTSIDE)
    gone = left | (p.residence != Location.HOME)

    assert (status == BudgetStatus.LAPSED).sum() > 5
    assert gone[status == BudgetStatus.LAPSED].all()
    assert not gone[status == BudgetStatus.SETTING_UP].any()
    assert (p.phb_budget[status == BudgetStatus.LAPSED] == 0).all()  # never paid


# --- money ------------------------------------------------------------------------------------------
def test_budget_sizes_follow_the_lognormal_with_the_set_mean_and_cv():
    model, _ = run_phb(days=240, overrides={"phb.uptake": 0.8})
    budgets = model.people.phb_budget[model.lever("phb").active()] * 365.25  # GBP a year

    assert budgets.size > 150
    assert (budgets > 0).all()
    assert budgets.mean() == pytest.approx(3000, rel=0.15)
    assert budgets.std() / budgets.mean() == pytest.approx(0.6, abs=0.15)


def test_cost_phb_is_the_sum_of_budgets_in_payment_per_day_and_displaces_nhs_cost():
    model, _ = run_phb(days=150)
    report = model.lever("phb").report(model.today)
    spend = model.people.phb_budget[model.lever("phb").active()].sum()  # GBP a day

    assert spend > 0
    assert report["cost_phb"] == pytest.approx(spend)
    assert report["cost_nhs"] == pytest.approx(-0.30 * spend)  # phb.displaced_nhs_share
    assert model.recorder.frame()["cost_phb"].iloc[-1] == pytest.approx(spend)


def test_displaced_share_lowers_cost_nhs_by_that_share_of_phb_spend_day_by_day():
    def run(share: float):
        return simulate(
            lever_scenario(
                days=150,
                overrides={"phb.displaced_nhs_share": share},
                care_planning=PLENTY_OF_PLANS,
                phb=MANY_BUDGETS,
            )
        )

    displacing, not_displacing = run(0.6), run(0.0)
    a, b = displacing.daily, not_displacing.daily

    assert a["cost_phb"].sum() > 0
    np.testing.assert_allclose(a["cost_phb"], b["cost_phb"])
    np.testing.assert_allclose(a["cost_nhs"] - b["cost_nhs"], -0.6 * a["cost_phb"], atol=1e-6)
    for column in HOSPITAL_OUTCOMES:  # only the books change
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)


# --- what budgets buy ----------------------------------------------------------------------------------
def test_respite_hours_are_the_respite_share_of_the_budget_at_the_hourly_price():
    model, _ = run_phb(
        days=150,
        overrides={"phb.share_respite": 0.6, "phb.share_personal_assistant": 0.4, "phb.share_activity": 0.0},
    )
    p = model.people
    hours = model.lever("phb").respite_hours()
    active = model.lever("phb").active()

    assert (active & p.has_carer).any()
    hour = 16.12 / 1.016  # UKHCA's April 2018 price, deflated to 2017/18
    expected = p.phb_budget * 365.25 * 0.6 / hour / WEEKS_PER_YEAR  # a year's respite share, by the week
    np.testing.assert_allclose(hours[active & p.has_carer], expected[active & p.has_carer])
    assert (hours[~(active & p.has_carer)] == 0).all()


def test_respite_lowers_carer_strain_of_budget_holders():
    spend = {"phb.budget_mean": 10_000, "phb.share_personal_assistant": 0.4}
    model_r, _ = run_phb(days=365, overrides={**spend, "phb.share_respite": 0.6, "phb.share_activity": 0.0})
    model_0, _ = run_phb(days=365, overrides={**spend, "phb.share_respite": 0.0, "phb.share_activity": 0.6})

    def cared_for_holders(model):
        p = model.people
        return model.lever("phb").active() & p.has_carer & (p.location == Location.HOME)

    both = cared_for_holders(model_r) & cared_for_holders(model_0)
    strain_r, strain_0 = model_r.people.carer_strain[both], model_0.people.carer_strain[both]

    assert both.sum() > 50
    assert strain_r.mean() < strain_0.mean() - 0.02
    assert (strain_r <= strain_0 + 1e-9).mean() > 0.9  # person by person, nearly always lower


def test_no_respite_hours_without_a_respite_share():
    model, _ = run_phb(days=90, overrides={"phb.share_respite": 0.0, "phb.share_activity": 0.6})

    assert model.lever("phb").active().any()
    assert model.lever("phb").respite_hours() is None


def _a_holder(model: IPCModel) -> int:
    active = np.flatnonzero(model.lever("phb").active())
    assert active.size
    return int(active[0])


def test_holders_with_a_personal_assistant_never_wait_for_a_p1_package_when_bypass_is_one():
    model, _ = run_phb(days=120, overrides={"phb.p1_bypass_share": 1.0})
    lever = model.lever("phb")
    holder = _a_holder(model)
    others = np.flatnonzero(lever.status == BudgetStatus.NOT_OFFERED)[:20]

    assert model.hospital.core.on_fit == model.schedule.discharge_pathway  # the hook is wired in
    for now in np.linspace(120, 125, 40):
        assert lever.discharge_pathway(holder, Pathway.HOME_SUPPORT, now) == Pathway.HOME
        assert lever.discharge_pathway(holder, Pathway.INTERMEDIATE, now) == Pathway.INTERMEDIATE
        assert lever.discharge_pathway(holder, Pathway.CARE_HOME, now) == Pathway.CARE_HOME
    for person in others:
        assert lever.discharge_pathway(int(person), Pathway.HOME_SUPPORT, 120.5) == Pathway.HOME_SUPPORT


def test_holders_with_personal_assistants_cut_dtoc_when_home_care_is_scarce():
    """Paired: the same budgets with and without pre-arranged support at discharge."""

    def scenario(bypass: float, places: float | None = None):
        over = {"phb.p1_bypass_share": bypass, "phb.setup_days": 14, "phb.uptake": 0.8}
        if places is not None:
            over["pathway.p1_places"] = places
        return lever_scenario(
            days=180,
            overrides=over,
            care_planning={"coordinators": 6, "target_plans": 100_000},
            phb=MANY_BUDGETS,
        )

    places, normal_dtoc = scarce_home_care(scenario(0.0))
    bypassing, waiting = (simulate(scenario(b, places)).daily for b in (1.0, 0.0))

    assert waiting["dtoc_days"].sum() > 2 * normal_dtoc  # home care is scarce
    assert bypassing["dtoc_days"].sum() < 0.8 * waiting["dtoc_days"].sum()


def test_p1_bypass_applies_to_about_its_share_of_discharges():
    model, _ = run_phb(days=120, overrides={"phb.p1_bypass_share": 0.5})
    lever = model.lever("phb")
    people = np.flatnonzero(lever.active())
    went_home = [
        lever.discharge_pathway(int(p), Pathway.HOME_SUPPORT, 120.0 + k) == Pathway.HOME
        for p in people
        for k in range(5)
    ]

    assert len(went_home) > 200
    assert np.mean(went_home) == pytest.approx(0.5, abs=0.08)


def test_no_p1_bypass_when_budgets_buy_no_personal_assistant():
    model, _ = run_phb(
        days=120,
        overrides={
            "phb.p1_bypass_share": 1.0,
            "phb.share_personal_assistant": 0.0,
            "phb.share_activity": 0.65,
        },
    )
    holder = _a_holder(model)

    assert model.lever("phb").discharge_pathway(holder, Pathway.HOME_SUPPORT, 120.5) == Pathway.HOME_SUPPORT


def test_budgets_end_when_the_holder_dies_or_moves_to_a_care_home():
    model, _ = run_phb(days=240)
    p, status = model.people, model.lever("phb").status
    gone = (p.location == Location.DEAD) | (p.residence != Location.HOME)
    had_budget = np.isin(status, (BudgetStatus.ACTIVE, BudgetStatus.ENDED))

    assert (had_budget & gone).any()
    assert (status[had_budget & gone] == BudgetStatus.ENDED).all()
    assert (p.phb_budget[gone] == 0).all()


def test_phbs_in_setup_counts_only_living_people():
    """Bug found: people who died during set-up stayed in phbs_in_setup for ever."""
    deadly = {f"mortality.fit_{band}": 0.5 for band in ("65_74", "75_84", "85_plus")}
    run = simulate(lever_scenario(days=90, overrides=deadly, care_planning=PLENTY_OF_PLANS, phb=MANY_BUDGETS))
    setting_up = run.model.lever("phb").status == BudgetStatus.SETTING_UP
    alive = run.model.people.location != Location.DEAD

    assert run.daily["phbs_in_setup"].iloc[-1] == np.count_nonzero(setting_up & alive)
