"""Ageing, deaths and frailty progression, all vectorised over the cohort."""

from __future__ import annotations

import numpy as np

from sim.params import Params
from sim.population import Frailty, Location, People
from sim.rng import HazardClock, Streams
from sim.units import DAYS_PER_YEAR


class Demography:
    """Deaths (by age band, frailty and setting) and one-class-at-a-time frailty progression."""

    def __init__(self, people: People, params: Params, streams: Streams):
        self.people = people
        bands = ("65_74", "75_84", "85_plus")
        frailty_hr = np.array(
            [1.0] + [params[f"mortality.frailty_hr_{c}"] for c in ("mild", "moderate", "severe")]
        )
        base = np.array([params[f"mortality.fit_{b}"] for b in bands])
        self._mortality = base[:, None] * frailty_hr[None, :]  # [age band, frailty], per day
        self._location_factor = np.zeros(len(Location))
        self._location_factor[Location.HOME] = 1.0
        self._location_factor[Location.CARE_HOME] = params["mortality.care_home_hr"]
        self._progression = np.array([params[f"frailty.progression_{b}"] for b in bands])
        self.deaths = HazardClock(streams, "death", people.size)
        self.frailer = HazardClock(streams, "frailty", people.size)

    def step(self) -> tuple[np.ndarray, np.ndarray]:
        """Age everyone a day; return (who died today, whose frailty rose today)."""
        p = self.people
        p.age += 1.0 / DAYS_PER_YEAR
        band = p.age_band()
        mortality = self._mortality[band, p.frailty] * self._location_factor[p.location]
        died = self.deaths.advance(mortality)
        p.location[died] = Location.DEAD
        at_risk = (p.frailty < Frailty.SEVERE) & (p.location != Location.DEAD)
        frailer = self.frailer.advance(self._progression[band] * at_risk)
        p.frailty[frailer] += 1
        return died, frailer
