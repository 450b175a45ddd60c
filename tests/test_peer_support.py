"""Peer support: groups have limited places, membership lasts its set weeks, members invite
their network ties, and membership raises activation with a boost that fades after leaving."""

from __future__ import annotations

import numpy as np
from conftest import PLENTY_OF_PLANS, lever_scenario, simulate

from sim.model import IPCModel
from sim.population import Location

EAGER = {"peer_support.join_probability": 1.0, "peer_support.referral_share": 1.0}


def follow_members(model: IPCModel) -> tuple[dict[int, int], dict[int, int], int]:
    """Run to the horizon; return each person's (last) join day, leave day, and the largest
    group size seen at any day's end (checked against places each day)."""
    lever = model.lever("peer_support")
    joined: dict[int, int] = {}
    left: dict[int, int] = {}
    before: set[int] = set()
    largest = 0
    for day in range(model.days):
        model.step()
        for group in lever.groups:
            assert len(group.members) <= group.places, f"day {day}: {len(group.members)} > {group.places}"
            largest = max(largest, len(group.members))
        now = {p for g in lever.groups for p in g.members}
        joined.update(dict.fromkeys(now - before, day))
        left.update(dict.fromkeys(before - now, day))
        before = now
    return joined, left, largest


def peer_model(days: int, overrides=None, groups: float = 5, care_planning=PLENTY_OF_PLANS) -> IPCModel:
    levers = {"peer_support": {"groups": groups}}
    if care_planning is not None:
        levers["care_planning"] = care_planning
    return IPCModel(lever_scenario(days=days, overrides=overrides, **levers), root_seed=1)


def test_groups_fill_to_their_places_and_never_exceed_them():
    model = peer_model(120, EAGER, groups=1)
    lever = model.lever("peer_support")
    _, _, largest = follow_members(model)

    assert len(lever.groups) == 1
    assert lever.groups[0].places == 10
    assert largest == 10
    assert len(lever.groups[0].waiting) > 50  # demand far above the places


def test_places_per_group_sets_the_group_size():
    model = peer_model(120, {**EAGER, "peer_support.places_per_group": 8}, groups=2)
    _, _, largest = follow_members(model)

    assert [g.places for g in model.lever("peer_support").groups] == [8, 8]
    assert largest == 8
    assert model.recorder.frame()["peer_members_active"].max() <= 16


def test_membership_ends_after_membership_weeks():
    model = peer_model(150, {**EAGER, "peer_support.membership_weeks": 6})
    joined, left, _ = follow_members(model)
    alive = model.people.location != Location.DEAD
    stays = [left[p] - joined[p] for p in left if alive[p]]  # members who die leave at once

    assert len(stays) > 20
    assert set(stays) == {42}


def test_people_who_left_can_join_again():
    model = peer_model(200, {**EAGER, "peer_support.membership_weeks": 6}, groups=1)
    lever = model.lever("peer_support")
    _, left, _ = follow_members(model)
    members = {p for g in lever.groups for p in g.members}
    waiting = {p for g in lever.groups for p in g.waiting}
    former = np.fromiter((p for p in left if p not in members | waiting), dtype=np.int64)
    enrolled = np.zeros(model.people.size, dtype=bool)
    enrolled[list(members | waiting)] = True
    living_at_home = model.people.alive & (model.people.residence == Location.HOME)

    assert former.size > 0
    assert not lever._queued[former].any()  # free to be referred again
    # among people who could still join, exactly those waiting or in a group are enrolled
    assert np.array_equal(lever._queued[living_at_home], enrolled[living_at_home])


def test_network_invitations_recruit_more_members():
    # no co-ordinator referrals and few self referrals: invitations make the difference
    few = {"peer_support.self_referrals_per_group_week": 0.25}
    inviting = simulate(
        lever_scenario(
            days=180, overrides={**few, "peer_support.invite_rate": 100.0}, peer_support={"groups": 4}
        )
    )
    silent = simulate(
        lever_scenario(
            days=180, overrides={**few, "peer_support.invite_rate": 0.0}, peer_support={"groups": 4}
        )
    )

    assert silent.daily["peer_joins"].sum() > 0
    assert inviting.daily["peer_joins"].sum() > 3 * silent.daily["peer_joins"].sum()
    assert inviting.daily["peer_referrals"].sum() > 3 * silent.daily["peer_referrals"].sum()


def test_invitations_go_to_network_ties_of_members():
    model = peer_model(120, {"peer_support.invite_rate": 50.0}, groups=10, care_planning=None)
    lever = model.lever("peer_support")
    invited: list[tuple[np.ndarray, set[int]]] = []
    refer = lever.refer

    def recording(ids, day, source="peer.referral_join"):
        if source == "peer.invite_join":
            invited.append((ids.copy(), {p for g in lever.groups for p in g.members}))
        return refer(ids, day, source)

    lever.refer = recording
    for _ in range(model.days):
        model.step()
    network = model.lever("peer_support").peer_network

    assert sum(ids.size for ids, _ in invited) > 20
    for ids, members in invited:
        for person in ids:
            assert members & set(network.peers(int(person)).tolist()), f"{person} has no member among ties"


def test_no_groups_means_no_members_no_boost_and_no_cost():
    boosting = {**EAGER, "peer_support.activation_boost": 0.5}
    run = simulate(
        lever_scenario(
            days=120, overrides=boosting, care_planning=PLENTY_OF_PLANS, peer_support={"groups": 0}
        )
    )
    d = run.daily

    assert d["community_group_referrals"].sum() > 0  # plans still refer to community groups
    assert d[["peer_joins", "peer_members_active", "peer_referrals"]].sum().sum() == 0
    assert (run.model.people.activation_boost == 0).all()
    lever = run.model.lever("peer_support")
    assert lever.groups == []
    assert lever.report(run.model.today)["cost_programme"] == 0


def test_cost_programme_is_the_running_cost_of_the_groups():
    run = simulate(lever_scenario(days=30, peer_support={"groups": 5}))
    n_groups = 5

    assert len(run.model.lever("peer_support").groups) == n_groups
    np.testing.assert_allclose(run.daily["cost_programme"], n_groups * 120 / 7)


def test_members_have_the_activation_boost_and_their_hazard_uses_it():
    model = peer_model(120, {**EAGER, "peer_support.activation_boost": 0.8})
    follow_members(model)
    lever, p = model.lever("peer_support"), model.people
    members = np.fromiter((q for g in lever.groups for q in g.members), dtype=np.int64)

    assert members.size > 10
    assert (p.activation_boost[members] == 0.8).all()
    expected = model.health._rate * model.health._relative_risk(p.ids)
    np.testing.assert_allclose(model.health.stable, expected)


def test_activation_boost_lowers_members_crisis_hazard():
    with_boost = peer_model(90, {**EAGER, "peer_support.activation_boost": 1.0})
    no_boost = peer_model(90, {**EAGER, "peer_support.activation_boost": 0.0})
    follow_members(with_boost)
    follow_members(no_boost)
    members = np.fromiter(
        (q for g in with_boost.lever("peer_support").groups for q in g.members), dtype=np.int64
    )
    below_top = members[with_boost.people.activation[members] < 4]

    assert below_top.size > 5
    assert (with_boost.health.stable[below_top] < no_boost.health.stable[below_top]).all()


def test_boost_fades_with_its_half_life_after_leaving():
    half_life = 90
    model = peer_model(
        150,
        {
            **EAGER,
            "peer_support.activation_boost": 0.5,
            "peer_support.membership_weeks": 6,
            "peer_support.fade_half_life_days": half_life,
        },
    )
    joined, left, _ = follow_members(model)
    lever, p = model.lever("peer_support"), model.people
    members = {q for g in lever.groups for q in g.members}
    former = np.array([q for q in left if q not in members])
    days_faded = np.array([model.days - left[q] for q in former])  # fades on the leaving day too

    assert former.size > 10
    np.testing.assert_allclose(p.activation_boost[former], 0.5 * 0.5 ** (days_faded / half_life))
    assert (p.activation_boost[former] < 0.5).all()


def test_no_boost_for_anyone_when_the_boost_is_zero():
    model = peer_model(90, {**EAGER, "peer_support.activation_boost": 0.0})
    joined, _, _ = follow_members(model)

    assert len(joined) > 10
    assert (model.people.activation_boost == 0).all()


# --- regressions: bugs found while these tests were written ---------------------------------------
def test_every_group_fills_when_demand_is_high_even_with_more_groups_than_practices():
    """Bug found: practice k was served by group `k % n_groups`, so with more groups than practices
    the extra groups never had a member, though their running cost was paid."""
    model = peer_model(120, EAGER, groups=10)  # 4 practices
    follow_members(model)
    groups = model.lever("peer_support").groups
    assert len(groups) > model.people.n_practices
    assert sum(len(g.waiting) for g in groups) > 50  # people are waiting ...

    assert all(len(g.members) == g.places for g in groups)  # ... so no place is left empty


def test_dead_members_do_not_hold_places():
    """Bug found: members who died kept their place until their membership ran out."""
    deadly = {f"mortality.fit_{band}": 0.5 for band in ("65_74", "75_84", "85_plus")}
    model = peer_model(90, {**EAGER, **deadly}, groups=10)
    follow_members(model)
    dead = model.people.location == Location.DEAD
    members = [q for g in model.lever("peer_support").groups for q in g.members]

    assert not any(dead[q] for q in members)


def test_a_person_in_hospital_when_a_place_comes_up_keeps_their_turn_and_joins_once_home():
    """Bug found: a waiting person who was in hospital when a place came up was dropped from the
    list, yet still marked as queued, so they could never be referred or invited again."""
    model = peer_model(10, {"peer_support.join_probability": 1.0}, groups=1, care_planning=None)
    lever = model.lever("peer_support")
    group = lever.groups[0]
    person = 7
    assert lever.refer(np.array([person]), 0) == 1  # on the waiting list
    model.people.location[person] = Location.HOSPITAL

    group.step()  # a place is free, but they are in hospital
    assert person not in group.members
    assert list(group.waiting)[:1] == [person]  # still first in line

    model.people.location[person] = Location.HOME  # discharged
    group.step()
    assert person in group.members
