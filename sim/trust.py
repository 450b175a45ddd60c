"""The acute trusts as one model component: every site's SimPy hospital, with its background
demand and councils, run day by day, and the day's stays applied to people.

A&E, beds and discharge waits are simulated in `sim.hospital.AcuteHospital`, one per site,
all on one SimPy clock; everyone else in each catchment is `sim.background`. This component
hands each site the attendances of the cohort's people who live in its catchment, runs the
clock to midnight, and turns what happened into people's locations, episodes and the day's
hospital metrics and NHS costs, in total and per site. The clock starts
`hospital.warm_up_days` before day 0, so beds and discharge places are as full on day 0 as
on any other day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd
import simpy

from sim.attendance import hourly_profile
from sim.background import BackgroundDemand, streams_for
from sim.capacity import CapacityGrowth
from sim.component import FLOW, STOCK, Column, Component, Metric, Phase, Stays, Today
from sim.health import start_episodes
from sim.hospital import AcuteHospital, DayLog, DischargeService, Pathway
from sim.population import NEVER, Location
from sim.sites import Site, practices_by_site
from sim.units import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model import IPCModel

READMISSION_WINDOW_DAYS = 30  # the NHS indicator's definition, not a model parameter
# Persistence of high use as Bottle, Aylin & Majeed (JRSM 2006;99:406) measure it: of the
# people who survive an emergency admission, the share with two or more further emergency
# admissions within a year of it. Their definition, not model parameters.
HIGH_USE_FOLLOW_UP_DAYS = 365
HIGH_USE_FURTHER_ADMISSIONS = 2
SITE_METRICS = (  # per site and day, for sites.parquet: the cohort's, then the whole hospital's
    "people",
    "ae_attendances",
    "emergency_admissions",
    "bed_days",
    "dtoc_days",
    "hospital_admissions",
    "hospital_bed_days",
    "hospital_bed_occupancy",
    "hospital_dtoc_days",
    "hospital_waiting_for_bed",
    "ae_waits_over_4h",
)


class HospitalAgent(Component, mesa.Agent):
    """The acute trusts: each site's A&E and beds, shared with its background demand."""

    name = "hospital"
    phase = Phase.HOSPITAL
    reads = (
        "ae.assessment_hours",
        "ae.profile_*",
        "hospital.*",
        "background.*",
        "cohort.growth_rate",
        "crisis.start_day_of_year",
        "crisis.winter_peak_day",
        "crisis.winter_amplitude",
        "episode.after_discharge",
        "mortality.inpatient",
        "los.*",
        "frailty.share_*",
        "pathway.*",
        "costs.ae_attendance",
        "costs.emergency_admission",
        "costs.excess_bed_day",
        "costs.trim_point_days",
    )
    columns = (
        Column("site", np.int16, 0, "the site whose catchment the person lives in (by GP practice)"),
        Column("council", np.int16, 0, "the council, within the site, that arranges their discharge support"),
        Column("short_stay_count", np.int32, 0, "zero- and one-day admissions so far"),
        Column("last_discharge", np.float64, NEVER, "time of the person's last discharge alive"),
        Column(
            "high_use_index_day",
            np.float64,
            NEVER,
            "day of the first admission (on day 0 or later) the person survived: Bottle 2006's index",
        ),
        Column("high_use_further", np.int32, 0, "admissions in the year after that index admission"),
    )
    metrics = (
        Metric("emergency_admissions", FLOW, "cohort emergency admissions"),
        Metric("short_stay_admissions", FLOW, "cohort zero- and one-day admissions"),
        Metric("discharges", FLOW, "cohort discharges alive"),
        Metric("length_of_stay_days", FLOW, "summed length of stay of today's finished stays"),
        Metric("bed_days", FLOW, "cohort occupied beds at the midnight census"),
        Metric("dtoc_days", FLOW, "cohort patients medically fit but not discharged at midnight"),
        Metric("readmissions_30d", FLOW, "admissions within 30 days of the person's last discharge"),
        Metric(
            "high_use_followed_up",
            FLOW,
            "people whose year after a survived index admission ended today (Bottle 2006's denominator)",
        ),
        Metric("high_use_persisted", FLOW, "of those, people with 2+ further admissions in that year"),
        Metric("delayed_discharges", FLOW, "cohort discharges that waited at least one midnight"),
        Metric("care_home_admissions", FLOW, "cohort discharges to a care home (P3)"),
        Metric("ae_wait_hours", STOCK, "mean wait for an A&E cubicle of the waits that ended today, hours"),
        Metric("ae_waits_over_4h", FLOW, "cohort attendances that left A&E after more than 4 hours"),
        Metric(
            "trolley_waits_12h", FLOW, "cohort admissions that waited over 12 hours from decision to a bed"
        ),
        Metric("ae_waiting_for_bed", STOCK, "admitted cohort patients held in A&E for a bed at midnight"),
        Metric("hospital_admissions", FLOW, "all emergency admissions (cohort and background)"),
        Metric("hospital_bed_days", FLOW, "all occupied beds at midnight (cohort and background)"),
        Metric("hospital_bed_occupancy", STOCK, "share of all beds occupied at midnight"),
        Metric("hospital_dtoc_days", FLOW, "all patients medically fit but not discharged at midnight"),
        Metric("hospital_waiting_for_bed", STOCK, "all admitted patients waiting for a bed at midnight"),
    )

    def __init__(self, model: IPCModel, sites: tuple[Site, ...]):
        mesa.Agent.__init__(self, model)
        Component.__init__(self, model)
        p = self.params
        self.sites = sites
        people = self.people
        site_of, council_of = practices_by_site(people.n_practices, sites)
        people.site[:] = site_of[people.practice]
        people.council[:] = council_of[people.practice]
        # The hospital fills with background patients before the cohort's own warm-up starts.
        first_day = -model.warm_up
        warm_up = int(p["hospital.warm_up_days"]) + model.warm_up
        self.env = simpy.Environment(initial_time=-warm_up)
        durations = {
            Pathway.HOME_SUPPORT: p["pathway.p1_package_weeks"],
            Pathway.INTERMEDIATE: p["pathway.p2_stay_days"],
            Pathway.CARE_HOME: p["pathway.p3_stay_days"],
        }
        arrange = {
            Pathway.HOME_SUPPORT: p["pathway.p1_arrange_days"],
            Pathway.INTERMEDIATE: p["pathway.p2_arrange_days"],
            Pathway.CARE_HOME: p["pathway.p3_arrange_days"],
        }
        profile = hourly_profile(p)
        self.cores: list[AcuteHospital] = []
        self._capacity: list[tuple[CapacityGrowth, int, list[dict[Pathway, float]]]] = []
        self.background: list[BackgroundDemand] = []
        # The cohort at the start (rows waiting to join are still in the background).
        cohort = np.bincount(people.site[: people.n_start], minlength=len(sites))
        for index, site in enumerate(sites):
            councils = [
                {
                    pathway: DischargeService(
                        self.env, council.places[pathway], durations[pathway], arrange[pathway]
                    )
                    for pathway in durations
                }
                for council in site.councils
            ]
            core = AcuteHospital(site.cubicles, site.beds, councils, self.env, self._bed_wait_mean)
            parts = streams_for(p, site.catchment, site.eligible, int(cohort[index]))
            # capacity follows the demand of everyone the site serves, the cohort included
            growth = CapacityGrowth.for_site(p, *streams_for(p, site.catchment, site.eligible, 0), first_day)
            self._capacity.append((growth, site.beds, [dict(c.places) for c in site.councils]))
            growth.apply(core, site.beds, self._capacity[-1][2], first_day)
            demand = BackgroundDemand(
                core,
                parts,
                [c.share for c in site.councils],
                p,
                self.streams,
                site.name,
                -warm_up,
                model.days,
                profile,
                growth_from=first_day,
            )
            demand.start()
            self.cores.append(core)
            self.background.append(demand)
        self.env.run(until=first_day)  # background patients fill beds and discharge places
        self._episode_after_discharge = p["episode.after_discharge"]
        self._access_start = p["hospital.access_block_start"]
        self._wait_base = p["hospital.bed_wait_hours_base"]
        self._wait_full = p["hospital.bed_wait_hours_full"]
        self._price = {
            "ae": p["costs.ae_attendance"],
            "admission": p["costs.emergency_admission"],
            "excess_day": p["costs.excess_bed_day"],
            "trim": p["costs.trim_point_days"],
        }
        self.site_rows: list[tuple] = []  # (day, site index, *SITE_METRICS)
        self._site_logs: list[DayLog] = []

    @property
    def core(self) -> AcuteHospital:
        """The one site's hospital (for single-site models and tests)."""
        if len(self.cores) != 1:
            raise AttributeError("a multi-site model has one hospital per site: use `cores`")
        return self.cores[0]

    def _bed_wait_mean(self, occupancy: float) -> float:
        """Mean wait (days) for a free bed to take the patient: rises linearly with occupancy
        from the access-block threshold (Bagust 1999; NHS Improvement 2017, evidence 8)."""
        over = min(max((occupancy - self._access_start) / (1.0 - self._access_start), 0.0), 1.0)
        return self._wait_base + (self._wait_full - self._wait_base) * over

    def step(self, today: Today) -> None:
        """Give each site its people's attendances, run the clock to midnight, apply the day."""
        for core, (growth, beds, places) in zip(self.cores, self._capacity, strict=True):
            growth.apply(core, beds, places, today.day)
        plan = today.plan
        if plan is not None and len(plan):
            site = self.people.site[plan.person]
            for index, core in enumerate(self.cores):
                core.admit_plan(plan.select(site == index) if len(self.cores) > 1 else plan)
        self.env.run(until=today.day + 1)
        self._site_logs = [core.new_day_log() for core in self.cores]
        today.log = _merge(self._site_logs)
        self._apply(today, today.log)

    def _apply(self, today: Today, log: DayLog) -> None:
        """Where today's patients went, their episodes after discharge, and readmissions."""
        people = self.people
        today.admitted = np.asarray(log.admitted, dtype=np.int64)
        people.short_stay_count[np.asarray(log.short_stayers, dtype=np.int64)] += 1
        # Readmissions: today's admissions within the window of the person's previous discharge
        # (crises are drawn before the hospital runs, so nobody discharged today is readmitted today).
        since = today.day - np.floor(people.last_discharge[today.admitted])
        today.readmissions = int(np.count_nonzero(since <= READMISSION_WINDOW_DAYS))
        self._follow_high_use(today)
        went_back = np.asarray(log.ae_left, dtype=np.int64)
        people.location[went_back] = people.residence[went_back]
        done = log.finished
        stays = Stays(
            person=np.array([d.person for d in done], dtype=np.int64),
            pathway=np.array([d.pathway for d in done], dtype=np.int8),
            died=np.array([d.died for d in done], dtype=bool),
            admitted=np.array([d.admitted for d in done]),
            fit=np.array([d.fit for d in done]),
            left=np.array([d.left for d in done]),
        )
        person, alive = stays.person, stays.alive
        people.location[person[stays.died]] = Location.DEAD
        placed = person[alive & (stays.pathway == Pathway.CARE_HOME)]
        people.residence[placed] = Location.CARE_HOME
        people.location[person[alive]] = people.residence[person[alive]]
        start_episodes(people, person[alive], self._episode_after_discharge)
        people.last_discharge[person[alive]] = stays.left[alive]
        today.stays = stays
        # A survived stay that began on day 0 or later is the person's index admission, once.
        began = np.floor(stays.admitted)
        first = alive & (began >= 0)
        first[first] = people.high_use_index_day[person[first]] == NEVER
        people.high_use_index_day[person[first]] = began[first]

    def _follow_high_use(self, today: Today) -> None:
        """Count today's admissions in the year after each person's index admission, and close
        the years that end today (run before today's stays can set new index admissions)."""
        people = self.people
        index = people.high_use_index_day[today.admitted]
        within = today.day - index < HIGH_USE_FOLLOW_UP_DAYS  # NEVER gives +inf: no index yet
        people.high_use_further[today.admitted[within]] += 1
        ended = np.flatnonzero(people.high_use_index_day == today.day - HIGH_USE_FOLLOW_UP_DAYS)
        today.high_use_followed_up = int(ended.size)
        today.high_use_persisted = int(
            np.count_nonzero(people.high_use_further[ended] >= HIGH_USE_FURTHER_ADMISSIONS)
        )

    def _cost(self, today: Today) -> float:
        """NHS: A&E attendances, admissions at the episode price, and each finished stay's bed
        days past the trim point at the excess bed day price (`excess_bed_days`). Delayed (DTOC)
        days are bed days like any other, so they are priced there, once, and never on top."""
        price, stays, log = self._price, today.stays, today.log
        excess = excess_bed_days(stays.admitted, stays.left, price["trim"]).sum()
        return float(
            today.attenders.size * price["ae"]
            + len(log.admitted) * price["admission"]
            + excess * price["excess_day"]
        )

    def report(self, today: Today) -> dict[str, float]:
        stays, log = today.stays, today.log
        alive = stays.alive
        delayed = np.floor(stays.left) > np.floor(stays.fit)
        n = len(self.cores)
        people = np.bincount(self.people.site[self.people.alive], minlength=n)
        attenders = np.bincount(self.people.site[today.attenders], minlength=n)
        rows = [self._site_row(today.day, i, people[i], attenders[i]) for i in range(n)]
        self.site_rows.extend(rows)
        total = np.sum([row[2:] for row in rows], axis=0)
        in_use = sum(core.beds_in_use for core in self.cores)
        capacity = sum(core.bed_capacity for core in self.cores)
        return {
            "emergency_admissions": len(log.admitted),
            "short_stay_admissions": len(log.short_stayers),
            "discharges": int(alive.sum()),
            "length_of_stay_days": float((stays.left - stays.admitted)[alive].sum()),
            "bed_days": sum(core.in_bed for core in self.cores),
            "dtoc_days": sum(core.delayed for core in self.cores),
            "readmissions_30d": today.readmissions,
            "high_use_followed_up": today.high_use_followed_up,
            "high_use_persisted": today.high_use_persisted,
            "delayed_discharges": int((delayed & alive).sum()),
            "deaths": int(stays.died.sum()),
            "care_home_admissions": int((alive & (stays.pathway == Pathway.CARE_HOME)).sum()),
            "ae_wait_hours": float(np.mean(log.ae_waits)) * HOURS_PER_DAY if log.ae_waits else 0.0,
            "ae_waits_over_4h": log.over_four_hours,
            "trolley_waits_12h": log.trolley_waits,
            "ae_waiting_for_bed": sum(core.waiting_for_bed for core in self.cores),
            "hospital_admissions": float(total[SITE_METRICS.index("hospital_admissions")]),
            "hospital_bed_days": in_use,
            "hospital_bed_occupancy": in_use / capacity,
            "hospital_dtoc_days": float(total[SITE_METRICS.index("hospital_dtoc_days")]),
            "hospital_waiting_for_bed": float(total[SITE_METRICS.index("hospital_waiting_for_bed")]),
            "cost_nhs": self._cost(today),
        }

    def site_frame(self) -> pd.DataFrame:
        """The per-site rows as wide columns `site<i>.<metric>`, one row per day recorded
        (they ride with the daily table through task files; `sim.site_results.long_table`
        unpacks them)."""
        rows = np.array(self.site_rows, dtype=np.float64).reshape(-1, 2 + len(SITE_METRICS))
        n = len(self.cores)
        frame = {}
        for index in range(n):
            mine = rows[rows[:, 1] == index]
            for k, metric in enumerate(SITE_METRICS):
                frame[site_column(index, metric)] = mine[:, 2 + k]
        return pd.DataFrame(frame)

    def _site_row(self, day: int, index: int, people: int, attenders: int) -> tuple:
        core, demand, log = self.cores[index], self.background[index], self._site_logs[index]
        admitted = len(log.admitted)
        return (
            day,
            index,
            people,
            attenders,
            admitted,
            core.in_bed,
            core.delayed,
            admitted + demand.admitted_today,
            core.beds_in_use,
            core.occupancy,
            core.delayed + core.background_delayed + demand.arranging,
            core.waiting_for_bed + demand.waiting_for_bed,
            log.over_four_hours,
        )


def excess_bed_days(admitted: np.ndarray, left: np.ndarray, trim_days: float) -> np.ndarray:
    """Each finished stay's bed days past the tariff's trim point, charged when it ends.

    A stay's bed days are the midnights it spans (as the census and HES length of stay count
    them), delayed days included. The episode price pays for the stay up to the trim point,
    delayed days in it too, and each bed day past it is an excess bed day, as Payment by
    Results pays a spell: a delayed day costs extra only where it takes the stay past the trim
    point, and then once, as an excess bed day.
    """
    return np.maximum(np.floor(left) - np.floor(admitted) - trim_days, 0.0)


def site_column(index: int, metric: str) -> str:
    """The daily-table column carrying one site's metric (`site0.dtoc_days`)."""
    return f"site{index}.{metric}"


def _merge(logs: list[DayLog]) -> DayLog:
    if len(logs) == 1:
        return logs[0]
    merged = DayLog()
    for log in logs:
        merged.ae_left += log.ae_left
        merged.ae_waits += log.ae_waits
        merged.over_four_hours += log.over_four_hours
        merged.trolley_waits += log.trolley_waits
        merged.admitted += log.admitted
        merged.short_stayers += log.short_stayers
        merged.finished += log.finished
    return merged
