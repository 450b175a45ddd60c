"""Sweeps: `--grid KEY=V1,V2` and a file's `grid:` expand into one scenario per combination,
named for what it varies, each paired with the baseline (common random numbers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.limits import MAX_GRID_POINTS, MAX_NAME
from sim.scenario import load_scenarios
from sim.settings import parse_sets
from sim.sweep import expand, parse_grid

BASELINE = "name: baseline\nhorizon_days: 30\nwarm_up_days: 0\npopulation:\n  size: 1000\n"
PLANNED = (
    "name: planned\nextends: baseline.yaml\n"
    "interventions:\n  care_planning: {enabled: true, target_plans: 50}\n"
)
SAME = "name: same\nextends: baseline.yaml\n"  # the baseline under another name


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in (("baseline", BASELINE), ("planned", PLANNED), ("same", SAME)):
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def expanded(folder: Path, files: list[str], grid: list[str], sets: list[str] = ()):
    paths = [str(folder / f) for f in files]
    settings, _ = parse_sets(list(sets))
    axes, problems = parse_grid(grid)
    assert problems == []
    return expand(paths, load_scenarios(paths, settings), settings, axes, "baseline")


def test_a_grid_makes_every_combination_and_keeps_the_baseline(folder):
    scenarios = expanded(
        folder,
        ["baseline.yaml", "planned.yaml"],
        ["phb.uptake=0.3,0.5,0.7", "care_planning.target_plans=40,60"],
    )
    assert len(scenarios) == 1 + 3 * 2
    assert scenarios[0].name == "baseline" and scenarios[0].sweep is None


@pytest.mark.parametrize("counts", [(1,), (4,), (2, 3), (2, 2, 3)])
def test_the_number_of_points_is_the_product_of_the_value_counts(folder, counts):
    keys = ["care_planning.target_plans", "phb.uptake", "start_day"]
    values = {
        "care_planning.target_plans": range(40, 80, 10),
        "phb.uptake": (0.3, 0.5, 0.7),
        "start_day": (0, 7, 14),
    }
    grid = [
        f"{key}={','.join(str(v) for v in list(values[key])[:n])}"
        for key, n in zip(keys, counts, strict=False)
    ]
    points = expanded(folder, ["baseline.yaml", "planned.yaml"], grid)[1:]
    assert len(points) == math.prod(counts)
    assert len({p.name for p in points}) == len(points)


def test_the_command_lines_grid_replaces_a_files_axis_for_the_same_key(folder):
    (folder / "gridded.yaml").write_text(
        PLANNED.replace("planned", "gridded") + "grid:\n  phb.uptake: [0.3, 0.5]\n  start_day: [0, 7]\n"
    )
    points = expanded(folder, ["baseline.yaml", "gridded.yaml"], ["phb.uptake=0.9"])[1:]
    assert [p.sweep["varied"] for p in points] == [
        {"start_day": 0, "phb.uptake": 0.9},
        {"start_day": 7, "phb.uptake": 0.9},
    ]


def test_points_are_named_for_what_they_vary_in_the_grids_order(folder):
    scenarios = expanded(folder, ["baseline.yaml", "planned.yaml"], ["phb.uptake=0.3,0.5", "start_day=0,7"])
    assert [s.name for s in scenarios[1:]] == [
        "planned__phb.uptake-0.3__start_day-0",
        "planned__phb.uptake-0.3__start_day-7",
        "planned__phb.uptake-0.5__start_day-0",
        "planned__phb.uptake-0.5__start_day-7",
    ]
    assert scenarios[2].sweep == {"of": "planned", "varied": {"phb.uptake": 0.3, "start_day": 7}}


def test_a_points_values_reach_its_scenario(folder):
    point = expanded(folder, ["baseline.yaml", "planned.yaml"], ["care_planning.target_plans=60"])[1]
    assert point.interventions["care_planning"]["target_plans"] == 60
    assert point.resolved()["sweep"] == {"of": "planned", "varied": {"care_planning.target_plans": 60}}


def test_a_name_too_long_for_a_scenario_keeps_the_keys_last_parts(folder):
    keys = ["care_planning.post_discharge_window_days=20", "phb.setup_days=30"]
    assert len("planned__care_planning.post_discharge_window_days-20__phb.setup_days-30") > MAX_NAME
    (point,) = expanded(folder, ["baseline.yaml", "planned.yaml"], keys)[1:]
    assert point.name == "planned__post_discharge_window_days-20__setup_days-30"


def test_a_name_still_too_long_is_numbered_in_the_grids_order(folder):
    keys = ["care_planning.post_discharge_window_days=20,30", "care_planning.recent_use_half_life_days=60"]
    assert len("planned__post_discharge_window_days-20__recent_use_half_life_days-60") > MAX_NAME
    points = expanded(folder, ["baseline.yaml", "planned.yaml"], keys)[1:]
    assert [p.name for p in points] == ["planned__grid0", "planned__grid1"]
    assert points[1].sweep["varied"] == {
        "care_planning.post_discharge_window_days": 30,
        "care_planning.recent_use_half_life_days": 60,
    }


def test_the_baseline_alone_is_run_beside_its_points(folder):
    scenarios = expanded(folder, ["baseline.yaml"], ["phb.uptake=0.3,0.5"])
    assert [s.name for s in scenarios] == ["baseline", "baseline__phb.uptake-0.3", "baseline__phb.uptake-0.5"]


def test_a_files_grid_expands_it_and_is_not_inherited(folder):
    (folder / "gridded.yaml").write_text(
        PLANNED.replace("planned", "gridded") + "grid:\n  phb.uptake: [0.3, 0.5]\n"
    )
    (folder / "child.yaml").write_text("name: child\nextends: gridded.yaml\n")
    scenarios = expanded(folder, ["baseline.yaml", "gridded.yaml", "child.yaml"], [])
    assert [s.name for s in scenarios] == [
        "baseline",
        "gridded__phb.uptake-0.3",
        "gridded__phb.uptake-0.5",
        "child",
    ]


def run(folder: Path, out: Path, *options: str) -> int:
    argv = ["run", str(folder / "baseline.yaml"), str(folder / "same.yaml"), "--reps", "2"]
    return main([*argv, "--seed", "3", "--workers", "1", "--no-progress", "--out", str(out), *options])


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """The baseline and itself under another name, at crisis.ae_rate 0.47 (the registry's
    value, so the baseline's own) and 0.9."""
    here = tmp_path_factory.mktemp("sweep")
    for name, text in (("baseline", BASELINE), ("same", SAME)):
        (here / f"{name}.yaml").write_text(text)
    assert run(here, here / "out", "--grid", "crisis.ae_rate=0.47,0.9") == 0
    return here / "out"


def test_a_point_at_the_baselines_own_values_differs_from_it_by_exactly_zero(swept):
    summary = pd.read_csv(swept / "summary.csv")
    diffs = summary[summary["scenario"] == "same__crisis.ae_rate-0.47"][
        ["diff_mean", "diff_lo95", "diff_hi95"]
    ]
    finite = diffs.dropna()
    assert len(finite) > 20
    assert (finite.to_numpy() == 0).all()


def test_a_grid_value_reaches_the_model(swept):
    resolved = yaml.safe_load((swept / "scenarios" / "same__crisis.ae_rate-0.9.yaml").read_text())
    assert resolved["parameters"]["crisis.ae_rate"] == 0.9
    summary = pd.read_csv(swept / "summary.csv").set_index(["scenario", "metric"])
    # nearly twice the chance that a crisis goes to A&E: more attendances in both replicates
    assert summary.loc[("same__crisis.ae_rate-0.9", "ae_attendances"), "diff_lo95"] > 0


def test_sweep_csv_lists_each_points_varied_value_beside_its_outcomes(swept):
    sweep = pd.read_csv(swept / "sweep.csv")
    assert list(sweep.columns[:3]) == ["scenario", "of", "crisis.ae_rate"]
    rows = sweep[sweep["metric"] == "ae_attendances"].set_index("scenario")
    assert rows["crisis.ae_rate"].to_dict() == {
        "same__crisis.ae_rate-0.47": 0.47,
        "same__crisis.ae_rate-0.9": 0.9,
    }
    assert set(rows["of"]) == {"same"}
    summary = pd.read_csv(swept / "summary.csv").set_index(["scenario", "metric"])
    point = "same__crisis.ae_rate-0.9"
    assert rows.at[point, "diff_mean"] == summary.loc[(point, "ae_attendances"), "diff_mean"]


def test_the_manifest_records_what_each_point_varies(swept):
    manifest = json.loads((swept / "manifest.json").read_text())
    sweeps = {s["name"]: s.get("sweep") for s in manifest["scenarios"]}
    assert sweeps == {
        "baseline": None,
        "same__crisis.ae_rate-0.47": {"of": "same", "varied": {"crisis.ae_rate": 0.47}},
        "same__crisis.ae_rate-0.9": {"of": "same", "varied": {"crisis.ae_rate": 0.9}},
    }


def test_a_grid_over_the_limit_is_one_line_and_exit_2(folder, tmp_path, capsys):
    values = ",".join(str(v) for v in range(1, MAX_GRID_POINTS + 2))
    code = run(folder, tmp_path / "out", "--grid", f"care_planning.target_plans={values}")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"command line: --grid: makes {MAX_GRID_POINTS + 1:,} scenarios; at most {MAX_GRID_POINTS:,}"
        " (for more, `ipc-sim sensitivity`)"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argument", "line"),
    [
        ("phb.uptake=0.3,3", "command line: --grid phb.uptake: must be <= 1 (probability), got 3"),
        ("phb.uptake=0.3,0.3", "command line: --grid phb.uptake: gives 0.3 more than once"),
        ("phb.uptake=0.3,", "command line: --grid phb.uptake: has an empty value"),
        ("phb.uptake", "command line: --grid: give KEY=V1,V2,..., got 'phb.uptake'"),
    ],
)
def test_a_bad_grid_is_one_line_naming_it_and_exit_2(folder, tmp_path, capsys, argument, line):
    code = run(folder, tmp_path / "out", "--grid", "horizon_days=20,30", "--grid", argument)
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [line]
    assert not (tmp_path / "out").exists()


def test_a_bad_value_in_a_files_grid_names_the_file_and_key(folder, capsys):
    (folder / "gridded.yaml").write_text(
        PLANNED.replace("planned", "gridded") + "grid:\n  phb.uptake: [0.3, 2]\n"
    )
    code = main(["validate", str(folder / "baseline.yaml"), str(folder / "gridded.yaml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert err[0].endswith("gridded.yaml: grid.phb.uptake: must be <= 1 (probability), got 2")


def test_the_report_of_a_sweep_plots_each_outcome_against_the_varied_key(swept):
    from sim.report import write_report

    page = write_report(swept).read_text()
    assert "Sweep: the outcomes against each varied setting" in page
    assert (swept / "figures" / "sweep.png").exists()
