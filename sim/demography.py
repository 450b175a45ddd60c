"""Ageing, deaths and frailty progression, all vectorised over the cohort."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.component import FLOW, STOCK, Component, Metric, Phase, Today
from sim.population import Frailty, Location
from sim.rng import HazardClock
from sim.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.model import IPCModel

AGE_BAND_NAMES = ("65_74", "75_84", "85_plus")


class Demography(Component):
    """Deaths (by age band, frailty and setting) and one-class-at-a-time frailty progression."""

    name = "demography"
    phase = Phase.DEMOGRAPHY
    reads = ("mortality.frailty_hr_*", "mortality.fit_*", "mortality.care_home_hr", "frailty.progression_*")
    metrics = (
        Metric("deaths", FLOW, "cohort deaths, at home, in hospital or in a care home"),
        Metric("alive", STOCK, "cohort alive at the end of the day"),
        Metric("at_home", STOCK, "cohort at home"),
        Metric("in_hospital", STOCK, "cohort in A&E or a hospital bed"),
        Metric("in_care_home", STOCK, "cohort in a care home"),
    )

    def __init__(self, model: IPCModel):
        super().__init__(model)
        params = self.params
        frailty_hr = np.array(
            [1.0] + [params[f"mortality.frailty_hr_{c}"] for c in ("mild", "moderate", "severe")]
        )
        base = np.array([params[f"mortality.fit_{b}"] for b in AGE_BAND_NAMES])
        self._mortality = base[:, None] * frailty_hr[None, :]  # [age band, frailty], per day
        self._location_factor = np.zeros(len(Location))
        self._location_factor[Location.HOME] = 1.0
        self._location_factor[Location.CARE_HOME] = params["mortality.care_home_hr"]
        self._progression = np.array([params[f"frailty.progression_{b}"] for b in AGE_BAND_NAMES])
        self.deaths = HazardClock(self.streams, "death", self.people.size)
        self.frailer = HazardClock(self.streams, "frailty", self.people.size)

    def step(self, today: Today) -> None:
        """Age everyone a day; note who died today and whose frailty rose."""
        p = self.people
        p.age += 1.0 / DAYS_PER_YEAR
        band = p.age_band()
        mortality = self._mortality[band, p.frailty] * self._location_factor[p.location]
        today.died = self.deaths.advance(mortality)
        p.location[today.died] = Location.DEAD
        at_risk = (p.frailty < Frailty.SEVERE) & p.alive
        today.frailer = self.frailer.advance(self._progression[band] * at_risk)
        p.frailty[today.frailer] += 1

    def report(self, today: Today) -> dict[str, float]:
        where = np.bincount(self.people.location, minlength=len(Location))
        return {
            "deaths": today.died.size,
            "alive": int(where[Location.HOME] + where[Location.HOSPITAL] + where[Location.CARE_HOME]),
            "at_home": int(where[Location.HOME]),
            "in_hospital": int(where[Location.HOSPITAL]),
            "in_care_home": int(where[Location.CARE_HOME]),
        }
