"""Runs started from the explorer (sim.explorer.runs): the CLI's own `ipc-sim run` in the
background, cancelled like Ctrl-C and resumed from the run folder's task files, to the same
results as one uninterrupted command."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from sim.cli import main
from sim.explorer import form, runs
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
REPS = 6  # 12 tasks: enough that a cancel lands while some are still to run
WAIT_SECONDS = 180


def tiny_files() -> dict[str, str]:
    data = form.standalone(load_scenario(ROOT / "scenarios" / "phb_only.yaml"))
    data.update(horizon_days=30, warm_up_days=30, population={"size": 1000})
    checked = form.check(data)
    assert checked.problems == []
    return checked.files


def until(condition, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_cancelled_run_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    files = tiny_files()
    job = runs.start(tmp_path / "runs", "stop_start", files, REPS, 11, [], workers=1)
    until(lambda: job.done() >= 1)
    runs.cancel(job)
    until(lambda: not job.alive())
    again = next(j for j in runs.jobs(tmp_path / "runs") if j.name == "stop_start")  # as after a restart
    assert again.state() == runs.CANCELLED
    kept = {p: p.stat().st_mtime_ns for p in (again.folder / ".tasks").glob("*.parquet")}
    assert 1 <= len(kept) < again.total == 2 * REPS

    runs.resume(again)
    until(lambda: again.state() != runs.RUNNING)
    assert again.state() == runs.FINISHED, again.log_tail()
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # finished tasks were kept, not run again

    whole = tmp_path / "whole"
    paths = form.write_files(files, whole)
    argv = ["run", *map(str, paths), "--reps", str(REPS), "--seed", "11", "--out", str(whole / "run")]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    ours = (tmp_path / "runs" / "stop_start" / "summary.csv").read_bytes()
    assert ours == (whole / "run" / "summary.csv").read_bytes()


def test_a_run_outlives_the_app_that_started_it_and_is_found_again(tmp_path: Path) -> None:
    """The app is a separate process that starts the run and exits (as when the app is closed);
    a new reading of the runs folder finds the run by its job file, sees it running or finished
    (its pid checked against the run's command line), and lists it for reopening. A folder that
    is not a finished run is not listed."""
    (tmp_path / "notes").mkdir()
    starter = (
        "import json, sys; from pathlib import Path; from sim.explorer import runs;"
        "runs.start(Path(sys.argv[1]), 'done', json.loads(sys.argv[2]), 1, 0, [], workers=1)"
    )
    subprocess.run([sys.executable, "-c", starter, str(tmp_path), json.dumps(tiny_files())], check=True)
    job = next(j for j in runs.jobs(tmp_path) if j.name == "done")
    assert job.pid not in runs._CHILDREN  # not this process's child: found through /proc
    until(lambda: job.state() != runs.RUNNING)
    assert job.state() == runs.FINISHED, job.log_tail()
    assert runs.finished_runs(tmp_path) == ["done"]
