"""Community and social care after discharge: the support a cohort patient gets, and its cost.

The councils' places themselves (P1 home-care packages, P2 intermediate-care beds, P3
care-home assessment places) are in the hospital, where cohort and background patients wait
for them (`sim.hospital.DischargeService`). Once a cohort patient leaves, their package or
intermediate-care stay runs for its length and is paid for while it does; care-home places
are paid for while the resident lives there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.component import Column, Component, Phase, Today
from sim.hospital import Pathway
from sim.population import NEVER, Location
from sim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.model import IPCModel


class SocialCareAgent(Component, mesa.Agent):
    """Community and social care capacity for discharges, and the packages it runs."""

    name = "social_care"
    phase = Phase.DISCHARGE_SUPPORT
    reads = (
        "pathway.p1_package_weeks",
        "pathway.p1_package_hours",
        "pathway.p2_stay_days",
        "costs.intermediate_care_day",
        "costs.home_care_hour",
        "costs.care_home_week",
    )
    columns = (
        Column("p1_until", np.float64, NEVER, "day the person's home-care package (P1) ends"),
        Column("p2_until", np.float64, NEVER, "day the person's intermediate-care stay (P2) ends"),
    )

    def __init__(self, model: IPCModel):
        mesa.Agent.__init__(self, model)
        Component.__init__(self, model)
        p = self.params
        self._p1_days = p["pathway.p1_package_weeks"]
        self._p2_days = p["pathway.p2_stay_days"]
        self._p2_day_cost = p["costs.intermediate_care_day"]
        self._home_care_day_cost = p["costs.home_care_hour"] * p["pathway.p1_package_hours"] / DAYS_PER_WEEK
        self._care_home_day_cost = p["costs.care_home_week"]

    def step(self, today: Today) -> None:
        """Start a package or intermediate-care stay for each of today's discharges that needs one."""
        stays = today.stays
        alive = stays.alive
        people, pathways, left = stays.person[alive], stays.pathway[alive], stays.left[alive]
        p1 = pathways == Pathway.HOME_SUPPORT
        self.people.p1_until[people[p1]] = left[p1] + self._p1_days
        p2 = pathways == Pathway.INTERMEDIATE
        self.people.p2_until[people[p2]] = left[p2] + self._p2_days

    def active(self, day: int) -> tuple[int, int]:
        """Packages (P1) and intermediate-care stays (P2) running at the end of `day`."""
        end = day + 1
        people = self.people
        alive = people.alive
        return (
            int(np.count_nonzero((people.p1_until > end) & alive)),
            int(np.count_nonzero((people.p2_until > end) & alive)),
        )

    def report(self, today: Today) -> dict[str, float]:
        """Intermediate care is the NHS's; home-care packages and care-home places the council's."""
        p1_active, p2_active = self.active(today.day)
        residents = int(np.count_nonzero(self.people.location == Location.CARE_HOME))
        return {
            "cost_nhs": float(p2_active * self._p2_day_cost),
            "cost_social_care": float(
                p1_active * self._home_care_day_cost + residents * self._care_home_day_cost
            ),
        }
