"""Every component class of the model, in daily order: the core's, then the levers'."""

from __future__ import annotations

from sim.attendance import CrisisRouting
from sim.carers import Carers
from sim.component import Component
from sim.demography import Demography
from sim.health import Health
from sim.levers import lever_classes
from sim.rehab import PulmonaryRehab
from sim.social_care import SocialCareAgent
from sim.trust import HospitalAgent

CORE_COMPONENTS: tuple[type[Component], ...] = (
    Demography,
    PulmonaryRehab,
    Health,
    Carers,
    CrisisRouting,
    HospitalAgent,
    SocialCareAgent,
)


def component_classes() -> tuple[type[Component], ...]:
    """The core components and every lever (whether or not a scenario switches it on)."""
    return (*CORE_COMPONENTS, *lever_classes())
