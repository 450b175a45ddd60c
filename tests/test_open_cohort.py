"""The open cohort over years: who joins, who leaves, and that a 5-year baseline stays Stockton.

Oracles: the entry schedule's closed form, the published growth of Stockton's 65+ population
[stockton-jsna], the start mix the cohort is drawn from, death after an emergency admission
at 70+ [spcare2016] and the persistence of high use [bottle2006] (keys of docs/references.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import small_scenario

from sim.model import IPCModel
from sim.params import Params
from sim.population import AGE_BANDS, Location, Route, entries_per_day, starting_size, synthesise
from sim.rng import Streams
from sim.scenario import load_scenario
from sim.units import DAYS_PER_YEAR

YEARS = 5
P = Params({})


# --- the entry schedule ---------------------------------------------------------------------------
def test_the_start_of_the_warm_up_holds_the_cohort_discounted_by_a_years_growth():
    assert starting_size(11_989, P, 365) == round(11_989 / (1 + P["cohort.growth_rate"]))
    assert starting_size(11_989, P, 0) == 11_989


def test_entries_a_year_are_growth_plus_replacement_of_deaths_and_movers():
    growth = P["cohort.growth_rate"]
    per_year = (
        math.log1p(growth) + (P["cohort.replacement_rate"] + P["cohort.out_migration_rate"]) * DAYS_PER_YEAR
    )
    # Closed form of the integral of start * per_year * (1 + g)^t over the first year.
    expected = 10_000 * per_year * growth / math.log1p(growth)
    assert entries_per_day(10_000, P, 0, 365).sum() == pytest.approx(expected, rel=2e-3)


def test_without_growth_entries_exactly_replace_the_expected_exits():
    flat = Params({"cohort.growth_rate": 0.0})
    daily = entries_per_day(10_000, flat, -365, 365)
    exits = 10_000 * (flat["cohort.replacement_rate"] + flat["cohort.out_migration_rate"])
    assert np.allclose(daily, exits)


@pytest.fixture(scope="module")
def table():
    return synthesise(5_000, P, Streams(3, 0), start_day=-365, end_day=730)


def test_entrants_wait_outside_the_cohort_in_the_order_they_join(table):
    entrants = slice(table.n_start, table.size)
    assert (table.location[entrants] == Location.OUTSIDE).all()
    assert (np.diff(table.joined[entrants]) >= 0).all()
    assert (table.joined[: table.n_start] == -365).all()
    assert not table.alive[entrants].any()


def test_people_turning_65_join_at_65_and_the_others_at_the_cohorts_ages(table):
    route = table.route[table.n_start :]
    age = table.age[table.n_start :]
    assert (age[route == Route.TURNING_65] == AGE_BANDS[0]).all()
    others = age[route != Route.TURNING_65]
    assert others.mean() == pytest.approx(table.age[: table.n_start].mean(), abs=1.0)


def test_the_share_moving_in_is_the_in_migration_rates_share_of_entries(table):
    route = table.route[table.n_start :]
    per_day = math.log1p(P["cohort.growth_rate"]) / DAYS_PER_YEAR + P["cohort.replacement_rate"]
    per_day += P["cohort.out_migration_rate"]
    expected = P["cohort.in_migration_rate"] / per_day
    n = route.size
    assert np.mean(route == Route.MOVED_IN) == pytest.approx(expected, abs=4 * math.sqrt(expected / n))


def test_the_same_replicate_draws_the_same_entrants_in_every_scenario():
    baseline = load_scenario("scenarios/baseline.yaml")
    at_scale = load_scenario("scenarios/at_scale.yaml")
    a, b = (IPCModel(s, replicate=2, root_seed=11).people for s in (baseline, at_scale))
    assert a.size == b.size
    for column in ("joined", "route", "age", "frailty", "propensity", "practice", "n_conditions"):
        assert np.array_equal(getattr(a, column), getattr(b, column)), column


# --- joining, moving away and the warm-up in a run ------------------------------------------------
def test_people_join_on_their_day_and_not_before():
    model = IPCModel(small_scenario(size=2000, days=30), root_seed=5)
    joined_by_day = {}
    while model.day < model.days:
        model.step()
        joined_by_day[model.today.day] = model.today.entered
    for day, ids in joined_by_day.items():
        assert (model.people.joined[ids] == day).all()
    entrants = np.arange(model.people.n_start, model.people.size)
    expected = entrants[(model.people.joined[entrants] >= 0) & (model.people.joined[entrants] < 30)]
    assert np.array_equal(np.concatenate(list(joined_by_day.values())), expected)


def test_the_warm_up_is_run_and_not_reported():
    scenario = small_scenario(size=1500, days=20, warm_up_days=100)
    model = IPCModel(scenario, root_seed=5)
    model.run()
    daily = model.recorder.frame()
    assert list(daily["day"]) == list(range(20))
    assert model.people.last_discharge.max() > -100  # stays during the warm-up left their mark
    assert (model.people.last_discharge[np.isfinite(model.people.last_discharge)] < 0).any()


def test_nobody_joins_or_leaves_when_the_rates_are_zero():
    closed = {
        "cohort.growth_rate": 0.0,
        "cohort.replacement_rate": 0.0,
        "cohort.out_migration_rate": 0.0,
        "cohort.in_migration_rate": 0.0,
    }
    model = IPCModel(small_scenario(size=1000, days=50, overrides=closed), root_seed=5)
    model.run()
    daily = model.recorder.frame()
    assert model.people.size == 1000
    assert daily["entries"].sum() == 0 and daily["moved_away"].sum() == 0


# --- five years of the baseline -------------------------------------------------------------------
@pytest.fixture(scope="module")
def five_years():
    """One 5-year Stockton baseline with each person's admissions by year and their deaths."""
    scenario = load_scenario("scenarios/baseline.yaml").with_horizon(YEARS * 365)
    model = IPCModel(scenario, replicate=0, root_seed=20170901)
    n = model.people.size
    admissions = np.zeros((YEARS, n), np.int16)
    admitted_on: list[tuple[np.ndarray, int]] = []
    discharged_on: list[tuple[np.ndarray, int]] = []
    died = np.full(n, np.inf)
    mix = []
    while model.day < model.days:
        model.step()
        today = model.today
        if today.day < 0:
            continue
        np.add.at(admissions[today.day // 365], today.admitted, 1)
        admitted_on.append((today.admitted, today.day))
        discharged_on.append((today.stays.person[today.stays.alive], today.day))
        died[np.concatenate([today.died, today.stays.person[today.stays.died]])] = today.day
        if today.day % 365 == 0:
            p = model.people
            alive = p.alive
            mix.append(np.bincount(p.age_band()[alive], minlength=3) / alive.sum())
    daily = model.recorder.frame()
    return model, daily, admissions, admitted_on, discharged_on, died, np.array(mix)


def yearly(daily, metric):
    years = daily["day"] // 365
    person_years = daily.groupby(years)["alive"].sum() / 365
    return daily.groupby(years)[metric].sum() / person_years


@pytest.mark.parametrize("metric", ["ae_attendances", "emergency_admissions", "deaths"])
def test_per_person_rates_are_stationary_over_five_years(five_years, metric):
    rates = yearly(five_years[1], metric)
    assert rates.max() / rates.min() < 1.05 if metric != "deaths" else rates.max() / rates.min() < 1.10


def test_the_age_mix_stays_at_the_start_mix_within_5_percent(five_years):
    mix = five_years[6]
    start = np.array(
        [P["population.share_age_65_74"], P["population.share_age_75_84"], P["population.share_age_85_plus"]]
    )
    assert np.all(np.abs(mix / start - 1) < 0.05), mix


def test_the_cohort_grows_at_stocktons_projected_rate(five_years):
    alive = five_years[1]["alive"].to_numpy()
    growth = (alive[-1] / alive[0]) ** (365 / (len(alive) - 1)) - 1
    assert growth == pytest.approx(P["cohort.growth_rate"], abs=0.006)


def test_day_0_holds_the_cohort_the_scenario_names(five_years):
    assert five_years[1]["alive"].iloc[0] == pytest.approx(11_989, rel=0.03)


def test_entrants_are_identified_for_ipc_like_anyone_else():
    scenario = load_scenario("scenarios/at_scale.yaml").with_horizon(365)
    scenario.population_size = 3000
    model = IPCModel(scenario, root_seed=3)
    model.run()
    entrants = np.arange(model.people.n_start, model.people.size)
    joined = entrants[model.people.joined[entrants] <= 0]
    assert (model.people.plan_status[joined] != 0).any()


# --- death after illness and the persistence of high use ---------------------------------------------
def _index_admissions(admitted_on):
    first: dict[int, int] = {}
    for ids, day in admitted_on:
        if day >= 365:
            break
        for person in ids.tolist():
            first.setdefault(person, day)
    return first


def test_death_after_an_emergency_admission_at_70_plus_follows_the_london_figures(five_years):
    model, _, _, admitted_on, _, died, _ = five_years
    first = _index_admissions(admitted_on)
    people = np.array(list(first))
    since = died[people] - np.array([first[p] for p in people])
    old = model.people.age[people] - YEARS >= 70  # age at admission (ages are at the end)
    quarters = [np.mean((since[old] >= a) & (since[old] < a + 91.25)) for a in (0, 91.25, 182.5, 273.75)]
    # BMJ Support Palliat Care 2016 [spcare2016]: 12.7%, 4.8%, 3.0%, 1.9% a quarter, 22.4% a year.
    assert quarters[0] == pytest.approx(0.127, abs=0.02)
    assert quarters[1] == pytest.approx(0.048, abs=0.015)
    assert sum(quarters) == pytest.approx(0.224, abs=0.04)
    assert quarters[0] > 2 * quarters[1] > 2 * quarters[3]  # the excess fades


def test_surviving_emergency_patients_readmit_as_bottle_found(five_years):
    """Bottle 2006 [bottle2006]: 9.8% of surviving emergency patients (all ages) had 2+ further
    emergency admissions within a year. This older, multimorbid cohort should sit at or above
    the all-ages figure, and below twice it."""
    _, _, _, admitted_on, discharged_on, _, _ = five_years
    first = _index_admissions(admitted_on)
    left: dict[int, int] = {}
    for ids, day in discharged_on:
        for person in ids.tolist():
            if person in first and day >= first[person]:
                left.setdefault(person, day)
    days = np.concatenate([np.full(ids.size, day) for ids, day in admitted_on])
    people = np.concatenate([ids for ids, _ in admitted_on])
    order = np.lexsort((days, people))
    people, days = people[order], days[order]
    further = []
    for person, day in left.items():
        lo, hi = np.searchsorted(people, person), np.searchsorted(people, person, side="right")
        mine = days[lo:hi]
        further.append(np.count_nonzero((mine > day) & (mine <= day + 365)))
    share = np.mean(np.array(further) >= 2)
    assert 0.098 <= share <= 2 * 0.098


def test_high_use_falls_back_towards_everyone_elses(five_years):
    """People with 2+ admissions in year 1 admit far less in year 2 with no intervention
    (regression to the mean, [bottle2006]), and the gap keeps closing."""
    _, daily, admissions, _, _, died, _ = five_years
    high = admissions[0] >= 2
    others = (admissions[0] < 2) & (died > 0)
    rate = [admissions[y][high].sum() / np.sum(died[high] > 365 * y) for y in range(YEARS)]
    rest = [admissions[y][others].sum() / np.sum(died[others] > 365 * y) for y in range(YEARS)]
    assert rate[1] < 0.5 * rate[0]
    assert rate[-1] / rest[-1] < rate[1] / rest[1]


def test_the_background_leaves_out_only_the_cohort_already_there(monkeypatch):
    """The eligible people outside the cohort are background demand; rows still waiting to
    join are among them, so the background is the catchment less the starting cohort."""
    import sim.trust

    seen = []
    real = sim.trust.streams_for

    def spy(p, catchment, eligible, cohort):
        seen.append(cohort)
        return real(p, catchment, eligible, cohort)

    monkeypatch.setattr(sim.trust, "streams_for", spy)
    model = IPCModel(small_scenario(size=2000, days=400, warm_up_days=365), root_seed=5)
    assert model.people.size > model.people.n_start
    assert seen[0] == model.people.n_start
    assert seen[1:] == [0]  # capacity follows the demand of everyone the site serves
