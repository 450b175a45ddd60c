"""Sites: each acute hospital has its own size and catchment whatever the cohort, the cohort
lives in the sites' catchments by GP practice, results come per site and add up to the totals,
and a planner gets the same per-person answer whatever cohort size or number of sites runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE_YAML, small_scenario

from sim.background import streams_for
from sim.batch import combine, combine_sites, make_tasks, run_task
from sim.cli import main
from sim.errors import InputError
from sim.model import IPCModel
from sim.params import REGISTRY, Params
from sim.scenario import load_scenario
from sim.site_results import summarise_sites
from sim.trust import SITE_METRICS
from sim.units import DAYS_PER_YEAR

STOCKTON = 11989  # the cohort (briefing 2.3)
BEDS = REGISTRY["hospital.beds"].value
CATCHMENT = REGISTRY["site.catchment"].value
ELIGIBLE = REGISTRY["site.eligible"].value
TWO_SMALL_SITES = [
    {"name": "north", "catchment": 150_000, "eligible": 9_000, "beds": 300, "cubicles": 12},
    {"name": "south", "catchment": 100_000, "eligible": 6_000, "beds": 200, "cubicles": 8},
]
PER_PERSON = ("ae_attendances", "emergency_admissions", "dtoc_days")


def two_site_model(size: int = 3000, days: int = 40) -> IPCModel:
    return IPCModel(dataclasses.replace(small_scenario(size=size, days=days), sites=TWO_SMALL_SITES))


# --- what a site is ---------------------------------------------------------------------------
def test_no_sites_means_the_registry_site_of_north_tees():
    (site,) = small_scenario().resolved_sites

    assert (site.name, site.beds, site.catchment, site.eligible) == ("north_tees", BEDS, CATCHMENT, ELIGIBLE)


def test_auto_makes_one_registry_sized_site_per_stockton_cohort():
    scenario = dataclasses.replace(small_scenario(size=30_000), sites="auto")
    sites = scenario.resolved_sites

    assert len(sites) == 3  # ceil(30,000 / 11,989)
    assert all(s.beds == BEDS and s.catchment == CATCHMENT for s in sites)
    assert [s.cohort_share for s in sites] == pytest.approx([1 / 3] * 3)


def test_a_hospital_has_the_sites_beds_whatever_the_cohort_size():
    small, large = (IPCModel(small_scenario(size=n, days=1)) for n in (1000, 8000))

    assert small.hospital.core.bed_capacity == large.hospital.core.bed_capacity == BEDS
    small.release()
    large.release()


def test_background_demand_is_the_catchment_less_the_cohort():
    p = Params({}).view("background", ("background.*", "los.*", "cohort.*", "hospital.*", "crisis.*"))
    eligible_rate = p["background.eligible_admissions"]
    other_rate = p["background.other_admissions"]
    cohort = 4000

    parts = streams_for(p, CATCHMENT, ELIGIBLE, cohort)

    expected = (ELIGIBLE - cohort) * eligible_rate + (CATCHMENT - ELIGIBLE) * other_rate
    assert sum(part.admissions_per_day for part in parts) == pytest.approx(expected)


def _two_streams(growth: float, amplitude: float = 0.0):
    """A stream of all zero-day stays that grows, and one of all one-day stays that does not."""
    from sim.background import Stream

    grows = Stream(10.0, 0.0, 1.0, 0.0, 10.0, (0.0, 0.0, 0.0), amplitude, growth)
    flat = Stream(10.0, 0.0, 0.0, 1.0, 10.0, (0.0, 0.0, 0.0), 0.0, 0.0)
    return [grows, flat]


def test_a_growing_streams_share_of_arrivals_follows_its_growth():
    """Two streams start equal; one doubles in a year. On day d its share of the hour's
    arrivals is g / (g + 1), g = 2^(d / 365.25): 1/2 on day 0, nearly 2/3 on day 365."""
    from sim.background import BackgroundDemand

    p = Params({}).view("background", ("hospital.*", "crisis.*"))
    flat_profile = np.ones(24)
    streams = _two_streams(growth=1.0)
    rows = BackgroundDemand._hourly(streams, "admissions_per_day", flat_profile, 0, 366, p, None)
    share = rows[0] / rows.sum(axis=0)
    grown = 2.0 ** (365 / DAYS_PER_YEAR)

    assert share[0] == pytest.approx(1 / 2)
    assert share[365 * 24] == pytest.approx(grown / (grown + 1))


def test_each_arrival_takes_the_stays_of_the_stream_it_came_from():
    """Hour by hour the mix says which stream an arrival is from: all of the first stream's
    arrivals are zero-day stays and all of the second's one-day stays, so the stays follow
    the mix exactly (not the streams' average mix over the run)."""
    from sim.background import BackgroundDemand

    p = Params({}).view("background", ("los.*", "mortality.*"))
    n = 1000
    share = np.zeros((2, n))
    share[0, : n // 2] = 1.0  # the first half of arrivals come in hours of the first stream only
    share[1, n // 2 :] = 1.0
    rng = np.random.default_rng(1)
    _, _, hours = BackgroundDemand._outcomes(_two_streams(growth=0.0), share, rng, p, [1.0])

    assert np.allclose(hours[: n // 2], p["los.zero_day_hours"] * 24)
    assert np.allclose(hours[n // 2 :], 24.0)


def test_cohort_people_are_shared_among_sites_by_eligible_population():
    model = two_site_model(size=3000, days=1)
    people = np.bincount(model.people.site, minlength=2)

    assert people.sum() == 3000
    assert people[0] / 3000 == pytest.approx(9 / 15, abs=0.1)  # whole practices, so roughly
    model.release()


def test_each_practice_belongs_to_exactly_one_site():
    model = two_site_model(size=3000, days=1)
    sites_of_practice = pd.Series(model.people.site).groupby(model.people.practice).nunique()

    assert (sites_of_practice == 1).all()
    model.release()


def test_a_practices_people_are_only_ever_admitted_to_their_own_sites_beds():
    model = two_site_model(size=3000, days=40)
    admitted = 0
    for _ in range(model.days):
        model.step()
        for index, log in enumerate(model.hospital._site_logs):
            people = np.asarray(log.admitted, dtype=np.int64)
            assert (model.people.site[people] == index).all()
            admitted += people.size
    assert admitted > 50  # the check saw admissions at both sites
    model.release()


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sites", "field", "message"),
    [
        ([{"name": "a"}, {"name": "a"}], "sites", "two sites have the same name"),
        (
            [{"name": "a", "cohort_share": 0.5}, {"name": "b", "cohort_share": 0.4}],
            "sites",
            "cohort_share must be given for every site or none, and sum to 1",
        ),
        (
            [{"name": "a", "catchment": 5000, "eligible": 6000}],
            "sites.0.eligible",
            "must be <= the catchment 5,000",
        ),
        ([{"name": "a", "beds": 0}], "sites.0.beds", "must be >= 1, got 0"),
        ([{"name": "a", "wards": 3}], "sites.0.wards", "unknown key 'wards'"),
        ("automatic", "sites", "must be one of 'auto', got 'automatic'"),
    ],
)
def test_a_bad_site_is_one_line_naming_the_field(scenario_file, sites, field, message):
    path = scenario_file(name="bad_sites", sites=sites)
    with pytest.raises(InputError) as caught:
        load_scenario(path)

    assert [str(p) for p in caught.value.problems] == [f"{path}: {field}: {message}"]


def test_a_cohort_larger_than_its_sites_eligible_people_is_refused_with_the_fix(scenario_file):
    path = scenario_file(name="too_big", size=30_000)
    with pytest.raises(InputError) as caught:
        load_scenario(path)

    (problem,) = caught.value.problems
    assert "population.size: site north_tees would hold 30,000 of the cohort" in str(problem)
    assert "`sites: auto`" in str(problem)


# --- results per site and in total ------------------------------------------------------------
@pytest.fixture(scope="module")
def two_site_task():
    scenario = dataclasses.replace(small_scenario(size=3000, days=60), sites=TWO_SMALL_SITES)
    (task,) = make_tasks([scenario], 1, 5)
    frames = {task.key: run_task(task).daily}
    return scenario, combine([task], frames), combine_sites([task], frames)


@pytest.mark.parametrize("metric", [m for m in SITE_METRICS if m not in ("people", "hospital_bed_occupancy")])
def test_the_sites_figures_add_up_to_the_daily_totals(two_site_task, metric):
    _, daily, sites = two_site_task
    by_day = sites.groupby("day")[metric].sum().to_numpy()

    np.testing.assert_allclose(by_day, daily[metric].to_numpy(), rtol=1e-12)
    assert sites.groupby("site")[metric].sum().gt(0).all() or metric == "hospital_waiting_for_bed"


def test_site_occupancy_is_the_sites_own_beds_in_use(two_site_task):
    _, daily, sites = two_site_task
    beds = {s["name"]: s["beds"] for s in TWO_SMALL_SITES}
    occupancy = sites["hospital_bed_occupancy"]
    in_use = sites["hospital_bed_days"] / sites["site"].map(beds)

    np.testing.assert_allclose(occupancy, in_use, rtol=1e-12)
    total = sites.groupby("day")["hospital_bed_days"].sum() / sum(beds.values())
    np.testing.assert_allclose(daily["hospital_bed_occupancy"], total.to_numpy(), rtol=1e-12)


def test_site_people_are_the_living_cohort_in_each_catchment(two_site_task):
    _, _, sites = two_site_task
    first = sites[sites["day"] == 0].set_index("site")["people"]

    assert first.sum() == pytest.approx(3000, abs=15)  # a few join, die or move on day 0
    _, daily, _ = two_site_task
    np.testing.assert_array_equal(sites.groupby("day")["people"].sum().to_numpy(), daily["alive"].to_numpy())


def test_site_summary_gives_annual_figures_per_site_from_the_daily_rows(two_site_task):
    _, _, sites = two_site_task
    table = summarise_sites(sites).set_index(["site", "metric"])
    north = sites[sites["site"] == "north"]
    annual = north["dtoc_days"].sum() * DAYS_PER_YEAR / 60
    per_1000 = annual / north["people"].iloc[0] * 1000

    assert table.loc[("north", "dtoc_days"), "mean"] == pytest.approx(annual)
    assert table.loc[("north", "dtoc_days_per_1000"), "mean"] == pytest.approx(per_1000)
    share = north["dtoc_days"].sum() / north["hospital_dtoc_days"].sum()
    assert table.loc[("north", "cohort_share_of_dtoc_days"), "mean"] == pytest.approx(share)


def test_a_run_writes_sites_parquet_and_sites_csv(tmp_path, scenario_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = scenario_file(name="two_sites", size=3000, horizon_days=20, sites=TWO_SMALL_SITES)
    out = tmp_path / "out"
    assert main(["run", str(path), "--reps", "2", "--workers", "1", "--out", str(out), "--no-progress"]) == 0

    sites = pd.read_parquet(out / "sites.parquet")
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(sites) == 2 * len(daily)  # a row per site and day
    assert set(sites["site"]) == {"north", "south"}
    assert not any(c.startswith("site") for c in daily.columns)  # the contract's columns only
    summary = pd.read_csv(out / "sites.csv")
    assert set(summary["site"]) == {"north", "south"}


# --- scale invariance (issue 9, item 6) -------------------------------------------------------
def per_person(model_size: int, reps: int, days: int, sites=None) -> dict[str, float]:
    """Per-person rates a year over `reps` replicates, for each site of the run."""
    scenario = dataclasses.replace(
        load_scenario(BASELINE_YAML), population_size=model_size, horizon_days=days
    )
    scenario = dataclasses.replace(scenario, sites=sites)
    tasks = make_tasks([scenario], reps, 20170901)
    frames = {t.key: run_task(t).daily for t in tasks}
    sites_table = combine_sites(tasks, frames)
    rates = {}
    for site, d in sites_table.groupby("site"):
        person_years = d.groupby("replicate")["people"].first().sum() * days / 365
        values = {m: d[m].sum() / person_years for m in PER_PERSON}
        values["hospital_bed_occupancy"] = d["hospital_bed_occupancy"].mean()
        rates[site] = values
    return rates


# Hospital-level outcomes a year vary between replicates (background noise, winter peaks): the
# replicate sd is 1% for occupancy, 1-3% for A&E and admissions per person, but 16-20% for DTOC
# per person (0.040 at 2,000, 0.041 at 24,000; 24 and 12 replicates), whose queues sit near
# capacity. A few replicates can test the first three tightly; DTOC's size invariance is held by
# its cause instead (test_background_like_cohort.py: the eligible background asks for the
# places the cohort asks for), and the measured gap is in the README.
TOLERANCE = {"ae_attendances": 0.05, "emergency_admissions": 0.05, "hospital_bed_occupancy": 0.02}


def assert_within(a: dict[str, float], b: dict[str, float]) -> None:
    for metric, tolerance in TOLERANCE.items():
        assert a[metric] == pytest.approx(b[metric], rel=tolerance), metric


def test_per_person_results_do_not_depend_on_the_cohort_size_drawn_from_one_site():
    """A twelvefold cohort (the issue's 4,000 v 48,000, here 2,000 v 24,000 from North Tees'
    24,600 eligible people, to keep the suite fast) gives the same per-person answer."""
    small = per_person(2000, reps=4, days=365)["north_tees"]
    large = per_person(24_000, reps=1, days=365)["north_tees"]

    assert_within(small, large)


def test_two_stockton_sized_sites_each_match_one_stockton():
    one = per_person(STOCKTON, reps=3, days=365)["north_tees"]
    two = per_person(2 * STOCKTON, reps=3, days=365, sites="auto")

    assert set(two) == {"site_001", "site_002"}
    for site in two.values():
        assert_within(site, one)
