"""Scenario x replicate tasks, run by a pluggable executor, each saved the moment it finishes.

A task is a small, picklable spec; `run_task` is a pure function of it that returns tidy
tables (`TaskResult`). No executor ever sees a model object (style.md: Starsim's batch and
memory issues came from shipping whole simulations around). Finished tasks are written
atomically under `DIR/.tasks/`, so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import signal
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from sim import task_files
from sim.errors import InputError, Problem
from sim.event_log import EventLog
from sim.model import IPCModel
from sim.scenario import Scenario
from sim.site_results import long_table, site_names
from sim.worker_pool import worker_context

TASK_DIR = ".tasks"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
DASK_CONNECT_SECONDS = 5


@cache
def code_fingerprint() -> str:
    """A hash of the package's code and data, so a resumed batch never reuses results from
    different code."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml") and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Task:
    """One replicate of one scenario: everything a worker needs, nothing more."""

    scenario: dict[str, Any]  # Scenario.resolved()
    sha256: str
    replicate: int
    root_seed: int
    events: bool = False  # also keep the person-level event log (it changes no result, so not the key)

    @property
    def name(self) -> str:
        return str(self.scenario["name"])

    @property
    def key(self) -> str:
        return (
            f"{self.name}__rep{self.replicate:04d}__seed{self.root_seed}"
            f"__{self.sha256[:16]}__code{code_fingerprint()[:12]}"
        )


def make_tasks(scenarios: list[Scenario], reps: int, root_seed: int, events: bool = False) -> list[Task]:
    """One task per scenario and replicate; a scenario with parameter draws runs replicate r
    with draw r (every scenario of a replicate gets the same draw: comparisons stay paired)."""
    tasks = []
    for s in scenarios:
        for r in range(reps):
            one = s.for_replicate(r)
            tasks.append(Task(one.resolved(), one.sha256(), r, root_seed, events))
    return tasks


@dataclass(frozen=True)
class TaskResult:
    """What one task hands back to the main process: plain tables, never a model."""

    daily: pd.DataFrame  # scenario, replicate, day, metrics..., then each site's figures
    events: pa.Table | None = None  # sim.event_log.SCHEMA, if the task asked for it


def run_task(task: Task) -> TaskResult:
    """Run one replicate and return its tables."""
    scenario = Scenario.from_resolved(task.scenario)
    components = (EventLog,) if task.events else ()
    model = IPCModel(scenario, replicate=task.replicate, root_seed=task.root_seed, components=components)
    try:
        model.run()
        frame = pd.concat([model.recorder.frame(), model.hospital.site_frame()], axis=1)
        events = EventLog.of(model).table(task.name, task.replicate) if task.events else None
    finally:
        model.release()
    frame.insert(0, "scenario", task.name)
    frame.insert(1, "replicate", task.replicate)
    return TaskResult(daily=frame, events=events)


def die_with_parent() -> None:
    """The kernel kills this process when its parent dies, by any signal (Linux
    `prctl(PR_SET_PDEATHSIG)`): workers die with the fork server, and the fork server with
    the main process, so no worker is left blocked on a pipe."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the call took effect
        os._exit(1)


class Executor(ABC):
    """Runs tasks and yields (task, frame) as each finishes, in any order. `open` is called
    before the run folder is touched, so an executor that cannot start fails with nothing
    written; `close` is always called."""

    label = "executor"

    def open(self) -> None:  # noqa: B027 - most executors need nothing opened
        """Connect or start what the executor needs."""

    def close(self) -> None:  # noqa: B027
        """Release it."""

    @abstractmethod
    def map(self, tasks: list[Task]) -> Iterator[tuple[Task, TaskResult]]:
        """Run `tasks`, yielding each with its result as it finishes."""


class SerialExecutor(Executor):
    """In-process, one task after another (`--workers 1`)."""

    label = "serial"

    def map(self, tasks):
        for task in tasks:
            yield task, run_task(task)


class ProcessExecutor(Executor):
    """A local process pool (the default). Workers die with the main process; on an interrupt
    the pool is stopped at once rather than waiting for running replicates."""

    def __init__(self, workers: int):
        self.workers = workers
        self.label = f"processes:{workers}"

    def map(self, tasks):
        context = worker_context()
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, max(len(tasks), 1)),
            mp_context=context,
            initializer=die_with_parent,
        )
        try:
            futures = {pool.submit(run_task, t): t for t in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for process in list(getattr(pool, "_processes", {}).values()):  # CPython's worker table
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()


class DaskExecutor(Executor):
    """Dask distributed: `--dask tcp://host:8786`, or `--dask local` for a LocalCluster."""

    def __init__(self, address: str, workers: int, connect_seconds: float = DASK_CONNECT_SECONDS):
        self.address = address
        self.workers = workers
        self.label = f"dask:{address}"
        self._connect_seconds = connect_seconds
        self._client = None
        self._cluster = None

    def open(self) -> None:
        from distributed import Client, LocalCluster

        try:
            if self.address == "local":
                self._cluster = LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.address, timeout=f"{self._connect_seconds}s")
        except (OSError, ValueError, TypeError, TimeoutError) as exc:
            self.close()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(
                [Problem("command line", "--dask", f"cannot reach a scheduler at {self.address!r}: {reason}")]
            ) from None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map(self, tasks):
        from distributed import as_completed as dask_completed

        client = self._client
        futures = {client.submit(run_task, t, key=f"ipc-{t.key}", pure=False): t for t in tasks}
        for future in dask_completed(futures):
            yield futures[future], future.result()


DASK_MISSING = "needs the optional Dask extra: pip install 'ipc-sim[dask]'"


def make_executor(workers: int, dask: str | None) -> Executor:
    """The executor the command line asks for; Dask only if its optional extra is installed."""
    if dask:
        if importlib.util.find_spec("distributed") is None:
            raise InputError([Problem("command line", "--dask", DASK_MISSING)])
        return DaskExecutor(dask, workers)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)


def finished(tasks: list[Task], task_dir: Path) -> dict[str, pd.DataFrame]:
    """The tasks already saved in `task_dir` that pass every check; untrustworthy files are set
    aside (with a warning) so their tasks run again. A task that wants its event log is
    finished only if that is saved too (a run first made without `--events` runs again)."""
    frames = {}
    for task in tasks:
        path = task_dir / f"{task.key}.parquet"
        if not path.exists() or (task.events and not _events_saved(task, task_dir)):
            continue
        try:
            frames[task.key] = task_files.load(path, task)
        except task_files.TaskFileError as exc:
            task_files.set_aside(path, str(exc))
    return frames


def _events_saved(task: Task, task_dir: Path) -> bool:
    path = task_files.events_path(task_dir, task)
    if not path.exists():
        return False
    try:
        task_files.load_events(path, task)
    except task_files.TaskFileError as exc:
        task_files.set_aside(path, str(exc))
        return False
    return True


def event_files(tasks: list[Task], out: Path) -> list[Path]:
    """Each task's saved event log, in the tasks' order."""
    return [task_files.events_path(out / TASK_DIR, task) for task in tasks]


def run_tasks(
    tasks: list[Task],
    out: Path,
    executor: Executor,
    progress: bool = True,
    on_saved: Callable[[Task], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the tasks not already saved (and checked) in `out`, saving each at once; return all
    frames by key."""
    task_dir = out / TASK_DIR
    task_dir.mkdir(parents=True, exist_ok=True)
    frames = finished(tasks, task_dir)
    todo = [t for t in tasks if t.key not in frames]
    with tqdm(
        total=len(tasks), initial=len(frames), desc="scenario x replicate", unit="task", disable=not progress
    ) as bar:
        for task, result in executor.map(todo):
            if result.events is not None:
                task_files.save_events(result.events, task_files.events_path(task_dir, task), task)
            task_files.save(result.daily, task_dir / f"{task.key}.parquet", task)
            frames[task.key] = result.daily
            bar.update(1)
            if on_saved:
                on_saved(task)
    return frames


def combine(tasks: list[Task], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All daily rows in a fixed order (scenarios as given, then replicate, then day), with
    exactly the contract's columns."""
    return pd.concat([frames[t.key][list(task_files.COLUMNS)] for t in tasks], ignore_index=True)


def combine_sites(tasks: list[Task], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every site's daily rows, in the same order as `combine`, then by site."""
    return pd.concat([long_table(frames[t.key], site_names(t.scenario)) for t in tasks], ignore_index=True)
