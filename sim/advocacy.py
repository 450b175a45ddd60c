"""Independent advocacy and brokerage for people with low activation or no carer.

Advocates (Mesa agents) hold a limited caseload. They take on people being offered a plan or
a budget, and inpatients whose discharge needs arranging. While someone has an advocate,
plan and budget uptake rise, budget set-up is shorter, and some home-support discharges are
arranged with voluntary support instead of waiting for a council package. The evidence is
weak (evidence.md 5, 5b), so every effect has a range that includes no effect.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.hospital import Pathway
from sim.intervention import Intervention, Staffing
from sim.population import Location
from sim.scenario import AdvocacySpec

if TYPE_CHECKING:
    from sim.model import IPCModel


class Advocate(mesa.Agent):
    """An advocate or broker with a caseload limit."""

    def __init__(self, model: IPCModel, places: int):
        super().__init__(model)
        self.places = places
        self.cases: dict[int, float] = {}  # person -> day the case closes

    @property
    def free(self) -> int:
        return self.places - len(self.cases)

    def step(self, dead: set[int] | None = None) -> None:
        """Close cases that have run their course, or whose client has died. `dead` may be
        given for all advocates at once."""
        day, location = self.model.day, self.model.people.location
        if dead is None:
            dead = {p for p in self.cases if location[p] == Location.DEAD}
        for person in [p for p, until in self.cases.items() if until <= day or p in dead]:
            del self.cases[person]


class Advocacy(Intervention):
    """The advocacy and brokerage lever."""

    name = "advocacy"

    def __init__(self, model: IPCModel, spec: AdvocacySpec):
        super().__init__(model)
        p = model.params
        self.spec = spec
        self._case_days = p["advocacy.case_weeks"]
        self.staff = Staffing.scaled(spec.advocates, model.scale, p["advocacy.hours_per_week"])
        # Whole places only, never more than the paid hours allow, shared out as evenly as possible.
        places = math.floor(self.staff.paid_hours_per_day * self._case_days / p["advocacy.hours_per_case"])
        agents = self.staff.agents
        self.advocates = [Advocate(model, places // agents + (k < places % agents)) for k in range(agents)]
        self._divert = p["advocacy.discharge_divert_share"]
        self._hour_cost = p["costs.advocate_hour"]
        self._new_cases = 0

    @property
    def fte(self) -> float:
        """Whole-time equivalents for this population."""
        return self.staff.fte

    def served(self, ids: np.ndarray) -> np.ndarray:
        """Who among `ids` the service is for: low activation (PAM 1-2) or no carer."""
        people = self.model.people
        mask = np.zeros(ids.size, dtype=bool)
        if self.spec.serve_low_activation:
            mask |= people.activation[ids] <= 2
        if self.spec.serve_no_carer:
            mask |= ~people.has_carer[ids]
        return mask

    def allocate(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Give an advocate to those of `ids` who are served and not yet supported, while
        places last (in the given order); return who got one."""
        people = self.model.people
        candidates = ids[self.served(ids) & (people.advocate_until[ids] <= day)]
        given = []
        for advocate in self.advocates:
            while advocate.free > 0 and len(given) < candidates.size:
                person = int(candidates[len(given)])
                advocate.cases[person] = day + self._case_days
                given.append(person)
        given_ids = np.asarray(given, dtype=np.int64)
        people.advocate_until[given_ids] = day + self._case_days
        self._new_cases += given_ids.size
        return given_ids

    def on_admission(self, people: np.ndarray) -> None:
        """Inpatients who are served get help arranging their discharge."""
        if people.size:
            self.allocate(np.sort(people), self.model.day)

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        if pathway != Pathway.HOME_SUPPORT or self.model.people.advocate_until[person] <= now:
            return pathway
        u = self.model.streams.uniform("advocacy.divert", int(now), np.array([person]))[0]
        return Pathway.HOME if u < self._divert else pathway

    def step(self, day: int) -> None:
        clients = np.fromiter((p for a in self.advocates for p in a.cases), dtype=np.int64)
        dead = set(clients[self.model.people.location[clients] == Location.DEAD].tolist())
        for advocate in self.advocates:
            advocate.step(dead)

    def report(self) -> dict[str, float]:
        cases, self._new_cases = self._new_cases, 0
        return {
            "advocacy_active": float(sum(len(a.cases) for a in self.advocates)),
            "advocacy_cases": float(cases),
            "cost_programme": self.staff.paid_hours_per_day * self._hour_cost,
        }
