"""The person-level event log (`sim.event_log`) against oracles it does not compute: the daily
metrics the components report, the hospital's midnight census of delayed patients, the model's
own per-person counters, and the same replicate run under another scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import drain_hospital, lever_scenario, small_scenario, step_days

from sim.component import Column, Component, Phase, Today
from sim.event_log import COLUMNS, EVENT_NAMES, METRIC_OF, PATHWAY_NAMES, SCHEMA, Event, EventLog
from sim.hospital import Pathway
from sim.levers.care_planning import PlanStatus
from sim.model import IPCModel
from sim.population import Location

SIZE, DAYS, START, SEED = 2000, 200, 20, 7
LEVERS = {
    "care_planning": {"coordinators": 6, "target_plans": 100_000},
    "phb": {"target_budgets": 100_000, "min_conditions": 0},
    "peer_support": {"groups": 6},
    "advocacy": {"advocates": 3},
}
EFFECTS = {"advocacy.discharge_divert_share": 0.3, "care_planning.contingency_share": 0.3}


def event_log(model: IPCModel) -> EventLog:
    [log] = [c for c in model.schedule.components if isinstance(c, EventLog)]
    return log


def events_of(model: IPCModel, scenario: str = "s", replicate: int = 0) -> pd.DataFrame:
    return event_log(model).table(scenario, replicate).to_pandas()


def per_day(events: pd.DataFrame, event: Event, days: int) -> np.ndarray:
    """How many `event` rows each day has (0 where none)."""
    rows = events[events["event"] == event.name.lower()]
    return np.bincount(rows["day"].to_numpy(), minlength=days)[:days]


@pytest.fixture(scope="module")
def run():
    """Every lever on from day START, with the hospital drained after the horizon so that the
    midnights of patients still delayed at the end are known."""
    model = IPCModel(lever_scenario(SIZE, DAYS, EFFECTS, start_day=START, **LEVERS), root_seed=SEED,
                     components=[EventLog])  # fmt: skip
    model.run()
    daily = model.recorder.frame()
    events = events_of(model)
    _, drained = drain_hospital(model)
    return model, daily, events, drained


# --- counts add up to the daily metrics ------------------------------------------------------------
@pytest.mark.parametrize("event", list(METRIC_OF), ids=lambda e: e.name.lower())
def test_each_events_count_per_day_is_its_daily_metric(run, event):
    _, daily, events, _ = run
    counts = per_day(events, event, DAYS)

    np.testing.assert_array_equal(counts, daily[METRIC_OF[event]].to_numpy())
    assert counts.sum() > 0, "the scenario must make this event happen"


@pytest.mark.parametrize(
    ("started", "ended", "stock"),
    [
        (Event.PHB_STARTED, Event.PHB_ENDED, "phbs_active"),
        (Event.PEER_JOINED, Event.PEER_LEFT, "peer_members_active"),
    ],
    ids=["budgets", "peer_members"],
)
def test_starts_less_ends_are_the_days_change_in_the_stock(run, started, ended, stock):
    _, daily, events, _ = run
    change = np.diff(daily[stock].to_numpy(), prepend=0.0)

    np.testing.assert_array_equal(per_day(events, started, DAYS) - per_day(events, ended, DAYS), change)
    assert per_day(events, ended, DAYS).sum() > 0


def test_every_crisis_is_managed_at_home_or_an_attendance_the_same_day(run):
    _, _, events, _ = run
    key = ["day", "person"]
    crises = events.loc[events["event"] == "crisis", key]
    handled = events.loc[events["event"].isin(["managed_at_home", "ae_attendance"]), key]

    pd.testing.assert_frame_equal(
        crises.sort_values(key).reset_index(drop=True), handled.sort_values(key).reset_index(drop=True)
    )
    assert (events["event"] == "managed_at_home").any()


def test_deaths_at_home_and_in_hospital_are_all_there_once(run):
    model, daily, events, _ = run
    dead = events.loc[events["event"] == "death", "person"]

    assert dead.is_unique
    assert set(dead) == set(np.flatnonzero(model.people.location == Location.DEAD))
    assert (
        events[events["person"].isin(dead)]
        .groupby("person")["day"]
        .max()
        .equals(events[events["event"] == "death"].set_index("person")["day"].sort_index())
    ), "nothing happens to a person after their death"


def test_discharges_carry_their_pathway_and_delayed_days(run):
    _, daily, events, _ = run
    discharges = events[events["event"] == "discharge"]
    late = discharges[discharges["delayed_days"] > 0]
    to_care_homes = discharges[discharges["pathway"] == f"P{int(Pathway.CARE_HOME)}"]

    assert discharges["pathway"].notna().all() and discharges["delayed_days"].ge(0).all()
    assert events.loc[events["event"] != "discharge", ["pathway", "delayed_days"]].isna().all().all()
    np.testing.assert_array_equal(
        np.bincount(late["day"], minlength=DAYS), daily["delayed_discharges"].to_numpy()
    )
    np.testing.assert_array_equal(
        np.bincount(to_care_homes["day"], minlength=DAYS), daily["care_home_admissions"].to_numpy()
    )
    assert (discharges.loc[discharges["pathway"] == "P0", "delayed_days"] == 0).all(), "P0 never waits"


def test_delayed_days_rebuild_the_midnight_census_of_delayed_patients(run):
    """`dtoc_days` is a stock, counted at each midnight; `delayed_days` belongs to a stay and is
    known when it ends. A discharge on day e with k delayed days was counted on days e-k .. e-1,
    so summed over days, dtoc_days = the delayed days of the log's discharges + the midnights
    spent so far by patients still delayed at the horizon. The two are equal over stays that
    have finished; the test finds the rest by draining the hospital after the horizon."""
    _, daily, events, drained = run
    discharges = events[events["event"] == "discharge"]
    first = (discharges["day"] - discharges["delayed_days"]).to_numpy().astype(int)
    last = discharges["day"].to_numpy()  # exclusive
    first = np.concatenate([first, [int(np.floor(s.fit)) for s in drained]])
    last = np.concatenate([last, [int(np.floor(s.left)) for s in drained]])
    census = np.zeros(DAYS + 1, dtype=int)
    np.add.at(census, np.clip(first, 0, DAYS), 1)
    np.add.at(census, np.clip(last, 0, DAYS), -1)

    dtoc = daily["dtoc_days"].to_numpy()
    np.testing.assert_array_equal(np.cumsum(census)[:DAYS], dtoc)
    assert discharges["delayed_days"].sum() < dtoc.sum(), "some patients were still delayed at the end"
    assert dtoc.sum() > 0


# --- the log changes nothing -----------------------------------------------------------------------
def test_a_run_with_the_log_is_the_run_without_it(run):
    _, with_log, _, _ = run
    model = IPCModel(lever_scenario(SIZE, DAYS, EFFECTS, start_day=START, **LEVERS), root_seed=SEED)
    model.run()

    pd.testing.assert_frame_equal(model.recorder.frame(), with_log)


def test_the_log_runs_last_in_the_day_after_every_lever(run):
    model, *_ = run
    assert model.schedule.components[-1] is event_log(model)


# --- people can be followed across scenarios -----------------------------------------------------
def test_person_ids_are_the_same_people_in_every_scenario_of_a_replicate():
    """Before the levers start, the scenario with them is the baseline draw for draw: the same
    row id is the same person, with the same attributes and the same events."""
    start, days = 40, 60
    base = IPCModel(small_scenario(size=SIZE, days=days), replicate=2, root_seed=SEED, components=[EventLog])
    levers = IPCModel(lever_scenario(SIZE, days, start_day=start, **LEVERS), replicate=2, root_seed=SEED,
                      components=[EventLog])  # fmt: skip
    for column in ("age", "practice", "n_conditions", "frailty", "activation", "propensity"):
        np.testing.assert_array_equal(getattr(base.people, column), getattr(levers.people, column))
    base.run()
    levers.run()
    a, b = events_of(base, "baseline", 2), events_of(levers, "at_scale", 2)

    before = [c for c in COLUMNS if c != "scenario"]
    pd.testing.assert_frame_equal(
        a.loc[a["day"] < start, before].reset_index(drop=True),
        b.loc[b["day"] < start, before].reset_index(drop=True),
    )
    first_crisis = {
        name: f[f["event"] == "crisis"].groupby("person")["day"].min()
        for name, f in (("baseline", a), ("at_scale", b))
    }
    early = first_crisis["baseline"][first_crisis["baseline"] < start]
    assert len(early) > 0
    pd.testing.assert_series_equal(early, first_crisis["at_scale"].reindex(early.index))
    assert (
        not a.loc[a["day"] >= start, before]
        .reset_index(drop=True)
        .equals(b.loc[b["day"] >= start, before].reset_index(drop=True))
    ), "after the start the levers change what happens"


# --- a cohort definition of one's own -------------------------------------------------------------
class AdmissionCounter(Component):
    """A test-only component: counts each person's admissions from the ADMITTED hook, which the
    log does not use."""

    name = "admission_counter"
    phase = Phase.OBSERVE
    columns = (Column("admissions_counted", np.int32, 0, "emergency admissions, counted by the test"),)

    def admitted(self, today: Today) -> None:
        np.add.at(self.people.admissions_counted, today.admitted, 1)


def test_people_with_two_or_more_admissions_in_a_year_agree_with_the_models_own_counts():
    year = 365
    model = IPCModel(
        small_scenario(size=SIZE, days=year), root_seed=SEED, components=[EventLog, AdmissionCounter]
    )
    model.run()
    events = events_of(model)

    def two_or_more(event: str) -> set[int]:
        counts = events[events["event"] == event].groupby("person").size()
        return set(counts[counts >= 2].index)

    frequent_attenders = two_or_more("ae_attendance")
    frequent_admissions = two_or_more("admission")
    assert frequent_attenders == set(np.flatnonzero(model.people.ae_count >= 2))
    assert frequent_admissions == set(np.flatnonzero(model.people.admissions_counted >= 2))
    assert len(frequent_admissions) > 0


# --- what the table is --------------------------------------------------------------------------
def test_the_table_has_the_documented_compact_schema(run):
    model, *_ = run
    table = event_log(model).table("at_scale", 3)

    assert table.schema.equals(SCHEMA)
    frame = table.to_pandas()
    assert list(frame["event"].cat.categories) == list(EVENT_NAMES)
    assert list(frame["pathway"].cat.categories) == list(PATHWAY_NAMES) == ["P0", "P1", "P2", "P3"]
    assert (frame["scenario"] == "at_scale").all() and (frame["replicate"] == 3).all()
    order = frame["day"].to_numpy() * len(Event) + frame["event"].cat.codes.to_numpy()
    assert (np.diff(order) >= 0).all(), "rows are in day order, then event order"


def test_warm_up_days_are_watched_but_never_written():
    """An open cohort's warm-up runs days before 0: a status that changes then is yesterday's
    on day 0, not a day-0 event; joiners and crises on day -1 are not written."""
    model = IPCModel(lever_scenario(1000, 10, **LEVERS), root_seed=SEED)
    log = EventLog(model)
    people = model.people
    people.plan_status[[3, 4]] = PlanStatus.PLANNED
    log.step(Today(-1, entered=np.array([7]), crises=np.array([8])))
    people.plan_status[5] = PlanStatus.PLANNED
    log.step(Today(0, entered=np.array([9])))
    frame = log.table("s", 0).to_pandas()

    assert frame[["person", "day", "event"]].values.tolist() == [[9, 0, "entry"], [5, 0, "plan_completed"]]


def test_a_lever_that_is_off_writes_no_events():
    model = IPCModel(small_scenario(size=1000, days=30), root_seed=SEED, components=[EventLog])
    step_days(model)
    events = events_of(model)

    lever_events = {e.name.lower() for e in Event if e >= Event.PLAN_COMPLETED}
    assert not set(events["event"]) & lever_events
    assert len(events) > 0
