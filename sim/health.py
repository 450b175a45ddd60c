"""Crisis hazard: a stable part (who you are) times a transient part (an acute episode).

The transient part is what makes people picked after a crisis use hospitals less afterwards
with no intervention at all (regression to the mean: [bottle2006] and the controlled studies in
docs/references.md): an episode, started by a crisis or a discharge, raises the hazard and fades
with a half-life.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.component import Column, Component, Phase, Today
from sim.params import Params, ParamsView
from sim.population import Location
from sim.rng import HazardClock
from sim.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.model import IPCModel


def seasonal_factor(day: int, params: Params | ParamsView, amplitude: float) -> float:
    """1 + amplitude x cos(...) peaking on `crisis.winter_peak_day` of the calendar year."""
    doy = (params["crisis.start_day_of_year"] + day) % DAYS_PER_YEAR
    return 1.0 + amplitude * math.cos(
        2.0 * math.pi * (doy - params["crisis.winter_peak_day"]) / DAYS_PER_YEAR
    )


def activation_rr(level: np.ndarray, params: Params | ParamsView) -> np.ndarray:
    """Level 1 = 1, level 4 = the measured RR, geometric steps between (PAM levels 1..4)."""
    return np.exp(np.log(params["activation.ae_rr_level4"]) * (level.astype(float) - 1.0) / 3.0)


def start_episodes(people, ids: np.ndarray, size: float) -> None:
    """An acute episode (after a crisis or a discharge) adds `size` to the relative hazard."""
    np.add.at(people.episode, ids, size)


class Health(Component):
    """Draws each day's crises for people at home or in a care home."""

    name = "health"
    phase = Phase.CRISES
    reads = (
        "crisis.*",
        "care_home.crisis_hr",
        "episode.half_life_days",
        "carers.strain_crisis_hr",
        "activation.ae_rr_level4",
    )
    columns = (
        Column("episode", np.float64, 0.0, "acute episode: added relative hazard, fading"),
        Column("activation_boost", np.float64, 0.0, "PAM levels added for now by services (peer support)"),
    )

    def __init__(self, model: IPCModel):
        super().__init__(model)
        params, people = self.params, self.people
        self._frailty_hr = np.array(
            [1.0] + [params[f"crisis.frailty_hr_{c}"] for c in ("mild", "moderate", "severe")]
        )
        self._location_factor = np.zeros(len(Location))
        self._location_factor[Location.HOME] = 1.0
        self._location_factor[Location.CARE_HOME] = params["care_home.crisis_hr"]
        self._decay = 0.5 ** (1.0 / params["episode.half_life_days"])
        self._strain_slope = params["carers.strain_crisis_hr"] - 1.0
        relative = self._relative_risk(people.ids)
        # Scale so that the starting cohort's mean stable rate equals crisis.ae_rate (entrants
        # are drawn alike, so the scale holds for them).
        self._rate = params["crisis.ae_rate"] / relative[: people.n_start].mean()
        self.stable = self._rate * relative
        self.clock = HazardClock(self.streams, "crisis", people.size)

    def _relative_risk(self, ids: np.ndarray) -> np.ndarray:
        p = self.people
        extra_conditions = np.maximum(p.n_conditions[ids] - 1, 0)
        return (
            self._frailty_hr[p.frailty[ids]]
            * activation_rr(np.minimum(p.activation[ids] + p.activation_boost[ids], 4.0), self.params)
            * self.params["crisis.condition_rr"] ** extra_conditions
            * p.propensity[ids]
        )

    def refresh(self, ids: np.ndarray) -> None:
        """Recompute the stable part after frailty, activation or conditions change."""
        if ids.size:
            self.stable[ids] = self._rate * self._relative_risk(ids)

    def risk_changed(self, ids: np.ndarray) -> None:
        self.refresh(ids)

    def hazard(self, day: int, multiplier: np.ndarray | None = None) -> np.ndarray:
        """Today's crisis hazard per person (zero for people in hospital or dead)."""
        p = self.people
        h = self.stable * (1.0 + p.episode)
        h *= self._location_factor[p.location]
        h *= 1.0 + self._strain_slope * p.carer_strain
        h *= seasonal_factor(day, self.params, self.params["crisis.winter_amplitude"])
        if multiplier is not None:
            h *= multiplier
        return h

    def step(self, today: Today) -> None:
        """Advance the crisis clock by one day; note who has a crisis today."""
        self.refresh(today.frailer)
        today.crises = self.clock.advance(
            self.hazard(today.day, self.model.schedule.product("crisis_multiplier"))
        )
        self.people.episode *= self._decay
