"""`ipc-sim run --events`: DIR/events.parquet is a Parquet dataset, one part per task, that
appears whole or not at all, obeys the run folder's rules (resume, damaged files set aside)
and changes no other output."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE_YAML, write_yaml

import sim.batch
import sim.outputs
import sim.task_files
from sim.cli import main
from sim.event_log import METRIC_OF, SCHEMA

DAYS, REPS = 40, 1


@pytest.fixture
def scenarios(tmp_path) -> list[Path]:
    """The baseline and one with every lever on from day 5 (so lever events happen)."""
    levers = {
        "start_day": 5,
        "care_planning": {"enabled": True, "coordinators": 4, "target_plans": 100_000},
        "phb": {"enabled": True, "target_budgets": 100_000},
        "peer_support": {"enabled": True, "groups": 4},
        "advocacy": {"enabled": True, "advocates": 2},
    }
    base = write_yaml(tmp_path / "base.yaml", {"name": "baseline", "extends": str(BASELINE_YAML),
                                               "population": {"size": 1500}})  # fmt: skip
    ipc = write_yaml(tmp_path / "ipc.yaml", {"name": "ipc", "extends": str(base), "interventions": levers})
    return [base, ipc]


def run(scenarios: list[Path], out: Path, *options: str) -> int:
    argv = ["run", *map(str, scenarios), "--days", str(DAYS), "--reps", str(REPS), "--seed", "3",
            "--workers", "1", "--out", str(out), "--no-progress", *options]  # fmt: skip
    return main(argv)


def events(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "events.parquet")


def event_task_files(out: Path) -> list[Path]:
    return sorted((out / ".tasks" / "events").glob("*.parquet"))


# --- what is written ---------------------------------------------------------------------------------
def test_events_are_written_only_when_asked_and_change_no_other_output(scenarios, tmp_path):
    plain, logged = tmp_path / "plain", tmp_path / "logged"
    assert run(scenarios, plain) == 0
    assert run(scenarios, logged, "--events") == 0

    assert not (plain / "events.parquet").exists() and not (plain / ".tasks" / "events").exists()
    assert (logged / "events.parquet").is_dir()
    for name in ("daily.parquet", "sites.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(plain / name), pd.read_parquet(logged / name))
    for name in ("summary.csv", "sites.csv", "milestones.csv", "baseline_check.csv"):
        assert (plain / name).read_text() == (logged / name).read_text(), name
    assert json.loads((plain / "manifest.json").read_text())["events"] is False
    assert json.loads((logged / "manifest.json").read_text())["events"] is True


def test_the_event_log_is_a_dataset_of_one_part_per_task_that_adds_up_to_daily(scenarios, tmp_path):
    out = tmp_path / "run"
    assert run(scenarios, out, "--events") == 0
    log, daily = events(out), pd.read_parquet(out / "daily.parquet")

    parts = sorted((out / "events.parquet").iterdir())
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(2 * REPS)]
    assert ds.dataset(out / "events.parquet", format="parquet").schema.equals(SCHEMA)
    assert len(log) == sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    for (scenario, replicate), rows in log.groupby(["scenario", "replicate"], observed=True):
        day = daily[(daily["scenario"] == scenario) & (daily["replicate"] == replicate)]
        for event, metric in METRIC_OF.items():
            counts = np.bincount(rows.loc[rows["event"] == event.name.lower(), "day"], minlength=DAYS)
            np.testing.assert_array_equal(counts, day[metric].to_numpy(), f"{scenario} {replicate} {metric}")
    assert set(log.loc[log["scenario"] == "ipc", "event"]) >= {"plan_completed", "phb_started", "peer_joined"}


# --- nothing partial, and resumes keep what is finished ------------------------------------------------
def test_an_interrupted_run_leaves_no_event_log_and_resumes_to_the_whole_of_it(
    scenarios, tmp_path, monkeypatch, capsys
):
    fresh, out = tmp_path / "fresh", tmp_path / "run"
    assert run(scenarios, fresh, "--events") == 0
    save = sim.task_files.save
    saved = []

    def interrupted_after_one(frame, path, task):
        if saved:
            raise KeyboardInterrupt
        save(frame, path, task)
        saved.append(path)

    monkeypatch.setattr(sim.task_files, "save", interrupted_after_one)
    assert run(scenarios, out, "--events") == 130
    assert not (out / "events.parquet").exists() and not (out / "events.parquet.tmp").exists()
    kept = out / ".tasks" / "events" / saved[0].name  # the finished task's
    stamp = kept.stat().st_mtime_ns
    monkeypatch.undo()

    assert run(scenarios, out, "--events") == 0
    assert kept.stat().st_mtime_ns == stamp, "a finished task's events are kept, not recomputed"
    pd.testing.assert_frame_equal(events(out), events(fresh))


def test_adding_events_to_a_run_made_without_them_runs_the_tasks_again_for_their_events(scenarios, tmp_path):
    out = tmp_path / "run"
    assert run(scenarios, out) == 0
    before = pd.read_parquet(out / "daily.parquet")

    assert run(scenarios, out, "--events") == 0
    assert len(event_task_files(out)) == 2 * REPS
    pd.testing.assert_frame_equal(pd.read_parquet(out / "daily.parquet"), before)
    fresh = tmp_path / "fresh"
    assert run(scenarios, fresh, "--events") == 0
    pd.testing.assert_frame_equal(events(out), events(fresh))


def test_a_rerun_without_events_removes_the_log_but_keeps_its_files_for_later(
    scenarios, tmp_path, monkeypatch, capsys
):
    """The folder holds what the last command asked for; no simulation is repeated to get the
    log back."""
    out = tmp_path / "run"
    assert run(scenarios, out, "--events") == 0
    first = events(out)
    capsys.readouterr()

    assert run(scenarios, out) == 0
    assert not (out / "events.parquet").exists()
    assert len(event_task_files(out)) == 2 * REPS
    assert "a rerun with --events uses them" in capsys.readouterr().out

    def no_simulation(task):
        raise AssertionError("a finished task ran again")

    monkeypatch.setattr(sim.batch, "run_task", no_simulation)
    assert run(scenarios, out, "--events") == 0
    pd.testing.assert_frame_equal(events(out), first)


def damage_truncate(path: Path, other: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def damage_another_tasks_file(path: Path, other: Path) -> None:
    path.write_bytes(other.read_bytes())


def damage_edited_person(path: Path, other: Path) -> None:
    table = pq.read_table(path)
    person = table.column("person").to_numpy().copy()
    person[0] += 1
    edited = table.set_column(table.schema.get_field_index("person"), "person", pa.array(person))
    pq.write_table(edited.replace_schema_metadata(table.schema.metadata), path)


def damage_dropped_column(path: Path, other: Path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.drop(["delayed_days"]).replace_schema_metadata(table.schema.metadata), path)


DAMAGE = {
    "truncated": damage_truncate,
    "another_tasks_file": damage_another_tasks_file,
    "an_edited_person": damage_edited_person,
    "a_dropped_column": damage_dropped_column,
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_event_file_is_set_aside_and_its_task_runs_again(kind, scenarios, tmp_path, capsys):
    out = tmp_path / "run"
    assert run(scenarios, out, "--events") == 0
    expected = events(out)
    first, second = event_task_files(out)[:2]
    DAMAGE[kind](first, second)
    capsys.readouterr()

    assert run(scenarios, out, "--events") == 0

    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith(f"warning: {first}:") and "set aside" in warning
    assert (first.parent / "rejected" / first.name).exists()
    pd.testing.assert_frame_equal(events(out), expected)


# --- assembling the dataset -----------------------------------------------------------------------------
def test_a_failure_while_assembling_the_log_leaves_none_of_it(scenarios, tmp_path, monkeypatch, capsys):
    def full_disk(source, target):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(sim.outputs.os, "link", full_disk)
    out = tmp_path / "run"
    assert run(scenarios, out, "--events") == 1
    assert "No space left on device" in capsys.readouterr().err
    assert not (out / "events.parquet").exists() and not (out / "events.parquet.tmp").exists()
    assert not (out / "manifest.json").exists(), "the manifest is written last"


def test_where_files_cannot_be_linked_the_parts_are_copies(scenarios, tmp_path, monkeypatch):
    linked = tmp_path / "linked"
    assert run(scenarios, linked, "--events") == 0

    def across_devices(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(sim.outputs.os, "link", across_devices)
    copied = tmp_path / "copied"
    assert run(scenarios, copied, "--events") == 0

    part = copied / "events.parquet" / "part-00000.parquet"
    assert part.stat().st_nlink == 1
    pd.testing.assert_frame_equal(events(copied), events(linked))
