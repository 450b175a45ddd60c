"""The one small interface every IPC lever implements (Starsim's Module contract, for us).

A lever is set up once, acts each day after the hospital, and reports its metrics. It may
also change how the day goes for the people it reaches, through the hooks below; each hook's
neutral answer (None, or the pathway unchanged) leaves the model exactly as the baseline,
draw for draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.model import IPCModel


class Intervention:
    """Base class for the IPC levers (care planning, PHBs, peer support, advocacy)."""

    name = "intervention"

    def __init__(self, model: IPCModel):
        self.model = model

    def crisis_multiplier(self) -> np.ndarray | None:
        """Per-person multiplier on today's crisis hazard, or None for no change."""
        return None

    def managed_at_home(self) -> np.ndarray | None:
        """Per-person chance that a crisis is managed without A&E, or None for none."""
        return None

    def respite_hours(self) -> np.ndarray | None:
        """Per-person weekly hours of carer respite, or None for none."""
        return None

    def rehab_uptake_multiplier(self) -> np.ndarray | None:
        """Per-person multiplier on the pulmonary-rehab start rate, or None for no change."""
        return None

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        """The pathway a medically fit patient actually needs (e.g. support already arranged)."""
        return pathway

    def on_admission(self, people: np.ndarray) -> None:
        """Hear who was admitted today."""

    def observe(self, day: int) -> None:
        """Watch the day, from day 0 even before the lever starts (for before/after measures)."""

    def step(self, day: int) -> None:
        """The lever's daily work (after the hospital has run the day)."""

    def report(self) -> dict[str, float]:
        """Today's values of the lever's metrics; costs add to the model's costs."""
        return {}


@dataclass(frozen=True)
class Staffing:
    """A lever's staff for this population: whole-time equivalents, scaled from the reference
    cohort like every capacity, carried by whole Mesa agents who share the paid hours."""

    fte: float
    agents: int
    paid_hours_per_day: float

    @classmethod
    def scaled(cls, wte: float, scale: float, weekly_hours: float) -> Staffing:
        fte = wte * scale
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
