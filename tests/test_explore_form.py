"""The explorer's scenario form and run folders (sim.explorer.form, sim.explorer.runs): the
files it writes are the scenarios the planner chose, its messages are the CLI's, and no name
from a form reaches outside the runs folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import InputError
from sim.explorer import form, runs
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "scenarios"


@pytest.mark.parametrize("name", ["baseline", "demonstrator_2017", "at_scale", "phb_only"])
def test_a_standalone_file_is_the_shipped_scenario(name: str, tmp_path: Path) -> None:
    """Written as one file with no `extends`, a shipped scenario resolves to exactly what its
    chain of files does (the same resolved hash the run folder records)."""
    shipped = load_scenario(LIBRARY / f"{name}.yaml")
    path = tmp_path / "one.yaml"
    path.write_text(form.to_yaml(form.standalone(shipped)))
    assert load_scenario(path).sha256() == shipped.sha256()


def test_the_baseline_is_the_scenario_with_no_lever() -> None:
    """The run's baseline keeps the cohort, sites and parameters and switches every lever off,
    which for the shipped cohort is scenarios/baseline.yaml itself."""
    at_scale = form.standalone(load_scenario(LIBRARY / "at_scale.yaml"))
    base = form.baseline_of(at_scale)
    assert "interventions" not in base and base["name"] == "baseline"
    assert base["population"] == at_scale["population"] and base["parameters"] == at_scale["parameters"]
    checked = form.check(at_scale)
    assert checked.problems == []
    written = Path(__import__("tempfile").mkdtemp()) / "baseline.yaml"
    written.write_text(checked.files["baseline.yaml"])
    shipped = load_scenario(LIBRARY / "baseline.yaml")
    assert load_scenario(written).resolved()["interventions"] == shipped.resolved()["interventions"]


def test_a_problem_is_the_line_ipc_sim_validate_prints(tmp_path: Path, capsys) -> None:
    """The form's message for a cohort below the minimum is the one `ipc-sim validate` prints
    for the same file."""
    data = form.standalone(load_scenario(LIBRARY / "demonstrator_2017.yaml"))
    data["population"]["size"] = 500
    checked = form.check(data)
    path = tmp_path / "demonstrator_2017.yaml"
    path.write_text(checked.files["demonstrator_2017.yaml"])
    assert main(["validate", str(path)]) == 2
    cli_line = capsys.readouterr().err.strip()
    assert [f"{p.field}: {p.message}" for p in checked.problems] == [cli_line.split(": ", 1)[1]]
    assert cli_line.endswith("population.size: must be >= 1000, got 500")


def test_a_lever_that_needs_another_is_reported_at_its_switch() -> None:
    """Budgets are offered to plan holders: PHBs on with care planning off is the CLI's rule,
    reported at the PHB switch."""
    data = form.standalone(load_scenario(LIBRARY / "at_scale.yaml"))
    data["interventions"]["care_planning"]["enabled"] = False
    fields = {p.field for p in form.check(data).problems}
    assert "interventions.phb.enabled" in fields


@pytest.mark.parametrize(
    "name", ["../escape", "..", ".", "/etc", "a/b", "a/../../b", ".hidden", "", "x" * 65]
)
def test_a_run_name_cannot_leave_the_runs_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        runs.run_folder(tmp_path / "runs", name)
    assert caught.value.problems[0].file == runs.FIELD
    assert not (tmp_path / "escape").exists()


def test_a_run_name_is_a_folder_directly_in_the_runs_folder(tmp_path: Path) -> None:
    folder = runs.run_folder(tmp_path, "option_a-2.v1")
    assert folder.resolve().parent == tmp_path.resolve()


def test_an_uploaded_file_may_extend_a_shipped_scenario(tmp_path: Path) -> None:
    text = b"name: mine\nextends: at_scale.yaml\npopulation: {size: 2000}\n"
    scenario = form.load_upload(text, tmp_path / "up", LIBRARY)
    shipped = load_scenario(LIBRARY / "at_scale.yaml")
    assert scenario.population_size == 2000 and scenario.interventions == shipped.interventions


@pytest.mark.parametrize("parent", ["../../etc/passwd", "/etc/hostname", "sub/../../x.yaml", "nothere.yaml"])
def test_an_uploaded_file_cannot_extend_anything_else(parent: str, tmp_path: Path) -> None:
    text = f"name: mine\nextends: {parent}\n".encode()
    with pytest.raises(InputError) as caught:
        form.load_upload(text, tmp_path / "up", LIBRARY)
    assert [(p.field, "may extend only a shipped scenario" in p.message) for p in caught.value.problems] == [
        ("extends", True)
    ]


def test_an_uploaded_file_goes_through_the_bounded_loader(tmp_path: Path) -> None:
    """YAML aliases (the 'billion laughs') are refused by sim.yaml_reader, as for the CLI."""
    text = b"name: &a mine\ndescription: *a\npopulation: {size: 2000}\n"
    with pytest.raises(InputError) as caught:
        form.load_upload(text, tmp_path / "up", LIBRARY)
    assert "aliases" in str(caught.value)
