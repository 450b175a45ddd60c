"""Informal carers: strain builds with caring hours, eases with respite, and can break down.

A breakdown is a crisis for the person cared for (design.md), so it is returned to the model
and routed like any other crisis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.component import FLOW, Column, Component, Metric, Phase, Today
from sim.population import Location
from sim.rng import HazardClock

if TYPE_CHECKING:
    from sim.model import IPCModel


class Carers(Component):
    """Strain and breakdown of each person's carer."""

    name = "carers"
    phase = Phase.CARERS
    reads = (
        "carers.strain_half_hours",
        "carers.strain_timescale_days",
        "carers.breakdown_rate_full_strain",
        "carers.strain_after_breakdown",
        "carers.hours_frailty_step",
    )
    columns = (Column("carer_strain", np.float64, 0.0, "carer strain, 0 (none) to 1 (full)"),)
    metrics = (Metric("carer_breakdowns", FLOW, "breakdowns of informal carers"),)

    def __init__(self, model: IPCModel):
        super().__init__(model)
        params, people = self.params, self.people
        self._half = params["carers.strain_half_hours"]
        self._rate = 1.0 / params["carers.strain_timescale_days"]
        self._breakdown = params["carers.breakdown_rate_full_strain"]
        self._after = params["carers.strain_after_breakdown"]
        self._frailty_step = params["carers.hours_frailty_step"] ** np.arange(4)
        self.clock = HazardClock(self.streams, "carer_breakdown", people.size)
        people.carer_strain[:] = self._target_strain(self.caring_hours(None))

    def caring_hours(self, respite_hours: np.ndarray | None) -> np.ndarray:
        """Weekly caring hours now: base hours x frailty, less respite, only while at home."""
        p = self.people
        hours = p.carer_base_hours * self._frailty_step[p.frailty]
        if respite_hours is not None:
            hours = np.maximum(hours - respite_hours, 0.0)
        return hours * (p.location == Location.HOME)

    def _target_strain(self, hours: np.ndarray) -> np.ndarray:
        return hours / (hours + self._half)

    def step(self, today: Today) -> None:
        """Move strain toward its level for today's load; note whose carer broke down."""
        p = self.people
        target = self._target_strain(self.caring_hours(self.model.schedule.total("respite_hours")))
        p.carer_strain += (target - p.carer_strain) * self._rate
        at_risk = p.has_carer & (p.location == Location.HOME)
        broke = self.clock.advance(self._breakdown * p.carer_strain * at_risk)
        p.carer_strain[broke] = self._after
        today.breakdowns = broke

    def report(self, today: Today) -> dict[str, float]:
        return {"carer_breakdowns": today.breakdowns.size}
