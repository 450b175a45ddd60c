"""Who is in the cohort, and for how long: entries, moves away, ageing, deaths and frailty
moves, all vectorised over the people table.

The cohort is open (issue 10): people join by turning 65 with a qualifying condition, a new
diagnosis or moving in, on days fixed before the run (`sim.population.synthesise`), and people
at home move out of the area at the census rate. Without that a multi-year horizon projects
an ageing, shrinking cohort, not Stockton's growing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.component import FLOW, STOCK, Column, Component, Metric, Phase, Today
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
    reads = (
        "mortality.frailty_hr_*",
        "mortality.fit_*",
        "mortality.care_home_hr",
        "frailty.progression_*",
        "frailty.improvement",
        "mortality.after_admission_*",
        "cohort.out_migration_rate",
    )
    columns = (
        Column("death_excess", np.float64, 0.0, "extra relative death hazard after an admission, fading"),
    )
    metrics = (
        Metric("entries", FLOW, "people joining the cohort (turning 65, a new diagnosis, moving in)"),
        Metric("moved_away", FLOW, "cohort members moving out of the area (they leave the cohort)"),
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
        self._moving = params["cohort.out_migration_rate"]
        self._improving = params["frailty.improvement"]
        self._after_admission = params["mortality.after_admission_excess"]
        self._excess_decay = 0.5 ** (1.0 / params["mortality.after_admission_half_life_days"])
        self.deaths = HazardClock(self.streams, "death", self.people.size)
        self.frailer = HazardClock(self.streams, "frailty", self.people.size)
        self.movers = HazardClock(self.streams, "moved_away", self.people.size)
        self.fitter = HazardClock(self.streams, "frailty_improves", self.people.size)
        self._next = self.people.n_start  # the next row to join (rows join in order)
        self.moved = np.empty(0, dtype=np.int64)

    def step(self, today: Today) -> None:
        """Age the cohort a day; note who died, who moved away, who joined today and whose
        frailty rose. Entrants are at risk of everything from the next phase on."""
        p = self.people
        np.add(p.age, 1.0 / DAYS_PER_YEAR, out=p.age, where=p.alive)
        band = p.age_band()
        mortality = self._mortality[band, p.frailty] * self._location_factor[p.location]
        mortality *= 1.0 + p.death_excess
        p.death_excess *= self._excess_decay
        today.died = self.deaths.advance(mortality)
        p.location[today.died] = Location.DEAD
        self.moved = self.movers.advance(self._moving * (p.location == Location.HOME))
        p.location[self.moved] = Location.OUTSIDE
        today.entered = self._join(today.day)
        at_risk = (p.frailty < Frailty.SEVERE) & p.alive
        today.frailer = self.frailer.advance(self._progression[band] * at_risk)
        fitter = self.fitter.advance(self._improving * ((p.frailty > Frailty.FIT) & p.alive))
        fitter = np.setdiff1d(fitter, today.frailer, assume_unique=True)  # one move a day
        p.frailty[today.frailer] += 1
        p.frailty[fitter] -= 1
        today.frailer = np.union1d(today.frailer, fitter)  # whose stable crisis risk changed

    def observe(self, today: Today) -> None:
        """People leaving hospital alive after an emergency admission carry a raised death risk
        that fades over months [spcare2016]: acute illness, not only frailty, predicts death."""
        stays = today.stays
        self.people.death_excess[stays.person[stays.alive]] = self._after_admission

    def _join(self, day: int) -> np.ndarray:
        """The rows whose joining day is today, now at home in the cohort."""
        p, first = self.people, self._next
        last = max(int(np.searchsorted(p.joined, day, side="right")), first)  # `joined` is sorted
        self._next = last
        joined = np.arange(first, last)
        p.location[joined] = Location.HOME
        p.residence[joined] = Location.HOME
        return joined

    def report(self, today: Today) -> dict[str, float]:
        where = np.bincount(self.people.location, minlength=len(Location))
        return {
            "entries": today.entered.size,
            "moved_away": self.moved.size,
            "deaths": today.died.size,
            "alive": int(where[Location.HOME] + where[Location.HOSPITAL] + where[Location.CARE_HOME]),
            "at_home": int(where[Location.HOME]),
            "in_hospital": int(where[Location.HOSPITAL]),
            "in_care_home": int(where[Location.CARE_HOME]),
        }
