"""Peer support groups: limited places, recruitment through referrals and the peer network.

Groups (Mesa agents) serve the practices assigned to them. People join from co-ordinator
referrals, from practice and self referral, and when a member invites one of their network
ties. Membership raises activation (a fractional PAM boost) and the boost fades after
someone leaves: the COPD peer trial saw fewer visits during the programme and none at nine
months, and volunteer schemes show no fall in admissions (docs/references.md).
"""

from __future__ import annotations

import math
from collections import deque
from functools import cached_property
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from pydantic import Field

from sim.component import FLOW, STOCK, Column, Metric, Today
from sim.lever import Lever, LeverSpec, assign_to_agents
from sim.limits import MAX_STAFF
from sim.network import PeerNetwork, build_peer_network
from sim.population import Location

if TYPE_CHECKING:
    from sim.model import IPCModel

SELF_REFERRAL_EVERY_DAYS = 7

PARAMETERS: dict[str, dict[str, Any]] = {
    "peer_support.places_per_group": {
        "value": 10,
        "low": 8,
        "high": 12,
        "unit": "count",
        "kind": "int",
        "source": "EPP format [epp]: 'between 8 and 12 people'",
        "note": "Places in a peer support group",
    },
    "peer_support.membership_weeks": {
        "value": 12,
        "low": 6,
        "high": 52,
        "unit": "weeks",
        "source": "[assumption] EPP runs 6 weekly sessions; COPD RCT ran 8 gatherings [pcori-copd-peer]",
        "note": "How long a member stays in a group",
    },
    "peer_support.invite_rate": {
        "value": 0.5,
        "low": 0.0,
        "high": 2.0,
        "unit": "per person-year",
        "source": "[assumption] recruitment through neighbourhood and practice ties (the project's design)",
        "note": "Rate at which each member invites one of their network peers",
    },
    "peer_support.join_probability": {
        "value": 0.3,
        "low": 0.1,
        "high": 0.6,
        "unit": "probability",
        "source": "[assumption]",
        "note": "Chance a referred or invited person joins when a place is free",
    },
    "peer_support.activation_boost": {
        "value": 0.0,
        "low": 0.0,
        "high": 1.0,
        "unit": "multiplier",
        "source": (
            "Volunteer schemes, no reduction in emergency admissions or cost vs matched controls (Georghiou "
            "2016 [georghiou2016]); community assets, no detectable hospital effect (Munford 2020 "
            "[munford2020]); the lever prior [lever-priors] near zero. Default: no effect, their central "
            "estimate. Range up to a whole PAM level (a member's crisis hazard x 0.88) for the COPD peer "
            "RCT's fewer visits during the programme ([pcori-copd-peer], unquantified). No controlled "
            "estimate shows harm, and a boost cannot lower activation"
        ),
        "note": "PAM levels added while a member (fractional levels interpolate the activation RR)",
    },
    "peer_support.fade_half_life_days": {
        "value": 90,
        "low": 30,
        "high": 270,
        "unit": "days",
        "positive": True,
        "source": "COPD peer RCT [pcori-copd-peer]: fewer visits during the programme, none at 9 months",
        "note": "Half-life of the activation boost after someone leaves",
    },
    "peer_support.cost_per_group_week": {
        "original": 120,
        "low": 60,
        "high": 250,
        "price_year": "unknown",
        "unit": "GBP per week",
        "source": "[assumption] price year unknown: a 2.5-hour facilitated session [epp] with room hire",
        "note": "Running cost of one group for one week",
    },
    "peer_support.self_referrals_per_group_week": {
        "value": 0.5,
        "low": 0.0,
        "high": 2.0,
        "unit": "per week",
        "source": (
            "[assumption] GP and self referral to VCSE groups (briefing 5 [stockton2017]: peer support groups"
            " developed with VCSE organisations)"
        ),
        "note": (
            "Referrals each group receives from practices and the community, besides co-ordinators and "
            "members"
        ),
    },
}


class PeerSupportSpec(LeverSpec):
    """Peer support groups run with the voluntary sector (`interventions.peer_support`)."""

    headcounts = ("groups",)
    whole = ("groups",)
    groups: float = Field(default=0, ge=0, le=MAX_STAFF)


def whole_groups(groups: float) -> int:
    """Groups run whole: the nearest whole number, and at least one if any were asked for."""
    return max(1, round(groups)) if groups > 0 else 0


class PeerGroup(mesa.Agent):
    """One group: its places, its members and its waiting list."""

    def __init__(self, model: IPCModel, places: int, membership_days: float):
        super().__init__(model)
        self.places = places
        self.membership_days = membership_days
        self.members: dict[int, float] = {}  # person -> day membership ends
        self.waiting: deque[int] = deque()

    def step(self, dead: set[int] | None = None) -> list[int]:
        """Members whose time is up (or who died) leave; free places are filled from the
        waiting list. Returns who joined today. `dead` may be given for all groups at once."""
        day, people = self.model.day, self.model.people
        location = people.location
        if dead is None:
            dead = {p for p in self.members if not people.is_alive(p)}
        for person in [p for p, until in self.members.items() if until <= day or p in dead]:
            del self.members[person]
        joined, not_yet = [], []
        while self.waiting and len(self.members) < self.places:
            person = self.waiting.popleft()
            if location[person] == Location.HOSPITAL:
                not_yet.append(person)  # keeps their place in the queue until they are home
            elif location[person] == Location.HOME and person not in self.members:
                self.members[person] = day + self.membership_days
                joined.append(person)
        self.waiting.extendleft(reversed(not_yet))
        return joined


class PeerSupport(Lever):
    """The peer-support lever."""

    name = "peer_support"
    order = 40
    Spec = PeerSupportSpec
    parameter_entries = PARAMETERS
    reads = ("peer_support.*", "network.*")
    columns = (Column("peer_enrolled", np.bool_, False, "on a peer group's waiting list or a member"),)
    metrics = (
        Metric("peer_referrals", FLOW, "people referred or invited to a peer group"),
        Metric("peer_joins", FLOW, "people who joined a peer group"),
        Metric("peer_members_active", STOCK, "people in a peer support group"),
    )

    def __init__(self, model: IPCModel, spec: PeerSupportSpec):
        super().__init__(model, spec)
        p = self.params
        n_groups = whole_groups(spec.headcount("groups", model.scenario.population_size))
        places = int(p["peer_support.places_per_group"])
        self.membership_days = p["peer_support.membership_weeks"]
        self.groups = [PeerGroup(model, places, self.membership_days) for _ in range(n_groups)]
        self._self_referrals = p["peer_support.self_referrals_per_group_week"] * n_groups
        self._self_carry = 0.0
        self._invite_rate = p["peer_support.invite_rate"]
        self._join = p["peer_support.join_probability"]
        self._boost = p.source_value("peer_support.activation_boost")
        self._fade = 0.5 ** (1.0 / p["peer_support.fade_half_life_days"])
        self._cost_per_day = n_groups * p["peer_support.cost_per_group_week"]
        people = model.people
        self._group_of = assign_to_agents(people.practice, people.n_practices, n_groups)
        self._queued = people.peer_enrolled
        self._today = {"peer_referrals": 0.0, "peer_joins": 0.0}

    @cached_property
    def peer_network(self) -> PeerNetwork:
        """Practice-based small-world ties, built on first use (members invite along them)."""
        return build_peer_network(self.people, self.params, self.streams)

    def reached(self) -> np.ndarray:
        """Members of a group (their activation boost fades after they leave)."""
        mask = np.zeros(self.people.size, dtype=bool)
        mask[self._member_ids()] = True
        return mask

    def referred_to_group(self, ids: np.ndarray, day: int) -> None:
        """Co-ordinators' referrals join the waiting list if the person chooses to."""
        self.refer(ids, day)

    def _group(self, person: int) -> PeerGroup:
        return self.groups[self._group_of[person]]

    def refer(self, ids: np.ndarray, day: int, source: str = "peer.referral_join") -> int:
        """Referred people join their group's waiting list if they choose to; returns how many."""
        if not self.groups or ids.size == 0:
            return 0
        ids = ids[~self._queued[ids] & self.people.is_alive(ids)]
        joins = ids[self.streams.uniform(source, day, ids) < self._join]
        for person in joins:
            self._group(int(person)).waiting.append(int(person))
        self._queued[joins] = True
        self._today["peer_referrals"] += ids.size
        return int(joins.size)

    def step(self, today: Today) -> None:
        day = today.day
        if not self.groups:
            return
        if day % SELF_REFERRAL_EVERY_DAYS == 0:
            self._refer_from_community(day)
        if self._invite_rate > 0:
            self._invite(day)
        people = self.people
        before = people.activation_boost.copy() if self._boost > 0 else None
        members_before = self._member_ids()
        dead = set(members_before[~people.is_alive(members_before)].tolist())
        joined = [person for group in self.groups for person in group.step(dead)]
        self._today["peer_joins"] += len(joined)
        members = self._member_ids()
        left = np.setdiff1d(members_before, members)
        self._queued[left] = False
        if self._boost > 0:
            people.activation_boost *= self._fade
            people.activation_boost[members] = self._boost
            changed = np.flatnonzero(people.activation_boost != before)
            self.model.schedule.tell("risk_changed", changed)

    def _member_ids(self) -> np.ndarray:
        return np.fromiter((p for g in self.groups for p in g.members), dtype=np.int64)

    def _refer_from_community(self, day: int) -> None:
        """Practice and self referrals: random people at home who are not yet involved."""
        self._self_carry += self._self_referrals * SELF_REFERRAL_EVERY_DAYS
        wanted = math.floor(self._self_carry)
        self._self_carry -= wanted
        people = self.people
        ids = np.flatnonzero((people.location == Location.HOME) & ~self._queued)
        if wanted <= 0 or ids.size == 0:
            return
        order = self.streams.uniform("peer.self_referral", day, ids)
        chosen = np.sort(ids[np.argsort(order, kind="stable")[:wanted]])
        self.refer(chosen, day, "peer.self_referral_join")

    def _invite(self, day: int) -> None:
        """Each member invites one network tie at `invite_rate`."""
        members = self._member_ids()
        if members.size == 0:
            return
        streams = self.streams
        inviting = np.sort(members[streams.uniform("peer.invite", day, members) < self._invite_rate])
        adjacency = self.peer_network.adjacency
        start, degree = adjacency.indptr[inviting], np.diff(adjacency.indptr)[inviting]
        pick = streams.uniform("peer.invitee", day, inviting)
        has_ties = degree > 0
        chosen = start[has_ties] + (pick[has_ties] * degree[has_ties]).astype(np.int64)
        invitees = np.unique(adjacency.indices[chosen].astype(np.int64))
        if invitees.size:
            self.refer(invitees, day, "peer.invite_join")

    def report(self, today: Today) -> dict[str, float]:
        today, self._today = self._today, {"peer_referrals": 0.0, "peer_joins": 0.0}
        return {
            **today,
            "peer_members_active": float(sum(len(g.members) for g in self.groups)),
            "cost_programme": self._cost_per_day,
        }
