"""A lever whose effects are all set to "no effect" leaves every hospital outcome as in the
baseline, day by day and draw for draw: the levers' own randomness is keyed by decision and
person, so plans, budgets, groups and advocates can all be at work without moving anyone's
crises, stays or discharges."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HOSPITAL_OUTCOMES, ROOT, lever_scenario, simulate

from sim.scenario import load_scenario

SIZE, DAYS = 2000, 300
NO_EFFECT = {
    "care_planning.contingency_share": 0.0,
    "care_planning.activation_gain": 0.0,
    "care_planning.rehab_uptake_rr": 1.0,
    "care_planning.crisis_rr": 1.0,
    "phb.share_respite": 0.0,
    "phb.share_personal_assistant": 0.4,
    "phb.share_activity": 0.6,  # takes the respite share, so the three still sum to one
    "phb.p1_bypass_share": 0.0,
    "phb.crisis_rr": 1.0,
    "peer_support.activation_boost": 0.0,
    "advocacy.discharge_divert_share": 0.0,
    # advocacy.uptake_rr and setup_factor only change plans and budgets: left at their defaults
}
CARE_PLANNING = {"coordinators": 4, "target_plans": 100_000}
PHB = {"target_budgets": 100_000, "min_conditions": 0}
PEER_SUPPORT = {"groups": 4}
ADVOCACY = {"advocates": 4}
LEVER_SETS = {
    "all_four": {
        "care_planning": CARE_PLANNING,
        "phb": PHB,
        "peer_support": PEER_SUPPORT,
        "advocacy": ADVOCACY,
    },
    "care_planning": {"care_planning": CARE_PLANNING},
    "phb_with_its_gateway": {"care_planning": CARE_PLANNING, "phb": PHB},
    "peer_support": {"peer_support": PEER_SUPPORT},
    "advocacy": {"advocacy": ADVOCACY},
}
# what shows each lever was at work
ACTIVITY = {
    "care_planning": "plans_completed",
    "phb": "phbs_started",
    "peer_support": "peer_joins",
    "advocacy": "advocacy_cases",
}


@pytest.fixture(scope="module")
def baseline():
    return simulate(lever_scenario(SIZE, DAYS, NO_EFFECT), seed=3).daily


def assert_same_hospital_outcomes(run, baseline) -> None:
    for column in HOSPITAL_OUTCOMES:
        differs = np.flatnonzero(run[column].to_numpy() != baseline[column].to_numpy())
        assert differs.size == 0, f"{column} first differs on day {differs[0] if differs.size else None}"


@pytest.mark.parametrize("levers", list(LEVER_SETS.values()), ids=list(LEVER_SETS))
def test_levers_with_no_effect_leave_every_hospital_outcome_identical_to_the_baseline(levers, baseline):
    run = simulate(lever_scenario(SIZE, DAYS, NO_EFFECT, **levers), seed=3).daily

    for lever in levers:
        assert run[ACTIVITY[lever]].sum() > 0, f"{lever} did nothing, so the test would prove nothing"
    assert_same_hospital_outcomes(run, baseline)


def test_the_no_effect_baseline_is_the_plain_baseline():
    """The no-effect values only touch lever parameters, so the baseline itself is unchanged."""
    plain = simulate(lever_scenario(SIZE, 120), seed=3).daily
    no_effect = simulate(lever_scenario(SIZE, 120, NO_EFFECT), seed=3).daily

    assert_same_hospital_outcomes(no_effect, plain)


def test_levers_with_their_default_effects_do_change_hospital_outcomes(baseline):
    """The contrast that makes the identity above meaningful."""
    run = simulate(lever_scenario(SIZE, DAYS, **LEVER_SETS["all_four"]), seed=3).daily

    changed = [c for c in HOSPITAL_OUTCOMES if not np.array_equal(run[c], baseline[c])]
    assert {"ae_attendances", "crises", "emergency_admissions"} <= set(changed)


def test_a_no_effect_scenario_file_with_a_start_day_loads_and_matches_its_baseline(scenario_file):
    """The same, through a YAML file: the no-effect values pass validation (the PHB spending
    shares still sum to one) and levers switched on mid-run move nothing either."""
    levers = {"start_day": 30, **{name: {"enabled": True, **s} for name, s in LEVER_SETS["all_four"].items()}}
    with_levers = scenario_file(
        name="levers", size=SIZE, horizon_days=150, parameters=NO_EFFECT, interventions=levers
    )
    without = scenario_file(name="plain", size=SIZE, horizon_days=150, parameters=NO_EFFECT)

    run = simulate(load_scenario(with_levers), seed=3).daily
    base = simulate(load_scenario(without), seed=3).daily

    assert run.loc[run["day"] < 30, "plans_completed"].sum() == 0
    assert run["phbs_started"].sum() > 0
    assert_same_hospital_outcomes(run, base)


def test_phb_only_gives_its_gateway_plans_no_effect_of_their_own():
    """Bug found: `care_planning.crisis_rr` was added without a line in phb_only.yaml, so its
    plans raised A&E and admissions by about 3% and the scenario no longer showed budgets alone."""
    phb_only = load_scenario(ROOT / "scenarios" / "phb_only.yaml")
    plan_effects = {name: value for name, value in NO_EFFECT.items() if name.startswith("care_planning.")}

    assert {name: phb_only.overrides.get(name) for name in plan_effects} == plan_effects
