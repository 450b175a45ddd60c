"""The whole-system model: a `mesa.Model` whose `step()` is one day.

`IPCModel.step` is the only place that says what happens in a day, in this order:
demography, health (crises), carers, hospital (SimPy to the end of the day), IPC services,
recording. People are numpy rows; the hospital and social care are Mesa agents.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import mesa
import numpy as np

from sim.attendance import AttendancePlanner
from sim.carers import Carers
from sim.costs import Costs
from sim.demography import Demography
from sim.health import Health, seasonal_factor
from sim.hospital import AcuteHospital, DayLog, Pathway
from sim.intervention import Intervention
from sim.levers import build_levers
from sim.metrics import READMISSION_WINDOW_DAYS, Recorder
from sim.network import PeerNetwork, build_peer_network
from sim.params import Params
from sim.population import Location, People, synthesise
from sim.rehab import PulmonaryRehab
from sim.rng import Streams
from sim.scenario import Scenario
from sim.units import HOURS_PER_DAY


def capacity_scale(size: int, params: Params) -> float:
    """Capacities are set for the Stockton cohort and scale with the population size."""
    return size / params["population.reference_size"]


class HospitalAgent(mesa.Agent):
    """The acute trust: A&E and beds, shared with background demand from the catchment."""

    def __init__(self, model: IPCModel):
        super().__init__(model)
        p, scale = model.params, model.scale
        background_erlangs = p["ae.background_attendances_per_day"] * p["ae.assessment_hours"]
        self.cubicles_for_cohort = max(1, round(scale * (p["ae.cubicles"] - background_erlangs)))
        self.beds = max(1, round(scale * p["hospital.beds"]))
        self._bg_mean = p["hospital.background_occupancy"]
        self._bg_amplitude = p["hospital.background_winter_amplitude"]
        self._bg_sd = p["hospital.background_noise"]
        self._bg_rho = p["hospital.background_autocorrelation"]
        self._bg_noise = 0.0
        self.background_delayed_share = p["hospital.background_delayed_share"]
        self.core = AcuteHospital(
            cubicles=self.cubicles_for_cohort,
            beds=self.beds,
            slots_per_day=model.social_care.slots_per_day,
        )

    def background_beds(self, day: int) -> int:
        """Background occupancy today: seasonal mean plus AR(1) noise from its own stream."""
        z = float(self.model.streams.normal("background.beds", day, np.zeros(1, np.int64))[0])
        self._bg_noise = self._bg_rho * self._bg_noise + math.sqrt(1 - self._bg_rho**2) * self._bg_sd * z
        share = self._bg_mean + seasonal_factor(day, self.model.params, self._bg_amplitude) - 1.0
        return round(self.beds * min(1.0, max(0.0, share + self._bg_noise)))

    def step(self) -> DayLog:
        day = self.model.day
        self.core.set_background_beds(self.background_beds(day))
        self.core.run_until(day + 1)
        return self.core.new_day_log()


class SocialCareAgent(mesa.Agent):
    """Community and social care capacity for discharges (P1-P3 starts per week)."""

    def __init__(self, model: IPCModel):
        super().__init__(model)
        p = model.params
        cohort_share = (1.0 - p["pathway.background_share"]) * model.scale
        self.slots_per_day = {
            Pathway.HOME: math.inf,
            Pathway.HOME_SUPPORT: p["pathway.p1_starts_per_week"] * cohort_share,
            Pathway.INTERMEDIATE: p["pathway.p2_starts_per_week"] * cohort_share,
            Pathway.CARE_HOME: p["pathway.p3_starts_per_week"] * cohort_share,
        }
        n = model.people.size
        self.p1_until = np.full(n, -1.0)  # day a home-care package ends
        self.p2_until = np.full(n, -1.0)  # day an intermediate-care stay ends
        self._p1_days = p["pathway.p1_package_weeks"]
        self._p2_days = p["pathway.p2_stay_days"]

    def step(self) -> None:
        """Release today's share of each pathway's weekly capacity to the hospital."""
        self.model.hospital.core.open_day_slots()

    def start_support(self, people: np.ndarray, pathways: np.ndarray, left: np.ndarray) -> None:
        p1 = pathways == Pathway.HOME_SUPPORT
        self.p1_until[people[p1]] = left[p1] + self._p1_days
        p2 = pathways == Pathway.INTERMEDIATE
        self.p2_until[people[p2]] = left[p2] + self._p2_days

    def active(self, day: int) -> tuple[int, int]:
        """Packages (P1) and intermediate-care stays (P2) running at the end of `day`."""
        end = day + 1
        alive = self.model.people.location != Location.DEAD
        return (
            int(np.count_nonzero((self.p1_until > end) & alive)),
            int(np.count_nonzero((self.p2_until > end) & alive)),
        )


class IPCModel(mesa.Model):
    """One replicate of one scenario."""

    def __init__(
        self,
        scenario: Scenario,
        replicate: int = 0,
        root_seed: int = 0,
        interventions: list[type[Intervention]] | None = None,
    ):
        super().__init__(seed=root_seed)
        self.scenario = scenario
        self.days = scenario.horizon_days
        self.day = 0
        self.params = scenario.params
        self.streams = Streams(root_seed, replicate)
        self.people: People = synthesise(scenario.population_size, self.params, self.streams)
        self.scale = capacity_scale(self.people.size, self.params)
        self.demography = Demography(self.people, self.params, self.streams)
        self.health = Health(self.people, self.params, self.streams)
        self.carers = Carers(self.people, self.params, self.streams)
        self.planner = AttendancePlanner(self.params, self.streams)
        self.social_care = SocialCareAgent(self)
        self.hospital = HospitalAgent(self)
        self.costs = Costs(self.params)
        self.rehab = PulmonaryRehab(self.people, self.params, self.streams)
        self._lever_start = scenario.levers.start_day
        self.interventions: list[Intervention] = build_levers(self) + [
            cls(self) for cls in interventions or []
        ]
        if any(type(i).discharge_pathway is not Intervention.discharge_pathway for i in self.interventions):
            self.hospital.core.on_fit = self._discharge_pathway
        self.recorder = Recorder(self.days)
        self.last_discharge = np.full(self.people.size, -np.inf)  # time of each person's last discharge
        self._episode_after_crisis = self.params["episode.after_crisis"]
        self._episode_after_discharge = self.params["episode.after_discharge"]
        self._recent_use_decay = math.log(2) / self.params["care_planning.recent_use_half_life_days"]

    @property
    def levers_started(self) -> bool:
        """Levers act (and cost) from the scenario's `interventions.start_day`."""
        return self.day >= self._lever_start

    def lever(self, name: str) -> Intervention | None:
        """The enabled lever called `name`, if any (levers consult each other through this)."""
        return next((i for i in self.interventions if i.name == name), None)

    @cached_property
    def peer_network(self) -> PeerNetwork:
        """Practice-based small-world ties, built on first use (levers that recruit through it)."""
        return build_peer_network(self.people, self.params, self.streams)

    # --- combining the levers' hooks ------------------------------------------------------
    def _answers(self, hook: str) -> list[np.ndarray]:
        """The levers' non-neutral answers to a per-person hook."""
        return [a for a in (getattr(i, hook)() for i in self.interventions) if a is not None]

    def _product(self, hook: str) -> np.ndarray | None:
        answers = self._answers(hook)
        return math.prod(answers[1:], start=answers[0]) if answers else None

    def _sum(self, hook: str) -> np.ndarray | None:
        answers = self._answers(hook)
        return sum(answers[1:], start=answers[0]) if answers else None

    def _managed_at_home(self, crises: np.ndarray) -> np.ndarray:
        """Which of today's crises are managed without A&E (by care-plan contingency): each
        lever's chance applies independently."""
        answers = self._answers("managed_at_home")
        if not answers or crises.size == 0:
            return np.zeros(crises.size, dtype=bool)
        kept = [1.0 - a for a in answers]
        kept = math.prod(kept[1:], start=kept[0])
        u = self.streams.uniform("crisis.managed_at_home", self.day, crises)
        return u < 1.0 - kept[crises]

    def _discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        for intervention in self.interventions:
            pathway = intervention.discharge_pathway(person, pathway, now)
        return pathway

    def recent_use(self, day: int, ids: np.ndarray | slice = slice(None)) -> np.ndarray:
        """A&E attendances, each decayed by its age (the 'recent use' in risk scores)."""
        p = self.people
        return p.recent_use[ids] * np.exp(-self._recent_use_decay * (day - p.recent_use_day[ids]))

    def _note_attendances(self, ids: np.ndarray, day: int) -> None:
        p = self.people
        p.recent_use[ids] = self.recent_use(day, ids) + 1.0
        p.recent_use_day[ids] = day
        p.ae_count[ids] += 1

    # --- the day ----------------------------------------------------------------------------
    def step(self) -> None:
        day, people = self.day, self.people
        died, frailer = self.demography.step()
        self.health.refresh(frailer)
        rehab_starts = self.rehab.step(day, self._product("rehab_uptake_multiplier"))

        multiplier = self.rehab.crisis_multiplier(day)
        levers = self._product("crisis_multiplier")
        crises = self.health.step(day, multiplier if levers is None else multiplier * levers)
        breakdowns = self.carers.step(self._sum("respite_hours"))
        crises = np.union1d(crises, breakdowns[people.location[breakdowns] != Location.DEAD])
        managed = self._managed_at_home(crises)
        self.health.start_episode(crises, self._episode_after_crisis)
        to_ae = crises[~managed & (people.location[crises] != Location.DEAD)]
        people.location[to_ae] = Location.HOSPITAL
        self._note_attendances(to_ae, day)
        self.hospital.core.admit_plan(self.planner.plan(people, to_ae, day))

        self.social_care.step()
        log = self.hospital.step()
        hospital_deaths, discharged = self._apply_hospital_day(log)

        for intervention in self.interventions:
            intervention.observe(day)
            if self.levers_started:
                intervention.step(day)

        self._record(
            day,
            {
                "crises": crises.size,
                "crises_managed_at_home": int(managed.sum()),
                "ae_attendances": to_ae.size,
                "deaths": died.size + hospital_deaths,
                "carer_breakdowns": breakdowns.size,
                "rehab_starts": rehab_starts.size,
            },
            log,
            discharged,
        )
        self.day += 1

    def _apply_hospital_day(self, log: DayLog) -> tuple[int, dict[str, Any]]:
        people = self.people
        admitted_today = np.asarray(log.admitted, dtype=np.int64)
        people.short_stay_count[np.asarray(log.short_stayers, dtype=np.int64)] += 1
        for intervention in self.interventions if self.levers_started else ():
            intervention.on_admission(admitted_today)
        # Readmissions: today's admissions within the window of the person's previous discharge
        # (crises are drawn before the hospital runs, so nobody discharged today is readmitted today).
        since = self.day - np.floor(self.last_discharge[admitted_today])
        readmissions = int(np.count_nonzero(since <= READMISSION_WINDOW_DAYS))
        went_back = np.asarray(log.ae_left, dtype=np.int64)
        people.location[went_back] = people.residence[went_back]
        done = log.finished
        person = np.array([d.person for d in done], dtype=np.int64)
        pathway = np.array([d.pathway for d in done], dtype=np.int8)
        died = np.array([d.died for d in done], dtype=bool)
        admitted = np.array([d.admitted for d in done])
        fit = np.array([d.fit for d in done])
        left = np.array([d.left for d in done])
        people.location[person[died]] = Location.DEAD
        alive = ~died
        placed = person[alive & (pathway == Pathway.CARE_HOME)]
        people.residence[placed] = Location.CARE_HOME
        people.location[person[alive]] = people.residence[person[alive]]
        self.health.start_episode(person[alive], self._episode_after_discharge)
        self.last_discharge[person[alive]] = left[alive]
        self.social_care.start_support(person[alive], pathway[alive], left[alive])
        stays = {
            "person": person,
            "pathway": pathway,
            "died": died,
            "admitted": admitted,
            "fit": fit,
            "left": left,
            "readmissions": readmissions,
        }
        return int(died.sum()), stays

    def _record(self, day: int, counts: dict[str, int], log: DayLog, stays: dict[str, Any]) -> None:
        core = self.hospital.core
        waits = core.cubicle_waits()
        where = np.bincount(self.people.location, minlength=len(Location))
        alive_discharges = ~stays["died"]
        delayed = np.floor(stays["left"]) > np.floor(stays["fit"])
        p1_active, p2_active = self.social_care.active(day)
        background = core.background_in_bed
        values = {
            **counts,
            "emergency_admissions": len(log.admitted),
            "short_stay_admissions": len(log.short_stayers),
            "discharges": int(alive_discharges.sum()),
            "length_of_stay_days": float((stays["left"] - stays["admitted"])[alive_discharges].sum()),
            "bed_days": core.in_bed,
            "dtoc_days": core.delayed,
            "readmissions_30d": stays["readmissions"],
            "delayed_discharges": int((delayed & alive_discharges).sum()),
            "care_home_admissions": int((alive_discharges & (stays["pathway"] == Pathway.CARE_HOME)).sum()),
            "ae_wait_hours": float(np.mean(waits)) * HOURS_PER_DAY if waits else 0.0,
            "ae_waiting_for_bed": core.waiting_for_bed,
            "alive": int(self.people.size - where[Location.DEAD]),
            "at_home": int(where[Location.HOME]),
            "in_hospital": int(where[Location.HOSPITAL]),
            "in_care_home": int(where[Location.CARE_HOME]),
            "hospital_bed_days": core.beds_in_use,
            "hospital_bed_occupancy": core.beds_in_use / core.bed_capacity,
            "hospital_dtoc_days": core.delayed + background * self.hospital.background_delayed_share,
        }
        values.update(
            self.costs.day(
                attendances=counts["ae_attendances"],
                admissions=len(log.admitted),
                stays_to_fit=stays["fit"] - stays["admitted"],
                delayed_patients=core.delayed,
                p1_active=p1_active,
                p2_active=p2_active,
                care_home_residents=int(where[Location.CARE_HOME]),
            )
        )
        for intervention in self.interventions if self.levers_started else ():
            for name, value in intervention.report().items():
                values[name] = values.get(name, 0.0) + value  # costs add up across payers' sources
        self.recorder.record(day, values)

    def run(self) -> None:
        """Run every day of the horizon."""
        for _ in range(self.days):
            self.step()

    def release(self) -> None:
        """Free the model for garbage collection (Mesa 3.3 keeps models in Agent._ids)."""
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)
