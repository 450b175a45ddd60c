"""Accounting identities, checked every day of a run with every lever on, a late start and
non-default effects. Each expected value is worked out here from the registry's published unit
costs and from what happened (the day's stays, admissions, budgets in payment), never read back
from the code that computes the metric: so a wrong payer, a unit off by a week, a cost that
overwrites instead of adding, or a bed kept after a death fails with the day and the figure."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import lever_scenario

from sim.component import Today
from sim.hospital import Pathway
from sim.model import IPCModel
from sim.params import REGISTRY

SIZE, DAYS, START = 3000, 200, 20
EFFECTS = {
    "phb.crisis_rr": 0.8,
    "advocacy.discharge_divert_share": 0.3,
    "care_planning.contingency_share": 0.3,
    "care_planning.activation_gain": 0.4,
    "peer_support.activation_boost": 0.7,
}
LEVERS = {
    "care_planning": {"coordinators": 24, "target_plans": 100_000},
    "phb": {"target_budgets": 100_000, "min_conditions": 0},
    "peer_support": {"groups": 24},
    "advocacy": {"advocates": 24},
}


def value(name: str) -> float:
    """A registry default as published (source units)."""
    return REGISTRY[name].value


@dataclass
class Day:
    today: Today
    background_in_bed: int
    beds_readied: int  # beds taken for cohort patients still in A&E
    phb_spend_per_day: float  # GBP a day of the budgets in payment at the day's end
    episode: np.ndarray
    alive: np.ndarray


@pytest.fixture(scope="module")
def run():
    model = IPCModel(lever_scenario(SIZE, DAYS, EFFECTS, start_day=START, **LEVERS), root_seed=7)
    days = []
    for _ in range(DAYS):
        model.step()
        p = model.people
        days.append(
            Day(
                model.today,
                sum(b.in_bed for b in model.hospital.background),
                sum(core.beds_readied for core in model.hospital.cores),
                float(p.phb_budget.sum()),
                p.episode.copy(),
                p.alive.copy(),
            )
        )
    return model, model.recorder.frame(), days


def running_packages(days: list[Day]) -> tuple[np.ndarray, np.ndarray]:
    """Home-care packages (P1) and intermediate-care stays (P2) running at each midnight, from
    the discharges themselves: a package runs `p1_package_weeks` from the discharge, a P2 stay
    `p2_stay_days`, while the person lives; a later discharge replaces an earlier one."""
    p1_days = value("pathway.p1_package_weeks") * 7
    p2_days = value("pathway.p2_stay_days")
    until = {Pathway.HOME_SUPPORT: {}, Pathway.INTERMEDIATE: {}}
    counts = np.zeros((2, len(days)))
    for d, day in enumerate(days):
        s = day.today.stays
        for person, pathway, left, died in zip(s.person, s.pathway, s.left, s.died, strict=True):
            if not died and pathway == Pathway.HOME_SUPPORT:
                until[Pathway.HOME_SUPPORT][int(person)] = left + p1_days
            if not died and pathway == Pathway.INTERMEDIATE:
                until[Pathway.INTERMEDIATE][int(person)] = left + p2_days
        midnight = d + 1
        for row, pathway in enumerate((Pathway.HOME_SUPPORT, Pathway.INTERMEDIATE)):
            counts[row, d] = sum(1 for q, end in until[pathway].items() if end > midnight and day.alive[q])
    return counts[0], counts[1]


def excess_bed_days(day: Day) -> float:
    """Bed days past the tariff's trim point of the stays that ended today: midnights from
    admission to leaving, delayed days included (a delayed day is never charged on top)."""
    trim = value("costs.trim_point_days")
    s = day.today.stays
    stays = zip(s.admitted, s.left, strict=True)
    midnights = [math.floor(left) - math.floor(admitted) for admitted, left in stays]
    return float(sum(max(m - trim, 0) for m in midnights))


def test_the_run_exercises_every_payer(run):
    _, daily, _ = run
    for metric in ("cost_nhs", "cost_social_care", "cost_phb", "cost_programme"):
        assert (daily[metric] != 0).sum() > 100, metric
    assert daily["phbs_active"].max() > 50 and daily["advocacy_active"].max() > 20
    assert daily["crises_managed_at_home"].sum() > 20


def test_nhs_cost_is_unit_cost_times_activity_less_the_spend_budgets_displace(run):
    """No term for delayed days: they are bed days, inside the episode price or excess days."""
    _, daily, days = run
    _, p2 = running_packages(days)
    expected = (
        daily["ae_attendances"] * value("costs.ae_attendance")
        + daily["crises_managed_at_home"] * value("costs.crisis_managed_at_home")
        + daily["emergency_admissions"] * value("costs.emergency_admission")
        + np.array([excess_bed_days(d) for d in days]) * value("costs.excess_bed_day")
        + p2 * value("costs.intermediate_care_day")
        - value("phb.displaced_nhs_share") * np.array([d.phb_spend_per_day for d in days])
    )
    np.testing.assert_allclose(daily["cost_nhs"], expected, rtol=1e-9)


def test_social_care_cost_is_home_care_packages_and_care_home_places(run):
    _, daily, days = run
    p1, _ = running_packages(days)
    package_day = value("costs.home_care_hour") * value("pathway.p1_package_hours") / 7  # hours a week
    place_day = value("costs.care_home_week") / 7
    expected = p1 * package_day + daily["in_care_home"] * place_day

    assert p1.max() > 0
    np.testing.assert_allclose(daily["cost_social_care"], expected, rtol=1e-9)


def test_phb_spend_is_the_budgets_in_payment(run):
    _, daily, days = run
    spend = np.array([d.phb_spend_per_day for d in days])

    np.testing.assert_allclose(daily["cost_phb"], spend, rtol=1e-12)
    assert daily.loc[daily["day"] < START, "cost_phb"].eq(0).all()


def test_programme_cost_is_paid_staff_hours_and_groups_from_the_start_day(run):
    _, daily, _ = run
    coordinators = 24 * value("care_planning.hours_per_week") / 7 * value("costs.coordinator_hour")
    advocates = 24 * value("advocacy.hours_per_week") / 7 * value("costs.advocate_hour")
    groups = 24 * value("peer_support.cost_per_group_week") / 7  # as typed, whatever the cohort size
    expected = np.where(daily["day"] >= START, coordinators + advocates + groups, 0.0)

    np.testing.assert_allclose(daily["cost_programme"], expected, rtol=1e-12)


def test_total_cost_is_the_sum_of_the_payers(run):
    _, daily, _ = run
    payers = daily[["cost_nhs", "cost_social_care", "cost_phb", "cost_programme"]].sum(axis=1)
    np.testing.assert_allclose(daily["cost_total"], payers, rtol=1e-12)


def test_beds_in_use_are_cohort_and_background_patients_and_beds_being_readied(run):
    _, daily, days = run
    background = np.array([d.background_in_bed for d in days])
    readied = np.array([d.beds_readied for d in days])
    assert (daily["hospital_bed_days"] == daily["bed_days"] + background + readied).all()


def test_cohort_in_bed_is_admissions_so_far_less_stays_ended_so_far(run):
    _, daily, days = run
    ended = np.cumsum([d.today.stays.person.size for d in days])
    assert (daily["bed_days"] == daily["emergency_admissions"].cumsum() - ended).all()


def test_stays_end_in_a_discharge_or_a_death_and_deaths_add_up(run):
    model, daily, days = run
    in_hospital_deaths = np.array([d.today.stays.died.sum() for d in days])
    at_home_deaths = np.array([d.today.died.size for d in days])
    ended = np.array([d.today.stays.person.size for d in days])

    assert (daily["discharges"] + in_hospital_deaths == ended).all()
    assert (daily["deaths"] == at_home_deaths + in_hospital_deaths).all()
    # The cohort is open: it gains its entries and loses its deaths and those who move away.
    joined_and_left = (daily["entries"] - daily["deaths"] - daily["moved_away"]).cumsum()
    assert (daily["alive"] == SIZE + joined_and_left).all()
    assert in_hospital_deaths.sum() > 0


def test_a_readmission_is_an_admission_within_30_days_of_the_last_discharge_alive(run):
    """The NHS indicator's definition, counted from the day's admissions and earlier stays."""
    _, daily, days = run
    last_left: dict[int, float] = {}
    expected = []
    for d, day in enumerate(days):
        expected.append(
            sum(1 for p in day.today.admitted if d - np.floor(last_left.get(int(p), -np.inf)) <= 30)
        )
        s = day.today.stays
        for person, left, died in zip(s.person, s.left, s.died, strict=True):
            if not died:
                last_left[int(person)] = left
    assert sum(expected) > 20
    assert daily["readmissions_30d"].tolist() == expected


def test_a_discharge_starts_an_acute_episode_of_the_registry_size(run):
    """A discharged patient's episode is yesterday's, faded by a day, plus
    `episode.after_discharge`, plus `episode.after_crisis` if today's crisis brought them in
    (a zero-day stay); patients who spent the day in hospital had no crisis."""
    _, _, days = run
    decay = 0.5 ** (1 / value("episode.half_life_days"))
    checked = 0
    for yesterday, day in zip(days, days[1:], strict=False):
        s = day.today.stays
        home = s.person[~s.died]
        crisis_today = np.isin(home, day.today.crises) * value("episode.after_crisis")
        expected = yesterday.episode[home] * decay + crisis_today + value("episode.after_discharge")
        np.testing.assert_allclose(day.episode[home], expected, rtol=1e-12)
        checked += home.size
    assert checked > 200
