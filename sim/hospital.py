"""One acute hospital site in SimPy: A&E cubicles, beds, length of stay, and the councils'
discharge capacity that cohort and background patients share.

A&E arrival -> wait for a cubicle -> assessment -> home, or admitted: wait for a bed while
holding the cubicle, then for the bed to be made ready, which takes longer the fuller the
hospital (access block) -> stay to medically fit -> discharge pathway -> wait for a place on
that pathway -> discharged. Midnights between medically fit and discharge are delayed
transfer of care (DTOC) days.

Discharge capacity is capacity in use over time (IPACS's view, design.md): a home-care
package (P1), an intermediate-care bed (P2) or a care-home assessment place (P3) is held for
its duration and frees when it ends, so nothing lapses and a wait depends on how full the
service is, never on how large a slice of the catchment the cohort is.

Every random decision about a cohort attendance is made up front, vectorised, by the caller
(`AttendancePlan`), so the SimPy processes only follow the plan: that keeps event handling
cheap and lets the class run standalone against queueing theory. Everyone else in the
catchment is background demand (`sim.background`): counts that take cubicles, beds and
discharge places from the same queues.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import simpy

FOUR_HOURS = 4 / 24  # the A&E standard, in days
TWELVE_HOURS = 12 / 24  # a 'trolley wait': decision to admit until a bed


class Pathway(IntEnum):
    """Discharge-to-assess pathways."""

    HOME = 0  # P0
    HOME_SUPPORT = 1  # P1: home-care or reablement package
    INTERMEDIATE = 2  # P2: bedded intermediate care
    CARE_HOME = 3  # P3: care-home assessment place


SUPPORTED = (Pathway.HOME_SUPPORT, Pathway.INTERMEDIATE, Pathway.CARE_HOME)


class Stay(IntEnum):
    """What happens after assessment."""

    NOT_ADMITTED = 0
    ZERO_DAY = 1
    ONE_DAY = 2
    LONG = 3


_NOT_ADMITTED, _LONG = int(Stay.NOT_ADMITTED), int(Stay.LONG)  # plain ints for the hot path
_HOME = int(Pathway.HOME)


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
    bed_wait: np.ndarray  # Exp(1) draw: the wait for a bed to be ready, in units of its mean
    arrange: np.ndarray  # Exp(1) draw: the time to arrange discharge support, in units of its mean
    council: np.ndarray  # which of the site's councils serves the person

    def __len__(self) -> int:
        return int(self.person.size)

    def select(self, mask: np.ndarray) -> AttendancePlan:
        return AttendancePlan(**{name: getattr(self, name)[mask] for name in self.__dataclass_fields__})

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
            bed_wait=np.zeros(n),
            arrange=np.zeros(n),
            council=np.zeros(n, np.int16),
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
    ae_waits: list[float] = field(default_factory=list)  # days from arrival to a cubicle, finished today
    over_four_hours: int = 0  # cohort attendances that left A&E today after more than 4 hours
    trolley_waits: int = 0  # cohort admissions today that waited over 12 hours for a bed
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


class DischargeService:
    """The places of one pathway in one council, shared first-come by cohort and background
    patients: each place is held for `duration` days from the discharge, then frees."""

    def __init__(self, env: simpy.Environment, places: float, duration: float, arrange_days: float = 0.0):
        self.env = env
        self.arrange_days = arrange_days  # mean time to arrange a place once the patient is fit
        self.places = places
        self.free = places
        self.duration = duration
        self._queue: deque[list] = deque()  # [event] (cohort) or [count, on_granted] (background)
        self.cohort_waiting = 0
        self.background_waiting = 0

    def try_hold(self) -> bool:
        """Hold a place now if one is free and nobody is queueing (no event needed)."""
        if self.free >= 1 and not self._queue:
            self._hold(1)
            return True
        return False

    def request(self) -> simpy.Event:
        """A cohort patient asks for a place; the event fires when one is granted."""
        event = self.env.event()
        if self.free >= 1 and not self._queue:
            self._grant(event)
        else:
            self._queue.append([event])
            self.cohort_waiting += 1
        return event

    def request_background(self, count: int, on_granted: Callable[[int], None]) -> None:
        """`count` background patients ask for places; `on_granted(k)` runs as k are granted."""
        if count <= 0:
            return
        if not self._queue and self.free >= 1:
            k = int(min(self.free, count))
            self._hold(k)
            on_granted(k)
            count -= k
        if count > 0:
            self._queue.append([count, on_granted])
            self.background_waiting += count

    def _grant(self, event: simpy.Event) -> None:
        self._hold(1)
        event.succeed()

    def _hold(self, k: int) -> None:
        self.free -= k
        if math.isfinite(self.places):
            self.env.timeout(self.duration).callbacks.append(lambda _: self._release(k))

    def _release(self, k: int) -> None:
        self.free += k
        queue = self._queue
        while queue and self.free >= 1:
            head = queue[0]
            if len(head) == 1:
                queue.popleft()
                self.cohort_waiting -= 1
                self._grant(head[0])
            else:
                granted = int(min(self.free, head[0]))
                head[0] -= granted
                self.background_waiting -= granted
                if head[0] == 0:
                    queue.popleft()
                self._hold(granted)
                head[1](granted)

    @property
    def in_use(self) -> float:
        return self.places - self.free

    def set_places(self, places: float) -> None:
        """Commission more places (served to the queue at once) or fewer (those in use run
        their course; no new grants until the number in use is below the new count)."""
        change = places - self.places
        if change == 0 or not math.isfinite(change):
            return
        self.places = places
        if change > 0:
            self._release(change)
        else:
            self.free += change


class Units:
    """Interchangeable units (beds, cubicles) and a first-come queue for them: SimPy's
    `Container` as this model uses it, with the same order of events, but cheaper. A request
    that cannot be met blocks those behind it; units given back serve the queue when SimPy
    would (at the give's own event, so a process that gives and asks again in one instant
    sees what it would have seen). Counts with no process behind them (the background's
    hourly patients) `take` units at once, without an event."""

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.capacity = capacity
        self.level = capacity
        self.get_queue: deque[tuple[simpy.Event, int]] = deque()

    def get(self, amount: int = 1) -> simpy.Event:
        """An event that fires when `amount` units are the requester's."""
        event = self.env.event()
        self.get_queue.append((event, amount))
        self._serve()
        return event

    def cancel(self, event: simpy.Event) -> None:
        """Withdraw a request not yet met."""
        for i, (queued, _) in enumerate(self.get_queue):
            if queued is event:
                del self.get_queue[i]
                return

    def take(self, amount: int) -> None:
        """Take free units now (the caller has checked that nobody is queueing)."""
        self.level -= amount

    def try_take(self, amount: int = 1) -> bool:
        """Take units now if they are free and nobody is queueing; a process that gets them
        goes on without waiting for an event (what SimPy's immediate grant amounts to)."""
        if self.get_queue or self.level < amount:
            return False
        self.level -= amount
        return True

    def put(self, amount: int = 1) -> None:
        """Give units back; the queue is served at this give's event, as in SimPy."""
        self.level += amount
        if self.get_queue:
            event = self.env.event()
            event.callbacks.append(self._served_later)
            event.succeed()

    def _served_later(self, _: simpy.Event) -> None:
        self._serve()

    def _serve(self) -> None:
        queue = self.get_queue
        while queue and self.level >= queue[0][1]:
            event, amount = queue.popleft()
            self.level -= amount
            event.succeed()


def unlimited_services(env: simpy.Environment) -> dict[Pathway, DischargeService]:
    """Discharge with no wait on any pathway (for standalone hospitals and tests)."""
    return {p: DischargeService(env, math.inf, 0.0) for p in SUPPORTED}


class AcuteHospital:
    """One site's A&E and beds in SimPy, with its councils' discharge services."""

    def __init__(
        self,
        cubicles: int,
        beds: int,
        councils: list[dict[Pathway, DischargeService]] | None = None,
        env: simpy.Environment | None = None,
        bed_wait_mean: Callable[[float], float] | None = None,
    ):
        self.env = env or simpy.Environment()
        self.cubicle_capacity = max(1, int(cubicles))
        # Cubicles are a level too: the background's share changes by one request an hour.
        self.cubicles = Units(self.env, self.cubicle_capacity)
        # Beds are a level, not a list of holders: releasing one of thousands is then O(1).
        self.bed_capacity = max(1, int(beds))
        self.beds = Units(self.env, self.bed_capacity)
        self.councils = councils if councils is not None else [unlimited_services(self.env)]
        self._bed_wait_mean = bed_wait_mean  # days, given the occupancy at the decision
        self._background_cubicles = 0  # cubicles background patients hold now
        self._cubicle_request: simpy.Event | None = None  # and what they wait for
        self.in_ae = TimeAverage(self.env)
        self.in_bed = 0  # cohort patients in a bed
        self.delayed = 0  # cohort patients medically fit but not yet discharged
        self.waiting_for_bed = 0  # admitted cohort patients held in A&E for a bed
        self.beds_readied = 0  # beds taken for cohort patients still in A&E while the bed is made ready
        self.log = DayLog()
        # Asked at the medically fit point: (person, planned pathway, now) -> pathway needed.
        self.on_fit: Callable[[int, int, float], int] | None = None

    # --- capacity ---------------------------------------------------------------------------------
    @property
    def beds_in_use(self) -> int:
        return self.bed_capacity - int(self.beds.level)

    @property
    def occupancy(self) -> float:
        return self.beds_in_use / self.bed_capacity

    def set_bed_capacity(self, beds: int) -> None:
        """Open beds (served to the queue at once) or close them (as they empty)."""
        change = beds - self.bed_capacity
        if change == 0:
            return
        self.bed_capacity = beds
        if change > 0:
            self.beds.put(change)
        else:
            self.beds.level += change

    def hold_cubicles(self, target: int) -> None:
        """Background patients occupy `target` cubicles from now: more wait first-come with the
        cohort's patients; fewer are handed back at once."""
        target = max(0, min(int(target), self.cubicle_capacity))
        pending = self._cubicle_request
        if pending is not None and not pending.triggered:
            self.cubicles.cancel(pending)
        self._cubicle_request = None
        change = target - self._background_cubicles
        if change > 0:
            request = self.cubicles.get(change)
            if request.triggered:
                self._background_cubicles = target
            else:
                self._cubicle_request = request
                request.callbacks.append(lambda _: self._took_cubicles(change))
        elif change < 0:
            self.cubicles.put(-change)
            self._background_cubicles = target

    def _took_cubicles(self, count: int) -> None:
        self._background_cubicles += count
        self._cubicle_request = None

    @property
    def background_delayed(self) -> int:
        return sum(s.background_waiting for council in self.councils for s in council.values())

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
                    float(plan.bed_wait[i]),
                    float(plan.arrange[i]),
                    int(plan.council[i]),
                )
            )

    def run_until(self, time: float) -> None:
        self.env.run(until=time)

    def new_day_log(self) -> DayLog:
        log, self.log = self.log, DayLog()
        return log

    def _attendance(self, person, arrival, assessment, stay, los, dies, pathway, bed_wait, arrange, council):
        env = self.env
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        self.in_ae.change(+1)
        if not self.cubicles.try_take(1):
            yield self.cubicles.get(1)
        self.log.ae_waits.append(env.now - arrival)
        yield env.timeout(assessment)
        if stay == _NOT_ADMITTED:
            self.cubicles.put(1)
            self.in_ae.change(-1)
            self.log.ae_left.append(person)
            if env.now - arrival > FOUR_HOURS:
                self.log.over_four_hours += 1
            return
        decided = env.now
        self.waiting_for_bed += 1
        occupancy = self.occupancy
        if not self.beds.try_take(1):
            yield self.beds.get(1)  # the patient keeps the cubicle while the hospital is full
        if self._bed_wait_mean is not None and bed_wait > 0:
            self.beds_readied += 1
            yield env.timeout(bed_wait * self._bed_wait_mean(occupancy))  # the bed made ready
            self.beds_readied -= 1
        self.waiting_for_bed -= 1
        self.cubicles.put(1)
        self.in_ae.change(-1)
        admitted = env.now
        if admitted - arrival > FOUR_HOURS:
            self.log.over_four_hours += 1
        if admitted - decided > TWELVE_HOURS:
            self.log.trolley_waits += 1
        self.in_bed += 1
        self.log.admitted.append(person)
        if stay != _LONG:
            self.log.short_stayers.append(person)
        yield env.timeout(los)
        fit = env.now
        if not dies and self.on_fit is not None:
            pathway = self.on_fit(person, pathway, fit)
        if not dies and pathway != _HOME:
            self.delayed += 1
            service = self.councils[council][pathway]
            if arrange > 0 and service.arrange_days > 0:
                yield env.timeout(arrange * service.arrange_days)  # assessment and arranging
            if not service.try_hold():
                yield service.request()
            self.delayed -= 1
        self.beds.put(1)
        self.in_bed -= 1
        self.log.finished.append(Discharge(person, pathway, admitted, fit, env.now, dies))
