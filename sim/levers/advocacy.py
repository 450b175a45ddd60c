"""Independent advocacy and brokerage for people with low activation or no carer.

Advocates (Mesa agents) hold a limited caseload. They take on people being offered a plan or
a budget, and inpatients whose discharge needs arranging. While someone has an advocate,
plan and budget uptake rise, budget set-up is shorter, and some home-support discharges are
arranged with voluntary support instead of waiting for a council package. The evidence is
weak (docs/references.md), so every effect has a range that includes no effect.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from pydantic import Field

from sim.component import FLOW, STOCK, Column, Metric, Today
from sim.hospital import Pathway
from sim.lever import Lever, LeverSpec, Staffing
from sim.limits import MAX_STAFF
from sim.population import NEVER

if TYPE_CHECKING:
    from sim.model import IPCModel

PARAMETERS: dict[str, dict[str, Any]] = {
    "advocacy.hours_per_week": {
        "value": 30,
        "low": 15,
        "high": 37.5,
        "unit": "hours per week",
        "source": "[assumption]",
        "note": "Hours an advocate or broker works with people each week",
    },
    "advocacy.hours_per_case": {
        "value": 8,
        "low": 4,
        "high": 16,
        "unit": "staff hours",
        "positive": True,
        "source": "[assumption] no advocacy workload figure in our sources",
        "note": "Advocate hours per person supported",
    },
    "advocacy.case_weeks": {
        "value": 8,
        "low": 4,
        "high": 16,
        "unit": "weeks",
        "source": "[assumption]",
        "note": "How long a person keeps their advocate",
    },
    "advocacy.uptake_rr": {
        "value": 1.2,
        "low": 1.0,
        "high": 1.5,
        "unit": "multiplier",
        "source": (
            "[assumption] weak evidence (no quantitative effect of advocacy found in public sources); centred"
            " near no effect"
        ),
        "note": "Multiplier on plan acceptance and PHB uptake for people with an advocate (capped at 1)",
    },
    "advocacy.setup_factor": {
        "value": 0.75,
        "low": 0.5,
        "high": 1.0,
        "unit": "multiplier",
        "source": (
            "[assumption] brokerage shortens PHB set-up (briefing 4.3 [stockton2017]: People Hub brokerage "
            "support)"
        ),
        "note": "PHB set-up time multiplier for people with an advocate or broker",
    },
    "advocacy.discharge_divert_share": {
        "value": 0.0,
        "low": 0.0,
        "high": 0.4,
        "unit": "share",
        "source": (
            "Volunteer schemes for older people, no reduction in emergency admissions or cost vs matched "
            "controls (Georghiou 2016 [georghiou2016]); the lever prior [lever-priors] near zero. Default: "
            "none, that central estimate. Range up to 0.4 for RVS Home from Hospital ([rvs-goinghome], "
            "observational: readmissions 'half the national average'). A share cannot be adverse, and no "
            "controlled estimate shows harm"
        ),
        "note": (
            "Share of an advocated inpatient's P1 discharges arranged with voluntary support instead of a "
            "council package"
        ),
    },
    "costs.advocate_hour": {
        "original": 40,
        "low": 30,
        "high": 55,
        "price_year": "2013/14",
        "unit": "GBP per hour",
        "source": (
            "New Economy UCD [neweconomy-ucd]: social worker hour as proxy for an advocate or broker, 2013-14"
            " prices"
        ),
        "note": "Cost of an hour of advocacy or brokerage",
    },
}


class AdvocacySpec(LeverSpec):
    """Independent advocacy and brokerage (`interventions.advocacy`)."""

    headcounts = ("advocates",)
    advocates: float = Field(default=0, ge=0, le=MAX_STAFF)  # whole-time equivalents
    serve_low_activation: bool = True  # PAM levels 1-2
    serve_no_carer: bool = True


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
        day, people = self.model.day, self.model.people
        if dead is None:
            dead = {p for p in self.cases if not people.is_alive(p)}
        for person in [p for p, until in self.cases.items() if until <= day or p in dead]:
            del self.cases[person]


class Advocacy(Lever):
    """The advocacy and brokerage lever. It acts first each day: finished cases close before
    other levers make offers."""

    name = "advocacy"
    order = 10
    Spec = AdvocacySpec
    parameter_entries = PARAMETERS
    reads = ("advocacy.*", "costs.advocate_hour")
    columns = (Column("advocate_until", np.float64, NEVER, "day the person's advocacy case closes"),)
    metrics = (
        Metric("advocacy_cases", FLOW, "people newly supported by an advocate or broker"),
        Metric("advocacy_active", STOCK, "people with an advocate"),
    )

    def __init__(self, model: IPCModel, spec: AdvocacySpec):
        super().__init__(model, spec)
        p = self.params
        self._case_days = p["advocacy.case_weeks"]
        self.staff = Staffing.of(
            spec.headcount("advocates", model.scenario.population_size), p["advocacy.hours_per_week"]
        )
        # Whole places only, never more than the paid hours allow, shared out as evenly as possible.
        places = math.floor(self.staff.paid_hours_per_day * self._case_days / p["advocacy.hours_per_case"])
        agents = self.staff.agents
        self.advocates = [Advocate(model, places // agents + (k < places % agents)) for k in range(agents)]
        self._divert = p["advocacy.discharge_divert_share"]
        self._uptake_rr = p["advocacy.uptake_rr"]
        self._setup_factor = p["advocacy.setup_factor"]
        self._hour_cost = p["costs.advocate_hour"]
        self._new_cases = 0

    @property
    def fte(self) -> float:
        """Whole-time equivalents for this population."""
        return self.staff.fte

    def served(self, ids: np.ndarray) -> np.ndarray:
        """Who among `ids` the service is for: low activation (PAM 1-2) or no carer."""
        people = self.people
        mask = np.zeros(ids.size, dtype=bool)
        if self.spec.serve_low_activation:
            mask |= people.activation[ids] <= 2
        if self.spec.serve_no_carer:
            mask |= ~people.has_carer[ids]
        return mask

    def allocate(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Give an advocate to those of `ids` who are served and not yet supported, while
        places last (in the given order); return who got one."""
        people = self.people
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

    # --- hooks --------------------------------------------------------------------------------
    def reached(self) -> np.ndarray:
        """People with an open case: uptake, set-up and discharge help are theirs."""
        return self.people.advocate_until > self.model.day

    def offered(self, ids: np.ndarray, day: int) -> None:
        """People offered a plan or a budget who are served get an advocate, while places last."""
        self.allocate(ids, day)

    def admitted(self, today: Today) -> None:
        """Inpatients who are served get help arranging their discharge."""
        if today.admitted.size:
            self.allocate(np.sort(today.admitted), today.day)

    def offer_uptake_multiplier(self, ids: np.ndarray, day: int) -> np.ndarray:
        return np.where(self.people.advocate_until[ids] > day, self._uptake_rr, 1.0)

    def setup_time_multiplier(self, ids: np.ndarray, day: int) -> np.ndarray:
        return np.where(self.people.advocate_until[ids] > day, self._setup_factor, 1.0)

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        if pathway != Pathway.HOME_SUPPORT or self.people.advocate_until[person] <= now:
            return pathway
        u = self.streams.uniform("advocacy.divert", int(now), np.array([person]))[0]
        return Pathway.HOME if u < self._divert else pathway

    # --- daily work ------------------------------------------------------------------------------
    def step(self, today: Today) -> None:
        clients = np.fromiter((p for a in self.advocates for p in a.cases), dtype=np.int64)
        dead = set(clients[~self.people.is_alive(clients)].tolist())
        for advocate in self.advocates:
            advocate.step(dead)

    def report(self, today: Today) -> dict[str, float]:
        cases, self._new_cases = self._new_cases, 0
        return {
            "advocacy_active": float(sum(len(a.cases) for a in self.advocates)),
            "advocacy_cases": float(cases),
            "cost_programme": self.staff.paid_hours_per_day * self._hour_cost,
        }
