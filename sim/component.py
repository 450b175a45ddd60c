"""The one contract every model component keeps (Starsim's `Module`, for us).

Demography, rehab, health, carers, crisis routing, the hospital, social care and each IPC
lever are components. Each declares, as class attributes:

* `name` and `phase`: its place in the day (`Phase`), and `order` within that phase;
* `reads`: the registry parameters it reads (exact names, or a prefix ending in `*`); reading
  any other raises, so the declaration cannot drift from the code;
* `columns`: its per-person state, as typed `Column`s of the one `People` table;
* `metrics`: the daily outcomes it owns, each a flow or a stock; `report` may also add to
  another component's outcome (hospital deaths to `deaths`) or to a payer's cost.

and has the same few methods: `step(today)` does its work in its phase, `report(today)` gives
its contribution to the day's metrics (contributions to one metric add up), and the hooks
below let it change how the day goes for others. Every hook's default answer is neutral (None,
or the value unchanged), so a component that does not implement a hook leaves the run exactly
as it was, draw for draw. Hooks are consulted only by the phase named in their docstring,
through `sim.schedule.Schedule`; components never call one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.hospital import AttendancePlan, DayLog
    from sim.model import IPCModel


class Phase(Enum):
    """The day's phases, in the order `IPCModel.step` runs them (design.md, 'Time')."""

    DEMOGRAPHY = "demography"  # ageing, deaths, frailty moves
    REHAB = "rehab"  # pulmonary-rehab starts; asks `rehab_uptake_multiplier`
    CRISES = "crises"  # the crisis draw; asks `crisis_multiplier`
    CARERS = "carers"  # carer strain and breakdowns; asks `respite_hours`
    ROUTING = "routing"  # each crisis managed at home or sent to A&E; asks `managed_at_home`
    HOSPITAL = "hospital"  # SimPy to midnight; asks `discharge_pathway` at each medically fit point
    ADMITTED = "admitted"  # a hook phase: components hear today's admissions (`admitted`)
    DISCHARGE_SUPPORT = "discharge_support"  # packages and intermediate care start for today's discharges
    OBSERVE = "observe"  # a hook phase: components watch the day (`observe`), from day 0
    SERVICES = "services"  # the levers' daily work, from their start day
    RECORD = "record"  # every started component's `report` is added into the day's row


FLOW, STOCK = "flow", "stock"


@dataclass(frozen=True)
class Metric:
    """A daily outcome. Flows are summed to annual totals; stocks are averaged over days."""

    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Column:
    """One per-person attribute: a numpy array of `dtype`, filled with `default` at the start."""

    name: str
    dtype: type | str
    default: Any
    description: str
    enum: type[IntEnum] | None = None  # the statuses an integer column holds


EMPTY = np.empty(0, dtype=np.int64)


@dataclass
class Stays:
    """Today's finished hospital stays, as arrays (one element per stay)."""

    person: np.ndarray = field(default_factory=lambda: EMPTY)
    pathway: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    died: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    admitted: np.ndarray = field(default_factory=lambda: np.empty(0))
    fit: np.ndarray = field(default_factory=lambda: np.empty(0))
    left: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def alive(self) -> np.ndarray:
        return ~self.died


@dataclass
class Today:
    """What has happened so far today, written by each phase for the phases after it: the only
    record the components share besides the people table."""

    day: int
    entered: np.ndarray = field(default_factory=lambda: EMPTY)  # DEMOGRAPHY: joined the cohort today
    died: np.ndarray = field(default_factory=lambda: EMPTY)  # DEMOGRAPHY: died at home or in a care home
    frailer: np.ndarray = field(default_factory=lambda: EMPTY)  # DEMOGRAPHY: frailty class moved up or down
    rehab_starts: np.ndarray = field(default_factory=lambda: EMPTY)  # REHAB
    crises: np.ndarray = field(default_factory=lambda: EMPTY)  # CRISES, then ROUTING adds breakdowns
    breakdowns: np.ndarray = field(default_factory=lambda: EMPTY)  # CARERS: carers who broke down
    managed: np.ndarray = field(default_factory=lambda: EMPTY)  # ROUTING: crises handled without A&E
    attenders: np.ndarray = field(default_factory=lambda: EMPTY)  # ROUTING: sent to A&E
    plan: AttendancePlan | None = None  # ROUTING: how each attendance will go
    log: DayLog | None = None  # HOSPITAL: what the hospital did today
    admitted: np.ndarray = field(default_factory=lambda: EMPTY)  # HOSPITAL: admitted today
    stays: Stays = field(default_factory=Stays)  # HOSPITAL: stays that ended today
    readmissions: int = 0  # HOSPITAL: admissions within the window of a previous discharge
    high_use_followed_up: int = 0  # HOSPITAL: index admissions whose follow-up year ended today
    high_use_persisted: int = 0  # HOSPITAL: of those, people with 2+ further admissions in it


class Component:
    """Base class of every model component; see the module docstring for the contract."""

    name: ClassVar[str] = "component"
    phase: ClassVar[Phase]
    order: ClassVar[int] = 0  # position within the phase (lower first)
    reads: ClassVar[tuple[str, ...]] = ()
    columns: ClassVar[tuple[Column, ...]] = ()
    metrics: ClassVar[tuple[Metric, ...]] = ()  # the daily outcomes it owns (others may add to them)

    def __init__(self, model: IPCModel):
        self.model = model
        self.people = model.people
        self.streams = model.streams
        self.params = model.params.view(self.name, self.reads)
        # The core runs from the first warm-up day; levers start later (`interventions.start_day`).
        self.start_day = -getattr(model, "warm_up", 0)

    def started(self, day: int) -> bool:
        """Whether the component acts, reports and answers hooks on `day`."""
        return day >= self.start_day

    def step(self, today: Today) -> None:
        """The component's work in its phase."""

    def report(self, today: Today) -> dict[str, float]:
        """Today's contributions to the daily metrics (added to other components')."""
        return {}

    # --- hooks: neutral unless a component overrides them ----------------------------------------
    def rehab_uptake_multiplier(self) -> np.ndarray | None:
        """REHAB: per-person multiplier on the pulmonary-rehab start rate (answers multiply)."""
        return None

    def crisis_multiplier(self) -> np.ndarray | None:
        """CRISES: per-person multiplier on today's crisis hazard (answers multiply)."""
        return None

    def respite_hours(self) -> np.ndarray | None:
        """CARERS: per-person weekly hours of carer respite (answers add)."""
        return None

    def managed_at_home(self, crises: np.ndarray, acuity: np.ndarray) -> np.ndarray | None:
        """ROUTING: the chance that each of today's crises (people `crises`, of `acuity` 0 low,
        1 medium, 2 high) is managed without A&E (each component's applies independently)."""
        return None

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        """HOSPITAL: the pathway a medically fit patient needs (answers chain, in order)."""
        return pathway

    def admitted(self, today: Today) -> None:
        """ADMITTED: hear who was admitted today (`today.admitted`)."""

    def observe(self, today: Today) -> None:
        """OBSERVE: watch the day, from day 0 even before the component starts."""

    # --- events one component tells the others during SERVICES -------------------------------------
    def offered(self, ids: np.ndarray, day: int) -> None:
        """People in `ids` are being offered a plan or a budget today, before they decide."""

    def offer_uptake_multiplier(self, ids: np.ndarray, day: int) -> np.ndarray | None:
        """Multiplier on the chance that each of `ids` takes up today's offer (answers multiply)."""
        return None

    def setup_time_multiplier(self, ids: np.ndarray, day: int) -> np.ndarray | None:
        """Multiplier on the set-up time of each of `ids`'s new budget (answers multiply)."""
        return None

    def referred_to_group(self, ids: np.ndarray, day: int) -> None:
        """People in `ids` were referred to a community group today."""

    def risk_changed(self, ids: np.ndarray) -> None:
        """Something that sets the stable crisis risk of `ids` (activation, frailty) changed."""


HOOKS: tuple[str, ...] = (
    "rehab_uptake_multiplier",
    "crisis_multiplier",
    "respite_hours",
    "managed_at_home",
    "discharge_pathway",
    "admitted",
    "observe",
    "offered",
    "offer_uptake_multiplier",
    "setup_time_multiplier",
    "referred_to_group",
    "risk_changed",
)
