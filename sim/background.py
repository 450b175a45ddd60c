"""Everyone in a site's catchment outside the cohort: background demand, as cheap counts that
queue for the same cubicles, beds and discharge places as cohort patients.

The catchment has `eligible` people who meet the cohort's definition; the cohort is drawn
from them, and the eligible people left out use the hospital at the cohort's baseline rates,
the rest of the catchment at the general rates. So a bigger cohort replaces background
patients like it rather than adding load, and the site is as full whatever cohort size is run.

Background randomness is drawn once per run for the whole horizon, keyed by site, so it never
depends on what the cohort does: arrivals per hour (seasonal, with day-to-day persistence),
and for each arrival its length of stay, death, pathway and council. Each hour the hospital
admits waiting background patients to free beds, discharges those medically fit (home, or
into the queue for a place on their pathway) and holds the cubicles the background occupies.
When the hospital is full, a bed freed within the hour goes first to a waiting cohort patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy
from simpy.events import URGENT

from sim.health import seasonal_factor
from sim.hospital import SUPPORTED, AcuteHospital, Pathway
from sim.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.params import ParamsView
    from sim.rng import Streams

HOURS = 24
RING_HOURS = 24 * 200  # stays longer than 200 days end at 200 days (the lognormal's far tail)
HOME, DIES, OUTCOMES = int(Pathway.HOME), 4, 5  # outcome codes: Pathway values 0-3, and death
SUPPORTED_CODES = tuple(int(p) for p in SUPPORTED)


@dataclass(frozen=True)
class Stream:
    """One part of the background: its daily admissions and how their stays go."""

    admissions_per_day: float
    attendances_per_day: float
    p_zero: float
    p_one: float
    long_mean_days: float
    pathway_shares: tuple[float, float, float]  # P1, P2, P3 of long stays
    winter_amplitude: float  # peak relative rise of its arrivals in winter
    growth: float = 0.0  # compound growth a year of the people behind the stream


def streams_for(p: ParamsView, catchment: int, eligible: int, cohort: int) -> list[Stream]:
    """The eligible people outside the cohort (like the cohort at baseline), and everyone else
    in the catchment."""
    eligible_out = max(eligible - cohort, 0)
    other = max(catchment - eligible, 0)
    return [
        Stream(
            eligible_out * p["background.eligible_admissions"],
            eligible_out * p["background.eligible_attendances"],
            p["background.eligible_p_zero_day"],
            p["background.eligible_p_one_day"],
            p["background.eligible_long_mean_days"],
            (
                p["background.eligible_share_p1"],
                p["background.eligible_share_p2"],
                p["background.eligible_share_p3"],
            ),
            # people like the cohort have the cohort's winter (a tenth of the background's
            # admissions, but the ones that ask most for discharge places)
            p["crisis.winter_amplitude"],
            # The eligible people outside the cohort grow as the cohort does (the same
            # projection [stockton-jsna]), so the hospital's load per cohort member does not depend on
            # how much of the eligible population the cohort is.
            p["cohort.growth_rate"],
        ),
        Stream(
            other * p["background.other_admissions"],
            other * p["background.other_attendances"],
            p["background.other_p_zero_day"],
            p["background.other_p_one_day"],
            p["background.other_long_mean_days"],
            (p["background.other_share_p1"], p["background.other_share_p2"], p["background.other_share_p3"]),
            p["hospital.background_winter_amplitude"],
        ),
    ]


class BackgroundDemand:
    """One site's background patients, hour by hour, from `start_day` (a warm-up before day 0)
    to the horizon."""

    def __init__(
        self,
        hospital: AcuteHospital,
        parts: list[Stream],
        council_shares: list[float],
        p: ParamsView,
        streams: Streams,
        site: str,
        start_day: int,
        days: int,
        profile: np.ndarray,
        growth_from: int = 0,
    ):
        self.hospital = hospital
        self._start_hour = start_day * HOURS
        self._hours = (days - start_day) * HOURS
        rng = streams.generator(f"background.{site}")
        self.attendances_per_hour = self._hourly(
            parts, "attendances_per_day", profile, start_day, days, p, None, growth_from
        ).sum(axis=0)
        by_part = self._hourly(parts, "admissions_per_day", profile, start_day, days, p, rng, growth_from)
        rate = by_part.sum(axis=0)
        arrivals = rng.poisson(rate)
        self._first = np.concatenate([[0], np.cumsum(arrivals)])  # arrival ordinals by hour
        # Each arrival belongs to a stream in proportion to the streams' rates in its hour: the
        # streams grow and swing with the seasons differently, so the mix changes over the run.
        share = np.divide(by_part, rate, out=np.full_like(by_part, 1.0 / len(parts)), where=rate > 0)
        arrival_share = np.repeat(share, arrivals, axis=1)
        outcome, council, los_hours = self._outcomes(parts, arrival_share, rng, p, council_shares)
        arrange_days = np.array(
            [
                0.0,
                p["pathway.p1_arrange_days"],
                p["pathway.p2_arrange_days"],
                p["pathway.p3_arrange_days"],
                0.0,
            ]
        )
        arrange_hours = rng.exponential(1.0, outcome.size) * arrange_days[outcome] * HOURS
        self._ready_after = np.clip(np.ceil(los_hours + arrange_hours), 1, RING_HOURS - 1).astype(
            np.int64
        )  # medically fit, and their support arranged
        councils = len(council_shares)
        self._code = (outcome.astype(np.int64) * councils + council).astype(np.int64)
        self._fit_after = np.minimum(
            np.clip(np.ceil(los_hours), 1, RING_HOURS - 1).astype(np.int64), self._ready_after
        )
        # Counts by ring hour and code, only for hours that have any: a few patients an hour
        # in plain lists is far cheaper than numpy's per-call overhead on rows of five.
        self._codes = OUTCOMES * councils
        self._due: dict[int, list[int]] = {}  # medically fit in that hour, by code
        self._ready: dict[int, list[int]] = {}  # support arranged in that hour, by code
        self.arranging = 0  # medically fit, their discharge support being arranged
        # what each code means: leave the hospital, or queue for (council, pathway)
        self._leaves = np.array([c // councils in (HOME, DIES) for c in range(OUTCOMES * councils)])
        self._leave_codes = [int(c) for c in np.flatnonzero(self._leaves)]
        self._queues = {
            c: (c % councils, c // councils)
            for c in range(OUTCOMES * councils)
            if c // councils in SUPPORTED_CODES
        }
        self._in_ae = np.rint(self.attendances_per_hour * p["ae.assessment_hours"] * HOURS).astype(np.int64)
        self._admitted = 0  # arrivals admitted so far (first come, first admitted)
        self.in_bed = 0
        self.admitted_today = 0
        self.waiting_for_bed = 0

    @staticmethod
    def _hourly(parts, field, profile, start_day, days, p, rng, growth_from=0) -> np.ndarray:
        """Expected arrivals of each stream (rows) in each hour: daily rate (growing from
        `growth_from`) x the stream's season x persistence noise x hour profile."""
        day_index = np.arange(start_day, days)
        years = np.maximum(day_index - growth_from, 0) / DAYS_PER_YEAR
        noise = np.zeros(day_index.size)
        if rng is not None:
            rho, sd = p["hospital.background_autocorrelation"], p["hospital.background_noise"]
            z = rng.standard_normal(day_index.size)
            level = 0.0
            for i in range(day_index.size):  # AR(1): busy days follow busy days
                level = rho * level + math.sqrt(1 - rho**2) * sd * z[i]
                noise[i] = level
        rows = []
        for part in parts:
            season = np.array([seasonal_factor(int(d), p, part.winter_amplitude) for d in day_index])
            daily = getattr(part, field) * (1.0 + part.growth) ** years * np.maximum(season + noise, 0.0)
            rows.append((daily[:, None] * profile[None, :] / HOURS).reshape(-1))
        return np.array(rows)

    @staticmethod
    def _outcomes(parts, share, rng, p, council_shares) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each arrival's stream (from `share`, the streams' shares of its hour, one column per
        arrival), its outcome (home, pathway or death), its council and its hours in a bed to
        medically fit."""
        n = share.shape[1]
        which = (rng.random(n)[None, :] >= np.cumsum(share, axis=0)[:-1]).sum(axis=0)
        u_stay, u_path, u_die = rng.random(n), rng.random(n), rng.random(n)
        z = rng.standard_normal(n)
        sigma = math.sqrt(math.log1p(p["los.long_cv"] ** 2))
        los = np.empty(n)
        outcome = np.full(n, HOME, dtype=np.int64)
        for k, part in enumerate(parts):
            mine = which == k
            zero = u_stay < part.p_zero
            one = (u_stay >= part.p_zero) & (u_stay < part.p_zero + part.p_one)
            long = ~zero & ~one
            mu = math.log(part.long_mean_days) - sigma**2 / 2
            los_k = np.where(zero, p["los.zero_day_hours"], np.where(one, 1.0, np.exp(mu + sigma * z)))
            los[mine] = los_k[mine]
            path = np.searchsorted(np.cumsum(part.pathway_shares), u_path, side="right") + 1  # 1..3; 4: home
            path = np.where(path > len(part.pathway_shares), HOME, path)
            outcome[mine & long] = path[mine & long]
        outcome[u_die < p["mortality.inpatient"]] = DIES
        shares = np.asarray(council_shares, dtype=float)
        council = rng.choice(shares.size, size=n, p=shares / shares.sum())
        return outcome, council.astype(np.int64), los * HOURS

    # --- the hourly tick -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the hourly ticks now: the first event is scheduled as SimPy schedules a new
        process, and each tick schedules the next (callbacks, not a generator: cheaper)."""
        env = self.hospital.env
        self._k = 0
        self._waited: simpy.Event | None = None
        first = env.event()
        first._ok, first._value = True, None
        first.callbacks.append(self._next)
        env.schedule(first, URGENT)

    def _next(self, event: simpy.Event) -> None:
        """Tick every hour that has come; then wait for the next one."""
        env = self.hospital.env
        arrived = event is self._waited  # a wait just ended: its hour has come
        while self._k < self._hours:
            hour = self._start_hour + self._k
            if not arrived and env.now < hour / HOURS:
                self._waited = env.timeout(hour / HOURS - env.now)
                self._waited.callbacks.append(self._next)
                return
            arrived = False
            if hour % HOURS == 0:
                self.admitted_today = 0
            self._tick(self._k, hour)
            self._k += 1

    def _tick(self, k: int, hour: int) -> None:
        hospital = self.hospital
        row = self._due.pop(hour % RING_HOURS, None)
        if row is not None:
            self._fit(row)
        row = self._ready.pop(hour % RING_HOURS, None)
        if row is not None:
            self._arranged(row)
        waiting = int(self._first[k + 1]) - self._admitted  # arrived, not yet in a bed
        free = int(hospital.beds.level)
        if waiting and free and not hospital.beds.get_queue:
            take = min(waiting, free)
            hospital.beds.take(take)
            ids = slice(self._admitted, self._admitted + take)
            codes = self._code[ids].tolist()
            self._count(self._due, hour, self._fit_after[ids].tolist(), codes)
            leaves = self._leaves
            supported = [
                (after, code)
                for after, code in zip(self._ready_after[ids].tolist(), codes, strict=True)
                if not leaves[code]
            ]
            if supported:
                self._count(self._ready, hour, *zip(*supported, strict=True))
            self._admitted += take
            self.in_bed += take
            self.admitted_today += take
            waiting -= take
        hospital.hold_cubicles(int(self._in_ae[k]) + waiting)
        self.waiting_for_bed = waiting

    def _count(self, ring: dict[int, list[int]], hour: int, after, codes) -> None:
        """Add one patient per (hours after now, code) to the ring."""
        for wait, code in zip(after, codes, strict=True):
            slot = (hour + wait) % RING_HOURS
            row = ring.get(slot)
            if row is None:
                row = ring[slot] = [0] * self._codes
            row[code] += 1

    def _fit(self, row: list[int]) -> None:
        """Medically fit: home (or died) now, or their support starts being arranged."""
        leave = sum(row[c] for c in self._leave_codes)
        self._free_beds(leave)
        self.arranging += sum(row) - leave

    def _arranged(self, row: list[int]) -> None:
        """Support arranged: into the queue for a place on the pathway."""
        self.arranging -= sum(row)
        councils = self.hospital.councils
        for code, count in enumerate(row):
            target = self._queues.get(code) if count else None
            if target is not None:
                council, pathway = target
                councils[council][pathway].request_background(count, self._free_beds)

    def _free_beds(self, count: int) -> None:
        if count:
            self.in_bed -= count
            self.hospital.beds.put(count)
