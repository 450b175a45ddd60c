"""Lever effect ranges come from the controlled evidence, harm included (issue 10 item 5).

The oracle is the published figures, typed here from the controlled studies in docs/references.md,
never read from the registry: each effect's range must contain them, the scenario checks must
accept them, and a paired run at an adverse setting must raise the outcome it names."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import ROOT, simulate, write_yaml
from lever_effects import relative_effects

from sim.cli import main
from sim.params import REGISTRY
from sim.scenario import load_scenario

# controlled studies (docs/references.md), relative effects (1 = no effect) on emergency admissions and A&E
EVERCARE_ADMISSIONS = (1.165, 0.943, 1.387)  # Gravelle 2007: +16.5% (-5.7% to +38.7%)
ICP_ADMISSIONS = 1.09  # Roland 2012: +9% vs matched controls
LLOYD_AE = (1.33, 1.16, 1.54)  # Lloyd 2018: +33% (16% to 54%)
EXLEY_AE = (0.944, 0.913, 0.976)  # Exley 2019: RR 0.944 (0.913-0.976)
PRIOR_ADMISSIONS = (0.90, 1.10)  # 5b causal prior, co-ordination on admissions: -10% to +10%
PRIOR_AE = (0.85, 1.10)  # 5b causal prior, co-ordination on A&E: -15% to +10%
NO_EFFECT = 1.0

ADVERSE_CO_ORDINATION = {  # every adverse controlled point estimate for co-ordination
    "Evercare admissions": EVERCARE_ADMISSIONS[0],
    "ICP admissions": ICP_ADMISSIONS,
    "Lloyd A&E": LLOYD_AE[0],
    "prior, worst admissions": PRIOR_ADMISSIONS[1],
    "prior, worst A&E": PRIOR_AE[1],
}


def bounds(name: str) -> tuple[float, float]:
    return REGISTRY[name].low, REGISTRY[name].high


@pytest.mark.parametrize("study", list(ADVERSE_CO_ORDINATION))
def test_co_ordinations_crisis_effect_range_contains_each_adverse_controlled_estimate(study):
    low, high = bounds("care_planning.crisis_rr")

    assert low <= ADVERSE_CO_ORDINATION[study] <= high


def test_co_ordinations_crisis_effect_range_reaches_the_beneficial_end_of_the_prior():
    low, high = bounds("care_planning.crisis_rr")

    assert low <= PRIOR_ADMISSIONS[0] and low <= NO_EFFECT <= high


def test_contingency_cannot_be_adverse_so_its_range_runs_from_no_effect_to_the_priors_best_a_and_e():
    """A share of crises managed at home cannot go below zero: the adverse direction of
    co-ordination is carried by `care_planning.crisis_rr` instead (Lloyd's rise in A&E). The
    share's reach is the low-acuity share plus the medium weight times the medium share, so the
    top of its range must be able to avert the prior's best 15% of A&E attendances."""
    low, high = bounds("care_planning.contingency_share")
    medium = 1.0 - REGISTRY["crisis.share_low_acuity"].value - REGISTRY["crisis.share_high_acuity"].value
    reach = (
        REGISTRY["crisis.share_low_acuity"].value
        + REGISTRY["care_planning.contingency_medium_weight"].value * medium
    )

    assert low == 0.0
    assert high * reach >= 1.0 - PRIOR_AE[0] - 1e-9
    assert REGISTRY["care_planning.contingency_share"].hard_limits[0] == 0.0  # structurally not adverse


@pytest.mark.parametrize(
    "name",
    ["phb.crisis_rr", "peer_support.activation_boost", "advocacy.discharge_divert_share"],
)
def test_effects_the_controlled_evidence_puts_near_zero_have_no_effect_inside_their_range(name):
    """Forder 2012 (PHBs: no effect on health outcomes), Georghiou 2016 (volunteer schemes: no
    fall in admissions or cost) and Munford 2020 (no detectable hospital effect)."""
    neutral = NO_EFFECT if REGISTRY[name].unit == "hazard ratio" else 0.0
    low, high = bounds(name)

    assert low <= neutral <= high


@pytest.mark.parametrize(
    ("name", "central"),
    [
        ("peer_support.activation_boost", 0.0),  # Georghiou 2016, Munford 2020: no hospital effect
        ("advocacy.discharge_divert_share", 0.0),  # Georghiou 2016: no fall in admissions or cost
        ("phb.crisis_rr", NO_EFFECT),  # Forder 2012: no effect on EQ-5D, HbA1c, FEV1, mortality
    ],
)
def test_the_default_of_an_effect_the_controlled_evidence_puts_at_zero_is_no_effect(name, central):
    assert REGISTRY[name].value == central


def test_a_scenario_may_set_co_ordination_to_the_worst_controlled_estimates(tmp_path, capsys):
    """The scenario checks accept the adverse published figures: Lloyd's upper limit for the
    crisis effect, no contingency at all."""
    path = write_yaml(
        tmp_path / "adverse.yaml",
        {
            "name": "adverse",
            "extends": str(ROOT / "scenarios" / "at_scale.yaml"),
            "parameters": {"care_planning.crisis_rr": LLOYD_AE[2], "care_planning.contingency_share": 0.0},
        },
    )

    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


@pytest.fixture(scope="module")
def small_care_planning():
    shipped = load_scenario(ROOT / "scenarios" / "care_planning_only.yaml")
    return dataclasses.replace(shipped.per_head(11989), population_size=4000, horizon_days=365)


def test_co_ordination_at_the_adverse_end_raises_plan_holders_a_and_e_and_admissions_past_lloyds_lower_limit(
    small_care_planning,
):
    """Paired against the baseline, plan holders' own A&E attendances and admissions after their
    plan: with the crisis effect at the top of its range and no contingency, both rise by more
    than Lloyd's lower limit (the model's feedback, crises and discharges starting acute
    episodes, amplifies the hazard ratio)."""
    high = REGISTRY["care_planning.crisis_rr"].high
    adverse = dataclasses.replace(
        small_care_planning,
        overrides={"care_planning.crisis_rr": high, "care_planning.contingency_share": 0.0},
    )
    effects = relative_effects(adverse, seed=1, reps=3)  # one replicate ranges +14% to +35%

    assert effects["ae"] > LLOYD_AE[1] - 1.0
    assert effects["admissions"] > LLOYD_AE[1] - 1.0


def test_a_harmful_crisis_effect_raises_cohort_admissions_against_the_paired_baseline(small_care_planning):
    harmful = dataclasses.replace(
        small_care_planning, overrides={"care_planning.crisis_rr": EVERCARE_ADMISSIONS[0]}
    )
    neutral = dataclasses.replace(small_care_planning, overrides={"care_planning.crisis_rr": NO_EFFECT})
    with_harm, without = simulate(harmful, seed=2).daily, simulate(neutral, seed=2).daily

    assert with_harm["emergency_admissions"].sum() > without["emergency_admissions"].sum()
    assert with_harm["ae_attendances"].sum() > without["ae_attendances"].sum()
