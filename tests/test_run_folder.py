"""A run folder holds one run, written by one process, from checked task files: results are
never lost to, or mixed with, another run's, and a damaged task file is set aside and rerun."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE_YAML, ROOT, write_yaml

import sim.outputs
from sim.cli import main
from sim.run_folder import default_folder


@pytest.fixture
def small(tmp_path) -> Path:
    return write_yaml(
        tmp_path / "small.yaml",
        {"name": "small", "extends": str(BASELINE_YAML), "population": {"size": 1000}},
    )


def run(scenario: Path, out: Path, *options: str, seed: int = 1, reps: int = 2, days: int = 15) -> int:
    argv = ["run", str(scenario), "--days", str(days), "--reps", str(reps), "--seed", str(seed),
            "--workers", "1", "--out", str(out), "--no-progress", *options]  # fmt: skip
    return main(argv)


def daily(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "daily.parquet")


# --- one run per folder ---------------------------------------------------------------------------
def test_a_different_run_into_a_run_folder_is_refused_and_changes_nothing(small, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(small, out, seed=1) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    capsys.readouterr()

    assert run(small, out, seed=2) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "holds a different run (root_seed differ)" in line and "--force" in line
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"} == before


def test_force_replaces_the_run_and_leaves_other_files_alone(small, tmp_path):
    out = tmp_path / "run"
    assert run(small, out, seed=1) == 0
    (out / "my notes.txt").write_text("mine")
    assert run(small, out, "--force", seed=2) == 0

    fresh = tmp_path / "fresh"
    assert run(small, fresh, seed=2) == 0
    pd.testing.assert_frame_equal(daily(out), daily(fresh))
    assert (out / "my notes.txt").read_text() == "mine"
    assert json.loads((out / "manifest.json").read_text())["root_seed"] == 2


def test_rerunning_a_run_clears_what_it_no_longer_writes(small, tmp_path):
    """A report from the earlier run must not sit beside the new manifest."""
    out = tmp_path / "run"
    assert run(small, out, "--report") == 0
    assert (out / "report.html").exists() and (out / "figures").exists()

    assert run(small, out) == 0
    assert not (out / "report.html").exists() and not (out / "figures").exists()
    assert (out / "manifest.json").exists()


def test_a_folder_in_use_is_refused_naming_the_process_that_holds_it(small, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        assert run(small, out) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "is in use by another ipc-sim process (pid 4242)" in line
    assert sorted(p.name for p in out.iterdir()) == [".lock"]


def test_report_waits_for_no_run_it_is_refused_while_one_holds_the_folder(small, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(small, out) == 0
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        capsys.readouterr()
        assert main(["report", str(out)]) == 2
    assert "in use" in capsys.readouterr().err
    assert not (out / "report.html").exists()


def test_default_folders_differ_for_runs_started_in_the_same_second_and_stay_short(tmp_path):
    now = datetime(2026, 12, 2, 18, 0, 0)
    names = [f"scenario_number_{i}_with_a_long_name" for i in range(100)]
    first = default_folder(tmp_path, names, now)
    second = default_folder(tmp_path, names, now)

    assert first != second and first.is_dir() and second.is_dir()
    assert len(first.name) <= 70 and first.name.endswith("+99")


def test_runs_without_out_started_together_get_their_own_folders(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [sys.executable, "-m", "sim", "run", str(small), "--days", "10", "--reps", "1",
            "--workers", "1", "--no-progress"]  # fmt: skip
    procs = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]

    folders = sorted((tmp_path / "outputs").iterdir())
    assert len(folders) == 2
    assert all((f / "daily.parquet").exists() for f in folders)


# --- task files are checked ------------------------------------------------------------------------
def damage_truncate(path: Path, other: Path) -> None:
    path.write_bytes(path.read_bytes()[:300])


def damage_garbage(path: Path, other: Path) -> None:
    path.write_bytes(os.urandom(5000))


def damage_another_tasks_file(path: Path, other: Path) -> None:
    path.write_bytes(other.read_bytes())


def damage_missing_column(path: Path, other: Path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.drop(["ae_attendances"]).replace_schema_metadata(table.schema.metadata), path)


def damage_edited_value(path: Path, other: Path) -> None:
    table = pq.read_table(path)
    frame = table.to_pandas()
    frame.loc[3, "ae_attendances"] += 100
    edited = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(table.schema.metadata)
    pq.write_table(edited, path)


def damage_record_not_an_object(path: Path, other: Path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({b"ipc-sim-task": b"[1, 2]"}), path)


DAMAGE = {
    "truncated": damage_truncate,
    "a_record_that_is_not_an_object": damage_record_not_an_object,
    "garbage": damage_garbage,
    "another_tasks_file": damage_another_tasks_file,
    "missing_a_column": damage_missing_column,
    "an_edited_value": damage_edited_value,
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_task_file_is_set_aside_and_its_task_runs_again(kind, small, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(small, out) == 0
    expected = daily(out)
    first, second = sorted((out / ".tasks").glob("*.parquet"))
    DAMAGE[kind](first, second)
    capsys.readouterr()

    assert run(small, out) == 0

    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith(f"warning: {first}:") and "set aside" in warning
    assert (out / ".tasks" / "rejected" / first.name).exists()
    pd.testing.assert_frame_equal(daily(out), expected)


# --- failing cleanly ---------------------------------------------------------------------------------
def test_a_full_disk_is_one_line_and_exit_1(small, tmp_path, capsys, monkeypatch):
    def full(path, text):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(sim.outputs, "write_text_atomic", full)
    assert run(small, tmp_path / "run") == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("ipc-sim: ") and line.endswith("No space left on device")


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_slow_run(tmp_path: Path) -> tuple[subprocess.Popen, set[int]]:
    scenario = write_yaml(
        tmp_path / "slow.yaml",
        {"name": "slow", "extends": str(BASELINE_YAML), "population": {"size": 20_000}},
    )
    argv = [sys.executable, "-m", "sim", "run", str(scenario), "--days", "730", "--reps", "4",
            "--workers", "2", "--out", str(tmp_path / "run"), "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    workers: set[int] = set()
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = descendants(proc.pid) - children(proc.pid)  # forked by the fork server
    assert len(workers) == 2, "the workers did not start"
    return proc, workers


def descendants(pid: int) -> set[int]:
    """Children, their children, and so on (the fork server, the workers it forked, and the
    resource tracker)."""
    found, frontier = set(), {pid}
    while frontier:
        below = set().union(*(children(p) for p in frontier)) - found
        found |= below
        frontier = below
    return found


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_main_process_ends_its_workers(sig, tmp_path):
    proc, workers = start_slow_run(tmp_path)
    others = descendants(proc.pid)  # the fork server, the workers and the resource tracker
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and any(alive(p) for p in others):
        time.sleep(0.2)

    assert not [p for p in others if alive(p)]
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
        assert "run the same command to resume" in proc.stderr.read()


def test_two_runs_into_one_folder_at_once_never_mix(small, tmp_path):
    """One run writes the folder; the other is refused (in use, or a different run), and what
    is left is one run's, whole: its manifest's seed is the seed of its daily table."""
    out = tmp_path / "run"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "run",
                str(small),
                "--days",
                "10",
                "--reps",
                "2",
                "--seed",
                str(seed),
                "--workers",
                "1",
                "--out",
                str(out),
                "--no-progress",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    refused = [p.stderr.read() for p, code in zip(procs, codes, strict=True) if code != 0]

    assert sorted(codes) == [0, 2]
    assert "in use by another ipc-sim process" in refused[0] or "holds a different run" in refused[0]
    seed = json.loads((out / "manifest.json").read_text())["root_seed"]
    fresh = tmp_path / "fresh"
    assert run(small, fresh, seed=seed, days=10) == 0
    pd.testing.assert_frame_equal(daily(out), daily(fresh))
