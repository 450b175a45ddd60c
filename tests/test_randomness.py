"""Random numbers belong to (decision, day or event count, person), so changing one person's
path moves nobody else's draws, and a lever with no effect changes nothing at all."""

from __future__ import annotations

import math

import numpy as np

from sim.component import Component, Phase
from sim.model import IPCModel
from sim.rng import HazardClock, Streams
from sim.scenario import load_scenario

UNLIMITED = {
    "ae.cubicles": 100_000,
    "hospital.beds": 1_000_000,
    "pathway.p1_places": math.inf,
    "pathway.p2_places": math.inf,
    "pathway.p3_places": math.inf,
}


def scenario(days: int = 120, size: int = 1500, **overrides: float):
    base = load_scenario("scenarios/baseline.yaml")
    return type(base)(
        **{
            **base.__dict__,
            "population_size": size,
            "horizon_days": days,
            "overrides": {**base.overrides, **overrides},
        }
    )


class NoEffect(Component):
    """A lever switched on with every effect set to 'no effect'."""

    name = "no_effect"
    phase = Phase.SERVICES

    def crisis_multiplier(self):
        return np.ones(self.model.people.size)

    def managed_at_home(self, crises, acuity):
        return np.zeros(crises.size)

    def respite_hours(self):
        return np.zeros(self.model.people.size)


class FrailerPersonZero(Component):
    """Changes one person's path: person 0's crisis hazard is fifty times higher."""

    name = "frailer_person_zero"
    phase = Phase.SERVICES

    def crisis_multiplier(self):
        m = np.ones(self.model.people.size)
        m[0] = 50.0
        return m


def run(spec, components=()) -> IPCModel:
    model = IPCModel(spec, replicate=0, root_seed=11, components=components)
    model.run()
    return model


def test_a_lever_with_no_effect_leaves_every_outcome_identical() -> None:
    spec = scenario()
    base, lever = run(spec), run(spec, [NoEffect])
    assert base.recorder.frame().equals(lever.recorder.frame())


def test_one_persons_extra_crises_leave_everyone_elses_events_unchanged() -> None:
    spec = scenario(**UNLIMITED)
    base, changed = run(spec), run(spec, [FrailerPersonZero])
    assert changed.health.clock.count[0] > base.health.clock.count[0]
    others = slice(1, None)
    for clock in ("health.clock", "demography.deaths", "demography.frailer", "carers.clock"):
        a, b = _get(base, clock), _get(changed, clock)
        assert np.array_equal(a.count[others], b.count[others]), clock
    assert np.array_equal(base.people.location[others], changed.people.location[others])


def _get(model: IPCModel, dotted: str):
    obj = model
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def test_a_persons_draw_does_not_depend_on_who_else_is_drawn() -> None:
    streams = Streams(5, 2)
    alone = streams.uniform("ae.admit", 17, np.array([42]))
    together = streams.uniform("ae.admit", 17, np.array([3, 42, 99]))
    assert alone[0] == together[1]


def test_streams_differ_by_decision_day_and_replicate() -> None:
    ids = np.arange(1000)
    a = Streams(5, 0).uniform("x", 1, ids)
    assert not np.array_equal(a, Streams(5, 0).uniform("y", 1, ids))
    assert not np.array_equal(a, Streams(5, 0).uniform("x", 2, ids))
    assert not np.array_equal(a, Streams(5, 1).uniform("x", 1, ids))
    assert np.array_equal(a, Streams(5, 0).uniform("x", 1, ids))


def test_hashed_uniforms_are_uniform() -> None:
    u = Streams(1, 0).uniform("check", 0, np.arange(200_000))
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = u.size / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 43.8  # 99.9th percentile of chi-square with 19 df
    assert u.min() > 0 and u.max() < 1


def test_a_lower_hazard_delays_the_same_event_rather_than_redrawing_it() -> None:
    streams = Streams(3, 0)
    high, low = HazardClock(streams, "crisis", 100), HazardClock(streams, "crisis", 100)
    first_high = np.full(100, -1)
    first_low = np.full(100, -1)
    for day in range(2000):
        for clock, first, rate in ((high, first_high, 0.02), (low, first_low, 0.01)):
            fired = clock.advance(np.full(100, rate))
            fresh = fired[first[fired] < 0]
            first[fresh] = day
    assert np.all(first_low >= first_high)
