"""The SimPy hospital on its own: queueing theory, access block, the A&E standards, and
discharge capacity held over time and shared first-come with background patients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.hospital import AcuteHospital, AttendancePlan, DischargeService, Pathway, Stay

HOURS = 1 / 24


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
    hospital = AcuteHospital(cubicles=servers, beds=1)
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


def plan(arrivals, los=1.0, pathway=Pathway.HOME, assessment=0.1, stay=Stay.LONG, bed_wait=0.0, arrange=0.0):
    n = len(arrivals)
    return AttendancePlan(
        person=np.arange(n),
        arrival=np.asarray(arrivals, float),
        assessment=np.full(n, assessment),
        stay=np.full(n, stay, np.int8),
        los=np.full(n, los),
        dies=np.zeros(n, bool),
        pathway=np.full(n, pathway, np.int8),
        bed_wait=np.full(n, bed_wait),
        arrange=np.full(n, arrange),
        council=np.zeros(n, np.int16),
    )


def one_council(env: simpy.Environment, pathway: Pathway, places: float, duration: float, arrange=0.0):
    services = {p: DischargeService(env, math.inf, 0.0) for p in Pathway if p != Pathway.HOME}
    services[pathway] = DischargeService(env, places, duration, arrange)
    return [services]


# --- A&E and beds -----------------------------------------------------------------------------------
def test_a_full_hospital_holds_admitted_patients_in_ae() -> None:
    hospital = AcuteHospital(cubicles=5, beds=1)
    hospital.admit_plan(plan([0.0, 0.05], los=2.0))
    hospital.run_until(1.0)
    assert hospital.in_bed == 1
    assert hospital.in_ae.level == 1  # the second patient waits for a bed in a cubicle
    assert hospital.cubicles.level == 4
    hospital.run_until(2.5)
    assert hospital.in_bed == 1 and hospital.in_ae.level == 0


def test_background_patients_holding_cubicles_make_cohort_patients_wait() -> None:
    hospital = AcuteHospital(cubicles=3, beds=5)
    hospital.hold_cubicles(3)
    hospital.admit_plan(plan([0.0], stay=Stay.NOT_ADMITTED, assessment=1 * HOURS))
    hospital.run_until(0.5)
    assert hospital.log.ae_waits == [] and hospital.in_ae.level == 1  # no cubicle yet
    hospital.hold_cubicles(1)  # two are handed back
    hospital.run_until(1.0)
    assert hospital.log.ae_waits == [pytest.approx(0.5)]


def test_an_attendance_over_four_hours_and_a_twelve_hour_trolley_wait_are_counted() -> None:
    hospital = AcuteHospital(cubicles=5, beds=1)
    # one long assessment (5 hours), one admission that waits 13 hours for the only bed
    hospital.admit_plan(plan([0.0], stay=Stay.NOT_ADMITTED, assessment=5 * HOURS))
    hospital.admit_plan(plan([0.0, 0.0], los=14 * HOURS, assessment=0.5 * HOURS))
    hospital.run_until(1.0)
    log = hospital.log
    assert log.over_four_hours == 2  # the long assessment and the second admission
    assert log.trolley_waits == 1


def test_the_wait_for_a_ready_bed_follows_the_occupancy_at_the_decision() -> None:
    """Access block: a patient's wait for a bed to be made ready is their draw times the mean
    the occupancy at the decision gives (here 10 hours empty, 20 hours half full)."""

    def mean(occupancy: float) -> float:
        return (10 + 20 * occupancy) * HOURS

    hospital = AcuteHospital(cubicles=5, beds=2, bed_wait_mean=mean)
    hospital.admit_plan(plan([0.0], los=2.0, bed_wait=1.0, assessment=0.0))  # decides with 0 of 2 in use
    hospital.admit_plan(plan([1.0], los=0.5, bed_wait=0.5, assessment=0.0))  # with 1 of 2 in use
    hospital.run_until(5.0)
    admitted = sorted(d.admitted for d in hospital.log.finished)
    assert admitted == pytest.approx([10 * HOURS, 1.0 + 0.5 * 20 * HOURS])


# --- discharge capacity held over time --------------------------------------------------------------
def test_a_place_is_held_for_its_duration_and_then_frees() -> None:
    """One care-home place held two days: three patients fit at 0.5 leave at 0.5, 2.5 and 4.5."""
    env = simpy.Environment()
    hospital = AcuteHospital(
        cubicles=5, beds=10, councils=one_council(env, Pathway.CARE_HOME, 1, 2.0), env=env
    )
    hospital.admit_plan(plan([0.0, 0.0, 0.0], los=0.5 - 0.1, pathway=Pathway.CARE_HOME))
    hospital.run_until(6.0)
    left = sorted(d.left for d in hospital.log.finished)
    assert left == pytest.approx([0.5, 2.5, 4.5])
    assert hospital.delayed == 0


def test_a_place_unused_for_days_does_not_lapse() -> None:
    env = simpy.Environment()
    councils = one_council(env, Pathway.HOME_SUPPORT, 1, 3.0)
    hospital = AcuteHospital(cubicles=5, beds=10, councils=councils, env=env)
    hospital.run_until(10.0)  # nobody needs the place for ten days
    assert councils[0][Pathway.HOME_SUPPORT].free == 1
    hospital.admit_plan(plan([10.0], los=0.4, pathway=Pathway.HOME_SUPPORT))
    hospital.run_until(11.0)
    assert [d.left for d in hospital.log.finished] == [pytest.approx(10.5)]


def test_background_and_cohort_patients_wait_first_come_for_the_same_places() -> None:
    env = simpy.Environment()
    service = DischargeService(env, places=2, duration=1.0)
    granted: list[tuple[float, int]] = []
    service.request_background(3, lambda k: granted.append((env.now, k)))  # two now, one waits
    cohort = service.request()  # behind the waiting background patient
    env.run(until=0.5)
    assert granted == [(0.0, 2)] and not cohort.triggered
    assert service.background_waiting == 1 and service.cohort_waiting == 1
    env.run(until=1.5)
    assert granted == [(0.0, 2), (1.0, 1)]  # first come, first served
    assert cohort.triggered


def test_support_is_arranged_before_a_place_is_asked_for() -> None:
    """Arranging takes the patient's draw times the mean (2 days x 0.75): counted as delayed."""
    env = simpy.Environment()
    councils = one_council(env, Pathway.INTERMEDIATE, math.inf, 1.0, arrange=2.0)
    hospital = AcuteHospital(cubicles=5, beds=10, councils=councils, env=env)
    hospital.admit_plan(plan([0.0], los=0.9, pathway=Pathway.INTERMEDIATE, arrange=0.75))
    hospital.run_until(2.0)
    assert hospital.delayed == 1
    hospital.run_until(3.0)
    [stay] = hospital.log.finished
    assert stay.left - stay.fit == pytest.approx(1.5)
