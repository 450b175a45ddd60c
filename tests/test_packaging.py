"""What the installed package carries and needs: its data travels with it, Parquet is written by
pyarrow, and Dask is an optional extra with a clear message when it is missing. (`.ci/wheel-check`
installs the built wheel outside the checkout and runs a baseline check from there.)"""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, small_scenario

from sim.batch import make_tasks, run_task
from sim.cli import main
from sim.outputs import write_parquet_atomic
from sim.targets import load_targets


def test_the_calibration_targets_are_package_data_and_are_the_checkouts_file():
    shipped = resources.files("sim.calibration").joinpath("targets.yaml")

    assert shipped.is_file()
    assert shipped.read_text(encoding="utf-8") == (ROOT / "calibration" / "targets.yaml").read_text(
        encoding="utf-8"
    )


def test_the_shipped_targets_give_a_public_range_for_seven_figures():
    ranges = {name: t for name, t in load_targets().items() if "low" in t}

    assert len(ranges) == 7
    assert all(t["low"] < t["high"] for t in ranges.values())


def test_a_missing_targets_file_is_an_error_not_an_empty_check(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_targets(tmp_path / "targets.yaml")


def test_parquet_is_written_by_pyarrow(tmp_path):
    [task] = make_tasks([small_scenario(days=5)], reps=1, root_seed=1)
    path = tmp_path / "task.parquet"
    write_parquet_atomic(run_task(task).daily, path)

    assert "parquet-cpp-arrow" in pq.ParquetFile(path).metadata.created_by


def test_dask_without_its_extra_is_one_clear_line_and_writes_nothing(monkeypatch, tmp_path, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a)
    )
    out = tmp_path / "run"

    status = main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--dask", "local", "--out", str(out)])

    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == ["command line: --dask: needs the optional Dask extra: pip install 'ipc-sim[dask]'"]
    assert not Path(out).exists()
