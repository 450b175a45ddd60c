"""The acute hospital in SimPy: A&E cubicles, beds, length of stay and discharge pathways.

A&E arrival -> wait for a cubicle -> assessment -> home, or admitted -> wait for a bed while
holding the cubicle (a full hospital holds patients in A&E) -> stay to medically fit ->
discharge pathway -> wait for that pathway's capacity -> discharged. Midnights between
medically fit and discharge are delayed transfer of care (DTOC) days.

Every random decision about an attendance is made up front, vectorised, by the caller (see
`AttendancePlan`), so the SimPy processes only follow the plan: that keeps event handling
cheap and lets the same class run standalone against queueing theory.

Everyone else in the catchment is background demand, modelled cheaply: a daily background
bed occupancy that takes beds in the same first-come queue, and a share of every pathway's
capacity (design.md).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import simpy


class Pathway(IntEnum):
    """Discharge-to-assess pathways."""

    HOME = 0  # P0
    HOME_SUPPORT = 1  # P1: home-care package
    INTERMEDIATE = 2  # P2: bedded intermediate care
    CARE_HOME = 3  # P3


class Stay(IntEnum):
    """What happens after assessment."""

    NOT_ADMITTED = 0
    ZERO_DAY = 1
    ONE_DAY = 2
    LONG = 3


_NOT_ADMITTED, _LONG = int(Stay.NOT_ADMITTED), int(Stay.LONG)  # plain ints for the hot path


@dataclass
class AttendancePlan:
    """The pre-drawn course of each of today's attendances (arrays of equal length)."""

    person: np.ndarray  # cohort row id
    arrival: np.ndarray  # absolute time, days
    assessment: np.ndarray  # days in a cubicle before the decision
    stay: np.ndarray  # Stay
    los: np.ndarray  # days in a bed until medically fit (or death)
    dies: np.ndarray  # bool: dies in hospital at the end of the stay
    pathway: np.ndarray  # Pathway once medically fit

    def __len__(self) -> int:
        return int(self.person.size)

    @classmethod
    def ae_only(cls, arrival: np.ndarray, assessment: np.ndarray) -> AttendancePlan:
        """Attendances that all go home after assessment (an M/M/c-style A&E stream)."""
        n = arrival.size
        return cls(
            person=np.arange(n),
            arrival=np.asarray(arrival, float),
            assessment=np.asarray(assessment, float),
            stay=np.full(n, Stay.NOT_ADMITTED, np.int8),
            los=np.zeros(n),
            dies=np.zeros(n, bool),
            pathway=np.zeros(n, np.int8),
        )


@dataclass
class Discharge:
    """One finished stay, as the model needs it."""

    person: int
    pathway: int
    admitted: float
    fit: float
    left: float
    died: bool


@dataclass
class DayLog:
    """What happened in the hospital today (cleared each day)."""

    ae_left: list[int] = field(default_factory=list)  # attendances not admitted, gone home
    ae_waits: list[float] = field(default_factory=list)  # days from arrival to cubicle
    admitted: list[int] = field(default_factory=list)
    short_stayers: list[int] = field(default_factory=list)  # admitted for zero or one day
    finished: list[Discharge] = field(default_factory=list)


class TimeAverage:
    """Time-weighted mean of a level (for Little's law and occupancy)."""

    def __init__(self, env: simpy.Environment):
        self._env = env
        self._last = env.now
        self._start = env.now
        self.level = 0
        self.area = 0.0

    def change(self, delta: int) -> None:
        now = self._env.now
        self.area += self.level * (now - self._last)
        self._last = now
        self.level += delta

    def mean(self) -> float:
        now = self._env.now
        area = self.area + self.level * (now - self._last)
        return area / (now - self._start) if now > self._start else 0.0


class AcuteHospital:
    """SimPy model of the hospital's cohort flow, with background demand on the same beds."""

    def __init__(
        self,
        cubicles: int,
        beds: int,
        slots_per_day: dict[Pathway, float],
        env: simpy.Environment | None = None,
    ):
        self.env = env or simpy.Environment()
        self.cubicles = simpy.Resource(self.env, capacity=max(1, int(cubicles)))
        # Beds are a level, not a list of holders: releasing one of thousands is then O(1).
        self.bed_capacity = max(1, int(beds))
        self.beds = simpy.Container(self.env, capacity=self.bed_capacity, init=self.bed_capacity)
        self.slots_per_day = dict(slots_per_day)
        self._slots = {
            p: simpy.Container(self.env) for p, rate in self.slots_per_day.items() if math.isfinite(rate)
        }
        self._slot_carry = dict.fromkeys(self._slots, 0.0)
        self._background_held = 0  # background beds occupied
        self._background_queued: deque[simpy.events.Event] = deque()  # background waiting for a bed
        self.in_ae = TimeAverage(self.env)
        self.in_bed = 0  # cohort patients in a bed
        self.delayed = 0  # cohort patients medically fit but not yet discharged
        self.waiting_for_bed = 0  # admitted patients held in A&E because no bed is free
        self._waiting_since: dict[int, float] = {}  # person -> arrival, while queueing for a cubicle
        self.log = DayLog()
        # Asked at the medically fit point: (person, planned pathway, now) -> pathway needed.
        self.on_fit: Callable[[int, int, float], int] | None = None

    # --- capacity, set at the start of each day ---------------------------------------------
    def open_day_slots(self) -> None:
        """Release today's pathway capacity; unused slots from yesterday lapse."""
        for pathway, container in self._slots.items():
            if container.level > 0:
                container.get(container.level)
            total = self._slot_carry[pathway] + self.slots_per_day[pathway]
            slots = math.floor(total)
            self._slot_carry[pathway] = total - slots
            if slots > 0:
                container.put(slots)

    def set_background_beds(self, target: int) -> None:
        """Move background occupancy to `target` beds: a rise queues for beds first-come with
        the cohort; a fall cancels queued requests first, then frees occupied beds."""
        target = max(0, int(target))
        self._settle_background()
        while self._background_queued and self.background_in_bed + len(self._background_queued) > target:
            self._background_queued.pop().cancel()
        surplus = self._background_held - target
        if surplus > 0:
            self._background_held -= surplus
            self.beds.put(surplus)
        for _ in range(target - self._background_held - len(self._background_queued)):
            self._background_queued.append(self.beds.get(1))

    def _settle_background(self) -> None:
        """Count queued background requests that have since been granted a bed."""
        while self._background_queued and self._background_queued[0].triggered:
            self._background_queued.popleft()
            self._background_held += 1

    @property
    def background_in_bed(self) -> int:
        self._settle_background()
        return self._background_held

    def slots_open(self, pathway: Pathway) -> float:
        """Slots of `pathway` free right now (infinite where capacity is unlimited)."""
        return self._slots[pathway].level if pathway in self._slots else math.inf

    @property
    def beds_in_use(self) -> int:
        return self.bed_capacity - int(self.beds.level)

    # --- flow --------------------------------------------------------------------------------
    def admit_plan(self, plan: AttendancePlan) -> None:
        """Start a process for each planned attendance."""
        for i in range(len(plan)):
            self.env.process(
                self._attendance(
                    int(plan.person[i]),
                    float(plan.arrival[i]),
                    float(plan.assessment[i]),
                    int(plan.stay[i]),
                    float(plan.los[i]),
                    bool(plan.dies[i]),
                    int(plan.pathway[i]),
                )
            )

    def cubicle_waits(self) -> list[float]:
        """Today's finished cubicle waits plus the waits so far of those still queueing (days),
        so a gridlocked A&E shows its growing waits rather than none."""
        now = self.env.now
        return self.log.ae_waits + [now - t for t in self._waiting_since.values()]

    def run_until(self, time: float) -> None:
        self.env.run(until=time)

    def new_day_log(self) -> DayLog:
        log, self.log = self.log, DayLog()
        return log

    def _attendance(self, person, arrival, assessment, stay, los, dies, pathway):
        env = self.env
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        self.in_ae.change(+1)
        self._waiting_since[person] = arrival
        cubicle = self.cubicles.request()
        yield cubicle
        del self._waiting_since[person]
        self.log.ae_waits.append(env.now - arrival)
        yield env.timeout(assessment)
        if stay == _NOT_ADMITTED:
            self.cubicles.release(cubicle)
            self.in_ae.change(-1)
            self.log.ae_left.append(person)
            return
        self.waiting_for_bed += 1
        yield self.beds.get(1)  # the patient keeps the cubicle while the hospital is full
        self.waiting_for_bed -= 1
        self.cubicles.release(cubicle)
        self.in_ae.change(-1)
        admitted = env.now
        self.in_bed += 1
        self.log.admitted.append(person)
        if stay != _LONG:
            self.log.short_stayers.append(person)
        yield env.timeout(los)
        fit = env.now
        if not dies and self.on_fit is not None:
            pathway = self.on_fit(person, pathway, fit)
        if not dies and pathway in self._slots:
            self.delayed += 1
            yield self._slots[pathway].get(1)
            self.delayed -= 1
        self.beds.put(1)
        self.in_bed -= 1
        self.log.finished.append(Discharge(person, pathway, admitted, fit, env.now, dies))
