"""Batches started from the browser: the command line's own `ipc-sim run`, in the background.

A run is `python -m sim run ... --out RUNS/NAME` in its own process session, so it never blocks
the app, survives the app being closed, and writes an ordinary run folder the CLI can read.
Its inputs and command are kept in `RUNS/.explorer/NAME/` (never inside the run folder, which
the CLI keeps to its own files). Progress is the run's finished task files; cancelling is the
SIGTERM the CLI treats as Ctrl-C (finished tasks are kept); resuming is the same command again,
which the run folder's task files make pick up where it stopped.

Every name from the form is checked to name a folder directly inside the runs folder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError, Problem
from sim.explorer.form import write_files
from sim.limits import MAX_NAME

JOBS = ".explorer"  # inside the runs folder: each job's inputs, command, log and state
JOB_FILE = "job.json"
LOG_FILE = "run.log"
INPUTS = "inputs"
TASKS = ".tasks"
RUN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
FIELD = "run name"

RUNNING, FINISHED, CANCELLED, STOPPED = "running", "finished", "cancelled", "stopped"


def run_folder(runs: Path, name: str) -> Path:
    """RUNS/NAME, if NAME names a folder directly inside the runs folder; InputError if not
    (a path, '..', a hidden name, or anything that resolves elsewhere)."""
    problem = None
    if not isinstance(name, str) or not name.strip():
        problem = "must not be empty"
    elif len(name) > MAX_NAME:
        problem = f"must be at most {MAX_NAME} characters"
    elif not RUN_NAME.match(name) or name in (".", ".."):
        problem = "must be letters, digits, '_', '-' or '.', starting with a letter, digit or '_'"
    if problem is None:
        root = runs.resolve()
        folder = (root / name).resolve()
        if folder.parent != root:
            problem = "must name a folder directly inside the runs folder"
    if problem is not None:
        raise InputError([Problem(FIELD, "", f"{name!r}: {problem}")])
    return runs / name


@dataclass
class Job:
    """A run started from the browser, as recorded in its job file."""

    name: str
    folder: Path
    argv: list[str]
    total: int  # tasks: scenarios x replicates
    pid: int | None
    cancelled: bool
    started: float

    @property
    def record(self) -> Path:
        return self.folder.parent / JOBS / self.name / JOB_FILE

    @property
    def log(self) -> Path:
        return self.folder.parent / JOBS / self.name / LOG_FILE

    def save(self) -> None:
        data = {
            "name": self.name,
            "argv": self.argv,
            "total": self.total,
            "pid": self.pid,
            "cancelled": self.cancelled,
            "started": self.started,
        }
        tmp = self.record.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.record)

    def done(self) -> int:
        """Finished tasks: the checked task files the CLI keeps in `.tasks/`."""
        tasks = self.folder / TASKS
        return len(list(tasks.glob("*.parquet"))) if tasks.is_dir() else 0

    def alive(self) -> bool:
        """Whether this job's process is still running (and is this job's, not a reused pid)."""
        if self.pid is None:
            return False
        child = _CHILDREN.get(self.pid)
        if child is not None:
            return child.poll() is None
        try:
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return str(self.folder).encode() in cmdline

    def state(self) -> str:
        if self.alive():
            return RUNNING
        if (self.folder / "manifest.json").is_file() and (self.folder / "summary.csv").is_file():
            return FINISHED
        return CANCELLED if self.cancelled else STOPPED

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


_CHILDREN: dict[int, subprocess.Popen] = {}  # processes this app started (polled, so never zombies)


def command(
    files: list[Path], folder: Path, reps: int, seed: int, parameters: list[str], workers: int
) -> list[str]:
    """The `ipc-sim run` command for the job (what the planner can type to do the same)."""
    argv = [*map(str, files), "--reps", str(reps), "--seed", str(seed), "--out", str(folder)]
    argv += ["--workers", str(workers), "--no-progress", "--report", "--docx"]
    for source in parameters:
        argv += ["--parameters", source]
    return argv


def start(
    runs: Path,
    name: str,
    files: dict[str, str],
    reps: int,
    seed: int,
    parameters: list[str],
    workers: int = 1,
) -> Job:
    """Write the scenario files and start `ipc-sim run` on them into RUNS/NAME."""
    folder = run_folder(runs, name)
    home = runs / JOBS / name
    if folder.exists() or home.exists():
        raise InputError(
            [Problem(FIELD, "", f"{name!r}: a run of that name exists; reopen it or pick another")]
        )
    paths = write_files(files, home / INPUTS)
    job = Job(
        name,
        folder,
        command(paths, folder, reps, seed, parameters, workers),
        len(files) * reps,
        None,
        False,
        time.time(),
    )
    _launch(job)
    return job


def _launch(job: Job) -> None:
    with open(job.log, "ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "sim", "run", *job.argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # the run outlives the app, and Ctrl-C in the app's terminal
        )
    _CHILDREN[child.pid] = child
    job.pid, job.cancelled = child.pid, False
    job.save()


def cancel(job: Job) -> None:
    """Stop the run as Ctrl-C would: the CLI stops its workers and keeps finished tasks."""
    if job.alive() and job.pid is not None:
        os.kill(job.pid, signal.SIGTERM)
    job.cancelled = True
    job.save()


def resume(job: Job) -> None:
    """Run the same command again: the run folder's task files make it resume."""
    if job.state() in (CANCELLED, STOPPED):
        _launch(job)


def jobs(runs: Path) -> list[Job]:
    """Every run started from the browser under `runs`, newest first."""
    found = []
    for record in sorted((runs / JOBS).glob(f"*/{JOB_FILE}")):
        try:
            data: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
            name = data["name"]
            folder = run_folder(runs, name)
            job = Job(
                name,
                folder,
                [str(a) for a in data["argv"]],
                int(data["total"]),
                data.get("pid"),
                bool(data.get("cancelled")),
                float(data.get("started", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError, InputError):
            continue  # not a job file we wrote; the explorer lists only what it can trust
        found.append(job)
    return sorted(found, key=lambda j: j.started, reverse=True)


def finished_runs(runs: Path) -> list[str]:
    """Names of the run folders under `runs` the CLI has finished (from the app or not)."""
    if not runs.is_dir():
        return []
    names = [
        p.name
        for p in runs.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and (p / "manifest.json").is_file()
        and (p / "summary.csv").is_file()
    ]
    return sorted(names, key=lambda n: (runs / n / "manifest.json").stat().st_mtime, reverse=True)
