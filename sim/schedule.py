"""The day's schedule: which component runs in each phase, and how hooks reach components.

Components are ordered once, by the position of their phase in the day and then by `order`;
that is the order in which they run, report and answer hooks. A hook is answered only by
components that override it and have started (levers start on `interventions.start_day`),
except `observe`, which every component hears from day 0. Components reach each other only
through here: one tells or asks the schedule, never another component.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from sim.component import HOOKS, Component, Phase, Today

_DAY_ORDER = {phase: index for index, phase in enumerate(Phase)}


def _overrides(component: Component, hook: str) -> bool:
    return getattr(type(component), hook) is not getattr(Component, hook)


class Schedule:
    """The model's components in daily order, with the hook calls between them."""

    def __init__(self, components: list[Component], clock: Callable[[], int]):
        self.components = sorted(components, key=lambda c: (_DAY_ORDER[c.phase], c.order))
        self._clock = clock
        self._in_phase = {p: [c for c in self.components if c.phase is p] for p in Phase}
        self._hooked = {h: [c for c in self.components if _overrides(c, h)] for h in HOOKS}

    def in_phase(self, phase: Phase) -> list[Component]:
        return list(self._in_phase[phase])

    def started(self, day: int) -> Iterator[Component]:
        return (c for c in self.components if c.started(day))

    def implements(self, hook: str) -> bool:
        """Whether any component (started or not) answers `hook`."""
        return bool(self._hooked[hook])

    def run(self, phase: Phase, today: Today) -> None:
        """Run one phase of the day (RECORD is the model's, through `reports`)."""
        if phase is Phase.ADMITTED:
            self.tell("admitted", today)
        elif phase is Phase.OBSERVE:
            for component in self._hooked["observe"]:
                component.observe(today)
        else:
            for component in self._in_phase[phase]:
                if component.started(today.day):
                    component.step(today)

    def reports(self, today: Today) -> Iterator[dict[str, float]]:
        """Each started component's contribution to today's metrics, in daily order."""
        for component in self.started(today.day):
            yield component.report(today)

    # --- hooks ------------------------------------------------------------------------------------
    def _answering(self, hook: str) -> Iterator[Component]:
        day = self._clock()
        return (c for c in self._hooked[hook] if c.started(day))

    def tell(self, hook: str, *args: Any) -> None:
        """Tell every started component that implements `hook`."""
        for component in self._answering(hook):
            getattr(component, hook)(*args)

    def answers(self, hook: str, *args: Any) -> list[np.ndarray]:
        """The non-neutral answers of the started components to `hook`."""
        found = (getattr(c, hook)(*args) for c in self._answering(hook))
        return [a for a in found if a is not None]

    def product(self, hook: str, *args: Any) -> np.ndarray | None:
        """The answers multiplied together, or None if nobody changes anything."""
        answers = self.answers(hook, *args)
        return math.prod(answers[1:], start=answers[0]) if answers else None

    def total(self, hook: str, *args: Any) -> np.ndarray | None:
        """The answers added together, or None if nobody changes anything."""
        answers = self.answers(hook, *args)
        return sum(answers[1:], start=answers[0]) if answers else None

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        """The pathway a medically fit patient needs: each started component's answer in turn."""
        for component in self._answering("discharge_pathway"):
            pathway = component.discharge_pathway(person, pathway, now)
        return pathway
