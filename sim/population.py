"""The people table: one typed numpy column per attribute, one row per person; ids never renumber.

People are rows, not objects (design.md: a Python object per person per day cannot meet the
performance goal). The table is declared, not grown: the cohort's own attributes are `COHORT`
below and each component declares its columns (`Component.columns`); the model builds one table
from all of them. A column is written in place (`people.x[ids] = ...`), never replaced, and a
day that has not happened is `NEVER`, the one "no such day" value of every day column.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

import numpy as np

from sim.component import Column
from sim.params import Params, ParamsView
from sim.rng import Streams
from sim.units import DAYS_PER_YEAR

NEVER = -np.inf  # the day of something that has not happened (every day-stamped column)


class Location(IntEnum):
    """Where a person is. Everyone is in exactly one of these; the first three are the cohort."""

    HOME = 0
    HOSPITAL = 1
    CARE_HOME = 2
    DEAD = 3
    OUTSIDE = 4  # not in the cohort: not joined yet, or moved out of the area


class Frailty(IntEnum):
    """Electronic frailty index classes; people move one class at a time, up or down."""

    FIT = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3


class Route(IntEnum):
    """How a person joined the cohort."""

    START = 0  # in the cohort when the run (its warm-up) began
    TURNING_65 = 1  # turned 65 with a qualifying condition
    NEW_DIAGNOSIS = 2  # diagnosed with a qualifying condition at 65 or over
    MOVED_IN = 3  # moved into the area


AGE_BANDS = (65.0, 75.0, 85.0, 100.0)  # band edges; 85+ draws ages up to 100


COHORT: tuple[Column, ...] = (
    Column("age", np.float64, 0.0, "age in years"),
    Column("practice", np.int32, 0, "GP practice (0 .. n_practices - 1)"),
    Column("copd", np.bool_, False, "long-term respiratory condition (mostly COPD)"),
    Column("n_conditions", np.int16, 0, "long-term conditions (see `draw_conditions`)"),
    Column("frailty", np.int8, Frailty.FIT, "electronic frailty index class", Frailty),
    Column("activation", np.int8, 1, "patient activation (PAM) level, 1 to 4"),
    Column("lives_alone", np.bool_, False, "lives alone"),
    Column("has_carer", np.bool_, False, "has an informal carer"),
    Column("carer_base_hours", np.float64, 0.0, "weekly caring hours at the fit frailty class"),
    Column("propensity", np.float64, 1.0, "lasting personal multiplier on the crisis hazard"),
    Column("location", np.int8, Location.HOME, "where the person is now", Location),
    Column("residence", np.int8, Location.HOME, "where the person lives: home or care home", Location),
    Column("joined", np.float64, NEVER, "day the person joined the cohort (its first day for the start)"),
    Column("route", np.int8, Route.START, "how the person joined the cohort", Route),
)


class People:
    """Per-person state for the whole cohort: the declared columns, nothing else."""

    def __init__(self, size: int, columns: Iterable[Column] = COHORT):
        object.__setattr__(self, "_data", {})
        self.size = size
        self.n_practices = 1
        self.n_start = size  # rows in the cohort at the start; the rest join later
        self.schema: dict[str, Column] = {}
        for column in columns:
            if column.name in self.schema:
                raise ValueError(f"column {column.name!r} is declared twice")
            self.schema[column.name] = column
            self._data[column.name] = np.full(size, column.default, dtype=column.dtype)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["_data"][name]
        except KeyError:
            raise AttributeError(f"people have no column {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._data:
            if value is not self._data[name]:  # `people.x += 1` rebinds the same array: fine
                raise AttributeError(f"people.{name} is a column: write into it, people.{name}[...] = ...")
            return
        object.__setattr__(self, name, value)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema)

    @property
    def ids(self) -> np.ndarray:
        return np.arange(self.size)

    @property
    def alive(self) -> np.ndarray:
        """Everyone's flag of being alive and in the cohort now (a new array): the rows the
        model acts on. People who have not joined yet, or who moved away, are not."""
        return self.location <= Location.CARE_HOME

    def is_alive(self, ids: np.ndarray) -> np.ndarray:
        """The alive-and-in-the-cohort flag of each of `ids`."""
        return self.location[ids] <= Location.CARE_HOME

    @property
    def at_home(self) -> np.ndarray:
        return self.location == Location.HOME

    def age_band(self) -> np.ndarray:
        """0: 65-74, 1: 75-84, 2: 85+."""
        return (self.age >= AGE_BANDS[1]).astype(np.int8) + (self.age >= AGE_BANDS[2])


def _categorical(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=np.asarray(shares) / np.sum(shares)).astype(np.int8)


def draw_conditions(rng: np.random.Generator, size: int, p: Params | ParamsView) -> dict[str, np.ndarray]:
    """Who has which long-term condition: the cohort joined for a respiratory condition or,
    later, diabetes; heart failure and dementia add to the count, and so do other conditions."""
    respiratory = rng.random(size) < p["population.share_respiratory"]
    return {
        "copd": respiratory,
        "diabetes": ~respiratory | (rng.random(size) < p["population.share_diabetes_among_respiratory"]),
        "heart_failure": rng.random(size) < p["population.share_heart_failure"],
        "dementia": rng.random(size) < p["population.share_dementia"],
        "other": rng.poisson(p["population.other_conditions_mean"], size),
    }


def starting_size(size: int, params: Params | ParamsView, warm_up_days: int) -> int:
    """The cohort to draw at the start of the warm-up, so that it has grown to `size` (the
    scenario's cohort, as a planner means it: the people there on day 0) by day 0."""
    growth = (1.0 + params["cohort.growth_rate"]) ** (warm_up_days / DAYS_PER_YEAR)
    return max(1, round(size / growth))


def entries_per_day(start: int, params: Params | ParamsView, start_day: int, end_day: int) -> np.ndarray:
    """Expected entries on each day from `start_day` to `end_day - 1`: growth of the projected
    cohort plus replacement of its deaths and of those who move away, all per person of the
    projection [stockton-jsna]. The schedule is fixed before the run, so it is the same in every
    scenario and a person's id means the same person in each."""
    years = (np.arange(start_day, end_day) - start_day) / DAYS_PER_YEAR
    return start * _entry_rate(params) * (1.0 + params["cohort.growth_rate"]) ** years


def _entry_rate(p: Params | ParamsView) -> float:
    """Entries per person of the projected cohort a day: its continuous growth plus the
    replacement of deaths and of those who move away."""
    return (
        np.log1p(p["cohort.growth_rate"]) / DAYS_PER_YEAR
        + p["cohort.replacement_rate"]
        + p["cohort.out_migration_rate"]
    )


def synthesise(
    size: int,
    params: Params | ParamsView,
    streams: Streams,
    columns: Iterable[Column] = (),
    start_day: int = 0,
    end_day: int = 0,
) -> People:
    """Draw the cohort into a table with `COHORT` and the given component `columns`: the
    people there on `start_day`, then everyone who will join before `end_day`, in the order
    they join (they wait as `Location.OUTSIDE`). Depends only on (seed, replicate, size, days,
    population parameters). Each attribute has its own named stream, and entrants have
    their own, so adding or changing one never moves the others' draws."""
    p = params
    start = starting_size(size, p, -start_day)
    expected = entries_per_day(start, p, start_day, end_day)
    counts = streams.generator("cohort.entries").poisson(expected)
    entrants = int(counts.sum())
    people = People(start + entrants, (*COHORT, *columns))
    practices = max(1, round(p["population.practices"] * size / p["population.reference_size"]))
    people.n_practices = practices
    people.n_start = start
    _draw_attributes(people, slice(0, start), p, streams, "population")
    _draw_attributes(people, slice(start, start + entrants), p, streams, "entrants")
    people.joined[:start] = start_day
    if entrants:
        joining = slice(start, start + entrants)
        people.joined[joining] = np.repeat(np.arange(start_day, end_day), counts)
        people.location[joining] = Location.OUTSIDE
        people.route[joining] = _entry_routes(streams.generator("entrants.route"), entrants, p)
        turning = np.flatnonzero(people.route == Route.TURNING_65)
        people.age[turning] = AGE_BANDS[0]
    return people


def _entry_routes(rng: np.random.Generator, n: int, p: Params | ParamsView) -> np.ndarray:
    """Each entrant's route: moving in at the in-migration rate's share of all entries, and
    the rest turning 65 or newly diagnosed (`cohort.share_turning_65`)."""
    moved = rng.random(n) < min(p["cohort.in_migration_rate"] / _entry_rate(p), 1.0)
    turning = rng.random(n) < p["cohort.share_turning_65"]
    return np.where(moved, Route.MOVED_IN, np.where(turning, Route.TURNING_65, Route.NEW_DIAGNOSIS)).astype(
        np.int8
    )


def _draw_attributes(
    people: People, rows: slice, p: Params | ParamsView, streams: Streams, prefix: str
) -> None:
    """Fill `rows` with attributes drawn from streams named `prefix.<attribute>`."""
    size = rows.stop - rows.start
    if size <= 0:
        return
    rng = streams.generator(f"{prefix}.age")
    ages = [
        p["population.share_age_65_74"],
        p["population.share_age_75_84"],
        p["population.share_age_85_plus"],
    ]
    band = _categorical(rng, ages, size)
    lo = np.asarray(AGE_BANDS[:-1])[band]
    hi = np.asarray(AGE_BANDS[1:])[band]
    people.age[rows] = lo + rng.random(size) * (hi - lo)

    people.practice[rows] = streams.generator(f"{prefix}.practice").integers(0, people.n_practices, size=size)

    conditions = draw_conditions(streams.generator(f"{prefix}.conditions"), size, p)
    people.copd[rows] = conditions["copd"]
    flagged = sum(conditions[c].astype(np.int16) for c in ("copd", "diabetes", "heart_failure", "dementia"))
    people.n_conditions[rows] = flagged + conditions["other"]

    frailty_shares = [p[f"frailty.share_{f.name.lower()}"] for f in Frailty]
    people.frailty[rows] = _categorical(streams.generator(f"{prefix}.frailty"), frailty_shares, size)
    activation_shares = [p[f"activation.share_level{k}"] for k in range(1, 5)]
    people.activation[rows] = 1 + _categorical(
        streams.generator(f"{prefix}.activation"), activation_shares, size
    )

    rng = streams.generator(f"{prefix}.household")
    alone = rng.random(size) < p["population.share_living_alone"]
    people.lives_alone[rows] = alone
    has_carer = ~alone | (rng.random(size) < p["population.share_alone_with_carer"])
    people.has_carer[rows] = has_carer
    base_hours = rng.gamma(p["carers.hours_shape"], p["carers.hours_mean"] / p["carers.hours_shape"], size)
    people.carer_base_hours[rows] = np.where(has_carer, base_hours, 0.0)

    shape = p["crisis.propensity_shape"]
    people.propensity[rows] = streams.generator(f"{prefix}.propensity").gamma(shape, 1.0 / shape, size)
