"""The IPC levers. Every module in this package defines one `sim.lever.Lever`; a new lever is a
new module here plus its entry under `interventions:` in a scenario (README, "Adding a lever")."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from sim.lever import Lever


@cache
def lever_classes() -> tuple[type[Lever], ...]:
    """Every lever, in the order they act each day (`Lever.order`, then name)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return tuple(sorted(Lever.registry.values(), key=lambda cls: (cls.order, cls.name)))


def lever_class(name: str) -> type[Lever]:
    return {cls.name: cls for cls in lever_classes()}[name]
