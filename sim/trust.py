"""The acute trust as a model component: the SimPy hospital run day by day, with background
demand from the rest of the catchment on the same beds, and the day's stays applied to people.

A&E, beds and discharge waits are simulated in `sim.hospital.AcuteHospital`; this component
gives it today's attendances and capacity, runs it to midnight, and turns what happened into
people's locations, episodes and the day's hospital metrics and NHS costs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.component import FLOW, STOCK, Column, Component, Metric, Phase, Stays, Today
from sim.health import seasonal_factor, start_episodes
from sim.hospital import AcuteHospital, DayLog, Pathway
from sim.population import NEVER, Location
from sim.units import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model import IPCModel

READMISSION_WINDOW_DAYS = 30  # the NHS indicator's definition, not a model parameter


class HospitalAgent(Component, mesa.Agent):
    """The acute trust: A&E and beds, shared with background demand from the catchment."""

    name = "hospital"
    phase = Phase.HOSPITAL
    reads = (
        "ae.cubicles",
        "ae.background_attendances_per_day",
        "ae.assessment_hours",
        "hospital.*",
        "crisis.start_day_of_year",
        "crisis.winter_peak_day",
        "episode.after_discharge",
        "costs.ae_attendance",
        "costs.emergency_admission",
        "costs.excess_bed_day",
        "costs.trim_point_days",
        "costs.delayed_bed_day",
    )
    columns = (
        Column("short_stay_count", np.int32, 0, "zero- and one-day admissions so far"),
        Column("last_discharge", np.float64, NEVER, "time of the person's last discharge alive"),
    )
    metrics = (
        Metric("emergency_admissions", FLOW, "cohort emergency admissions"),
        Metric("short_stay_admissions", FLOW, "cohort zero- and one-day admissions"),
        Metric("discharges", FLOW, "cohort discharges alive"),
        Metric("length_of_stay_days", FLOW, "summed length of stay of today's finished stays"),
        Metric("bed_days", FLOW, "cohort occupied beds at the midnight census"),
        Metric("dtoc_days", FLOW, "cohort patients medically fit but not discharged at midnight"),
        Metric("readmissions_30d", FLOW, "admissions within 30 days of the person's last discharge"),
        Metric("delayed_discharges", FLOW, "cohort discharges that waited at least one midnight"),
        Metric("care_home_admissions", FLOW, "cohort discharges to a care home (P3)"),
        Metric("ae_wait_hours", STOCK, "mean wait for an A&E cubicle, hours (finished and ongoing)"),
        Metric("ae_waiting_for_bed", STOCK, "admitted cohort patients held in A&E for a bed at midnight"),
        Metric("hospital_bed_days", FLOW, "all occupied beds at midnight (cohort and background)"),
        Metric("hospital_bed_occupancy", STOCK, "share of all beds occupied at midnight"),
        Metric("hospital_dtoc_days", FLOW, "all delayed days: cohort plus expected background"),
    )

    def __init__(self, model: IPCModel, slots_per_day: dict[Pathway, float]):
        mesa.Agent.__init__(self, model)
        Component.__init__(self, model)
        p, scale = self.params, model.scale
        background_erlangs = p["ae.background_attendances_per_day"] * p["ae.assessment_hours"]
        self.cubicles_for_cohort = max(1, round(scale * (p["ae.cubicles"] - background_erlangs)))
        self.beds = max(1, round(scale * p["hospital.beds"]))
        self._bg_mean = p["hospital.background_occupancy"]
        self._bg_amplitude = p["hospital.background_winter_amplitude"]
        self._bg_sd = p["hospital.background_noise"]
        self._bg_rho = p["hospital.background_autocorrelation"]
        self._bg_noise = 0.0
        self.background_delayed_share = p["hospital.background_delayed_share"]
        self._episode_after_discharge = p["episode.after_discharge"]
        self._price = {
            "ae": p["costs.ae_attendance"],
            "admission": p["costs.emergency_admission"],
            "excess_day": p["costs.excess_bed_day"],
            "trim": p["costs.trim_point_days"],
            "delayed_day": p["costs.delayed_bed_day"],
        }
        self.core = AcuteHospital(
            cubicles=self.cubicles_for_cohort, beds=self.beds, slots_per_day=slots_per_day
        )

    def background_beds(self, day: int) -> int:
        """Background occupancy today: seasonal mean plus AR(1) noise from its own stream."""
        z = float(self.streams.normal("background.beds", day, np.zeros(1, np.int64))[0])
        self._bg_noise = self._bg_rho * self._bg_noise + math.sqrt(1 - self._bg_rho**2) * self._bg_sd * z
        share = self._bg_mean + seasonal_factor(day, self.params, self._bg_amplitude) - 1.0
        return round(self.beds * min(1.0, max(0.0, share + self._bg_noise)))

    def step(self, today: Today) -> None:
        """Admit today's attendances, release today's discharge capacity, run to midnight."""
        day = today.day
        if today.plan is not None:
            self.core.admit_plan(today.plan)
        self.core.open_day_slots()
        self.core.set_background_beds(self.background_beds(day))
        self.core.run_until(day + 1)
        today.log = self.core.new_day_log()
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

    def _cost(self, today: Today) -> float:
        """NHS: A&E, admissions (episode price plus excess days past the trim point, charged
        when the stay ends) and delayed days."""
        price, stays, log = self._price, today.stays, today.log
        excess = np.maximum(np.floor(stays.fit - stays.admitted) - price["trim"], 0.0).sum()
        return float(
            today.attenders.size * price["ae"]
            + len(log.admitted) * price["admission"]
            + excess * price["excess_day"]
            + self.core.delayed * price["delayed_day"]
        )

    def report(self, today: Today) -> dict[str, float]:
        core, stays, log = self.core, today.stays, today.log
        waits = core.cubicle_waits()
        alive = stays.alive
        delayed = np.floor(stays.left) > np.floor(stays.fit)
        return {
            "emergency_admissions": len(log.admitted),
            "short_stay_admissions": len(log.short_stayers),
            "discharges": int(alive.sum()),
            "length_of_stay_days": float((stays.left - stays.admitted)[alive].sum()),
            "bed_days": core.in_bed,
            "dtoc_days": core.delayed,
            "readmissions_30d": today.readmissions,
            "delayed_discharges": int((delayed & alive).sum()),
            "deaths": int(stays.died.sum()),
            "care_home_admissions": int((alive & (stays.pathway == Pathway.CARE_HOME)).sum()),
            "ae_wait_hours": float(np.mean(waits)) * HOURS_PER_DAY if waits else 0.0,
            "ae_waiting_for_bed": core.waiting_for_bed,
            "hospital_bed_days": core.beds_in_use,
            "hospital_bed_occupancy": core.beds_in_use / core.bed_capacity,
            "hospital_dtoc_days": core.delayed + core.background_in_bed * self.background_delayed_share,
            "cost_nhs": self._cost(today),
        }
