"""Personalised care and support planning by GP care co-ordinators.

Practices identify people by a targeting rule at weekly MDT meetings; those who accept wait
in their co-ordinator's queue; co-ordinators (Mesa agents) spend limited hours on reviews
first, then new plans. A completed plan may raise activation, adds crisis contingency (a
share of crises managed without A&E) and raises pulmonary-rehab uptake for COPD.

The lever also measures its caseload the way the site did: A&E attendances and one-day
admissions in the quarter before each plan against the quarter after. That before/after
figure includes regression to the mean and is reported beside, never instead of, the
paired causal effect against the baseline (evidence.md 5b).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.intervention import Intervention, Staffing, assign_to_agents
from sim.population import Location
from sim.scenario import CarePlanningSpec

if TYPE_CHECKING:
    from sim.model import IPCModel

IDENTIFY_EVERY_DAYS = 7  # practices refer at weekly MDT meetings
CASELOAD_WINDOW_DAYS = 91  # the 100 Day Challenge compared quarters before and after
NONE, REFERRED, DECLINED, PLANNED = 0, 1, 2, 3
DAILY_COUNTS = (
    "plans_completed",
    "care_plan_referrals",
    "community_group_referrals",
    "caseload_people",
    "caseload_ae_before",
    "caseload_ae_after",
    "caseload_short_before",
    "caseload_short_after",
)


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
        location = self.model.people.location
        while self.reviews and self.reviews[0][0] <= day:
            _, person = self.reviews.popleft()
            if location[person] != Location.DEAD:
                self.task, self.task_hours_left = ("review", person), self.lever.review_hours
                return True
        while self.queue:
            person = self.queue.popleft()
            if location[person] != Location.DEAD:
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
                if self.model.people.location[person] == Location.DEAD:
                    continue  # died while the plan or review was under way
                if kind == "plan":
                    self.lever.finished.append(person)
                else:
                    self.lever.reviews_done += 1
                # the next review is due no sooner than tomorrow, whatever the interval
                self.reviews.append((day + max(self.lever.review_days, 1.0), person))


class CarePlanning(Intervention):
    """The care-planning lever: identification, acceptance, co-ordinators' work, effects."""

    name = "care_planning"

    def __init__(self, model: IPCModel, spec: CarePlanningSpec):
        super().__init__(model)
        p = model.params
        self.spec = spec
        self.staff = Staffing.scaled(spec.coordinators, model.scale, p["care_planning.hours_per_week"])
        self.target = round(spec.target_plans * model.scale)
        self.plan_hours = p["care_planning.hours_per_plan"]
        self.review_hours = p["care_planning.review_hours"]
        self.review_days = p["care_planning.review_weeks"]
        self._referral_rate = p["care_planning.referrals_per_coordinator_week"] * self.staff.fte
        self._referral_carry = 0.0
        self._acceptance = p["care_planning.acceptance"]
        self._advocacy_rr = p["advocacy.uptake_rr"]
        self._activation_gain = p["care_planning.activation_gain"]
        self._contingency = p["care_planning.contingency_share"]
        self._rehab_rr = p["care_planning.rehab_uptake_rr"]
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
        self.status = np.zeros(people.size, dtype=np.int8)
        self._owner = assign_to_agents(people.practice, people.n_practices, self.staff.agents)
        self.completed_total = 0
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
        return self.status == PLANNED

    def managed_at_home(self) -> np.ndarray | None:
        return np.where(self.planned(), self._contingency, 0.0) if self._contingency > 0 else None

    def rehab_uptake_multiplier(self) -> np.ndarray | None:
        return np.where(self.planned(), self._rehab_rr, 1.0) if self._rehab_rr != 1.0 else None

    # --- daily work ---------------------------------------------------------------------------
    def step(self, day: int) -> None:
        self._today = dict.fromkeys(DAILY_COUNTS, 0.0)
        reviews_before = self.reviews_done
        if day % IDENTIFY_EVERY_DAYS == 0 and self.coordinators:
            self._identify(day)
        for coordinator in self.coordinators:
            coordinator.step()
        self._complete_plans(np.asarray(self.finished, dtype=np.int64), day)
        self.finished.clear()
        self._close_windows(day)
        self._today["plan_reviews"] = float(self.reviews_done - reviews_before)

    def observe(self, day: int) -> None:
        """Weekly snapshots of everyone's use, from day 0, for the site-style before window."""
        if day % IDENTIFY_EVERY_DAYS == 0:
            people = self.model.people
            self._snapshots.append((people.ae_count.copy(), people.short_stay_count.copy()))

    def _eligible(self) -> np.ndarray:
        people = self.model.people
        return (
            (self.status == NONE) & (people.residence == Location.HOME) & (people.location != Location.DEAD)
        )

    def _score(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Higher = offered first. The tiny hashed term breaks ties without favouring low ids."""
        people = self.model.people
        tie = self.model.streams.uniform("care_planning.tiebreak", day, ids)
        rule = self.spec.targeting
        if rule == "random":
            return tie
        if rule == "post_discharge":
            return -(day - self.model.last_discharge[ids]) + 1e-3 * tie
        frailty, condition, recent = self._risk_weights
        return (
            frailty[people.frailty[ids]]
            + condition * people.n_conditions[ids]
            + recent * np.log1p(self.model.recent_use(day, ids))
            + 1e-6 * tie
        )

    def _identify(self, day: int) -> None:
        """This week's referrals, by the targeting rule, up to the commissioned number."""
        self._referral_carry += self._referral_rate * IDENTIFY_EVERY_DAYS
        wanted = math.floor(self._referral_carry)
        self._referral_carry -= wanted
        alive = self.model.people.location != Location.DEAD
        in_progress = int(np.count_nonzero((self.status == REFERRED) & alive))
        wanted = min(wanted, max(self.target - self.completed_total - in_progress, 0))
        eligible = self._eligible()
        if self.spec.targeting == "post_discharge":
            eligible &= day - self.model.last_discharge <= self._window
        ids = np.flatnonzero(eligible)
        if wanted <= 0 or ids.size == 0:
            return
        if ids.size > wanted:
            score = self._score(ids, day)
            ids = ids[np.argpartition(-score, wanted - 1)[:wanted]]
        ids = np.sort(ids)
        self._today["care_plan_referrals"] = float(ids.size)
        advocacy = self.model.lever("advocacy")
        if advocacy is not None:
            advocacy.allocate(ids, day)
        p_accept = self._acceptance * np.where(
            self.model.people.advocate_until[ids] > day, self._advocacy_rr, 1.0
        )
        accepted = self.model.streams.uniform("care_planning.accept", day, ids) < np.minimum(p_accept, 1.0)
        self.status[ids[~accepted]] = DECLINED
        self.status[ids[accepted]] = REFERRED
        for person in ids[accepted]:
            self.coordinators[self._owner[person]].queue.append(int(person))

    def _complete_plans(self, ids: np.ndarray, day: int) -> None:
        """Today's finished plans: status, activation, contingency (via the hook), referral
        to a community group, and the start of the site-style caseload window."""
        if ids.size == 0:
            return
        model, people = self.model, self.model.people
        self.status[ids] = PLANNED
        people.plan_day[ids] = day
        self.completed_total += ids.size
        self._today["plans_completed"] += ids.size
        gain = model.streams.uniform("care_planning.activation", day, ids) < self._activation_gain
        raised = ids[gain & (people.activation[ids] < 4)]
        people.activation[raised] += 1
        model.health.refresh(raised)
        referred = ids[model.streams.uniform("care_planning.peer_referral", day, ids) < self._peer_referral]
        self._today["community_group_referrals"] += referred.size
        peer = model.lever("peer_support")
        if peer is not None:
            peer.refer(referred, day)
        for person in ids:
            self._open_window(int(person), day)

    # --- caseload before/after (the site's measure) ------------------------------------------
    def _open_window(self, person: int, day: int) -> None:
        if len(self._snapshots) < self._snapshots.maxlen:
            return  # not a full quarter of history yet
        people = self.model.people
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
        people = self.model.people
        while self._open_windows and self._open_windows[0][0] <= day:
            _, person, ae_before, short_before, ae_then, short_then = self._open_windows.popleft()
            self._today["caseload_people"] += 1
            self._today["caseload_ae_before"] += ae_before
            self._today["caseload_short_before"] += short_before
            self._today["caseload_ae_after"] += int(people.ae_count[person]) - ae_then
            self._today["caseload_short_after"] += int(people.short_stay_count[person]) - short_then

    def _planning_now(self) -> int:
        """Living people whose plan a co-ordinator is writing (accepted, no longer waiting)."""
        location = self.model.people.location
        return sum(
            1
            for c in self.coordinators
            if c.task is not None and c.task[0] == "plan" and location[c.task[1]] != Location.DEAD
        )

    def report(self) -> dict[str, float]:
        alive = self.model.people.location != Location.DEAD
        return {
            **self._today,
            "plans_active": float(np.count_nonzero(self.planned() & alive)),
            "care_plan_queue": float(
                np.count_nonzero((self.status == REFERRED) & alive) - self._planning_now()
            ),
            "cost_programme": self.staff.paid_hours_per_day * self._hour_cost,
        }
