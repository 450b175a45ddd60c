"""Pulmonary rehabilitation for people with COPD: usual care that care planning raises.

Stockton's blog reports 50% more people attending after the new care-planning conversations;
the trials (Moore et al., Cochrane) give the effect on admissions for those who attend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.component import FLOW, Column, Component, Metric, Phase, Today
from sim.population import NEVER, Location
from sim.rng import HazardClock

if TYPE_CHECKING:
    from sim.model import IPCModel


class PulmonaryRehab(Component):
    """Who starts a rehab course, and the lower crisis hazard that follows for a while."""

    name = "rehab"
    phase = Phase.REHAB
    reads = ("rehab.*",)
    columns = (Column("rehab_until", np.float64, NEVER, "day a rehab course stops lowering the hazard"),)
    metrics = (Metric("rehab_starts", FLOW, "pulmonary rehabilitation courses started (COPD)"),)

    def __init__(self, model: IPCModel):
        super().__init__(model)
        self._rate = self.params["rehab.uptake"]
        self._effect_days = self.params["rehab.effect_weeks"]
        self._rr = self.params["rehab.crisis_rr"]
        self.clock = HazardClock(self.streams, "rehab", self.people.size)

    def step(self, today: Today) -> None:
        """Start courses for people with COPD at home who are not already benefiting."""
        p, day = self.people, today.day
        eligible = p.copd & (p.location == Location.HOME) & (p.rehab_until <= day)
        rate = self._rate * eligible
        uptake_multiplier = self.model.schedule.product("rehab_uptake_multiplier")
        if uptake_multiplier is not None:
            rate = rate * uptake_multiplier
        today.rehab_starts = self.clock.advance(rate)
        p.rehab_until[today.rehab_starts] = day + self._effect_days

    def crisis_multiplier(self) -> np.ndarray:
        return np.where(self.people.rehab_until > self.model.day, self._rr, 1.0)

    def report(self, today: Today) -> dict[str, float]:
        return {"rehab_starts": today.rehab_starts.size}
