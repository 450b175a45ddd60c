"""The synthetic cohort: exact size, shares as the parameters say, fixed by (seed, replicate),
frailty that only rises, and a peer network of ties within GP practices."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from conftest import small_scenario

from sim.model import IPCModel
from sim.network import build_peer_network
from sim.params import REGISTRY, Params
from sim.population import Frailty, People, draw_conditions, synthesise
from sim.rng import Streams

LARGE = 20_000  # synthesis alone is cheap, so shares are checked on a larger cohort


@functools.cache
def cohort(size: int = LARGE, seed: int = 0, replicate: int = 0) -> People:
    return synthesise(size, Params(), Streams(seed, replicate))


def within_sampling_error(observed: np.ndarray, p: float) -> None:
    """The share of True in `observed` is within 4 standard errors of `p`."""
    n = observed.size
    tolerance = 4 * math.sqrt(p * (1 - p) / n)
    assert abs(observed.mean() - p) < tolerance, (observed.mean(), p, tolerance)


def test_cohort_has_exactly_the_requested_size():
    people = cohort(1234)

    assert people.size == 1234
    for column in people.columns:
        assert getattr(people, column).shape == (1234,), column


def test_everyone_starts_alive_at_home_aged_65_to_100():
    people = cohort()
    assert people.alive.all()
    assert people.at_home.all()
    assert people.age.min() >= 65.0
    assert people.age.max() < 100.0


def test_respiratory_share_matches_the_parameter():
    p = Params()["population.share_respiratory"]
    within_sampling_error(cohort().copd, p)


def test_diabetes_share_is_the_diabetes_cohort_plus_the_overlap():
    p = Params()
    respiratory = p["population.share_respiratory"]
    expected = (1 - respiratory) + respiratory * p["population.share_diabetes_among_respiratory"]
    conditions = draw_conditions(np.random.default_rng(0), LARGE, p)

    within_sampling_error(conditions["diabetes"], expected)
    assert (conditions["copd"] | conditions["diabetes"]).all(), "everyone joined for one of the two"


def test_everyone_has_at_least_the_condition_they_joined_for():
    assert (cohort().n_conditions >= 1).all()


@pytest.mark.parametrize("level", list(Frailty), ids=[f.name.lower() for f in Frailty])
def test_frailty_shares_match_the_parameters(level):
    p = Params()[f"frailty.share_{level.name.lower()}"]
    within_sampling_error(cohort().frailty == level, p)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_activation_shares_match_the_parameters(level):
    p = Params()[f"activation.share_level{level}"]
    within_sampling_error(cohort().activation == level, p)


def test_living_alone_share_matches_the_parameter():
    within_sampling_error(cohort().lives_alone, Params()["population.share_living_alone"])


def test_everyone_not_living_alone_has_a_carer():
    people = cohort()
    assert people.has_carer[~people.lives_alone].all()


def test_same_seed_and_replicate_give_an_identical_cohort():
    a = synthesise(2000, Params(), Streams(7, 3))
    b = synthesise(2000, Params(), Streams(7, 3))

    for column in a.columns:
        assert np.array_equal(getattr(a, column), getattr(b, column)), column


def test_a_different_replicate_gives_a_different_cohort():
    a = synthesise(2000, Params(), Streams(7, 3))
    b = synthesise(2000, Params(), Streams(7, 4))

    assert not np.array_equal(a.age, b.age)
    assert not np.array_equal(a.frailty, b.frailty)


def test_the_cohort_does_not_depend_on_non_population_parameters():
    """Common random numbers: replicate r is the same cohort in every scenario."""
    a = synthesise(2000, Params(), Streams(7, 3))
    b = synthesise(2000, Params({"hospital.beds": 500, "crisis.ae_rate": 0.8}), Streams(7, 3))

    for column in a.columns:
        assert np.array_equal(getattr(a, column), getattr(b, column)), column


def test_frailty_moves_one_class_at_a_time_both_ways_within_the_classes():
    model = IPCModel(small_scenario(size=1500, days=120), root_seed=2)
    start = model.people.frailty.copy()
    previous = start.copy()
    for _ in range(model.days):
        model.step()
        step = model.people.frailty.astype(int) - previous
        assert np.isin(step, (-1, 0, 1)).all()
        assert model.people.frailty.min() >= Frailty.FIT and model.people.frailty.max() <= Frailty.SEVERE
        previous = model.people.frailty.copy()
    model.release()

    assert (previous > start).any(), "some people should become frailer in 120 days"
    assert (previous < start).any(), "some people should become fitter in 120 days (Gill 2006)"


def test_frailty_never_decreases_without_improvement():
    model = IPCModel(small_scenario(size=1500, days=60, overrides={"frailty.improvement": 0.0}), root_seed=2)
    start = model.people.frailty.copy()
    model.run()
    assert (model.people.frailty >= start).all()


def test_a_years_improvement_matches_its_hazard():
    """With no progression, a person above FIT moves down within a year with chance
    1 - exp(-rate) (the exponential waiting time of a constant hazard), deaths aside."""
    no_progression = {f"frailty.progression_{b}": 0.0 for b in ("65_74", "75_84", "85_plus")}
    no_deaths = {f"mortality.fit_{b}": 0.0 for b in ("65_74", "75_84", "85_plus")}
    scenario = small_scenario(size=20_000, days=365, overrides={**no_progression, **no_deaths})
    model = IPCModel(scenario, root_seed=4)
    people = model.people
    severe = np.flatnonzero((people.frailty == Frailty.SEVERE)[: people.n_start])
    model.run()
    present = severe[people.alive[severe]]
    moved = np.mean(people.frailty[present] < Frailty.SEVERE)
    rate = REGISTRY["frailty.improvement"].value / 1000
    expected = 1 - np.exp(-rate)
    assert moved == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / present.size))


@functools.cache
def network_and_people(size: int = 2000):
    people = cohort(size)
    return build_peer_network(people, Params(), Streams(0, 0)), people


def test_peer_ties_only_join_people_in_the_same_practice():
    network, people = network_and_people()
    rows, cols = network.adjacency.nonzero()

    assert rows.size > 0
    assert people.n_practices > 1
    assert (people.practice[rows] == people.practice[cols]).all()


def test_peer_ties_are_symmetric_single_and_never_to_oneself():
    network, _ = network_and_people()
    a = network.adjacency

    assert (a != a.T).nnz == 0
    assert (a.data == 1).all()
    assert a.diagonal().sum() == 0


def test_mean_degree_is_the_ties_per_person_parameter():
    network, _ = network_and_people()
    ties = Params()["network.ties_per_person"]

    assert network.degree().mean() == pytest.approx(ties, abs=0.05)


def test_peers_of_a_person_are_their_row_of_the_adjacency():
    network, _ = network_and_people()
    assert sorted(network.peers(0)) == sorted(network.adjacency[[0], :].nonzero()[1])


def test_networkx_view_has_the_same_edges():
    network, people = network_and_people()
    graph = network.to_networkx()

    assert graph.number_of_nodes() == people.size
    assert graph.number_of_edges() == network.adjacency.nnz // 2


def test_same_seed_gives_the_same_network():
    people = cohort(2000)
    a = build_peer_network(people, Params(), Streams(0, 0)).adjacency
    b = build_peer_network(people, Params(), Streams(0, 0)).adjacency

    assert (a != b).nnz == 0
