"""The person-level event log (`ipc-sim run --events`): one row per thing that happened to one
person on one day, so anyone can check the model against a cohort definition of their own
("people with 2+ admissions in a year") instead of only against the daily totals.

`EventLog` is an extra component (`IPCModel(..., components=[EventLog])`). It only reads: it
draws no random number and writes no state, so a run with it is, draw for draw, the run
without it. It runs last in the day, after the levers (the OBSERVE hook comes before them and
would see their work a day late):

* what the day's phases wrote in `Today` gives entries, crises, crises managed at home, A&E
  attendances, admissions, discharges (with the pathway and the delayed days) and deaths, at
  home or in a care home (`Today.died`) and in hospital (stays that ended in death);
* the levers keep no such record, so their events are the changes in a per-person status
  since the end of yesterday: care-plan status, budget status, peer-group membership (the
  peer lever's `reached()`: members are held by the groups, not in a column) and the day an
  advocacy case closes (`advocate_until`, which only a new case moves).

Every count adds up to a daily metric (`METRIC_OF`, tested in `tests/test_event_log.py`).
Days before day 0 (a warm-up) are watched, so that yesterday's statuses are right on day 0,
but never written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.component import Component, Phase, Today
from sim.hospital import Pathway
from sim.levers.care_planning import PlanStatus
from sim.levers.phb import BudgetStatus

if TYPE_CHECKING:
    from sim.model import IPCModel


class Event(IntEnum):
    """What happened; rows of one day come in this order, and each event's rows by person."""

    ENTRY = 0  # joined the cohort (`Today.entered`)
    CRISIS = 1  # a crisis, carer breakdowns included
    MANAGED_AT_HOME = 2  # a crisis handled without A&E (care-plan contingency)
    AE_ATTENDANCE = 3
    ADMISSION = 4  # admitted to a bed (perhaps the day after the attendance)
    DISCHARGE = 5  # left hospital alive: `pathway` and `delayed_days` say how
    DEATH = 6  # at home, in a care home or in hospital (a death in hospital has no discharge)
    PLAN_COMPLETED = 7
    PHB_STARTED = 8  # a personal health budget's first day in payment
    PHB_ENDED = 9  # the holder died or moved into a care home
    PEER_JOINED = 10
    PEER_LEFT = 11  # membership ran its course, or the member died
    ADVOCACY_STARTED = 12  # a new advocacy or brokerage case


EVENT_NAMES: tuple[str, ...] = tuple(e.name.lower() for e in Event)
PATHWAY_NAMES: tuple[str, ...] = tuple(f"P{int(p)}" for p in Pathway)  # P0 home .. P3 care home
NO_PATHWAY = -1  # rows other than discharges
LAST_IN_THE_DAY = 2**31 - 1  # `order`: after every lever of the SERVICES phase

# The daily flow each event's count equals, day by day. PHB_ENDED and PEER_LEFT have no flow of
# their own: they close the stock (`phbs_active`, `peer_members_active`) with the starts.
METRIC_OF: dict[Event, str] = {
    Event.ENTRY: "entries",
    Event.CRISIS: "crises",
    Event.MANAGED_AT_HOME: "crises_managed_at_home",
    Event.AE_ATTENDANCE: "ae_attendances",
    Event.ADMISSION: "emergency_admissions",
    Event.DISCHARGE: "discharges",
    Event.DEATH: "deaths",
    Event.PLAN_COMPLETED: "plans_completed",
    Event.PHB_STARTED: "phbs_started",
    Event.PHB_ENDED: "phbs_ended",
    Event.PEER_JOINED: "peer_joins",
    Event.ADVOCACY_STARTED: "advocacy_cases",
}

SCHEMA = pa.schema(
    [
        ("scenario", pa.dictionary(pa.int16(), pa.string())),
        ("replicate", pa.int16()),  # limits.MAX_REPLICATES fits
        ("person", pa.int32()),  # the row id in the people table: the same person in every scenario
        ("day", pa.int32()),
        ("event", pa.dictionary(pa.int8(), pa.string())),  # always all of EVENT_NAMES, in order
        ("pathway", pa.dictionary(pa.int8(), pa.string())),  # discharges only, else null
        ("delayed_days", pa.int16()),  # discharges only, else null: midnights medically fit
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)


@dataclass
class _Watch:
    """A per-person status the log compares with yesterday's: its events are the changes."""

    read: Callable[[], np.ndarray]
    events: tuple[tuple[Event, Callable[[np.ndarray, np.ndarray], np.ndarray]], ...]  # (before, now)
    before: np.ndarray

    def changes(self) -> list[tuple[Event, np.ndarray]]:
        now = self.read()
        found = [(event, np.flatnonzero(rule(self.before, now))) for event, rule in self.events]
        self.before = now.copy()
        return found


def delayed_days(fit: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Midnights a stay spent medically fit: those m with fit < m <= left, the ones at which the
    midnight census (`dtoc_days`) counted it (times are in days)."""
    return (np.floor(left) - np.floor(fit)).astype(np.int64)


class EventLog(Component):
    """Writes down, per person, what each day did; see the module docstring."""

    name = "event_log"
    phase = Phase.SERVICES
    order = LAST_IN_THE_DAY

    def __init__(self, model: IPCModel):
        super().__init__(model)
        self._rows: list[tuple[int, Event, np.ndarray, np.ndarray | None, np.ndarray | None]] = []
        self._watches = self._levers_watched(model)

    def _levers_watched(self, model: IPCModel) -> list[_Watch]:
        """A watch per enabled lever (a lever that is off changes nothing), in Event order."""
        people, watches = self.people, []
        if model.lever("care_planning") is not None:
            planned = int(PlanStatus.PLANNED)
            watches.append(
                _Watch(
                    lambda: people.plan_status,
                    ((Event.PLAN_COMPLETED, lambda b, n: (n == planned) & (b != planned)),),
                    people.plan_status.copy(),
                )
            )
        if model.lever("phb") is not None:
            active, ended = int(BudgetStatus.ACTIVE), int(BudgetStatus.ENDED)
            watches.append(
                _Watch(
                    lambda: people.budget_status,
                    (
                        (Event.PHB_STARTED, lambda b, n: (n == active) & (b != active)),
                        (Event.PHB_ENDED, lambda b, n: (n == ended) & (b == active)),
                    ),
                    people.budget_status.copy(),
                )
            )
        peers = model.lever("peer_support")
        if peers is not None:
            watches.append(
                _Watch(
                    peers.reached,
                    ((Event.PEER_JOINED, lambda b, n: n & ~b), (Event.PEER_LEFT, lambda b, n: b & ~n)),
                    peers.reached(),
                )
            )
        if model.lever("advocacy") is not None:
            watches.append(
                _Watch(
                    lambda: people.advocate_until,
                    ((Event.ADVOCACY_STARTED, lambda b, n: n != b),),
                    people.advocate_until.copy(),
                )
            )
        return watches

    @staticmethod
    def of(model: IPCModel) -> EventLog:
        """The model's event log (a model built with `components=[EventLog]`)."""
        return next(c for c in model.schedule.components if isinstance(c, EventLog))

    def started(self, day: int) -> bool:
        """Every day, warm-up included, so that the statuses compared on day 0 are day -1's."""
        return True

    def step(self, today: Today) -> None:
        changes = [change for watch in self._watches for change in watch.changes()]  # in Event order
        day = today.day
        if day < 0:
            return
        stays = today.stays
        alive = stays.alive
        self._add(day, Event.ENTRY, today.entered)
        self._add(day, Event.CRISIS, today.crises)
        self._add(day, Event.MANAGED_AT_HOME, today.managed)
        self._add(day, Event.AE_ATTENDANCE, today.attenders)
        self._add(day, Event.ADMISSION, today.admitted)
        self._discharges(day, stays.person[alive], stays.pathway[alive], stays.fit[alive], stays.left[alive])
        self._add(day, Event.DEATH, np.concatenate([today.died, stays.person[stays.died]]))
        for event, persons in changes:
            self._add(day, event, persons)

    def _add(self, day: int, event: Event, persons: np.ndarray) -> None:
        if persons.size:
            self._rows.append((day, event, np.sort(persons), None, None))

    def _discharges(
        self, day: int, persons: np.ndarray, pathway: np.ndarray, fit: np.ndarray, left: np.ndarray
    ) -> None:
        if persons.size == 0:
            return
        order = np.argsort(persons, kind="stable")
        self._rows.append(
            (day, Event.DISCHARGE, persons[order], pathway[order], delayed_days(fit, left)[order])
        )

    def __len__(self) -> int:
        return sum(row[2].size for row in self._rows)

    def table(self, scenario: str, replicate: int) -> pa.Table:
        """Every event written so far, as a table of `SCHEMA`."""
        n = len(self)
        sizes = [row[2].size for row in self._rows]
        person = np.concatenate([row[2] for row in self._rows]) if n else np.empty(0, np.int64)
        day = np.repeat(np.array([row[0] for row in self._rows], dtype=np.int32), sizes)
        event = np.repeat(np.array([row[1] for row in self._rows], dtype=np.int8), sizes)
        pathway = np.full(n, NO_PATHWAY, dtype=np.int8)
        delayed = np.zeros(n, dtype=np.int16)
        start = 0
        for (_, _, _, path, late), size in zip(self._rows, sizes, strict=True):
            if path is not None:
                pathway[start : start + size] = path
                delayed[start : start + size] = _fit_int16(late)
            start += size
        discharge = event == Event.DISCHARGE
        columns = {
            "scenario": pa.DictionaryArray.from_arrays(np.zeros(n, np.int16), [scenario]),
            "replicate": pa.array(np.full(n, replicate, dtype=np.int16)),
            "person": pa.array(_fit_int32(person)),
            "day": pa.array(day),
            "event": pa.DictionaryArray.from_arrays(event, list(EVENT_NAMES)),
            "pathway": pa.DictionaryArray.from_arrays(
                pa.array(pathway, mask=~discharge), list(PATHWAY_NAMES)
            ),
            "delayed_days": pa.array(delayed, mask=~discharge),
        }
        return pa.table(columns, schema=SCHEMA)


def _fit_int32(values: np.ndarray) -> np.ndarray:
    if values.size and values.max() > np.iinfo(np.int32).max:
        raise OverflowError("a person id does not fit the event log's int32 column")
    return values.astype(np.int32)


def _fit_int16(values: np.ndarray) -> np.ndarray:
    if values.size and values.max() > np.iinfo(np.int16).max:
        raise OverflowError("a stay's delayed days do not fit the event log's int16 column")
    return values.astype(np.int16)
