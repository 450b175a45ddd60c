"""`--set KEY=VALUE`: a value set from the command line reaches the scenario as if its file had
said it, and a bad one is one line naming `--set KEY`, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import load_scenario, load_scenarios
from sim.settings import parse_sets, resolve_key

BASE = (
    "name: base\nhorizon_days: 30\npopulation:\n  size: 1000\n"
    "interventions:\n  care_planning: {enabled: true, target_plans: 100}\n"
)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    return path


def loaded(path: Path, *texts: str):
    settings, problems = parse_sets(list(texts))
    assert problems == []
    return load_scenario(path, settings)


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("phb.uptake", ("parameters", "phb.uptake")),
        ("parameters.phb.uptake", ("parameters", "phb.uptake")),
        ("care_planning.target_plans", ("interventions", "care_planning", "target_plans")),
        ("interventions.care_planning.target_plans", ("interventions", "care_planning", "target_plans")),
        ("start_day", ("interventions", "start_day")),
        ("population.size", ("population", "size")),
        ("horizon_days", ("horizon_days",)),
    ],
)
def test_a_key_names_the_place_a_scenario_file_would_set(key, path):
    assert resolve_key(key) == (path, None)


def test_a_set_parameter_is_the_scenarios_resolved_value(base):
    scenario = loaded(base, "phb.uptake=0.3")
    assert scenario.resolved()["parameters"]["phb.uptake"] == 0.3
    assert scenario.params.source_value("phb.uptake") == 0.3


def test_a_set_lever_setting_replaces_the_files_and_keeps_the_rest(base):
    scenario = loaded(base, "care_planning.target_plans=150")
    assert scenario.interventions["care_planning"]["target_plans"] == 150
    assert scenario.interventions["care_planning"]["enabled"] is True  # from the file


def test_scenario_fields_can_be_set(base):
    scenario = loaded(base, "population.size=2000", "horizon_days=40")
    assert (scenario.population_size, scenario.horizon_days) == (2000, 40)


def test_values_are_read_as_yaml_would_read_them(base):
    scenario = loaded(base, "care_planning.targeting=random", "phb.enabled=true")
    assert scenario.interventions["care_planning"]["targeting"] == "random"
    assert scenario.interventions["phb"]["enabled"] is True


@pytest.mark.parametrize(
    ("argument", "line"),
    [
        ("phb.uptake=3", "command line: --set phb.uptake: must be <= 1 (probability), got 3"),
        ("population.size=5", "command line: --set population.size: must be >= 1000, got 5"),
        ("care_planning.target_plans=x", "command line: --set care_planning.target_plans: must be a whole"),
        ("phb.uptak=0.3", "command line: --set phb.uptak: unknown key (did you mean phb.uptake?)"),
        ("name=other", "command line: --set name: name cannot be set from outside the file"),
        ("phb.uptake", "command line: --set: give KEY=VALUE, got 'phb.uptake'"),
        ("phb.uptake=", "command line: --set phb.uptake: has no value"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(base, tmp_path, capsys, argument, line):
    out = tmp_path / "out"
    code = main(["run", str(base), "--set", argument, "--reps", "1", "--workers", "1", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith(line)
    assert not out.exists()


def test_a_setting_that_breaks_a_rule_across_fields_names_the_setting(base, capsys):
    # phb needs care planning (its gateway): switching care planning off breaks that rule
    code = main(["validate", str(base), "--set", "phb.enabled=true", "--set", "care_planning.enabled=false"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"command line: --set phb.enabled: needs interventions.care_planning.enabled: {_phb_needs()}"
    ]


def _phb_needs() -> str:
    from sim.levers import lever_classes

    return next(lever for lever in lever_classes() if lever.name == "phb").requires["care_planning"]


def test_the_same_key_twice_is_a_problem(base, capsys):
    code = main(["validate", str(base), "--set", "phb.uptake=0.3", "--set", "parameters.phb.uptake=0.4"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["command line: --set parameters.phb.uptake: sets what --set phb.uptake sets: give it once"]


def test_a_setting_reaches_every_scenario_named(base, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("name: other\nextends: base.yaml\nparameters:\n  phb.uptake: 0.5\n")
    settings, _ = parse_sets(["phb.uptake=0.3"])
    scenarios = load_scenarios([base, other], settings)
    assert [s.params.source_value("phb.uptake") for s in scenarios] == [0.3, 0.3]
