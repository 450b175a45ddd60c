"""Peer support groups: limited places, recruitment through referrals and the peer network.

Groups (Mesa agents) serve the practices assigned to them. People join from co-ordinator
referrals, from practice and self referral, and when a member invites one of their network
ties. Membership raises activation (a fractional PAM boost) and the boost fades after
someone leaves: the COPD peer trial saw fewer visits during the programme and none at nine
months, and volunteer schemes show no fall in admissions (evidence.md 5, 5b).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.intervention import Intervention, assign_to_agents
from sim.population import Location
from sim.scenario import PeerSupportSpec

if TYPE_CHECKING:
    from sim.model import IPCModel

SELF_REFERRAL_EVERY_DAYS = 7


class PeerGroup(mesa.Agent):
    """One group: its places, its members and its waiting list."""

    def __init__(self, model: IPCModel, places: int):
        super().__init__(model)
        self.places = places
        self.members: dict[int, float] = {}  # person -> day membership ends
        self.waiting: deque[int] = deque()

    def step(self, dead: set[int] | None = None) -> list[int]:
        """Members whose time is up (or who died) leave; free places are filled from the
        waiting list. Returns who joined today. `dead` may be given for all groups at once."""
        day, location = self.model.day, self.model.people.location
        if dead is None:
            dead = {p for p in self.members if location[p] == Location.DEAD}
        for person in [p for p, until in self.members.items() if until <= day or p in dead]:
            del self.members[person]
        joined, not_yet = [], []
        while self.waiting and len(self.members) < self.places:
            person = self.waiting.popleft()
            if location[person] == Location.HOSPITAL:
                not_yet.append(person)  # keeps their place in the queue until they are home
            elif location[person] == Location.HOME and person not in self.members:
                self.members[person] = day + self.model.lever("peer_support").membership_days
                joined.append(person)
        self.waiting.extendleft(reversed(not_yet))
        return joined


class PeerSupport(Intervention):
    """The peer-support lever."""

    name = "peer_support"

    def __init__(self, model: IPCModel, spec: PeerSupportSpec):
        super().__init__(model)
        p = model.params
        self.spec = spec
        n_groups = max(1, round(spec.groups * model.scale)) if spec.groups > 0 else 0
        places = int(p["peer_support.places_per_group"])
        self.groups = [PeerGroup(model, places) for _ in range(n_groups)]
        self.membership_days = p["peer_support.membership_weeks"]
        self._self_referrals = p["peer_support.self_referrals_per_group_week"] * n_groups
        self._self_carry = 0.0
        self._invite_rate = p["peer_support.invite_rate"]
        self._join = p["peer_support.join_probability"]
        self._boost = p.source_value("peer_support.activation_boost")
        self._fade = 0.5 ** (1.0 / p["peer_support.fade_half_life_days"])
        self._cost_per_day = n_groups * p["peer_support.cost_per_group_week"]
        people = model.people
        self._group_of = assign_to_agents(people.practice, people.n_practices, n_groups)
        self._queued = np.zeros(model.people.size, dtype=bool)  # waiting or member
        self._today = {"peer_referrals": 0.0, "peer_joins": 0.0}

    def _group(self, person: int) -> PeerGroup:
        return self.groups[self._group_of[person]]

    def refer(self, ids: np.ndarray, day: int, source: str = "peer.referral_join") -> int:
        """Referred people join their group's waiting list if they choose to; returns how many."""
        if not self.groups or ids.size == 0:
            return 0
        people = self.model.people
        ids = ids[~self._queued[ids] & (people.location[ids] != Location.DEAD)]
        joins = ids[self.model.streams.uniform(source, day, ids) < self._join]
        for person in joins:
            self._group(int(person)).waiting.append(int(person))
        self._queued[joins] = True
        self._today["peer_referrals"] += ids.size
        return int(joins.size)

    def step(self, day: int) -> None:
        if not self.groups:
            return
        if day % SELF_REFERRAL_EVERY_DAYS == 0:
            self._refer_from_community(day)
        if self._invite_rate > 0:
            self._invite(day)
        people = self.model.people
        before = people.activation_boost.copy() if self._boost > 0 else None
        members_before = self._member_ids()
        dead = set(members_before[people.location[members_before] == Location.DEAD].tolist())
        joined = [person for group in self.groups for person in group.step(dead)]
        self._today["peer_joins"] += len(joined)
        members = self._member_ids()
        left = np.setdiff1d(members_before, members)
        self._queued[left] = False
        if self._boost > 0:
            people.activation_boost *= self._fade
            people.activation_boost[members] = self._boost
            changed = np.flatnonzero(people.activation_boost != before)
            self.model.health.refresh(changed)

    def _member_ids(self) -> np.ndarray:
        return np.fromiter((p for g in self.groups for p in g.members), dtype=np.int64)

    def _refer_from_community(self, day: int) -> None:
        """Practice and self referrals: random people at home who are not yet involved."""
        self._self_carry += self._self_referrals * SELF_REFERRAL_EVERY_DAYS
        wanted = math.floor(self._self_carry)
        self._self_carry -= wanted
        people = self.model.people
        ids = np.flatnonzero((people.location == Location.HOME) & ~self._queued)
        if wanted <= 0 or ids.size == 0:
            return
        order = self.model.streams.uniform("peer.self_referral", day, ids)
        chosen = np.sort(ids[np.argsort(order, kind="stable")[:wanted]])
        self.refer(chosen, day, "peer.self_referral_join")

    def _invite(self, day: int) -> None:
        """Each member invites one network tie at `invite_rate`."""
        members = self._member_ids()
        if members.size == 0:
            return
        streams = self.model.streams
        inviting = np.sort(members[streams.uniform("peer.invite", day, members) < self._invite_rate])
        adjacency = self.model.peer_network.adjacency
        start, degree = adjacency.indptr[inviting], np.diff(adjacency.indptr)[inviting]
        pick = streams.uniform("peer.invitee", day, inviting)
        has_ties = degree > 0
        chosen = start[has_ties] + (pick[has_ties] * degree[has_ties]).astype(np.int64)
        invitees = np.unique(adjacency.indices[chosen].astype(np.int64))
        if invitees.size:
            self.refer(invitees, day, "peer.invite_join")

    def report(self) -> dict[str, float]:
        today, self._today = self._today, {"peer_referrals": 0.0, "peer_joins": 0.0}
        return {
            **today,
            "peer_members_active": float(sum(len(g.members) for g in self.groups)),
            "cost_programme": self._cost_per_day,
        }
