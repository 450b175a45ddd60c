"""What an IPC lever is: a component of the SERVICES phase that a scenario switches on.

A lever is one module in `sim/levers/` defining one `Lever` subclass. The class carries all
that the rest of the program needs to know about it:

* `Spec`: its settings under `interventions.<name>` in a scenario (a strict pydantic model
  with `enabled`), so scenario validation picks it up;
* `parameter_entries` (and `share_groups`): its own registry entries, with value, range,
  unit and source, exactly as in `sim/data/parameters.yaml`;
* `requires`: other levers it needs switched on, each with the reason shown to the user;
* `milestone`: the scale-up target it counts towards, if any;
* the component contract (`sim.component`): `reads`, `columns`, `metrics`, `order`, `step`,
  `report` and the hooks, and `reached`: whom its hooks may change anything for.

Levers never call each other: they tell and ask through the schedule (`model.schedule`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.component import Component, Phase
from sim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.model import IPCModel


class StrictSpec(BaseModel):
    """A scenario section: unknown keys and wrong types are errors, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


PER_THOUSAND = 1000  # `per_1000_people:` figures are per this many people of the cohort
MAX_PER_THOUSAND = 1000.0  # a staff, group or target figure per 1,000 people: above this is a typo


class LeverSpec(StrictSpec):
    """Every lever's settings start with whether it is switched on.

    Staff, groups and targets (`headcounts`) are absolute numbers for the scenario's cohort: a
    planner who types `coordinators: 10` gets ten. A scenario that wants them to follow the
    cohort's size says so: `per_1000_people: {coordinators: 0.6}` gives 0.6 per 1,000 people and
    takes precedence over the absolute number (so a child file can switch an inherited figure
    to per head).
    """

    headcounts: ClassVar[tuple[str, ...]] = ()  # the fields `per_1000_people` may give
    whole: ClassVar[tuple[str, ...]] = ()  # those the lever can only use as whole numbers
    enabled: bool = False
    per_1000_people: dict[str, Annotated[float, Field(ge=0, le=MAX_PER_THOUSAND)]] = Field(
        default_factory=dict
    )

    @field_validator("per_1000_people")
    @classmethod
    def _known_headcounts(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(cls.headcounts))
        if unknown:
            allowed = ", ".join(cls.headcounts) or "nothing"
            raise ValueError(f"unknown key {unknown[0]!r} (per_1000_people may give: {allowed})")
        return value

    def headcount(self, field: str, people: int) -> float:
        """A staff, group or target figure as the model uses it for a cohort of `people`."""
        if field in self.per_1000_people:
            value = self.per_1000_people[field] * people / PER_THOUSAND
            return float(round(value)) if field in self.whole else value
        return float(getattr(self, field))

    def effective(self, people: int) -> dict[str, float]:
        """Every headcount figure for a cohort of `people` (what `validate` prints)."""
        return {field: self.headcount(field, people) for field in self.headcounts}


@dataclass(frozen=True)
class Milestone:
    """A scale-up target: a caseload to reach and hold. The commissioned number (the spec's
    `field`) is compared with the live caseload, the daily stock `live`; `metric` (starts) and
    `ended` are the daily flows in and out of it, so that starts to date - ended to date =
    live. `sim.summary.milestones` gives the first day the target is reached and the share of
    the days after it on which it is held."""

    name: str  # summary.csv metric of the day first reached, e.g. days_to_plan_target
    field: str  # the spec field holding the commissioned number, e.g. target_plans
    metric: str  # the daily flow of starts, e.g. plans_completed
    label: str  # what is counted, for people
    live: str  # the daily stock of the live caseload, e.g. plans_active
    ended: str  # the daily flow of ends, e.g. plans_ended

    @property
    def held(self) -> str:
        """summary.csv metric of the share of days held, e.g. plan_target_held_share."""
        return self.name.removeprefix("days_to_") + "_held_share"


class Lever(Component, ABC):
    """Base class of the IPC levers; subclasses register themselves by `name`."""

    phase = Phase.SERVICES
    Spec: ClassVar[type[LeverSpec]] = LeverSpec
    parameter_entries: ClassVar[dict[str, dict[str, Any]]] = {}
    share_groups: ClassVar[dict[str, tuple[str, ...]]] = {}
    requires: ClassVar[dict[str, str]] = {}  # other lever -> why it is needed
    milestone: ClassVar[Milestone | None] = None
    registry: ClassVar[dict[str, type[Lever]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name in Lever.registry and Lever.registry[cls.name] is not cls:
            raise TypeError(f"two levers are called {cls.name!r}")
        Lever.registry[cls.name] = cls

    def __init__(self, model: IPCModel, spec: LeverSpec):
        super().__init__(model)
        self.spec = spec
        self.start_day = model.scenario.levers.start_day

    @abstractmethod
    def reached(self) -> np.ndarray:
        """Who the lever's effects may reach now (plan or budget holders, members, clients), as a
        per-person mask: every hook it answers must be neutral for everyone else."""


@dataclass(frozen=True)
class Staffing:
    """A lever's staff: whole-time equivalents as the scenario gives them, carried by whole Mesa
    agents who share the paid hours."""

    fte: float
    agents: int
    paid_hours_per_day: float

    @classmethod
    def of(cls, fte: float, weekly_hours: float) -> Staffing:
        agents = math.ceil(fte - 1e-9) if fte > 0 else 0
        return cls(fte=fte, agents=agents, paid_hours_per_day=fte * weekly_hours / DAYS_PER_WEEK)


def assign_to_agents(practice: np.ndarray, n_practices: int, agents: int) -> np.ndarray:
    """Which agent (co-ordinator or group) serves each person. Practices are shared out among
    agents; where there are more agents than practices, a practice's people are split among
    the agents that serve it, so no agent sits idle."""
    if agents <= 0:
        return np.zeros(practice.size, dtype=np.int64)
    serving = [[a for a in range(agents) if a % n_practices == p] or [p % agents] for p in range(n_practices)]
    counts = np.array([len(s) for s in serving])
    first = np.array([s[0] for s in serving])
    person = np.arange(practice.size)
    # agents serving practice p are first[p], first[p] + P, first[p] + 2P, ...
    return first[practice] + n_practices * (person % counts[practice])
