"""How each A&E attendance will go, drawn up front and vectorised.

Each decision is keyed by (decision, day, person) in `Streams.uniform`, so an attendance's
course does not depend on who else attended that day or in which order.
"""

from __future__ import annotations

import numpy as np

from sim.hospital import AttendancePlan, Pathway, Stay
from sim.params import Params
from sim.population import Location, People
from sim.rng import Streams


class AttendancePlanner:
    """Turns today's A&E attenders into an `AttendancePlan` for the hospital."""

    def __init__(self, params: Params, streams: Streams):
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
