"""Personal health budgets: offer, uptake, set-up, budget, spending and what they displace.

A budget is offered to plan holders who meet the scenario's rules, up to the commissioned
number, which is a caseload to reach and hold: budgets in payment plus budgets being set up
(committed: they count, so the lever never offers more than the target) are topped back up to
it every day, so a budget that ends is replaced. The caseload *held* is the budgets in payment
(ACTIVE); a budget ends when its holder dies, leaves the cohort or moves into a care home, and
a budget being set up lapses for the same reasons.

Advocacy raises uptake for the people it serves and brokerage shortens set-up. Spending buys
carer respite (which lowers carer strain), personal assistants (holders go home without
waiting for a council package) and activity. A share of spending replaces NHS-funded services
and is set against `cost_nhs`, so cost by payer stays honest: PHBs were cost-neutral overall
in the national pilot [forder2012] (docs/references.md).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field
from scipy import stats

from sim.component import FLOW, STOCK, Column, Metric, Today
from sim.hospital import Pathway
from sim.lever import Lever, LeverSpec, Milestone
from sim.limits import MAX_CONDITIONS, MAX_TARGET
from sim.population import NEVER, Location
from sim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.model import IPCModel

FRAILTY_CLASSES = ("fit", "mild", "moderate", "severe")


class BudgetStatus(IntEnum):
    """Where a person stands with a personal health budget."""

    NOT_OFFERED = 0
    SETTING_UP = 1  # accepted; the budget starts at `budget_setup_end`
    DECLINED = 2
    ACTIVE = 3  # in payment: the caseload held
    ENDED = 4  # was in payment; the holder died, left the cohort or moved into a care home
    LAPSED = 5  # accepted, but died, left or moved into a care home before payment began


PARAMETERS: dict[str, dict[str, Any]] = {
    "phb.uptake": {
        "value": 0.45,
        "low": 0.2,
        "high": 0.8,
        "unit": "probability",
        "source": (
            "[assumption] no local uptake figure found (national PHBs rose from ~4,700 to 54,000 [nhse-phb]; "
            "nearly 16,000 in 2017 [sanderson2017])"
        ),
        "note": "Chance an eligible plan holder offered a budget takes it",
    },
    "phb.setup_days": {
        "value": 49,
        "low": 42,
        "high": 84,
        "unit": "days",
        "source": (
            "HSJ on the PHB pilot [hsj-phbpilot]: adding a supplier 'can take up to six to eight weeks' "
            "(anecdote only)"
        ),
        "note": "Mean time from accepting a budget to the first payment (gamma, shape below)",
    },
    "phb.setup_shape": {
        "value": 4,
        "low": 2,
        "high": 10,
        "unit": "count",
        "positive": True,
        "source": "[assumption]",
        "note": "Gamma shape of set-up times",
    },
    "phb.budget_mean": {
        "original": 3000,
        "price_year": "unknown",
        "low": 1000,
        "high": 10000,
        "unit": "GBP per year",
        "positive": True,
        "source": "[assumption] mean non-CHC PHB size not published (not found in public sources)",
        "note": "Mean annual budget (lognormal across holders)",
    },
    "phb.budget_cv": {
        "value": 0.6,
        "low": 0.3,
        "high": 1.0,
        "unit": "multiplier",
        "source": "[assumption]",
        "note": "Coefficient of variation of budget sizes",
    },
    "phb.share_respite": {
        "value": 0.35,
        "low": 0.0,
        "high": 0.6,
        "unit": "share",
        "source": "[assumption] Forder 2012 [forder2012] — PHBs spent on flexible support incl. carers",
        "note": "Share of the budget spent on carer respite (holders with a carer)",
    },
    "phb.share_personal_assistant": {
        "value": 0.4,
        "low": 0.0,
        "high": 0.7,
        "unit": "share",
        "source": "[assumption]",
        "note": (
            "Share spent on personal assistants; holders with one go home without waiting for a council "
            "package"
        ),
    },
    "phb.share_activity": {
        "value": 0.25,
        "low": 0.0,
        "high": 0.5,
        "unit": "share",
        "source": "[assumption]",
        "note": "Share spent on activity, exercise and other support; the three shares sum to 1",
    },
    "phb.respite_hour_cost": {
        "original": 16.12,
        "price_year": "2018/19",
        "low": 13.77,
        "high": 18.93,
        "unit": "GBP per hour",
        "positive": True,
        "source": "UKHCA 2018 [ukhca2018]: GBP 16.12 an hour (home care price as the respite price)",
        "note": "Turns respite spending into hours of relief for the carer",
    },
    "phb.p1_bypass_share": {
        "value": 0.8,
        "low": 0.0,
        "high": 1.0,
        "unit": "share",
        "source": "[assumption] pre-arranged support lets holders go home sooner (issue 3; no figure found)",
        "note": "Share of a holder-with-PA's P1 discharges that need no council package (go home on P0)",
    },
    "phb.displaced_nhs_share": {
        "value": 0.3,
        "low": 0.0,
        "high": 1.2,
        "unit": "multiplier",
        "source": (
            "a prior, not an estimate. Forder 2012 [forder2012]: PHBs cost-neutral overall, 'lower indirect "
            "costs ... higher direct costs'; CHC PHBs cost 17% below the packages they replace (HFMA 2019 "
            "[hfma2019]), so up to 1 / 0.83 = 1.2 [derived]; 0 if the budget buys only new support; briefing "
            "8 [stockton2017]: funds released from the respiratory contract"
        ),
        "note": (
            "GBP of NHS-funded services each GBP of PHB spend replaces, set against cost_nhs (a ratio: 1 "
            "is cost-neutral to the NHS with the budget, above 1 budgets save). Default 0.3, below the "
            "pilot's overall neutrality, because the model makes the indirect savings (respite, quicker "
            "discharge) itself; it drives most of the budgets' NHS 'saving', so read that saving as assumed"
        ),
    },
    "phb.crisis_rr": {
        "value": 1.0,
        "low": 0.9,
        "high": 1.05,
        "unit": "hazard ratio",
        "source": (
            "Forder 2012 [forder2012] (controlled pilot): no effect on EQ-5D, HbA1c, FEV1 or mortality, "
            "care-related QoL up, lower indirect (inpatient) costs; the lever prior [lever-priors]: "
            "cost-neutral with inpatient cost shifting to the budget. Default: no effect; no adverse "
            "controlled estimate exists, the range allows a little"
        ),
        "note": (
            "Direct effect of holding a budget on the crisis hazard (none by default; respite and discharge "
            "act separately)"
        ),
    },
}


class PHBSpec(LeverSpec):
    """Personal health budgets, offered to plan holders who meet the rules (`interventions.phb`)."""

    headcounts = ("target_budgets",)
    whole = ("target_budgets",)
    target_budgets: int = Field(default=400, ge=0, le=MAX_TARGET)  # commissioned budgets
    min_frailty: Literal["fit", "mild", "moderate", "severe"] = "fit"
    min_conditions: int = Field(default=1, ge=0, le=MAX_CONDITIONS)


class PersonalHealthBudgets(Lever):
    """The PHB lever."""

    name = "phb"
    order = 30
    Spec = PHBSpec
    parameter_entries = PARAMETERS
    share_groups = {
        "PHB spending": ("phb.share_respite", "phb.share_personal_assistant", "phb.share_activity")
    }
    requires = {"care_planning": "a care plan is the gateway to a budget"}
    milestone = Milestone(
        "days_to_budget_target",
        "target_budgets",
        "phbs_started",
        "personal health budgets",
        "phbs_active",
        "phbs_ended",
    )
    reads = ("phb.*",)
    columns = (
        Column(
            "budget_status", np.int8, BudgetStatus.NOT_OFFERED, "personal health budget status", BudgetStatus
        ),
        Column("budget_setup_end", np.float64, NEVER, "day an accepted budget starts"),
        Column("phb_budget", np.float64, 0.0, "budget in payment, GBP a day (0 if none)"),
    )
    metrics = (
        Metric("phb_offers", FLOW, "personal health budgets offered"),
        Metric("phbs_started", FLOW, "personal health budgets that began payment"),
        Metric(
            "phbs_ended",
            FLOW,
            "budgets in payment that ended (the holder died, left or went into a care home)",
        ),
        Metric("phbs_in_setup", STOCK, "budgets accepted and being set up (committed to the target)"),
        Metric("phbs_active", STOCK, "personal health budgets in payment: the caseload held"),
    )

    def __init__(self, model: IPCModel, spec: PHBSpec):
        super().__init__(model, spec)
        p = self.params
        self.target = round(spec.headcount("target_budgets", model.scenario.population_size))
        self._min_frailty = FRAILTY_CLASSES.index(spec.min_frailty)
        self._uptake = p["phb.uptake"]
        self._setup_mean = p["phb.setup_days"]
        self._setup_shape = p["phb.setup_shape"]
        self._budget_mean = p["phb.budget_mean"]  # GBP a day (the registry converts from a year)
        self._budget_sigma = np.sqrt(np.log1p(p["phb.budget_cv"] ** 2))
        # weekly respite hours bought by each GBP a day of budget
        self._respite_hours_per_gbp = p["phb.share_respite"] / p["phb.respite_hour_cost"] * DAYS_PER_WEEK
        self._has_pa = p["phb.share_personal_assistant"] > 0
        self._bypass = p["phb.p1_bypass_share"]
        self._displaced = p["phb.displaced_nhs_share"]
        self._crisis_rr = p["phb.crisis_rr"]
        self.status = self.people.budget_status
        self._setup_end = self.people.budget_setup_end
        self.started_total = 0  # budgets that began payment since day 0
        self.ended_total = 0  # of which ended
        self._today: dict[str, float] = {}

    # --- hooks --------------------------------------------------------------------------------
    def active(self) -> np.ndarray:
        return self.status == BudgetStatus.ACTIVE

    def reached(self) -> np.ndarray:
        """Budget holders in payment: respite, crisis effect and the P1 bypass are theirs."""
        return self.active()

    def respite_hours(self) -> np.ndarray | None:
        if self._respite_hours_per_gbp == 0:
            return None
        people = self.people
        return np.where(
            self.active() & people.has_carer, people.phb_budget * self._respite_hours_per_gbp, 0.0
        )

    def crisis_multiplier(self) -> np.ndarray | None:
        return np.where(self.active(), self._crisis_rr, 1.0) if self._crisis_rr != 1.0 else None

    def discharge_pathway(self, person: int, pathway: int, now: float) -> int:
        """Holders with a personal assistant go home without waiting for a council package."""
        if pathway != Pathway.HOME_SUPPORT or not self._has_pa or self.status[person] != BudgetStatus.ACTIVE:
            return pathway
        u = self.streams.uniform("phb.p1_bypass", int(now), np.array([person]))[0]
        return Pathway.HOME if u < self._bypass else pathway

    # --- daily work -------------------------------------------------------------------------------
    def step(self, today: Today) -> None:
        day = today.day
        self._today = {"phb_offers": 0.0, "phbs_started": 0.0, "phbs_ended": 0.0}
        self._end_budgets()
        self._start_budgets(day)
        self._offer(day)

    def setting_up(self) -> np.ndarray:
        return self.status == BudgetStatus.SETTING_UP

    def _end_budgets(self) -> None:
        """Budgets end, and set-ups lapse, for people who died, left the cohort or moved into a
        care home since yesterday's work."""
        people = self.people
        gone = ~people.alive | (people.residence != Location.HOME)
        ended = self.active() & gone
        self.status[ended] = BudgetStatus.ENDED
        people.phb_budget[ended] = 0.0
        self.status[self.setting_up() & gone] = BudgetStatus.LAPSED
        n_ended = int(np.count_nonzero(ended))
        self.ended_total += n_ended
        self._today["phbs_ended"] = float(n_ended)

    def _start_budgets(self, day: int) -> None:
        ready = np.flatnonzero(self.setting_up() & (self._setup_end <= day))  # alive and at home
        people = self.people
        if ready.size == 0:
            return
        z = self.streams.normal("phb.budget", day, ready)
        mu = np.log(self._budget_mean) - self._budget_sigma**2 / 2
        people.phb_budget[ready] = np.exp(mu + self._budget_sigma * z)
        self.status[ready] = BudgetStatus.ACTIVE
        self.started_total += ready.size
        self._today["phbs_started"] = float(ready.size)

    def _offer(self, day: int) -> None:
        """Offer budgets to eligible plan holders, earliest plans first, while the budgets in
        payment and those being set up are short of the commissioned number."""
        schedule, people = self.model.schedule, self.people
        room = self.target - int(np.count_nonzero(self.active())) - int(np.count_nonzero(self.setting_up()))
        if room <= 0:
            return
        eligible = (
            (self.status == BudgetStatus.NOT_OFFERED)
            & (people.plan_day != NEVER)  # holds a care plan (care planning's column)
            & (people.frailty >= self._min_frailty)
            & (people.n_conditions >= self.spec.min_conditions)
            & (people.residence == Location.HOME)
            & people.alive
        )
        ids = np.flatnonzero(eligible)
        if ids.size > room:
            ids = ids[np.lexsort((ids, people.plan_day[ids]))[:room]]
        if ids.size == 0:
            return
        self._today["phb_offers"] = float(ids.size)
        schedule.tell("offered", ids, day)
        p_take = np.full(ids.size, self._uptake)
        multiplier = schedule.product("offer_uptake_multiplier", ids, day)
        if multiplier is not None:
            p_take = p_take * multiplier
        took = self.streams.uniform("phb.uptake", day, ids) < np.minimum(p_take, 1.0)
        self.status[ids[~took]] = BudgetStatus.DECLINED
        taking = ids[took]
        u = self.streams.uniform("phb.setup", day, taking)
        if self._setup_mean > 0:
            setup = stats.gamma.ppf(u, self._setup_shape, scale=self._setup_mean / self._setup_shape)
        else:
            setup = np.zeros(taking.size)  # budgets start at once
        shorter = schedule.product("setup_time_multiplier", taking, day)
        if shorter is not None:
            setup = setup * shorter
        self._setup_end[taking] = day + setup
        self.status[taking] = BudgetStatus.SETTING_UP

    def report(self, today: Today) -> dict[str, float]:
        spend = float(self.people.phb_budget.sum())
        return {
            **self._today,
            "phbs_active": float(np.count_nonzero(self.active())),
            "phbs_in_setup": float(np.count_nonzero(self.setting_up())),
            "cost_phb": spend,
            "cost_nhs": -self._displaced * spend,
        }
