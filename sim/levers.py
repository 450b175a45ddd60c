"""Which IPC levers a scenario switches on, built in the order they act each day.

Advocacy goes first (it closes finished cases before others allocate), then care planning
(identification and plans), personal health budgets (offers to plan holders) and peer support
(referrals from new plans). This order is part of the day's schedule in `IPCModel.step`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.advocacy import Advocacy
from sim.care_planning import CarePlanning
from sim.intervention import Intervention
from sim.peer_support import PeerSupport
from sim.phb import PersonalHealthBudgets

if TYPE_CHECKING:
    from sim.model import IPCModel

LEVERS: tuple[tuple[str, type[Intervention]], ...] = (
    ("advocacy", Advocacy),
    ("care_planning", CarePlanning),
    ("phb", PersonalHealthBudgets),
    ("peer_support", PeerSupport),
)


def build_levers(model: IPCModel) -> list[Intervention]:
    """The enabled levers of the model's scenario, in daily order."""
    spec = model.scenario.levers
    return [cls(model, getattr(spec, name)) for name, cls in LEVERS if getattr(spec, name).enabled]
