"""Crisis routing: each crisis is managed at home or becomes an A&E attendance, and how each
attendance will go is drawn up front, vectorised.

Each decision is keyed by (decision, day, person) in `Streams.uniform`, so an attendance's
course does not depend on who else attended that day or in which order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim.component import FLOW, Column, Component, Metric, Phase, Today
from sim.health import start_episodes
from sim.hospital import AttendancePlan, Pathway, Stay
from sim.params import Params, ParamsView
from sim.population import AGE_BANDS, Location, People
from sim.rng import Streams

if TYPE_CHECKING:
    from sim.model import IPCModel

PLANNER_READS = (
    "ae.assessment_hours",
    "ae.assessment_shape",
    "ae.profile_*",
    "ae.admit_*",
    "crisis.share_low_acuity",
    "crisis.share_high_acuity",
    "los.*",
    "mortality.inpatient",
    "pathway.share_*",
    "pathway.frailty_step",
    "pathway.alone_multiplier",
)


def hourly_profile(p) -> np.ndarray:
    """A&E arrivals by hour of day, mean 1 (the registry's fitted two-wave profile)."""
    hours = np.arange(24) + 0.5
    wave = p["ae.profile_daily_amplitude"] * np.cos(
        2 * np.pi * (hours - p["ae.profile_daily_peak_hour"]) / 24
    )
    half = p["ae.profile_halfday_amplitude"] * np.cos(
        4 * np.pi * (hours - p["ae.profile_halfday_peak_hour"]) / 24
    )
    profile = np.maximum(1.0 + wave + half, 0.0)
    return profile / profile.mean()


def _band(people: People, ids: np.ndarray) -> np.ndarray:
    """Age band (0: 65-74, 1: 75-84, 2: 85+) of `ids` only."""
    age = people.age[ids]
    return (age >= AGE_BANDS[1]).astype(np.int8) + (age >= AGE_BANDS[2])


class AttendancePlanner:
    """Turns today's A&E attenders into an `AttendancePlan` for the hospital."""

    def __init__(self, params: Params | ParamsView, streams: Streams):
        self._streams = streams
        p = params
        self._assessment = p["ae.assessment_hours"]
        self._shape = p["ae.assessment_shape"]
        # admission odds: a base for a medium-acuity crisis of a fit 65-74-year-old with one
        # condition, times odds ratios for acuity, age band, frailty and each extra condition
        base = p["ae.admit_base"]
        self._admit_odds = base / (1.0 - base) if base < 1 else np.inf
        self._acuity_or = np.array([p["ae.admit_or_low_acuity"], 1.0, p["ae.admit_or_high_acuity"]])
        self._age_or = np.array([1.0, p["ae.admit_or_75_84"], p["ae.admit_or_85_plus"]])
        self._frailty_or = np.array([1.0] + [p[f"ae.admit_or_{c}"] for c in ("mild", "moderate", "severe")])
        self._condition_or = p["ae.admit_or_condition"]
        self._los_acuity = np.array([p["los.long_acuity_low"], 1.0, p["los.long_acuity_high"]])
        self._los_age = p["los.long_age_step"] ** np.arange(3)
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
        # arrival times: the hour-of-day profile as a cumulative share at each hour's edges
        self._arrival_cdf = np.concatenate([[0.0], np.cumsum(hourly_profile(p))]) / 24.0

    def admission_chance(self, people: People, ids: np.ndarray, acuity: np.ndarray) -> np.ndarray:
        """The chance each attendance ends in admission, from its acuity and the person."""
        extra = np.maximum(people.n_conditions[ids] - 1, 0)
        odds = (
            self._admit_odds
            * self._acuity_or[acuity]
            * self._age_or[_band(people, ids)]
            * self._frailty_or[people.frailty[ids]]
            * self._condition_or**extra
        )
        return odds / (1.0 + odds)

    def plan(self, people: People, ids: np.ndarray, day: int, acuity: np.ndarray) -> AttendancePlan:
        s = self._streams
        n = ids.size
        frailty = people.frailty[ids]
        arrival = day + np.interp(
            s.uniform("ae.arrival_time", day, ids), self._arrival_cdf, np.arange(25) / 24
        )
        # the gamma quantile, as stats.gamma.ppf computes it, without its per-call overhead
        assessment = special.gammaincinv(self._shape, s.uniform("ae.assessment", day, ids)) * (
            self._assessment / self._shape
        )
        admitted = s.uniform("ae.admit", day, ids) < self.admission_chance(people, ids, acuity)
        u_stay = s.uniform("los.type", day, ids)
        stay = np.where(
            u_stay < self._p_zero,
            Stay.ZERO_DAY,
            np.where(u_stay < self._p_zero + self._p_one, Stay.ONE_DAY, Stay.LONG),
        )
        stay = np.where(admitted, stay, Stay.NOT_ADMITTED).astype(np.int8)
        mean = self._long_mean[frailty] * self._los_acuity[acuity] * self._los_age[_band(people, ids)]
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
        bed_wait = s.exponential("ae.bed_wait", day, ids)
        arrange = s.exponential("discharge.arrange", day, ids)
        return AttendancePlan(
            ids, arrival, assessment, stay, los, dies, pathway, bed_wait, arrange, people.council[ids]
        )


class CrisisRouting(Component):
    """Today's crises, and carer breakdowns, are managed at home or sent to A&E."""

    name = "routing"
    phase = Phase.ROUTING
    reads = ("episode.after_crisis", "costs.crisis_managed_at_home", *PLANNER_READS)
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
        self._managed_cost = self.params["costs.crisis_managed_at_home"]
        low, high = self.params["crisis.share_low_acuity"], self.params["crisis.share_high_acuity"]
        self._acuity_edges = np.array([low, 1.0 - high])

    def acuity(self, crises: np.ndarray, day: int) -> np.ndarray:
        """Each crisis's acuity (0 low, 1 medium, 2 high), drawn by (day, person)."""
        u = self.streams.uniform("crisis.acuity", day, crises)
        return np.searchsorted(self._acuity_edges, u, side="right").astype(np.int8)

    def _managed_at_home(self, crises: np.ndarray, acuity: np.ndarray, day: int) -> np.ndarray:
        """Which crises are managed without A&E (care-plan contingency): each component's chance
        applies independently."""
        if crises.size == 0:
            return np.zeros(0, dtype=bool)
        answers = self.model.schedule.answers("managed_at_home", crises, acuity)
        if not answers:
            return np.zeros(crises.size, dtype=bool)
        kept = [1.0 - a for a in answers]
        kept = math.prod(kept[1:], start=kept[0])
        u = self.streams.uniform("crisis.managed_at_home", day, crises)
        return u < 1.0 - kept

    def step(self, today: Today) -> None:
        people, breakdowns = self.people, today.breakdowns
        crises = np.union1d(today.crises, breakdowns[people.is_alive(breakdowns)])
        acuity = self.acuity(crises, today.day)
        managed = self._managed_at_home(crises, acuity, today.day)
        start_episodes(people, crises, self._episode_after_crisis)
        going = ~managed & people.is_alive(crises)
        to_ae = crises[going]
        people.location[to_ae] = Location.HOSPITAL
        people.ae_count[to_ae] += 1
        today.crises = crises
        today.managed = crises[managed]
        today.attenders = to_ae
        today.plan = self.planner.plan(people, to_ae, today.day, acuity[going])

    def report(self, today: Today) -> dict[str, float]:
        """A crisis managed at home is not free: the NHS pays for the community response
        (a GP or nurse visit) that manages it."""
        return {
            "crises": today.crises.size,
            "crises_managed_at_home": today.managed.size,
            "ae_attendances": today.attenders.size,
            "cost_nhs": today.managed.size * self._managed_cost,
        }
