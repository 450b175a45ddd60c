"""The SimPy hospital on its own: queueing theory, access block, pathway capacity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.hospital import AcuteHospital, AttendancePlan, Pathway, Stay

HOURS = 1 / 24
NO_PATHWAY_LIMITS = {Pathway.HOME: math.inf}


def erlang_c(arrivals_per_day: float, service_days: float, servers: int) -> tuple[float, float]:
    """M/M/c: probability of waiting and mean wait in queue (days)."""
    a = arrivals_per_day * service_days
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait, p_wait * service_days / (servers - a)


def mmc_run(rate: float, service: float, servers: int, days: float, seed: int):
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * days)
    arrival = np.sort(rng.uniform(0, days, n))
    hospital = AcuteHospital(cubicles=servers, beds=1, slots_per_day=NO_PATHWAY_LIMITS)
    hospital.admit_plan(AttendancePlan.ae_only(arrival, rng.exponential(service, n)))
    hospital.run_until(days)
    return hospital, n


@pytest.mark.parametrize(
    ("rate", "servers"), [(10.0, 2), (20.0, 3), (40.0, 5)], ids=["rho0.52", "rho0.69", "rho0.83"]
)
def test_ae_waits_match_erlang_c(rate: float, servers: int) -> None:
    service = 2.5 * HOURS
    p_wait, mean_wait = erlang_c(rate, service, servers)
    waits, waited = [], []
    for seed in range(12):
        hospital, _ = mmc_run(rate, service, servers, days=400, seed=seed)
        w = np.asarray(hospital.log.ae_waits)
        waits.append(w.mean())
        waited.append((w > 0).mean())
    for observed, theory in ((waits, mean_wait), (waited, p_wait)):
        se = np.std(observed, ddof=1) / np.sqrt(len(observed))
        assert abs(np.mean(observed) - theory) < max(4 * se, 0.02 * theory)


def test_ae_obeys_littles_law() -> None:
    service = 2.5 * HOURS
    hospital, n = mmc_run(30.0, service, 4, days=500, seed=1)
    waits = np.asarray(hospital.log.ae_waits)
    rng = np.random.default_rng(1)  # same draws as mmc_run: recover the service times
    rng.poisson(30.0 * 500)
    rng.uniform(0, 500, n)
    time_in_ae = waits + rng.exponential(service, n)[: waits.size]
    assert hospital.in_ae.mean() == pytest.approx(n / 500 * time_in_ae.mean(), rel=0.02)


def admitted_plan(arrivals: list[float], los: float, pathway: Pathway = Pathway.HOME) -> AttendancePlan:
    n = len(arrivals)
    return AttendancePlan(
        person=np.arange(n),
        arrival=np.asarray(arrivals, float),
        assessment=np.full(n, 0.1),
        stay=np.full(n, Stay.LONG, np.int8),
        los=np.full(n, los),
        dies=np.zeros(n, bool),
        pathway=np.full(n, pathway, np.int8),
    )


def test_a_full_hospital_holds_admitted_patients_in_ae() -> None:
    hospital = AcuteHospital(cubicles=5, beds=1, slots_per_day=NO_PATHWAY_LIMITS)
    hospital.admit_plan(admitted_plan([0.0, 0.05], los=2.0))
    hospital.run_until(1.0)
    assert hospital.in_bed == 1
    assert hospital.in_ae.level == 1  # the second patient waits for a bed in a cubicle
    assert hospital.cubicles.count == 1
    hospital.run_until(2.5)
    assert hospital.in_bed == 1 and hospital.in_ae.level == 0


def test_background_occupancy_takes_beds_from_the_same_queue() -> None:
    hospital = AcuteHospital(cubicles=5, beds=10, slots_per_day=NO_PATHWAY_LIMITS)
    hospital.set_background_beds(10)
    hospital.admit_plan(admitted_plan([0.0], los=1.0))
    hospital.run_until(0.5)
    assert hospital.background_in_bed == 10 and hospital.in_bed == 0
    hospital.set_background_beds(7)
    hospital.run_until(0.9)
    assert hospital.in_bed == 1 and hospital.beds_in_use == 8


def test_pathway_capacity_delays_discharge_and_unused_slots_lapse() -> None:
    hospital = AcuteHospital(
        cubicles=5, beds=10, slots_per_day={Pathway.HOME: math.inf, Pathway.CARE_HOME: 0.5}
    )
    # Day 0: slot carry 0.5 -> no slot; day 1: one slot. Three patients fit on day 0.
    hospital.admit_plan(admitted_plan([0.0, 0.0, 0.0], los=0.5, pathway=Pathway.CARE_HOME))
    left = []
    for day in range(6):
        hospital.open_day_slots()
        hospital.run_until(day + 1)
        left += [d.left for d in hospital.new_day_log().finished]
    assert [math.floor(t) for t in left] == [1, 3, 5]
    assert hospital.delayed == 0


def test_unused_slots_do_not_accumulate() -> None:
    hospital = AcuteHospital(
        cubicles=5, beds=10, slots_per_day={Pathway.HOME: math.inf, Pathway.CARE_HOME: 1.0}
    )
    for day in range(5):
        hospital.open_day_slots()
        hospital.run_until(day + 1)
    hospital.open_day_slots()
    assert hospital.slots_open(Pathway.CARE_HOME) == 1
