"""Pulmonary rehabilitation for people with COPD: usual care that care planning raises.

Stockton's blog reports 50% more people attending after the new care-planning conversations;
the trials (Moore et al., Cochrane) give the effect on admissions for those who attend.
"""

from __future__ import annotations

import numpy as np

from sim.params import Params
from sim.population import Location, People
from sim.rng import HazardClock, Streams


class PulmonaryRehab:
    """Who starts a rehab course, and the lower crisis hazard that follows for a while."""

    def __init__(self, people: People, params: Params, streams: Streams):
        self.people = people
        self._rate = params["rehab.uptake"]
        self._effect_days = params["rehab.effect_weeks"]
        self._rr = params["rehab.crisis_rr"]
        self.clock = HazardClock(streams, "rehab", people.size)

    def step(self, day: int, uptake_multiplier: np.ndarray | None) -> np.ndarray:
        """Start courses for people with COPD at home who are not already benefiting."""
        p = self.people
        eligible = p.copd & (p.location == Location.HOME) & (p.rehab_until <= day)
        rate = self._rate * eligible
        if uptake_multiplier is not None:
            rate = rate * uptake_multiplier
        started = self.clock.advance(rate)
        p.rehab_until[started] = day + self._effect_days
        return started

    def crisis_multiplier(self, day: int) -> np.ndarray:
        return np.where(self.people.rehab_until > day, self._rr, 1.0)
