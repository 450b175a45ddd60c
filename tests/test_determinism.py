"""Same seed, same bytes, whatever the executor; finished tasks are reused on a rerun."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BASELINE_YAML, write_yaml

from sim.cli import main
from sim.scenario import load_scenario

CONTRACT_FILES = ("daily.parquet", "summary.csv")


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    return write_yaml(
        folder / "small.yaml",
        {"name": "small", "extends": str(BASELINE_YAML), "population": {"size": 1000}},
    )


def run_cli(scenario: Path, out: Path, *options: str) -> None:
    argv = ["run", str(scenario), "--days", "60", "--reps", "2", "--seed", "11",
            "--out", str(out), "--no-progress", "--events", *options]
    assert main(argv) == 0


@pytest.fixture(scope="module")
def serial_out(scenario_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "serial"
    run_cli(scenario_path, out, "--workers", "1")
    return out


@pytest.fixture(scope="module")
def parallel_out(scenario_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "parallel"
    run_cli(scenario_path, out, "--workers", "2")
    return out


@pytest.fixture(scope="module")
def dask_out(scenario_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "dask"
    run_cli(scenario_path, out, "--workers", "2", "--dask", "local")
    return out


@pytest.mark.parametrize("filename", CONTRACT_FILES)
def test_one_worker_and_two_workers_write_identical_bytes(serial_out, parallel_out, filename):
    assert (serial_out / filename).read_bytes() == (parallel_out / filename).read_bytes()


@pytest.mark.parametrize("filename", CONTRACT_FILES)
def test_a_dask_cluster_writes_the_same_bytes_as_one_process(serial_out, dask_out, filename):
    assert (serial_out / filename).read_bytes() == (dask_out / filename).read_bytes()
    assert json.loads((dask_out / "manifest.json").read_text())["executor"] == "dask:local"


def parts(out: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((out / "events.parquet").iterdir())]


def test_every_executor_writes_the_same_event_log(serial_out, parallel_out, dask_out):
    assert len(parts(serial_out)) == 2
    assert parts(serial_out) == parts(parallel_out) == parts(dask_out)


def test_run_folder_holds_the_contract_files(serial_out):
    for name in ("manifest.json", "scenarios/small.yaml", *CONTRACT_FILES):
        assert (serial_out / name).is_file(), name


def test_daily_table_has_a_row_per_scenario_replicate_and_day(serial_out):
    daily = pd.read_parquet(serial_out / "daily.parquet")

    assert len(daily) == 2 * 60
    assert list(daily.columns[:3]) == ["scenario", "replicate", "day"]
    assert set(daily["replicate"]) == {0, 1}
    assert daily.groupby("replicate")["day"].apply(list).map(lambda d: d == list(range(60))).all()


def test_manifest_records_seed_replicates_executor_and_scenario_hash(serial_out, scenario_path):
    manifest = json.loads((serial_out / "manifest.json").read_text())
    resolved = (serial_out / "scenarios" / "small.yaml").read_bytes()
    expected_sha = load_scenario(scenario_path).with_horizon(60).sha256()

    assert manifest["root_seed"] == 11
    assert manifest["replicates"] == 2
    assert manifest["executor"] == "serial"
    [entry] = manifest["scenarios"]
    assert entry["name"] == "small"
    assert entry["sha256"] == expected_sha
    assert entry["sha256"] == hashlib.sha256(resolved).hexdigest()


def test_manifest_names_the_process_pool_when_two_workers_ran(parallel_out):
    manifest = json.loads((parallel_out / "manifest.json").read_text())
    assert manifest["executor"] == "processes:2"


def test_resolved_scenario_file_has_the_run_horizon_and_size(serial_out):
    resolved = yaml.safe_load((serial_out / "scenarios" / "small.yaml").read_text())
    assert resolved["horizon_days"] == 60
    assert resolved["population"] == {"size": 1000}


def test_different_seeds_give_different_daily_output(scenario_path, serial_out, tmp_path):
    other = tmp_path / "other_seed"
    argv = ["run", str(scenario_path), "--days", "60", "--reps", "2", "--seed", "12",
            "--out", str(other), "--no-progress", "--workers", "1"]
    assert main(argv) == 0

    a = pd.read_parquet(serial_out / "daily.parquet")
    b = pd.read_parquet(other / "daily.parquet")
    assert a.shape == b.shape
    assert not a.equals(b)


def test_rerun_into_same_out_reuses_finished_tasks_and_gives_identical_files(
    scenario_path, tmp_path
):
    out = tmp_path / "run"
    run_cli(scenario_path, out, "--workers", "1")
    task_files = sorted((out / ".tasks").glob("*.parquet"))
    mtimes = {p.name: p.stat().st_mtime_ns for p in task_files}
    contents = {name: (out / name).read_bytes() for name in CONTRACT_FILES}

    run_cli(scenario_path, out, "--workers", "1")

    assert len(task_files) == 2
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".tasks").glob("*.parquet")} == mtimes
    assert {name: (out / name).read_bytes() for name in CONTRACT_FILES} == contents


def test_a_lost_task_is_recomputed_to_the_same_result(scenario_path, tmp_path):
    out = tmp_path / "run"
    run_cli(scenario_path, out, "--workers", "1")
    first, second = sorted((out / ".tasks").glob("*.parquet"))
    kept_mtime = second.stat().st_mtime_ns
    contents = {name: (out / name).read_bytes() for name in CONTRACT_FILES}
    first.unlink()

    run_cli(scenario_path, out, "--workers", "1")

    assert first.exists()
    assert second.stat().st_mtime_ns == kept_mtime
    assert {name: (out / name).read_bytes() for name in CONTRACT_FILES} == contents
