"""Staff, groups and targets mean what the planner typed: absolute numbers for the scenario's
cohort, or per 1,000 people where the scenario says `per_1000_people`, and `validate` prints
the numbers the model will use."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import ROOT, lever_scenario

from sim.cli import main
from sim.model import IPCModel
from sim.scenario import load_scenario

STOCKTON = 11989
AT_SCALE_YAML = ROOT / "scenarios" / "at_scale.yaml"


def planner_file(scenario_file, **interventions):
    """The issue's example: 50,000 people over enough auto sites, with the planner's numbers."""
    return scenario_file(name="planner", size=50_000, sites="auto", interventions=interventions)


def validate(path, capsys) -> tuple[int, str, str]:
    """`ipc-sim validate PATH`: exit status, stdout, stderr."""
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return status, out, err


def test_typed_targets_and_staff_are_used_as_typed_at_any_cohort_size(scenario_file):
    path = planner_file(
        scenario_file,
        care_planning={"enabled": True, "coordinators": 10, "target_plans": 5000},
        phb={"enabled": True, "target_budgets": 1000},
    )
    scenario = load_scenario(path)

    assert scenario.targets() == {"days_to_plan_target": 5000, "days_to_budget_target": 1000}
    assert scenario.headcounts()["care_planning"] == {"coordinators": 10.0, "target_plans": 5000.0}


def test_a_model_gets_the_staff_and_groups_typed_whatever_its_size():
    scenario = lever_scenario(
        size=3000,
        care_planning={"coordinators": 10, "target_plans": 5000},
        peer_support={"groups": 3},
        advocacy={"advocates": 2.5},
    )
    model = IPCModel(scenario)

    assert model.lever("care_planning").staff.fte == 10
    assert model.lever("care_planning").target == 5000
    assert len(model.lever("peer_support").groups) == 3
    assert model.lever("advocacy").staff.fte == 2.5
    assert model.lever("advocacy").staff.agents == 3  # whole people share the paid hours
    model.release()


def test_per_1000_people_figures_are_multiplied_by_the_cohort_in_thousands(scenario_file):
    path = planner_file(
        scenario_file,
        care_planning={"enabled": True, "per_1000_people": {"coordinators": 0.5, "target_plans": 100}},
        peer_support={"enabled": True, "per_1000_people": {"groups": 0.31}},
    )
    scenario = load_scenario(path)

    assert scenario.headcounts()["care_planning"] == {"coordinators": 25.0, "target_plans": 5000.0}
    assert scenario.headcounts()["peer_support"] == {"groups": 16.0}  # 15.5 groups run as 16
    assert scenario.targets() == {"days_to_plan_target": 5000}


def test_per_1000_people_in_a_child_file_replaces_the_inherited_absolute_number(scenario_file):
    path = scenario_file(
        name="bigger",
        size=24_000,
        extends=AT_SCALE_YAML,
        interventions={"care_planning": {"per_1000_people": {"coordinators": 1.0}}},
    )
    spec = load_scenario(path).levers.care_planning

    assert spec.headcount("coordinators", 24_000) == 24.0
    assert spec.headcount("target_plans", 24_000) == 2000.0  # still the inherited absolute target


def test_per_head_carries_stocktons_staffing_to_another_size():
    shipped = load_scenario(AT_SCALE_YAML)
    twice = dataclasses.replace(shipped.per_head(STOCKTON), population_size=2 * STOCKTON)

    assert twice.headcounts()["care_planning"] == pytest.approx({"coordinators": 14, "target_plans": 4000})
    assert twice.targets() == {"days_to_plan_target": 4000, "days_to_budget_target": 800}
    assert shipped.per_head(STOCKTON).targets() == shipped.targets()


def test_validate_prints_the_numbers_the_model_will_use(scenario_file, capsys):
    path = planner_file(
        scenario_file,
        care_planning={"enabled": True, "coordinators": 10, "per_1000_people": {"target_plans": 100}},
    )
    status, out, _ = validate(path, capsys)
    assert status == 0

    assert "ok (planner, 50,000 people, 60 days)" in out
    assert "care_planning: coordinators 10, target_plans 5,000 (100 per 1,000 people)" in out


def test_the_same_figure_both_as_a_number_and_per_head_in_one_file_is_refused(scenario_file, capsys):
    path = planner_file(
        scenario_file,
        care_planning={"enabled": True, "coordinators": 10, "per_1000_people": {"coordinators": 0.2}},
    )
    status, _, err = validate(path, capsys)
    assert status == 2

    field = "interventions.care_planning.coordinators"
    assert err.strip() == f"{path}: {field}: given both here and in per_1000_people; give one"


def test_per_1000_people_names_only_the_levers_own_staff_groups_and_targets(scenario_file, capsys):
    path = planner_file(scenario_file, phb={"enabled": False, "per_1000_people": {"uptake": 0.5}})
    status, _, err = validate(path, capsys)
    assert status == 2

    assert (
        "interventions.phb.per_1000_people: unknown key 'uptake' (per_1000_people may give: target_budgets)"
        in err
    )
    assert "Traceback" not in err


def test_a_per_head_figure_giving_more_than_the_lever_allows_is_refused(scenario_file, capsys):
    path = scenario_file(
        name="huge",
        size=1_000_000,
        sites="auto",
        interventions={"care_planning": {"enabled": True, "per_1000_people": {"coordinators": 500}}},
    )
    status, _, err = validate(path, capsys)
    assert status == 2

    assert (
        "interventions.care_planning.per_1000_people.coordinators: gives 500,000 for 1,000,000 people" in err
    )


def test_the_readme_shows_what_validate_prints_for_the_million_person_scenario(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "scenarios/at_scale_1m.yaml"]) == 0
    printed = capsys.readouterr().out.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "  care_planning: coordinators 583.9 (0.5839 per 1,000 people), target_plans 166,820" in printed[2]
    assert len(printed) == 5  # the file's line and one per lever
    for line in printed:
        assert line in readme
