"""Scenario files: inheritance, dotted parameter names, the fully resolved form and its hash."""

from __future__ import annotations

import yaml
from conftest import BASELINE_YAML, ROOT, write_yaml

from sim.cli import main
from sim.params import REGISTRY
from sim.scenario import Scenario, load_scenario


def test_shipped_baseline_validates_with_the_stockton_cohort_size():
    scenario = load_scenario(BASELINE_YAML)

    assert scenario.name == "baseline"
    assert scenario.population_size == 11989
    assert scenario.horizon_days == 730  # the two-year scale-up horizon
    assert scenario.overrides == {}


def test_ipc_sim_validate_accepts_the_shipped_baseline(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "scenarios/baseline.yaml"]) == 0
    assert "scenarios/baseline.yaml: ok (baseline, 11,989 people" in capsys.readouterr().out


def test_child_overrides_parent_parameters_and_size_and_keeps_the_rest(scenario_file):
    parent = scenario_file(
        name="parent",
        size=2000,
        horizon_days=90,
        parameters={"hospital.beds": 500, "crisis.ae_rate": 0.6},
        extends=None,
    )
    child = scenario_file(
        name="child",
        size=3000,
        horizon_days=None,
        parameters={"hospital.beds": 600},
        extends=parent.name,
    )

    scenario = load_scenario(child)

    assert scenario.name == "child"
    assert scenario.population_size == 3000
    assert scenario.horizon_days == 90  # inherited
    assert scenario.overrides == {"hospital.beds": 600.0, "crisis.ae_rate": 0.6}
    assert scenario.params.source_value("crisis.ae_rate") == 0.6


def test_child_inherits_population_size_when_it_gives_none(scenario_file):
    parent = scenario_file(name="parent", size=2500, extends=None)
    child = scenario_file(name="child", size=None, horizon_days=None, extends=parent.name)

    assert load_scenario(child).population_size == 2500


def test_name_and_description_are_not_inherited(scenario_file):
    parent = scenario_file(name="parent", extends=None, description="the parent")
    child = scenario_file(name="child", extends=parent.name)

    scenario = load_scenario(child)

    assert scenario.name == "child"
    assert scenario.description == ""


def test_inheritance_chains_through_grandparents(scenario_file):
    grandparent = scenario_file(name="gp", extends=None, parameters={"hospital.beds": 500})
    parent = scenario_file(name="parent", extends=grandparent.name, parameters={"ae.cubicles": 60})
    child = scenario_file(name="child", extends=parent.name, parameters={"hospital.beds": 700})

    scenario = load_scenario(child)

    assert scenario.overrides == {"hospital.beds": 700.0, "ae.cubicles": 60.0}
    assert [p.split("/")[-1] for p in scenario.chain] == ["child.yaml", "parent.yaml", "gp.yaml"]


def test_relative_extends_resolves_from_the_childs_folder_not_the_working_directory(
    tmp_path, monkeypatch
):
    write_yaml(
        tmp_path / "parents" / "base.yaml",
        {"name": "base", "population": {"size": 1500}, "parameters": {"hospital.beds": 500}},
    )
    child = write_yaml(
        tmp_path / "children" / "child.yaml", {"name": "child", "extends": "../parents/base.yaml"}
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    scenario = load_scenario(child)

    assert scenario.population_size == 1500
    assert scenario.overrides == {"hospital.beds": 500.0}


def test_nested_parameter_mappings_flatten_to_dotted_names(scenario_file):
    path = scenario_file(
        parameters={"hospital": {"beds": 500}, "crisis": {"ae_rate": 0.5, "winter_amplitude": 0.1}}
    )

    assert load_scenario(path).overrides == {
        "hospital.beds": 500.0,
        "crisis.ae_rate": 0.5,
        "crisis.winter_amplitude": 0.1,
    }


def test_nested_and_dotted_spellings_give_the_same_scenario_hash(scenario_file):
    nested = scenario_file(filename="nested.yaml", parameters={"hospital": {"beds": 500}})
    dotted = scenario_file(filename="dotted.yaml", parameters={"hospital.beds": 500})

    assert load_scenario(nested).sha256() == load_scenario(dotted).sha256()


def test_resolved_yaml_lists_every_registry_parameter(scenario_file):
    scenario = load_scenario(scenario_file(parameters={"hospital.beds": 500}))
    resolved = yaml.safe_load(scenario.resolved_yaml())

    assert set(resolved["parameters"]) == set(REGISTRY)
    assert resolved["parameters"]["hospital.beds"] == 500
    assert resolved["parameters"]["crisis.ae_rate"] == REGISTRY["crisis.ae_rate"].value
    assert resolved["population"] == {"size": 1000}
    assert resolved["horizon_days"] == 60
    assert "extends" not in resolved


def test_resolved_form_round_trips_to_the_same_scenario(scenario_file):
    scenario = load_scenario(scenario_file(parameters={"hospital.beds": 500}))
    rebuilt = Scenario.from_resolved(scenario.resolved())

    assert rebuilt.sha256() == scenario.sha256()
    assert rebuilt.params.as_source_dict() == scenario.params.as_source_dict()


def test_hash_is_stable_across_loads_and_formatting(scenario_file, tmp_path):
    path = scenario_file(parameters={"hospital.beds": 500})
    reformatted = tmp_path / "reformatted.yaml"
    reformatted.write_text("# same scenario, other layout\n" + path.read_text() + "\n\n")

    assert load_scenario(path).sha256() == load_scenario(path).sha256()
    assert load_scenario(reformatted).sha256() == load_scenario(path).sha256()


def test_hash_changes_when_a_parameter_changes(scenario_file):
    one = scenario_file(filename="one.yaml", parameters={"hospital.beds": 500})
    two = scenario_file(filename="two.yaml", parameters={"hospital.beds": 501})

    assert load_scenario(one).sha256() != load_scenario(two).sha256()


def test_hash_changes_when_the_horizon_changes(scenario_file):
    scenario = load_scenario(scenario_file())

    assert scenario.with_horizon(30).sha256() != scenario.sha256()
    assert scenario.with_horizon(scenario.horizon_days).sha256() == scenario.sha256()


def test_setting_a_parameter_to_its_default_leaves_the_hash_unchanged(scenario_file):
    default = REGISTRY["hospital.beds"].value
    plain = scenario_file(filename="plain.yaml")
    explicit = scenario_file(filename="explicit.yaml", parameters={"hospital.beds": default})

    assert load_scenario(plain).sha256() == load_scenario(explicit).sha256()
