"""Personalised care and support planning: co-ordinators' hours cap the plans, referrals wait
when capacity is short, the targeting rule picks who is planned, and each effect of a plan
(contingency, activation, pulmonary rehab, community-group referral) moves its outcome the
right way. Effects are compared in paired runs (same seed) with a large effect parameter."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from conftest import PLENTY_OF_PLANS, first_day, lever_scenario, simulate, step_days

from sim.levers.care_planning import PlanStatus
from sim.model import IPCModel
from sim.population import Location

MANY_REFERRALS = {"care_planning.referrals_per_coordinator_week": 15}


def planned(run) -> np.ndarray:
    """Everyone who was given a plan (live or ended since): people with a plan day."""
    return np.isfinite(run.model.people.plan_day)


def live(model: IPCModel) -> np.ndarray:
    """Live plan holders: alive, in the cohort and living at home."""
    return model.people.plan_status == PlanStatus.PLANNED


def record_referrals(model: IPCModel) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Wrap the lever's weekly identification: (day, people referred, their last discharge)."""
    lever = model.lever("care_planning")
    seen: list[tuple[int, np.ndarray, np.ndarray]] = []
    identify = lever._identify

    def recording(day: int) -> None:
        before = lever.status.copy()
        identify(day)
        new = np.flatnonzero(
            (before == PlanStatus.NONE) & np.isin(lever.status, (PlanStatus.REFERRED, PlanStatus.DECLINED))
        )
        seen.append((day, new, model.people.last_discharge[new].copy()))

    lever._identify = recording
    return seen


# --- who gets plans, and how many ---------------------------------------------------------------
def test_no_plans_when_care_planning_is_switched_off():
    run = simulate(lever_scenario(days=60, care_planning={**PLENTY_OF_PLANS, "enabled": False}))

    assert run.model.lever("care_planning") is None
    assert run.daily[["plans_completed", "care_plan_referrals", "cost_programme"]].sum().sum() == 0
    assert not planned(run).any()


def test_no_plans_referrals_or_cost_without_coordinators():
    run = simulate(lever_scenario(days=60, care_planning={"coordinators": 0, "target_plans": 100_000}))

    totals = run.daily[["plans_completed", "care_plan_referrals", "cost_programme"]].sum()
    assert (totals == 0).all(), totals.to_dict()
    assert not planned(run).any()


def test_plans_are_made_when_enabled_with_coordinators():
    run = simulate(lever_scenario(days=60, care_planning=PLENTY_OF_PLANS))

    assert run.daily["plans_completed"].sum() > 20
    assert planned(run).sum() == run.daily["plans_completed"].sum()


def test_plan_throughput_is_capped_by_coordinator_hours_and_reaches_the_cap_when_referrals_abound():
    days = 140  # shorter than review_weeks (26), so every hour goes on new plans
    run = simulate(
        lever_scenario(
            days=days, overrides=MANY_REFERRALS, care_planning={"coordinators": 2, "target_plans": 100_000}
        )
    )
    lever = run.model.lever("care_planning")
    capacity = lever.fte * 30 / 7 * days / 6  # FTE x hours a week / 7 x days / hours per plan

    plans = run.daily["plans_completed"].sum()

    assert lever.fte == 2
    assert plans <= capacity
    assert plans >= 0.95 * capacity


def test_every_coordinator_works_when_referrals_abound_even_with_more_coordinators_than_practices():
    """Bug found: practices went to co-ordinator `practice % agents`, so with more co-ordinator
    agents than practices the extra ones never had a referral, sat idle while paid, and the
    queue grew."""
    days = 140
    run = simulate(
        lever_scenario(
            days=days, overrides=MANY_REFERRALS, care_planning={"coordinators": 6, "target_plans": 100_000}
        )
    )
    lever = run.model.lever("care_planning")
    capacity = lever.fte * 30 / 7 * days / 6
    assert len(lever.coordinators) > run.model.people.n_practices  # 6 agents, 4 practices

    assert run.daily["care_plan_queue"].iloc[-1] > 100  # referrals are waiting ...
    assert run.daily["plans_completed"].sum() >= 0.95 * capacity  # ... so every paid hour is used


def test_throughput_scales_with_hours_per_plan():
    """Twice the hours per plan, half the plans when referrals are plentiful."""
    staff = {"coordinators": 2, "target_plans": 100_000}
    quick = simulate(
        lever_scenario(
            days=140, overrides={**MANY_REFERRALS, "care_planning.hours_per_plan": 4}, care_planning=staff
        )
    )
    slow = simulate(
        lever_scenario(
            days=140, overrides={**MANY_REFERRALS, "care_planning.hours_per_plan": 8}, care_planning=staff
        )
    )

    ratio = slow.daily["plans_completed"].sum() / quick.daily["plans_completed"].sum()

    assert ratio == pytest.approx(0.5, abs=0.03)


def test_queue_builds_when_referrals_exceed_capacity():
    run = simulate(lever_scenario(days=140, overrides=MANY_REFERRALS, care_planning=PLENTY_OF_PLANS))
    queue = run.daily["care_plan_queue"]

    assert queue.iloc[-1] > 100
    assert queue.iloc[-1] > queue.iloc[70] > queue.iloc[14] > 0


def test_queue_never_exceeds_a_weeks_referrals_when_capacity_is_ample():
    run = simulate(
        lever_scenario(
            days=140,
            overrides={"care_planning.referrals_per_coordinator_week": 2},
            care_planning=PLENTY_OF_PLANS,
        )
    )
    weekly_referrals = run.daily["care_plan_referrals"].max()

    assert weekly_referrals > 0
    assert run.daily["care_plan_queue"].max() <= weekly_referrals
    assert run.daily["care_plan_queue"].iloc[-1] <= weekly_referrals


def test_live_plans_and_referrals_in_hand_never_pass_the_target_day_by_day():
    target = 100
    model = IPCModel(lever_scenario(days=240, care_planning={"coordinators": 4, "target_plans": target}))
    lever = model.lever("care_planning")
    committed = []
    for _ in range(model.days):
        model.step()
        committed.append(np.isin(lever.status, (PlanStatus.PLANNED, PlanStatus.REFERRED)).sum())
    d = model.recorder.frame()

    assert max(committed) == target  # reached, never passed
    assert d["plans_active"].max() == target
    assert (d["plans_active"] <= target).all()


def test_plans_that_end_are_replaced_so_more_plans_start_than_the_target():
    """Holders die: their plans end and new people are planned, so the plans started pass the
    target by about the plans ended, and the live caseload ends the horizon near the target."""
    target = 100
    run = simulate(lever_scenario(days=365, care_planning={"coordinators": 4, "target_plans": target}))
    d = run.daily

    assert d["plans_ended"].sum() >= 5
    assert d["plans_completed"].sum() > target
    assert d["plans_completed"].sum() - d["plans_ended"].sum() == d["plans_active"].iloc[-1]
    assert d["plans_active"].iloc[-1] >= 0.95 * target


def test_a_plan_ends_when_its_holder_dies_moves_away_or_into_a_care_home_and_only_then():
    run = simulate(lever_scenario(days=365, care_planning={"coordinators": 4, "target_plans": 300}))
    p, status = run.model.people, run.model.people.plan_status
    left = (p.location == Location.DEAD) | (p.location == Location.OUTSIDE)
    gone = left | (p.residence != Location.HOME)
    had_plan = planned(run)

    assert (had_plan & gone).sum() > 10
    assert (had_plan & (p.residence == Location.CARE_HOME) & (p.location != Location.DEAD)).any()
    assert (status[had_plan & gone] == PlanStatus.ENDED).all()
    assert (status[had_plan & ~gone] == PlanStatus.PLANNED).all()


def test_ended_plans_are_not_reviewed():
    """Reviews are for live plans: a holder who died or went into a care home is not reviewed."""
    model = IPCModel(
        lever_scenario(
            days=200,
            overrides={"care_planning.review_weeks": 4},
            care_planning={"coordinators": 4, "target_plans": 300},
        )
    )
    lever = model.lever("care_planning")
    reviewed: list[int] = []
    for coordinator in lever.coordinators:
        pick = coordinator._next_task

        def recording(day: int, pick=pick, coordinator=coordinator) -> bool:
            found = pick(day)
            if found and coordinator.task[0] == "review":
                reviewed.append(coordinator.task[1])
                assert lever.status[coordinator.task[1]] == PlanStatus.PLANNED
            return found

        coordinator._next_task = recording
    step_days(model)

    assert len(reviewed) > 100
    assert (model.people.plan_status == PlanStatus.ENDED).sum() > 10


def test_reviews_start_only_after_review_weeks():
    review_days = 12 * 7
    run = simulate(
        lever_scenario(days=150, overrides={"care_planning.review_weeks": 12}, care_planning=PLENTY_OF_PLANS)
    )
    d = run.daily

    assert d["plan_reviews"].sum() > 0
    assert first_day(d, "plan_reviews") >= first_day(d, "plans_completed") + review_days
    # every plan is reviewed at most once in this horizon: only plans old enough are due
    assert d["plan_reviews"].sum() <= d.loc[d["day"] < 150 - review_days, "plans_completed"].sum()


def test_no_reviews_within_review_weeks_of_the_first_plan():
    run = simulate(
        lever_scenario(days=80, overrides={"care_planning.review_weeks": 12}, care_planning=PLENTY_OF_PLANS)
    )

    assert run.daily["plans_completed"].sum() > 0
    assert run.daily["plan_reviews"].sum() == 0


def test_nothing_happens_and_nothing_is_paid_before_the_start_day():
    run = simulate(lever_scenario(days=90, start_day=35, care_planning=PLENTY_OF_PLANS))
    d = run.daily
    before, after = d[d["day"] < 35], d[d["day"] >= 35]

    assert before[["plans_completed", "care_plan_referrals", "cost_programme"]].sum().sum() == 0
    assert after["plans_completed"].sum() > 0
    assert (after["cost_programme"] > 0).all()
    assert run.model.people.plan_day[planned(run)].min() >= 35


# --- targeting ------------------------------------------------------------------------------------
def test_highest_risk_targeting_picks_frailer_people_with_more_conditions_than_random():
    risky = simulate(lever_scenario(days=91, care_planning={**PLENTY_OF_PLANS, "targeting": "highest_risk"}))
    rand = simulate(lever_scenario(days=91, care_planning={**PLENTY_OF_PLANS, "targeting": "random"}))
    p_risky, p_rand = risky.model.people, rand.model.people
    in_risky, in_rand = planned(risky), planned(rand)

    assert in_risky.sum() > 50 and in_rand.sum() > 50
    assert p_risky.frailty[in_risky].mean() > p_rand.frailty[in_rand].mean() + 0.5
    assert p_risky.n_conditions[in_risky].mean() > p_rand.n_conditions[in_rand].mean() + 0.5
    # random targeting looks like the cohort
    assert p_rand.frailty[in_rand].mean() == pytest.approx(p_rand.frailty.mean(), abs=0.25)


def test_post_discharge_targeting_refers_only_people_discharged_within_the_window():
    window = 30
    model = IPCModel(
        lever_scenario(days=120, care_planning={**PLENTY_OF_PLANS, "targeting": "post_discharge"}),
        root_seed=1,
    )
    referrals = record_referrals(model)
    step_days(model)

    referred = sum(ids.size for _, ids, _ in referrals)
    assert referred > 20
    for day, _ids, last_discharge in referrals:
        assert np.isfinite(last_discharge).all()
        assert (day - last_discharge <= window).all()
    holders = np.isfinite(model.people.plan_day)
    assert holders.sum() > 0
    assert np.isfinite(model.people.last_discharge[holders]).all()


def test_random_targeting_mostly_refers_people_never_discharged():
    """The contrast that makes the post-discharge test meaningful."""
    model = IPCModel(
        lever_scenario(days=60, care_planning={**PLENTY_OF_PLANS, "targeting": "random"}), root_seed=1
    )
    referrals = record_referrals(model)
    step_days(model)
    last = np.concatenate([ld for _, _, ld in referrals])

    assert last.size > 20
    assert np.mean(np.isfinite(last)) < 0.2


# --- effects of a plan ------------------------------------------------------------------------------
def test_contingency_manages_crises_at_home_and_cuts_ae_attendances():
    with_plan = simulate(
        lever_scenario(
            days=180, overrides={"care_planning.contingency_share": 0.5}, care_planning=PLENTY_OF_PLANS
        )
    )
    without = simulate(
        lever_scenario(
            days=180, overrides={"care_planning.contingency_share": 0.0}, care_planning=PLENTY_OF_PLANS
        )
    )
    managed = with_plan.daily["crises_managed_at_home"].sum()
    ae_with, ae_without = with_plan.daily["ae_attendances"].sum(), without.daily["ae_attendances"].sum()

    assert without.daily["crises_managed_at_home"].sum() == 0
    assert managed > 20
    assert ae_with < ae_without
    assert ae_without - ae_with >= 0.5 * managed  # the managed crises are the A&E visits avoided


def test_contingency_applies_only_to_plan_holders():
    model = IPCModel(
        lever_scenario(
            days=60, overrides={"care_planning.contingency_share": 0.5}, care_planning=PLENTY_OF_PLANS
        ),
        root_seed=1,
    )
    step_days(model)
    everyone = model.people.ids
    holders = live(model)
    weight = model.params["care_planning.contingency_medium_weight"]

    assert holders.any()
    assert (np.isfinite(model.people.plan_day) & ~holders).any()  # ended plans: no contingency
    for acuity, expected in ((0, 0.5), (1, 0.5 * weight), (2, 0.0)):
        share = model.lever("care_planning").managed_at_home(everyone, np.full(everyone.size, acuity))
        assert (share[holders] == expected).all(), acuity
        assert (share[~holders] == 0.0).all()


def test_activation_gain_one_raises_every_planned_persons_activation_by_one_level():
    model = IPCModel(
        lever_scenario(
            days=90, overrides={"care_planning.activation_gain": 1.0}, care_planning=PLENTY_OF_PLANS
        ),
        root_seed=1,
    )
    initial = model.people.activation.copy()
    step_days(model)
    p = model.people
    holders = np.isfinite(p.plan_day)

    assert holders.sum() > 50
    np.testing.assert_array_equal(p.activation[holders], np.minimum(initial[holders] + 1, 4))
    np.testing.assert_array_equal(p.activation[~holders], initial[~holders])
    # the crisis hazard uses the new level
    expected = model.health._rate * model.health._relative_risk(p.ids)
    np.testing.assert_allclose(model.health.stable, expected)


def test_activation_gain_raises_mean_activation_of_planned_people_against_no_gain():
    gain = simulate(
        lever_scenario(
            days=90, overrides={"care_planning.activation_gain": 1.0}, care_planning=PLENTY_OF_PLANS
        )
    )
    none = simulate(
        lever_scenario(
            days=90, overrides={"care_planning.activation_gain": 0.0}, care_planning=PLENTY_OF_PLANS
        )
    )

    assert (
        gain.model.people.activation[planned(gain)].mean()
        > none.model.people.activation[planned(none)].mean() + 0.5
    )


def test_rehab_uptake_rr_raises_rehab_starts_of_plan_holders():
    over = {"rehab.uptake": 0.5}
    high = simulate(
        lever_scenario(
            days=300, overrides={**over, "care_planning.rehab_uptake_rr": 1.8}, care_planning=PLENTY_OF_PLANS
        )
    )
    none = simulate(
        lever_scenario(
            days=300, overrides={**over, "care_planning.rehab_uptake_rr": 1.0}, care_planning=PLENTY_OF_PLANS
        )
    )
    both = planned(high) & planned(none) & high.model.people.copd
    starts_high = high.model.rehab.clock.count[both].sum()
    starts_none = none.model.rehab.clock.count[both].sum()

    assert starts_none > 10
    assert starts_high > 1.2 * starts_none  # diluted: starts before the plan, and a course lasts a year
    assert high.daily["rehab_starts"].sum() > none.daily["rehab_starts"].sum()


def test_rehab_multiplier_is_the_rr_for_plan_holders_and_one_for_everyone_else():
    model = IPCModel(
        lever_scenario(
            days=40, overrides={"care_planning.rehab_uptake_rr": 1.8}, care_planning=PLENTY_OF_PLANS
        ),
        root_seed=1,
    )
    step_days(model)
    multiplier = model.lever("care_planning").rehab_uptake_multiplier()
    holders = live(model)

    assert holders.any()
    assert (multiplier[holders] == 1.8).all()
    assert (multiplier[~holders] == 1.0).all()


def test_every_plan_refers_to_a_community_group_when_the_referral_share_is_one():
    run = simulate(
        lever_scenario(days=60, overrides={"peer_support.referral_share": 1.0}, care_planning=PLENTY_OF_PLANS)
    )
    d = run.daily

    assert d["plans_completed"].sum() > 0
    assert (d["community_group_referrals"] == d["plans_completed"]).all()


def test_community_group_referrals_are_the_referral_share_of_plans():
    run = simulate(lever_scenario(days=150, care_planning=PLENTY_OF_PLANS))  # referral_share 0.35
    d = run.daily

    share = d["community_group_referrals"].sum() / d["plans_completed"].sum()

    assert d["plans_completed"].sum() > 200
    assert share == pytest.approx(0.35, abs=0.08)


def test_no_community_group_referrals_when_the_referral_share_is_zero():
    run = simulate(
        lever_scenario(days=60, overrides={"peer_support.referral_share": 0.0}, care_planning=PLENTY_OF_PLANS)
    )

    assert run.daily["plans_completed"].sum() > 0
    assert run.daily["community_group_referrals"].sum() == 0


def test_cost_programme_is_paid_coordinator_hours_every_day():
    run = simulate(lever_scenario(days=60, care_planning=PLENTY_OF_PLANS))
    fte = 4
    hour = 40 * 1.009 * 1.004 * 1.0209 * 1.0124  # GBP 40 at 2013-14 prices, in 2017/18 prices
    per_day = fte * 30 / 7 * hour  # FTE x hours a week / 7 x GBP an hour

    np.testing.assert_allclose(run.daily["cost_programme"], per_day)


# --- regressions: bugs found while these tests were written ---------------------------------------
def test_zero_review_interval_with_zero_review_hours_does_not_hang():
    """Bug found: with review_weeks 0 and review_hours 0 a finished review was due again the same
    day, so Coordinator.step never returned."""
    scenario = lever_scenario(
        size=1000,
        days=30,
        overrides={"care_planning.review_weeks": 0, "care_planning.review_hours": 0},
        care_planning=PLENTY_OF_PLANS,
    )
    # In a forked child, so that a hang can be stopped (30 days at 1,000 people take < 0.5 s).
    child = multiprocessing.get_context("fork").Process(target=simulate, args=(scenario,))
    child.start()
    child.join(timeout=4)
    hung = child.is_alive()
    if hung:
        child.kill()
        child.join()

    assert not hung, "the model did not finish 30 days at 1,000 people in 4 s"
    assert child.exitcode == 0


def test_care_plan_queue_counts_only_people_still_waiting():
    """Bug found: care_plan_queue counted people who died while waiting for a co-ordinator.
    Referrals of people who died or went into a care home lapse and leave the queue's count."""
    deadly = {f"mortality.fit_{band}": 0.5 for band in ("65_74", "75_84", "85_plus")}
    run = simulate(
        lever_scenario(days=90, overrides={**deadly, **MANY_REFERRALS}, care_planning=PLENTY_OF_PLANS)
    )
    p = run.model.people
    still_there = (p.location != Location.DEAD) & (p.residence == Location.HOME)
    waiting = [q for c in run.model.lever("care_planning").coordinators for q in c.queue]

    assert (p.plan_status == PlanStatus.LAPSED).sum() > 0
    assert run.daily["care_plan_queue"].iloc[-1] == sum(bool(still_there[q]) for q in waiting)


# --- the site-style caseload measure and the contingency draw -------------------------------------
def test_site_style_windows_are_the_quarter_before_each_plan_and_the_quarter_after():
    """Counted from each person's own attendances and zero/one-day admissions: before is from the
    weekly MDT snapshot at least 91 days before the plan to the plan day, after is the 91 days
    that follow, and only windows that have closed are counted."""
    model = IPCModel(lever_scenario(days=320, start_day=91, care_planning=PLENTY_OF_PLANS), root_seed=4)
    attended: list[np.ndarray] = []
    short: list[np.ndarray] = []
    for _ in range(model.days):
        model.step()
        attended.append(model.today.attenders)
        short.append(np.asarray(model.today.log.short_stayers, dtype=np.int64))
    daily = model.recorder.frame()
    ae_days = {p: [] for p in range(model.people.size)}
    short_days = {p: [] for p in range(model.people.size)}
    for day, (ae, stays) in enumerate(zip(attended, short, strict=True)):
        for p in ae:
            ae_days[int(p)].append(day)
        for p in stays:
            short_days[int(p)].append(day)
    expected = dict.fromkeys(("people", "ae_before", "ae_after", "short_before", "short_after"), 0)
    for person in np.flatnonzero(np.isfinite(model.people.plan_day)):
        plan = int(model.people.plan_day[person])
        if plan + 91 > model.days - 1:
            continue  # the after-quarter has not closed
        since = 7 * (plan // 7) - 91  # the snapshot at the weekly MDT a quarter back
        expected["people"] += 1
        for kind, days in (("ae", ae_days[person]), ("short", short_days[person])):
            expected[f"{kind}_before"] += sum(since < d <= plan for d in days)
            expected[f"{kind}_after"] += sum(plan < d <= plan + 91 for d in days)

    assert expected["people"] > 100 and expected["ae_before"] > 50
    assert {k: int(daily[f"caseload_{k}"].sum()) for k in expected} == expected


def test_contingency_is_drawn_afresh_for_each_crisis():
    """A plan holder's crisis is managed at home with the chance its acuity gives (the share
    for a low-acuity crisis, a fraction of it for a medium one, none for a high one), drawn
    anew for each crisis: the managed share matches those chances, and someone with several
    crises while holding a plan sees both outcomes as often as independent draws would give."""
    share = 0.5
    model = IPCModel(
        lever_scenario(
            size=4000,
            days=300,
            overrides={"care_planning.contingency_share": share},
            care_planning=PLENTY_OF_PLANS,
        ),
        root_seed=8,
    )
    lever = model.lever("care_planning")
    by_acuity = share * np.array([1.0, model.params["care_planning.contingency_medium_weight"], 0.0])
    outcomes: dict[int, list[tuple[bool, float]]] = {}
    holders = lever.planned().copy()
    for _ in range(model.days):
        model.step()
        today = model.today
        managed = set(today.managed.tolist())
        acuity = model.routing.acuity(today.crises, today.day)
        for person, a in zip(today.crises, acuity, strict=True):
            if holders[person]:
                outcomes.setdefault(int(person), []).append((int(person) in managed, by_acuity[a]))
        holders = lever.planned().copy()  # plans held when tomorrow's crises are routed
    draws = np.array([o for person in outcomes.values() for o, _ in person])
    chances = np.array([p for person in outcomes.values() for _, p in person])
    several = [person for person in outcomes.values() if len(person) >= 2]
    mixed = sum(len({o for o, _ in person}) == 2 for person in several)
    p_mixed = np.array(
        [1 - np.prod([p for _, p in person]) - np.prod([1 - p for _, p in person]) for person in several]
    )

    assert draws.size > 400 and len(several) > 50
    assert abs(draws.sum() - chances.sum()) < 4 * np.sqrt((chances * (1 - chances)).sum())
    assert abs(mixed - p_mixed.sum()) < 4 * np.sqrt((p_mixed * (1 - p_mixed)).sum())
