"""Capacity that keeps pace with the people it serves.

The eligible population (the cohort and the eligible people outside it) grows with the 65+
projection; the rest of the catchment does not. With beds and discharge places fixed, a
five-year baseline then projects a hospital sliding into saturation (home care above 99% in
use, DTOC per person doubling), whatever IPC does. `hospital.capacity_follows_demand` says
how far commissioners keep up: 1 grows each resource with the demand for it, 0 holds it at
today's level. Each resource grows with its own mix: beds with the bed days the two groups
use, each discharge pathway with the places they ask for, since older people ask for most of
the intermediate care and care-home places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.background import Stream
from sim.hospital import SUPPORTED, Pathway
from sim.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.hospital import AcuteHospital
    from sim.params import ParamsView

BEDS = "beds"


def _bed_days(stream: Stream, zero_day_days: float) -> float:
    """Bed days to medically fit a day, as the stream's stays go."""
    long = 1.0 - stream.p_zero - stream.p_one
    per_stay = stream.p_zero * zero_day_days + stream.p_one * 1.0 + long * stream.long_mean_days
    return stream.admissions_per_day * per_stay


def _requests(stream: Stream, pathway: Pathway) -> float:
    """Places on `pathway` asked for a day."""
    long = 1.0 - stream.p_zero - stream.p_one
    return stream.admissions_per_day * long * stream.pathway_shares[int(pathway) - 1]


@dataclass(frozen=True)
class CapacityGrowth:
    """Each resource's capacity relative to day 0: (growing demand x growth + fixed demand)
    / the same on day 0, raised to `follows` (0: fixed capacity)."""

    growing: dict[str, float]  # demand a day from the people who grow, by resource
    fixed: dict[str, float]  # and from everyone else
    growth: float  # a year, of the growing people
    growth_from: int  # the day their growth starts (the warm-up's first day)
    follows: float

    @classmethod
    def for_site(
        cls, p: ParamsView, eligible_people: Stream, others: Stream, growth_from: int
    ) -> CapacityGrowth:
        zero = p["los.zero_day_hours"]
        growing = {BEDS: _bed_days(eligible_people, zero)}
        fixed = {BEDS: _bed_days(others, zero)}
        for pathway in SUPPORTED:
            growing[pathway.name] = _requests(eligible_people, pathway)
            fixed[pathway.name] = _requests(others, pathway)
        return cls(growing, fixed, eligible_people.growth, growth_from, p["hospital.capacity_follows_demand"])

    def factor(self, resource: str, day: int) -> float:
        if self.follows == 0.0:
            return 1.0
        grows, stays = self.growing[resource], self.fixed[resource]
        if grows + stays <= 0.0:
            return 1.0

        def demand(d: int) -> float:
            return grows * (1.0 + self.growth) ** (max(d - self.growth_from, 0) / DAYS_PER_YEAR) + stays

        return (demand(day) / demand(0)) ** self.follows

    def apply(self, hospital: AcuteHospital, beds: int, places: list[dict[Pathway, float]], day: int) -> None:
        """Set the hospital's beds and each council's places for `day` from their day-0 sizes."""
        hospital.set_bed_capacity(max(1, round(beds * self.factor(BEDS, day))))
        for council, base in zip(hospital.councils, places, strict=True):
            for pathway, service in council.items():
                service.set_places(base[pathway] * self.factor(pathway.name, day))
