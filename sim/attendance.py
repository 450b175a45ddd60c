"""Crisis routing: each crisis is managed at home or becomes an A&E attendance, and how each
attendance will go is drawn up front, vectorised.

Each decision is keyed by (decision, day, person) in `Streams.uniform`, so an attendance's
course does not depend on who else attended that day or in which order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.component import FLOW, Column, Component, Metric, Phase, Today
from sim.health import start_episodes
from sim.hospital import AttendancePlan, Pathway, Stay
from sim.params import Params, ParamsView
from sim.population import Location, People
from sim.rng import Streams

if TYPE_CHECKING:
    from sim.model import IPCModel

PLANNER_READS = (
    "ae.assessment_hours",
    "ae.admit_*",
    "los.*",
    "mortality.inpatient",
    "pathway.share_*",
    "pathway.frailty_step",
    "pathway.alone_multiplier",
)


class AttendancePlanner:
    """Turns today's A&E attenders into an `AttendancePlan` for the hospital."""

    def __init__(self, params: Params | ParamsView, streams: Streams):
        self._streams = streams
        p = params
        self._assessment = p["ae.assessment_hours"]
        self._admit = np.array([p[f"ae.admit_{c}"] for c in ("fit", "mild", "moderate", "severe")])
        self._p_zero = p["los.p_zero_day"]
        self._p_one = p["los.p_one_day"]
        self._zero_los = p["los.zero_day_hours"]
        self._long_mean = p["los.long_mean_days"] * p["los.long_frailty_step"] ** np.arange(4)
        self._sigma = np.sqrt(np.log1p(p["los.long_cv"] ** 2))
        self._die = p["mortality.inpatient"]
        shares = np.array([p["pathway.share_p1"], p["pathway.share_p2"], p["pathway.share_p3"]])
        self._support_shares = shares
        self._home_share = max(0.0, 1.0 - shares.sum())
        self._frailty_step = p["pathway.frailty_step"] ** np.arange(4)
        self._alone = p["pathway.alone_multiplier"]

    def plan(self, people: People, ids: np.ndarray, day: int) -> AttendancePlan:
        s = self._streams
        n = ids.size
        frailty = people.frailty[ids]
        arrival = day + s.uniform("ae.arrival_time", day, ids)
        assessment = s.exponential("ae.assessment", day, ids) * self._assessment
        admitted = s.uniform("ae.admit", day, ids) < self._admit[frailty]
        u_stay = s.uniform("los.type", day, ids)
        stay = np.where(
            u_stay < self._p_zero,
            Stay.ZERO_DAY,
            np.where(u_stay < self._p_zero + self._p_one, Stay.ONE_DAY, Stay.LONG),
        )
        stay = np.where(admitted, stay, Stay.NOT_ADMITTED).astype(np.int8)
        mean = self._long_mean[frailty]
        mu = np.log(mean) - self._sigma**2 / 2.0
        long_los = np.exp(mu + self._sigma * s.normal("los.long", day, ids))
        los = np.select(
            [stay == Stay.ZERO_DAY, stay == Stay.ONE_DAY, stay == Stay.LONG],
            [np.full(n, self._zero_los), np.ones(n), long_los],
            0.0,
        )
        dies = admitted & (s.uniform("inpatient_death", day, ids) < self._die)
        alone = people.lives_alone[ids] & ~people.has_carer[ids]
        weights = np.empty((n, 4))
        weights[:, 0] = self._home_share
        weights[:, 1:] = (
            self._support_shares[None, :]
            * self._frailty_step[frailty][:, None]
            * np.where(alone, self._alone, 1.0)[:, None]
        )
        cumulative = np.cumsum(weights, axis=1)
        u_path = s.uniform("discharge.pathway", day, ids) * cumulative[:, -1]
        pathway = (u_path[:, None] >= cumulative).sum(axis=1)
        # Short stays, and care-home residents, go back where they came from (P0).
        needs_pathway = (stay == Stay.LONG) & (people.residence[ids] == Location.HOME)
        pathway = np.where(needs_pathway, pathway, Pathway.HOME).astype(np.int8)
        return AttendancePlan(ids, arrival, assessment, stay, los, dies, pathway)


class CrisisRouting(Component):
    """Today's crises, and carer breakdowns, are managed at home or sent to A&E."""

    name = "routing"
    phase = Phase.ROUTING
    reads = ("episode.after_crisis", *PLANNER_READS)
    columns = (Column("ae_count", np.int32, 0, "A&E attendances so far"),)
    metrics = (
        Metric("crises", FLOW, "cohort crises (A&E attendances plus crises managed at home)"),
        Metric("crises_managed_at_home", FLOW, "crises handled without A&E (care-plan contingency)"),
        Metric("ae_attendances", FLOW, "cohort A&E attendances"),
    )

    def __init__(self, model: IPCModel):
        super().__init__(model)
        self.planner = AttendancePlanner(self.params, self.streams)
        self._episode_after_crisis = self.params["episode.after_crisis"]

    def _managed_at_home(self, crises: np.ndarray, day: int) -> np.ndarray:
        """Which crises are managed without A&E (care-plan contingency): each component's chance
        applies independently."""
        answers = self.model.schedule.answers("managed_at_home")
        if not answers or crises.size == 0:
            return np.zeros(crises.size, dtype=bool)
        kept = [1.0 - a for a in answers]
        kept = math.prod(kept[1:], start=kept[0])
        u = self.streams.uniform("crisis.managed_at_home", day, crises)
        return u < 1.0 - kept[crises]

    def step(self, today: Today) -> None:
        people, breakdowns = self.people, today.breakdowns
        crises = np.union1d(today.crises, breakdowns[people.is_alive(breakdowns)])
        managed = self._managed_at_home(crises, today.day)
        start_episodes(people, crises, self._episode_after_crisis)
        to_ae = crises[~managed & people.is_alive(crises)]
        people.location[to_ae] = Location.HOSPITAL
        people.ae_count[to_ae] += 1
        today.crises = crises
        today.managed = crises[managed]
        today.attenders = to_ae
        today.plan = self.planner.plan(people, to_ae, today.day)

    def report(self, today: Today) -> dict[str, float]:
        return {
            "crises": today.crises.size,
            "crises_managed_at_home": today.managed.size,
            "ae_attendances": today.attenders.size,
        }
