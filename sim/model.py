"""The whole-system model: a `mesa.Model` whose `step()` is one day.

Every part of the model is a component with the same contract (`sim.component`): demography,
rehab, health, carers, crisis routing, the hospital, social care and the IPC levers. People are
rows of one declared table; the hospital, social care and the levers' staff and groups are
Mesa agents. `IPCModel.step` is the only place that says what happens in a day.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa

from sim.attendance import CrisisRouting
from sim.carers import Carers
from sim.catalogue import component_classes
from sim.component import Component, Phase, Today
from sim.demography import Demography
from sim.health import Health
from sim.lever import Lever
from sim.levers import lever_classes
from sim.metrics import Recorder
from sim.population import People, synthesise
from sim.rehab import PulmonaryRehab
from sim.rng import Streams
from sim.scenario import Scenario
from sim.schedule import Schedule
from sim.social_care import SocialCareAgent
from sim.trust import HospitalAgent

# What the synthetic cohort is drawn from (sim.population.synthesise).
POPULATION_READS = (
    "population.*",
    "frailty.share_*",
    "activation.share_*",
    "carers.hours_shape",
    "carers.hours_mean",
    "crisis.propensity_shape",
    "cohort.*",
)


class IPCModel(mesa.Model):
    """One replicate of one scenario."""

    def __init__(
        self,
        scenario: Scenario,
        replicate: int = 0,
        root_seed: int = 0,
        components: Sequence[type[Component]] = (),
    ):
        super().__init__(seed=root_seed)
        self.scenario = scenario
        self.days = scenario.horizon_days
        self.warm_up = scenario.warm_up_days
        self.day = -self.warm_up  # the warm-up runs days -warm_up .. -1 and is not recorded
        self.params = scenario.params
        self.streams = Streams(root_seed, replicate)
        spec = scenario.levers
        levers = [cls for cls in lever_classes() if getattr(spec, cls.name).enabled]
        every_class = (*component_classes(), *components)
        self.people: People = synthesise(
            scenario.population_size,
            self.params.view("population", POPULATION_READS),
            self.streams,
            columns=[column for cls in every_class for column in cls.columns],
            start_day=-self.warm_up,
            end_day=self.days,
        )
        self.demography = Demography(self)
        self.health = Health(self)
        self.carers = Carers(self)
        self.routing = CrisisRouting(self)
        self.social_care = SocialCareAgent(self)
        self.sites = scenario.resolved_sites
        self.hospital = HospitalAgent(self, self.sites)
        self.rehab = PulmonaryRehab(self)
        self.levers: list[Lever] = [cls(self, getattr(spec, cls.name)) for cls in levers]
        core = [self.demography, self.health, self.carers, self.routing, self.social_care, self.hospital]
        self.schedule = Schedule(
            [*core, self.rehab, *self.levers, *(cls(self) for cls in components)], clock=lambda: self.day
        )
        if self.schedule.implements("discharge_pathway"):
            for core in self.hospital.cores:
                core.on_fit = self.schedule.discharge_pathway
        self.recorder = Recorder(self.days)
        self.today = Today(self.day)  # the last day run

    def lever(self, name: str) -> Lever | None:
        """The enabled lever called `name`, if any (for inspection: levers never use this)."""
        return next((lever for lever in self.levers if lever.name == name), None)

    # --- the day ----------------------------------------------------------------------------
    def step(self) -> None:
        """One day, phase by phase; `sim.component.Phase` says what each phase may do."""
        today = Today(self.day)
        run = self.schedule.run
        run(Phase.DEMOGRAPHY, today)  # ageing, deaths, frailty
        run(Phase.REHAB, today)  # rehab starts (hook: rehab_uptake_multiplier)
        run(Phase.CRISES, today)  # crisis draw (hook: crisis_multiplier)
        run(Phase.CARERS, today)  # strain, breakdowns (hook: respite_hours)
        run(Phase.ROUTING, today)  # managed at home or A&E (hook: managed_at_home)
        run(Phase.HOSPITAL, today)  # SimPy to midnight (hook: discharge_pathway)
        run(Phase.ADMITTED, today)  # hook: admitted
        run(Phase.DISCHARGE_SUPPORT, today)  # packages and intermediate care start
        run(Phase.OBSERVE, today)  # hook: observe, from day 0
        run(Phase.SERVICES, today)  # the levers, from their start day
        self._record(today)  # RECORD: every started component's report
        self.today = today
        self.day += 1

    def _record(self, today: Today) -> None:
        if today.day < 0:  # the warm-up is run, not reported
            return
        values: dict[str, float] = {}
        for report in self.schedule.reports(today):
            for name, value in report.items():
                values[name] = values.get(name, 0.0) + value  # contributions add up (costs by payer)
        self.recorder.record(today.day, values)

    def run(self) -> None:
        """Run the warm-up, then every day of the horizon."""
        while self.day < self.days:
            self.step()

    def release(self) -> None:
        """Free the model for garbage collection (Mesa 3.3 keeps models in Agent._ids)."""
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)
