"""Personal health budgets: offer, uptake, set-up, budget, spending and what they displace.

A budget is offered to plan holders who meet the scenario's rules, up to the commissioned
number. Advocacy raises uptake for the people it serves and brokerage shortens set-up.
Spending buys carer respite (which lowers carer strain), personal assistants (holders go
home without waiting for a council package) and activity. A share of spending replaces
NHS-funded services and is set against `cost_nhs`, so cost by payer stays honest: PHBs were
cost-neutral overall in the national pilot (evidence.md 5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from sim.hospital import Pathway
from sim.intervention import Intervention
from sim.population import Location, has_plan
from sim.scenario import PHBSpec
from sim.units import DAYS_PER_YEAR, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from sim.model import IPCModel

NOT_OFFERED, SETTING_UP, DECLINED, ACTIVE, ENDED = 0, 1, 2, 3, 4
FRAILTY_CLASSES = ("fit", "mild", "moderate", "severe")


class PersonalHealthBudgets(Intervention):
    """The PHB lever."""

    name = "phb"

    def __init__(self, model: IPCModel, spec: PHBSpec):
        super().__init__(model)
        p = model.params
        self.spec = spec
        self.target = round(spec.target_budgets * model.scale)
        self._min_frailty = FRAILTY_CLASSES.index(spec.min_frailty)
        self._uptake = p["phb.uptake"]
        self._advocacy_rr = p["advocacy.uptake_rr"]
        self._setup_mean = p["phb.setup_days"]
        self._setup_shape = p["phb.setup_shape"]
        self._advocacy_setup = p["advocacy.setup_factor"]
        self._budget_mean = p.source_value("phb.budget_mean")  # GBP per year
        self._budget_sigma = np.sqrt(np.log1p(p["phb.budget_cv"] ** 2))
        self._respite_hours_per_gbp = p["phb.share_respite"] / p["phb.respite_hour_cost"] / WEEKS_PER_YEAR
        self._has_pa = p["phb.share_personal_assistant"] > 0
        self._bypass = p["phb.p1_bypass_share"]
        self._displaced = p["phb.displaced_nhs_share"]
        self._crisis_rr = p["phb.crisis_rr"]
        n = model.people.size
        self.status = np.zeros(n, dtype=np.int8)
        self._setup_end = np.full(n, np.inf)
        self.started_total = 0
        self._today: dict[str, float] = {}

    # --- hooks --------------------------------------------------------------------------------
    def active(self) -> np.ndarray:
        return self.status == ACTIVE

    def respite_hours(self) -> np.ndarray | None:
        if self._respite_hours_per_gbp == 0:
            return None
        people = self.model.people
        return np.where(
            self.active() & people.has_carer, people.phb_budget * self._respite_hours_per_gbp, 0.0
        )

    def crisis_multiplier(self) -> np.ndarray | None:
        return np.where(self.active(), self._crisis_rr, 1.0) if self._crisis_rr != 1.0 else None

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        """Holders with a personal assistant go home without waiting for a council package."""
        if pathway != Pathway.HOME_SUPPORT or not self._has_pa or self.status[person] != ACTIVE:
            return pathway
        u = self.model.streams.uniform("phb.p1_bypass", int(now), np.array([person]))[0]
        return Pathway.HOME if u < self._bypass else pathway

    # --- daily work -------------------------------------------------------------------------------
    def step(self, day: int) -> None:
        self._today = {"phb_offers": 0.0, "phbs_started": 0.0}
        self._end_budgets()
        self._start_budgets(day)
        self._offer(day)

    def _end_budgets(self) -> None:
        people = self.model.people
        ended = self.active() & ((people.location == Location.DEAD) | (people.residence != Location.HOME))
        self.status[ended] = ENDED
        people.phb_budget[ended] = 0.0

    def _start_budgets(self, day: int) -> None:
        ready = np.flatnonzero((self.status == SETTING_UP) & (self._setup_end <= day))
        people = self.model.people
        ready = ready[people.location[ready] != Location.DEAD]
        if ready.size == 0:
            return
        z = self.model.streams.normal("phb.budget", day, ready)
        mu = np.log(self._budget_mean) - self._budget_sigma**2 / 2
        people.phb_budget[ready] = np.exp(mu + self._budget_sigma * z)
        self.status[ready] = ACTIVE
        self.started_total += ready.size
        self._today["phbs_started"] = float(ready.size)

    def _offer(self, day: int) -> None:
        """Offer budgets to eligible plan holders, earliest plans first, until the budgets
        started or being set up reach the commissioned number."""
        model, people = self.model, self.model.people
        setting_up = (self.status == SETTING_UP) & (people.location != Location.DEAD)
        room = self.target - self.started_total - int(np.count_nonzero(setting_up))
        if room <= 0:
            return
        eligible = (
            (self.status == NOT_OFFERED)
            & has_plan(people)
            & (people.frailty >= self._min_frailty)
            & (people.n_conditions >= self.spec.min_conditions)
            & (people.residence == Location.HOME)
            & (people.location != Location.DEAD)
        )
        ids = np.flatnonzero(eligible)
        if ids.size > room:
            ids = ids[np.lexsort((ids, people.plan_day[ids]))[:room]]
        if ids.size == 0:
            return
        self._today["phb_offers"] = float(ids.size)
        advocacy = model.lever("advocacy")
        if advocacy is not None:
            advocacy.allocate(ids, day)
        advocated = people.advocate_until[ids] > day
        p_take = np.minimum(self._uptake * np.where(advocated, self._advocacy_rr, 1.0), 1.0)
        took = model.streams.uniform("phb.uptake", day, ids) < p_take
        self.status[ids[~took]] = DECLINED
        taking = ids[took]
        u = model.streams.uniform("phb.setup", day, taking)
        if self._setup_mean > 0:
            setup = stats.gamma.ppf(u, self._setup_shape, scale=self._setup_mean / self._setup_shape)
        else:
            setup = np.zeros(taking.size)  # budgets start at once
        setup *= np.where(advocated[took], self._advocacy_setup, 1.0)
        self._setup_end[taking] = day + setup
        self.status[taking] = SETTING_UP

    def report(self) -> dict[str, float]:
        spend = float(self.model.people.phb_budget.sum()) / DAYS_PER_YEAR
        return {
            **self._today,
            "phbs_active": float(np.count_nonzero(self.active())),
            "phbs_in_setup": float(
                np.count_nonzero((self.status == SETTING_UP) & (self.model.people.location != Location.DEAD))
            ),
            "cost_phb": spend,
            "cost_nhs": -self._displaced * spend,
        }
