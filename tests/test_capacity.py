"""Capacity that follows demand: each resource grows with the demand for it, by hand-computed
factors, and opening or closing places and beds acts on the queues as a commissioner's would."""

from __future__ import annotations

import pytest
import simpy
from conftest import small_scenario

from sim.background import Stream
from sim.capacity import BEDS, CapacityGrowth
from sim.hospital import AcuteHospital, DischargeService, Pathway
from sim.model import IPCModel
from sim.params import REGISTRY
from sim.units import DAYS_PER_YEAR


def growth(follows: float = 1.0) -> CapacityGrowth:
    # a quarter of the demand grows 50% a year from day 0; the rest is fixed
    return CapacityGrowth({BEDS: 1.0}, {BEDS: 3.0}, 0.5, 0, follows)


def test_capacity_is_the_registrys_on_day_0():
    assert growth().factor(BEDS, 0) == 1.0


def test_capacity_grows_with_the_share_of_demand_that_grows():
    """(1 x 1.5^(t / year) + 3) / 4: after a year, 4.5 / 4."""
    assert growth().factor(BEDS, 730) == pytest.approx((1.5 ** (730 / DAYS_PER_YEAR) + 3) / 4)


def test_capacity_stays_put_when_commissioners_do_not_follow_demand():
    assert growth(follows=0.0).factor(BEDS, 730) == 1.0


def test_following_demand_halfway_grows_capacity_by_the_geometric_half():
    assert growth(0.5).factor(BEDS, 730) == pytest.approx(growth(1.0).factor(BEDS, 730) ** 0.5)


def test_each_pathway_grows_with_its_own_mix_of_requests():
    """Intermediate care is asked for mostly by the growing group, home care by both: the
    intermediate-care places grow faster."""
    growing = Stream(10.0, 0.0, 0.0, 0.0, 10.0, (0.3, 0.3, 0.0), 0.0, 0.10)
    fixed = Stream(10.0, 0.0, 0.0, 0.0, 5.0, (0.3, 0.03, 0.0), 0.0, 0.0)
    p = {"los.zero_day_hours": 1 / 3, "hospital.capacity_follows_demand": 1.0}
    g = CapacityGrowth.for_site(p, growing, fixed, growth_from=0)

    grown = 1.1 ** (365 / DAYS_PER_YEAR)  # a year on
    assert g.factor(Pathway.HOME_SUPPORT.name, 365) == pytest.approx((3 * grown + 3) / 6)
    assert g.factor(Pathway.INTERMEDIATE.name, 365) == pytest.approx((3 * grown + 0.3) / 3.3)
    # beds: 100 bed days a day grow, 50 do not
    assert g.factor(BEDS, 365) == pytest.approx((100 * grown + 50) / 150)


def test_new_places_go_to_the_queue_at_once():
    env = simpy.Environment()
    service = DischargeService(env, places=1, duration=10.0)
    granted: list[int] = []
    service.request_background(3, granted.append)  # one now, two wait
    service.set_places(3)

    assert granted == [1, 2] and service.in_use == 3


def test_closed_places_are_not_granted_until_those_in_use_fall_below_the_new_count():
    env = simpy.Environment()
    service = DischargeService(env, places=2, duration=1.0)
    service.request_background(2, lambda k: None)
    service.set_places(1)
    late = service.request()
    env.run(until=1.5)  # both places free at day 1: one is gone, the other goes to the waiting patient

    assert late.triggered and service.in_use == 1 and service.free == 0


def test_closing_beds_in_use_holds_admissions_until_enough_leave():
    hospital = AcuteHospital(cubicles=2, beds=2)
    hospital.beds.take(2)
    hospital.set_bed_capacity(1)
    hospital.beds.put(1)  # one patient leaves: still one in the one bed

    assert hospital.beds.level == 0 and not hospital.beds.try_take(1)


def test_the_model_opens_beds_and_places_as_the_site_grows():
    follow = {"hospital.capacity_follows_demand": 1.0}
    scenario = small_scenario(size=2000, days=400, overrides=follow, warm_up_days=365)
    model = IPCModel(scenario, root_seed=3)
    beds0 = model.hospital.core.bed_capacity
    p1 = model.hospital.core.councils[0][Pathway.HOME_SUPPORT]
    while model.day < 365:
        model.step()

    assert beds0 < REGISTRY["hospital.beds"].value  # the warm-up starts a year of growth back
    assert model.hospital.core.bed_capacity > REGISTRY["hospital.beds"].value
    assert p1.places > REGISTRY["pathway.p1_places"].value
    model.release()


def test_capacity_that_does_not_follow_demand_stays_at_the_registrys():
    follow = {"hospital.capacity_follows_demand": 0.0}
    model = IPCModel(small_scenario(size=2000, days=30, overrides=follow, warm_up_days=365), root_seed=3)
    model.run()
    places = model.hospital.core.councils[0][Pathway.HOME_SUPPORT].places

    assert model.hospital.core.bed_capacity == REGISTRY["hospital.beds"].value
    assert places == REGISTRY["pathway.p1_places"].value
