"""Personalised care and support planning by GP care co-ordinators.

Practices identify people by a targeting rule at weekly MDT meetings; those who accept wait
in their co-ordinator's queue; co-ordinators (Mesa agents) spend limited hours on reviews
first, then new plans. A completed plan may raise activation, adds crisis contingency (a
share of crises managed without A&E) and raises pulmonary-rehab uptake for COPD.

The commissioned number (`target_plans`) is a caseload to reach and hold. A plan is *live*
while its holder is alive, in the cohort and living at home (a hospital stay does not end
it); it ends when the holder dies, leaves the cohort or moves into a care home, whose own
care planning takes over. Ended plans are not reviewed, and each week's referrals top the
live plans plus the referrals in hand (accepted, not yet written) back up to the target.

The lever also measures its caseload the way the site did: A&E attendances and one-day
admissions in the quarter before each plan against the quarter after. That before/after
figure includes regression to the mean and is reported beside, never instead of, the
paired causal effect against the baseline (docs/references.md).
"""

from __future__ import annotations

import math
from collections import deque
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal

import mesa
import numpy as np
from pydantic import Field

from sim.component import FLOW, STOCK, Column, Metric, Today
from sim.lever import Lever, LeverSpec, Milestone, Staffing, assign_to_agents
from sim.limits import MAX_STAFF, MAX_TARGET
from sim.population import NEVER, Location

if TYPE_CHECKING:
    from sim.model import IPCModel

IDENTIFY_EVERY_DAYS = 7  # practices refer at weekly MDT meetings
CASELOAD_WINDOW_DAYS = 91  # the 100 Day Challenge compared quarters before and after


class PlanStatus(IntEnum):
    """Where a person stands with care planning."""

    NONE = 0  # not offered
    REFERRED = 1  # accepted, waiting for or with a co-ordinator
    DECLINED = 2
    PLANNED = 3  # holds a live plan (alive, in the cohort, living at home)
    ENDED = 4  # held a plan; died, left the cohort or moved into a care home
    LAPSED = 5  # accepted, but died, left or moved into a care home before the plan was written


PARAMETERS: dict[str, dict[str, Any]] = {
    "care_planning.hours_per_week": {
        "value": 30,
        "low": 15,
        "high": 37.5,
        "unit": "hours per week",
        "source": "[assumption] co-ordinator hours are not published (not found in public sources)",
        "note": "Hours a GP care co-ordinator spends on plans and reviews each week",
    },
    "care_planning.hours_per_plan": {
        "value": 6,
        "low": 3,
        "high": 10,
        "unit": "staff hours",
        "source": (
            "[assumption] hours per plan not published (not found in public sources); checked against ~300 "
            "plans in 100 days (briefing 10.6 [stockton2017])"
        ),
        "note": "Co-ordinator time to complete one personalised care and support plan",
    },
    "care_planning.review_hours": {
        "value": 1.5,
        "low": 0.5,
        "high": 3,
        "unit": "staff hours",
        "source": "[assumption]",
        "note": "Co-ordinator time for one plan review",
    },
    "care_planning.review_weeks": {
        "value": 26,
        "low": 12,
        "high": 52,
        "unit": "weeks",
        "source": "[assumption] plans reviewed about twice a year",
        "note": "Interval between reviews of a plan",
    },
    "care_planning.referrals_per_coordinator_week": {
        "value": 6,
        "low": 2,
        "high": 15,
        "unit": "per week",
        "source": (
            "[assumption] identification rate of practices and MDTs (briefing 10.6 [stockton2017]: over 40 "
            "MDT meetings in 100 days)"
        ),
        "note": "People each co-ordinator's practices identify and refer per week",
    },
    "care_planning.acceptance": {
        "value": 0.8,
        "low": 0.6,
        "high": 0.95,
        "unit": "probability",
        "source": "[assumption] no acceptance figure in our sources",
        "note": "Chance a referred person takes up care planning",
    },
    "care_planning.activation_gain": {
        "value": 0.2,
        "low": 0.0,
        "high": 0.5,
        "unit": "probability",
        "source": (
            "[assumption] no controlled estimate of plans raising activation in the controlled studies; PAM "
            "links are cross-sectional [barker2018]. A probability cannot be adverse: co-ordination's harm is"
            " crisis_rr's"
        ),
        "note": "Chance a completed plan raises the person's PAM level by one (levels 1-3)",
    },
    "care_planning.contingency_medium_weight": {
        "value": 0.3,
        "low": 0.0,
        "high": 0.6,
        "unit": "multiplier",
        "source": (
            "[assumption] controlled studies find A&E falls without admission falls (Exley 2019 [exley2019]: "
            "A&E RR 0.944, no fall in admissions): contingency mostly averts attendances that would not be "
            "admitted"
        ),
        "note": "Contingency's reach for a medium-acuity crisis, relative to a low one (high-acuity: none)",
    },
    "care_planning.contingency_share": {
        "value": 0.12,
        "low": 0.0,
        "high": 0.30,
        "unit": "share",
        "source": (
            "Exley 2019 [exley2019]: A&E RR 0.944 (0.913-0.976) with no fall in admissions; the lever prior "
            "on A&E [lever-priors] -15% to +10%. Range: none (a share cannot be adverse: Lloyd's [lloyd2018] "
            "rise in A&E is crisis_rr's) to the prior's best, 15% of crises (0.30 x the 0.52 reach). Default "
            "[derived]: with crisis_rr 1.03 the net effect on plan holders is A&E -1.7%, admissions -0.9% "
            "(care_planning_only at 4,000 people, 4 replicates, tests/lever_effects.py; set on the closed "
            "cohort, re-set on the open one), the prior's centres -2.5% and 0% (pooling Exley and Lloyd by "
            "inverse variance gives -3.9%)"
        ),
        "note": (
            "Share of a plan holder's low-acuity crises managed at home through the plan's contingency "
            "arrangements (about 6% of all their crises with the acuity mix and the medium weight)"
        ),
    },
    "care_planning.crisis_rr": {
        "value": 1.03,
        "low": 0.90,
        "high": 2.0,
        "unit": "hazard ratio",
        "source": (
            "Controlled studies of care co-ordination: emergency admissions Evercare +16.5% (-5.7% to +38.7%;"
            " Gravelle 2007 [gravelle2007]), ICP +9% (Roland 2012 [roland2012]), community-initiated +0.05 "
            "(-0.04 to 0.15; Huntley 2013 [huntley2013]), +0.05 per head (Steventon 2013 [steventon2013]), "
            "SMD -0.09 (-0.27 to 0.10; Stokes 2015 [stokes2015]); A&E +33% (16% to 54%; Lloyd 2018 "
            "[lloyd2018]). Range: the best of the lever prior [lever-priors], -10%, to a ratio at which plan "
            "holders' A&E and admissions rise by Lloyd's +33% net of the plan's other channels (at 2.0 with "
            "no contingency: +32% and +34%, measured on the open cohort, 4 replicates), so every adverse "
            "point estimate is inside. Default [derived]: 1.03 offsets the plan's other channels "
            "(contingency, activation, rehab) so that plan holders' net effects sit near the lever prior's "
            "centre [lever-priors], admissions 0% and A&E -2.5% (measured -0.9% and -1.7%); the meta-analyses"
            " straddle it"
        ),
        "note": (
            "Direct effect of co-ordination on a live plan holder's crisis hazard (A&E and admissions): "
            "unmet need found and acted on above 1 (Lloyd, Evercare), conditions better managed below 1, for "
            "as long as the plan is live. Crises and discharges start acute episodes, so the model's "
            "feedback amplifies it a little (1.05 adds about 6% to plan holders' admissions, measured)"
        ),
    },
    "care_planning.rehab_uptake_rr": {
        "value": 1.5,
        "low": 1.0,
        "high": 1.8,
        "unit": "hazard ratio",
        "source": (
            "Stockton IPC blog [stockton-blog]: '50% increase in the number of people who have attended "
            "pulmonary rehab' (a before/after claim; no controlled estimate found)"
        ),
        "note": "Multiplier on the pulmonary-rehab start rate for plan holders with COPD",
    },
    "care_planning.risk_recent_use_weight": {
        "value": 1.0,
        "low": 0.0,
        "high": 2.0,
        "unit": "multiplier",
        "source": (
            "[assumption] risk tools weigh recent admissions heavily (Leeds West top 2% on eFI "
            "[improvementacademy])"
        ),
        "note": (
            "Weight of recent hospital use (log scale) in the highest_risk score, beside conditions and "
            "frailty"
        ),
    },
    "care_planning.recent_use_half_life_days": {
        "value": 180,
        "low": 60,
        "high": 365,
        "unit": "days",
        "positive": True,
        "source": "[assumption]",
        "note": "How fast an attendance or admission stops counting as 'recent use' in the risk score",
    },
    "care_planning.post_discharge_window_days": {
        "value": 30,
        "low": 7,
        "high": 90,
        "unit": "days",
        "source": "[assumption] NHS 30-day readmission window",
        "note": "post_discharge targeting offers plans to people discharged within this many days",
    },
    "peer_support.referral_share": {
        "value": 0.35,
        "low": 0.1,
        "high": 0.6,
        "unit": "probability",
        "source": (
            "briefing 10.6 [stockton2017]: over 100 referrals to community groups alongside ~300 plans in 100"
            " days"
        ),
        "note": "Chance a newly completed plan refers the person to a community group",
    },
    "costs.coordinator_hour": {
        "original": 40,
        "low": 40,
        "high": 55,
        "price_year": "2013/14",
        "unit": "GBP per hour",
        "source": (
            "New Economy UCD [neweconomy-ucd]: social worker GBP 40/hour; GBP 55 per hour of client-related "
            "work (proxy), 2013-14 prices"
        ),
        "note": "Cost of an hour of GP care co-ordinator time",
    },
}


class CarePlanningSpec(LeverSpec):
    """Personalised care and support planning by GP care co-ordinators
    (`interventions.care_planning`)."""

    headcounts = ("coordinators", "target_plans")
    whole = ("target_plans",)
    coordinators: float = Field(default=0, ge=0, le=MAX_STAFF)  # whole-time equivalents
    targeting: Literal["highest_risk", "post_discharge", "random"] = "highest_risk"
    target_plans: int = Field(default=2000, ge=0, le=MAX_TARGET)  # commissioned plans


DAILY_COUNTS = (
    "plans_completed",
    "plans_ended",
    "care_plan_referrals",
    "community_group_referrals",
    "caseload_people",
    "caseload_ae_before",
    "caseload_ae_after",
    "caseload_short_before",
    "caseload_short_after",
)


TASK_STATUS = {"plan": PlanStatus.REFERRED, "review": PlanStatus.PLANNED}  # whom each task is for


class Coordinator(mesa.Agent):
    """A GP care co-ordinator: a queue of referred people and limited hours each day."""

    def __init__(self, model: IPCModel, lever: CarePlanning, hours_per_day: float):
        super().__init__(model)
        self.lever = lever
        self.hours_per_day = hours_per_day
        self.queue: deque[int] = deque()
        self.reviews: deque[tuple[float, int]] = deque()  # (due day, person), due order
        self.task: tuple[str, int] | None = None  # ("plan" | "review", person)
        self.task_hours_left = 0.0

    def _next_task(self, day: int) -> bool:
        """Reviews of live plans that are due, then referrals still in hand (ended plans and
        lapsed referrals are dropped)."""
        status = self.lever.status
        while self.reviews and self.reviews[0][0] <= day:
            _, person = self.reviews.popleft()
            if status[person] == PlanStatus.PLANNED:
                self.task, self.task_hours_left = ("review", person), self.lever.review_hours
                return True
        while self.queue:
            person = self.queue.popleft()
            if status[person] == PlanStatus.REFERRED:
                self.task, self.task_hours_left = ("plan", person), self.lever.plan_hours
                return True
        return False

    def step(self) -> None:
        """Spend today's hours: reviews that are due first, then plans in referral order."""
        day = self.model.day
        hours = self.hours_per_day
        while hours > 0:
            if self.task is None and not self._next_task(day):
                break
            spent = min(hours, self.task_hours_left)
            hours -= spent
            self.task_hours_left -= spent
            if self.task_hours_left <= 1e-9:
                kind, person = self.task
                self.task = None
                if self.lever.status[person] != TASK_STATUS[kind]:
                    continue  # the plan ended, or the referral lapsed, while the work was under way
                if kind == "plan":
                    self.lever.finished.append(person)
                else:
                    self.lever.reviews_done += 1
                # the next review is due no sooner than tomorrow, whatever the interval
                self.reviews.append((day + max(self.lever.review_days, 1.0), person))


class CarePlanning(Lever):
    """The care-planning lever: identification, acceptance, co-ordinators' work, effects."""

    name = "care_planning"
    order = 20
    Spec = CarePlanningSpec
    parameter_entries = PARAMETERS
    milestone = Milestone(
        "days_to_plan_target", "target_plans", "plans_completed", "care plans", "plans_active", "plans_ended"
    )
    reads = (
        "care_planning.*",
        "crisis.frailty_hr_*",
        "crisis.condition_rr",
        "peer_support.referral_share",
        "costs.coordinator_hour",
    )
    columns = (
        Column("plan_status", np.int8, PlanStatus.NONE, "care-planning status", PlanStatus),
        Column("plan_day", np.float64, NEVER, "day the person's care plan was completed"),
        Column("recent_use", np.float64, 0.0, "A&E attendances, each decayed by its age (risk scores)"),
        Column("recent_use_day", np.float64, NEVER, "day `recent_use` was last brought up to date"),
    )
    metrics = (
        Metric("care_plan_referrals", FLOW, "people identified and offered care planning"),
        Metric("care_plan_queue", STOCK, "people who accepted and wait for a co-ordinator"),
        Metric("plans_completed", FLOW, "personalised care and support plans completed (plans started)"),
        Metric("plans_ended", FLOW, "live plans that ended: the holder died, left or moved into a care home"),
        Metric("plans_active", STOCK, "live care plans: holders alive, in the cohort and living at home"),
        Metric("plan_reviews", FLOW, "care plan reviews done"),
        Metric("community_group_referrals", FLOW, "new plans that referred the person to a community group"),
        Metric("caseload_people", FLOW, "planned people whose after-quarter closed today (site measure)"),
        Metric("caseload_ae_before", FLOW, "their A&E attendances in the quarter before the plan"),
        Metric("caseload_ae_after", FLOW, "their A&E attendances in the quarter after the plan"),
        Metric("caseload_short_before", FLOW, "their zero/one-day admissions in the quarter before"),
        Metric("caseload_short_after", FLOW, "their zero/one-day admissions in the quarter after"),
    )

    def __init__(self, model: IPCModel, spec: CarePlanningSpec):
        super().__init__(model, spec)
        p = self.params
        people = model.scenario.population_size
        self.staff = Staffing.of(spec.headcount("coordinators", people), p["care_planning.hours_per_week"])
        self.target = round(spec.headcount("target_plans", people))
        self.plan_hours = p["care_planning.hours_per_plan"]
        self.review_hours = p["care_planning.review_hours"]
        self.review_days = p["care_planning.review_weeks"]
        self._referral_rate = p["care_planning.referrals_per_coordinator_week"] * self.staff.fte
        self._referral_carry = 0.0
        self._acceptance = p["care_planning.acceptance"]
        self._recent_use_decay = math.log(2) / p["care_planning.recent_use_half_life_days"]
        self._activation_gain = p["care_planning.activation_gain"]
        self._contingency = p["care_planning.contingency_share"]
        self._by_acuity = np.array([1.0, p["care_planning.contingency_medium_weight"], 0.0])
        self._rehab_rr = p["care_planning.rehab_uptake_rr"]
        self._crisis_rr = p["care_planning.crisis_rr"]
        self._peer_referral = p["peer_support.referral_share"]
        self._window = p["care_planning.post_discharge_window_days"]
        self._risk_weights = (
            np.log(np.array([1.0] + [p[f"crisis.frailty_hr_{c}"] for c in ("mild", "moderate", "severe")])),
            math.log(p["crisis.condition_rr"]),
            p["care_planning.risk_recent_use_weight"],
        )
        self._hour_cost = p["costs.coordinator_hour"]
        self.coordinators = [
            Coordinator(model, self, self.staff.paid_hours_per_day / self.staff.agents)
            for _ in range(self.staff.agents)
        ]
        people = model.people
        self.status = people.plan_status
        self._owner = assign_to_agents(people.practice, people.n_practices, self.staff.agents)
        self.completed_total = 0  # plans started since day 0
        self.ended_total = 0  # of which ended
        self.finished: list[int] = []  # plans the co-ordinators finished today
        self.reviews_done = 0
        self._today: dict[str, float] = {}
        # Caseload before/after, measured like the site: weekly snapshots of use counts.
        self._snapshots: deque[tuple[np.ndarray, np.ndarray]] = deque(
            maxlen=CASELOAD_WINDOW_DAYS // IDENTIFY_EVERY_DAYS + 1
        )
        self._open_windows: deque[tuple[int, int, int, int, int, int]] = deque()

    @property
    def fte(self) -> float:
        """Whole-time equivalents for this population."""
        return self.staff.fte

    # --- hooks ------------------------------------------------------------------------------
    def planned(self) -> np.ndarray:
        return self.status == PlanStatus.PLANNED

    def reached(self) -> np.ndarray:
        """Plan holders: contingency and rehab uptake act only for them."""
        return self.planned()

    def managed_at_home(self, crises: np.ndarray, acuity: np.ndarray) -> np.ndarray | None:
        """A plan's contingency arrangements handle crises that need no hospital: the share for
        a low-acuity crisis, less for a medium one, none for a high one."""
        if self._contingency <= 0:
            return None
        return np.where(self.planned()[crises], self._contingency * self._by_acuity[acuity], 0.0)

    def crisis_multiplier(self) -> np.ndarray | None:
        """Co-ordination's direct effect on live plan holders' crises, either way: unmet need
        found and acted on (above 1) or conditions better managed (below 1)."""
        return np.where(self.planned(), self._crisis_rr, 1.0) if self._crisis_rr != 1.0 else None

    def rehab_uptake_multiplier(self) -> np.ndarray | None:
        return np.where(self.planned(), self._rehab_rr, 1.0) if self._rehab_rr != 1.0 else None

    # --- daily work ---------------------------------------------------------------------------
    def step(self, today: Today) -> None:
        day = today.day
        self._today = dict.fromkeys(DAILY_COUNTS, 0.0)
        reviews_before = self.reviews_done
        self._end_plans()
        if day % IDENTIFY_EVERY_DAYS == 0 and self.coordinators:
            self._identify(day)
        for coordinator in self.coordinators:
            coordinator.step()
        self._complete_plans(np.asarray(self.finished, dtype=np.int64), day)
        self.finished.clear()
        self._close_windows(day)
        self._today["plan_reviews"] = float(self.reviews_done - reviews_before)

    def observe(self, today: Today) -> None:
        """From day 0: each attendance adds to the attender's recent use (for the risk score),
        and weekly snapshots of everyone's use give the site-style before window."""
        people = self.people
        ids = today.attenders
        people.recent_use[ids] = self.recent_use(today.day, ids) + 1.0
        people.recent_use_day[ids] = today.day
        if today.day % IDENTIFY_EVERY_DAYS == 0:
            self._snapshots.append((people.ae_count.copy(), people.short_stay_count.copy()))

    def recent_use(self, day: int, ids: np.ndarray | slice = slice(None)) -> np.ndarray:
        """A&E attendances, each decayed by its age (the 'recent use' in risk scores)."""
        p = self.people
        return p.recent_use[ids] * np.exp(-self._recent_use_decay * (day - p.recent_use_day[ids]))

    def _end_plans(self) -> None:
        """Plans end, and referrals in hand lapse, for people who died, left the cohort or moved
        into a care home since yesterday's work."""
        people = self.people
        gone = ~people.alive | (people.residence != Location.HOME)
        ended = (self.status == PlanStatus.PLANNED) & gone
        self.status[ended] = PlanStatus.ENDED
        self.status[(self.status == PlanStatus.REFERRED) & gone] = PlanStatus.LAPSED
        n_ended = int(np.count_nonzero(ended))
        self.ended_total += n_ended
        self._today["plans_ended"] = float(n_ended)

    def live(self) -> int:
        """Live plans: the caseload the commissioned number counts (after today's ends)."""
        return int(np.count_nonzero(self.status == PlanStatus.PLANNED))

    def in_hand(self) -> int:
        """Referrals accepted and not yet written up (waiting or with a co-ordinator)."""
        return int(np.count_nonzero(self.status == PlanStatus.REFERRED))

    def _eligible(self) -> np.ndarray:
        people = self.people
        return (self.status == PlanStatus.NONE) & (people.residence == Location.HOME) & people.alive

    def _score(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Higher = offered first. The tiny hashed term breaks ties without favouring low ids."""
        people = self.people
        tie = self.streams.uniform("care_planning.tiebreak", day, ids)
        rule = self.spec.targeting
        if rule == "random":
            return tie
        if rule == "post_discharge":
            return -(day - people.last_discharge[ids]) + 1e-3 * tie
        frailty, condition, recent = self._risk_weights
        return (
            frailty[people.frailty[ids]]
            + condition * people.n_conditions[ids]
            + recent * np.log1p(self.recent_use(day, ids))
            + 1e-6 * tie
        )

    def _identify(self, day: int) -> None:
        """This week's referrals, by the targeting rule, while the live plans and the referrals
        in hand are short of the commissioned number (so ended plans are replaced, and the
        caseload never passes the target)."""
        self._referral_carry += self._referral_rate * IDENTIFY_EVERY_DAYS
        wanted = math.floor(self._referral_carry)
        self._referral_carry -= wanted
        wanted = min(wanted, max(self.target - self.live() - self.in_hand(), 0))
        eligible = self._eligible()
        if self.spec.targeting == "post_discharge":
            eligible &= day - self.people.last_discharge <= self._window
        ids = np.flatnonzero(eligible)
        if wanted <= 0 or ids.size == 0:
            return
        if ids.size > wanted:
            score = self._score(ids, day)
            ids = ids[np.argpartition(-score, wanted - 1)[:wanted]]
        ids = np.sort(ids)
        self._today["care_plan_referrals"] = float(ids.size)
        schedule = self.model.schedule
        schedule.tell("offered", ids, day)
        p_accept = np.full(ids.size, self._acceptance)
        multiplier = schedule.product("offer_uptake_multiplier", ids, day)
        if multiplier is not None:
            p_accept = p_accept * multiplier
        accepted = self.streams.uniform("care_planning.accept", day, ids) < np.minimum(p_accept, 1.0)
        self.status[ids[~accepted]] = PlanStatus.DECLINED
        self.status[ids[accepted]] = PlanStatus.REFERRED
        for person in ids[accepted]:
            self.coordinators[self._owner[person]].queue.append(int(person))

    def _complete_plans(self, ids: np.ndarray, day: int) -> None:
        """Today's finished plans: status, activation, contingency (via the hook), referral
        to a community group, and the start of the site-style caseload window."""
        if ids.size == 0:
            return
        model, people = self.model, self.people
        self.status[ids] = PlanStatus.PLANNED
        people.plan_day[ids] = day
        self.completed_total += ids.size
        self._today["plans_completed"] += ids.size
        gain = self.streams.uniform("care_planning.activation", day, ids) < self._activation_gain
        raised = ids[gain & (people.activation[ids] < 4)]
        people.activation[raised] += 1
        model.schedule.tell("risk_changed", raised)
        referred = ids[self.streams.uniform("care_planning.peer_referral", day, ids) < self._peer_referral]
        self._today["community_group_referrals"] += referred.size
        model.schedule.tell("referred_to_group", referred, day)
        for person in ids:
            self._open_window(int(person), day)

    # --- caseload before/after (the site's measure) ------------------------------------------
    def _open_window(self, person: int, day: int) -> None:
        if len(self._snapshots) < self._snapshots.maxlen:
            return  # not a full quarter of history yet
        people = self.people
        old_ae, old_short = self._snapshots[0]
        ae_now, short_now = int(people.ae_count[person]), int(people.short_stay_count[person])
        self._open_windows.append(
            (
                day + CASELOAD_WINDOW_DAYS,
                person,
                ae_now - int(old_ae[person]),
                short_now - int(old_short[person]),
                ae_now,
                short_now,
            )
        )

    def _close_windows(self, day: int) -> None:
        people = self.people
        while self._open_windows and self._open_windows[0][0] <= day:
            _, person, ae_before, short_before, ae_then, short_then = self._open_windows.popleft()
            self._today["caseload_people"] += 1
            self._today["caseload_ae_before"] += ae_before
            self._today["caseload_short_before"] += short_before
            self._today["caseload_ae_after"] += int(people.ae_count[person]) - ae_then
            self._today["caseload_short_after"] += int(people.short_stay_count[person]) - short_then

    def _planning_now(self) -> int:
        """Referrals in hand whose plan a co-ordinator is writing (no longer waiting)."""
        status = self.status
        return sum(
            1
            for c in self.coordinators
            if c.task is not None and c.task[0] == "plan" and status[c.task[1]] == PlanStatus.REFERRED
        )

    def report(self, today: Today) -> dict[str, float]:
        return {
            **self._today,
            "plans_active": float(self.live()),
            "care_plan_queue": float(self.in_hand() - self._planning_now()),
            "cost_programme": self.staff.paid_hours_per_day * self._hour_cost,
        }
