"""The synthetic cohort: one numpy column per attribute, one row per person, ids never renumber.

People are rows, not objects (design.md: a Python object per person per day cannot meet the
performance goal). Levers add their own columns with `People.add_column`.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.params import Params
from sim.rng import Streams


class Location(IntEnum):
    """Where a person is. Everyone is in exactly one of these."""

    HOME = 0
    HOSPITAL = 1
    CARE_HOME = 2
    DEAD = 3


class Frailty(IntEnum):
    """Electronic frailty index classes; people only move up."""

    FIT = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3


AGE_BANDS = (65.0, 75.0, 85.0, 100.0)  # band edges; 85+ draws ages up to 100
CONDITION_FLAGS = ("copd", "diabetes", "heart_failure", "dementia")


class People:
    """Per-person state for the whole cohort."""

    def __init__(self, size: int):
        self.size = size
        self.ids = np.arange(size)
        self._columns: list[str] = []

    def add_column(self, name: str, values: np.ndarray) -> None:
        """Register a per-person column (levers call this in their setup)."""
        if values.shape != (self.size,):
            raise ValueError(f"column {name} has shape {values.shape}, expected ({self.size},)")
        setattr(self, name, values)
        self._columns.append(name)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._columns)

    @property
    def alive(self) -> np.ndarray:
        return self.location != Location.DEAD

    @property
    def at_home(self) -> np.ndarray:
        return self.location == Location.HOME

    def age_band(self) -> np.ndarray:
        """0: 65-74, 1: 75-84, 2: 85+."""
        return (self.age >= AGE_BANDS[1]).astype(np.int8) + (self.age >= AGE_BANDS[2])


def _categorical(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=np.asarray(shares) / np.sum(shares)).astype(np.int8)


def synthesise(size: int, params: Params, streams: Streams) -> People:
    """Draw the cohort. Depends only on (seed, replicate, size, population parameters)."""
    rng = streams.generator("population")
    p = params
    people = People(size)

    band = _categorical(
        rng,
        [p["population.share_age_65_74"], p["population.share_age_75_84"], p["population.share_age_85_plus"]],
        size,
    )
    lo = np.asarray(AGE_BANDS[:-1])[band]
    hi = np.asarray(AGE_BANDS[1:])[band]
    people.add_column("age", lo + rng.random(size) * (hi - lo))
    people.add_column("female", rng.random(size) < p["population.share_female"])

    practices = max(1, round(p["population.practices"] * size / p["population.reference_size"]))
    people.add_column("practice", rng.integers(0, practices, size=size).astype(np.int32))
    people.n_practices = practices

    respiratory = rng.random(size) < p["population.share_respiratory"]
    diabetes = ~respiratory | (rng.random(size) < p["population.share_diabetes_among_respiratory"])
    people.add_column("copd", respiratory)
    people.add_column("diabetes", diabetes)
    people.add_column("heart_failure", rng.random(size) < p["population.share_heart_failure"])
    people.add_column("dementia", rng.random(size) < p["population.share_dementia"])
    other = rng.poisson(p["population.other_conditions_mean"], size)
    flagged = sum(getattr(people, f).astype(np.int16) for f in CONDITION_FLAGS)
    people.add_column("n_conditions", (flagged + other).astype(np.int16))

    people.add_column(
        "frailty",
        _categorical(
            rng,
            [
                p["frailty.share_fit"],
                p["frailty.share_mild"],
                p["frailty.share_moderate"],
                p["frailty.share_severe"],
            ],
            size,
        ),
    )
    people.add_column(
        "activation",
        (
            1
            + _categorical(
                rng,
                [p[f"activation.share_level{k}"] for k in range(1, 5)],
                size,
            )
        ).astype(np.int8),
    )

    alone = rng.random(size) < p["population.share_living_alone"]
    people.add_column("lives_alone", alone)
    people.add_column("has_carer", ~alone | (rng.random(size) < p["population.share_alone_with_carer"]))
    base_hours = rng.gamma(p["carers.hours_shape"], p["carers.hours_mean"] / p["carers.hours_shape"], size)
    people.add_column("carer_base_hours", np.where(people.has_carer, base_hours, 0.0))
    people.add_column("carer_strain", np.zeros(size))

    shape = p["crisis.propensity_shape"]
    people.add_column("propensity", rng.gamma(shape, 1.0 / shape, size))
    people.add_column("episode", np.zeros(size))
    people.add_column("location", np.full(size, Location.HOME, dtype=np.int8))
    people.add_column("residence", np.full(size, Location.HOME, dtype=np.int8))  # home or care home
    add_service_columns(people)
    return people


NEVER = -np.inf  # "no such day yet" for day-stamped columns


def add_service_columns(people: People) -> None:
    """Use of services and IPC status: zero or empty for everyone at the start, so the columns
    exist whichever levers a scenario switches on."""
    n = people.size
    people.add_column("ae_count", np.zeros(n, dtype=np.int32))  # A&E attendances so far
    people.add_column("short_stay_count", np.zeros(n, dtype=np.int32))  # zero/one-day admissions
    people.add_column("recent_use", np.zeros(n))  # decaying count of attendances (risk scores)
    people.add_column("recent_use_day", np.full(n, NEVER))
    people.add_column("rehab_until", np.full(n, NEVER))  # pulmonary rehab lowers risk until
    people.add_column("activation_boost", np.zeros(n))  # PAM levels added by peer support
    people.add_column("plan_day", np.full(n, NEVER))  # day a care plan was completed
    people.add_column("phb_budget", np.zeros(n))  # annual budget in payment (GBP), 0 if none
    people.add_column("advocate_until", np.full(n, NEVER))
    people.add_column("peer_until", np.full(n, NEVER))  # member of a peer group until


def has_plan(people: People) -> np.ndarray:
    return np.isfinite(people.plan_day)
