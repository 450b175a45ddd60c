"""Scenario x replicate tasks, run by a pluggable executor, each saved the moment it finishes.

A task is a small, picklable spec; `run_task` is a pure function of it that returns a tidy
table. No executor ever sees a model object (style.md: Starsim's batch and memory issues came
from shipping whole simulations around). Finished tasks are written atomically under
`DIR/.tasks/`, so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.errors import InputError, Problem
from sim.model import IPCModel
from sim.outputs import read_parquet, write_parquet_atomic
from sim.scenario import Scenario

TASK_DIR = ".tasks"


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

    @property
    def name(self) -> str:
        return str(self.scenario["name"])

    @property
    def key(self) -> str:
        return (
            f"{self.name}__rep{self.replicate:04d}__seed{self.root_seed}"
            f"__{self.sha256[:16]}__code{code_fingerprint()[:12]}"
        )


def make_tasks(scenarios: list[Scenario], reps: int, root_seed: int) -> list[Task]:
    return [Task(s.resolved(), s.sha256(), r, root_seed) for s in scenarios for r in range(reps)]


def run_task(task: Task) -> pd.DataFrame:
    """Run one replicate and return its daily table (scenario, replicate, day, metrics...)."""
    scenario = Scenario.from_resolved(task.scenario)
    model = IPCModel(scenario, replicate=task.replicate, root_seed=task.root_seed)
    try:
        model.run()
        frame = model.recorder.frame()
    finally:
        model.release()
    frame.insert(0, "scenario", task.name)
    frame.insert(1, "replicate", task.replicate)
    return frame


class Executor(ABC):
    """Runs tasks and yields (task, frame) as each finishes, in any order."""

    label = "executor"

    @abstractmethod
    def map(self, tasks: list[Task]) -> Iterator[tuple[Task, pd.DataFrame]]:
        """Run `tasks`, yielding each with its daily table as it finishes."""


class SerialExecutor(Executor):
    """In-process, one task after another (`--workers 1`)."""

    label = "serial"

    def map(self, tasks):
        for task in tasks:
            yield task, run_task(task)


class ProcessExecutor(Executor):
    """A local process pool (the default)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.label = f"processes:{workers}"

    def map(self, tasks):
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
            futures = {pool.submit(run_task, t): t for t in tasks}
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class DaskExecutor(Executor):
    """Dask distributed: `--dask tcp://host:8786`, or `--dask local` for a LocalCluster."""

    def __init__(self, address: str, workers: int):
        self.address = address
        self.workers = workers
        self.label = f"dask:{address}"

    def map(self, tasks):
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        cluster = None
        if self.address == "local":
            cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        else:
            client = Client(self.address)
        try:
            futures = {client.submit(run_task, t, key=f"ipc-{t.key}", pure=False): t for t in tasks}
            for future in dask_completed(futures):
                yield futures[future], future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


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


def run_tasks(
    tasks: list[Task],
    out: Path,
    executor: Executor,
    progress: bool = True,
    on_saved: Callable[[Task], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the tasks not already saved in `out`, saving each at once; return all frames by key."""
    task_dir = out / TASK_DIR
    task_dir.mkdir(parents=True, exist_ok=True)
    done = {t.key for t in tasks if (task_dir / f"{t.key}.parquet").exists()}
    todo = [t for t in tasks if t.key not in done]
    with tqdm(
        total=len(tasks), initial=len(done), desc="scenario x replicate", unit="task", disable=not progress
    ) as bar:
        for task, frame in executor.map(todo):
            write_parquet_atomic(frame, task_dir / f"{task.key}.parquet")
            bar.update(1)
            if on_saved:
                on_saved(task)
    return {t.key: read_parquet(task_dir / f"{t.key}.parquet") for t in tasks}


def combine(tasks: list[Task], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All daily rows in a fixed order (scenarios as given, then replicate, then day)."""
    return pd.concat([frames[t.key] for t in tasks], ignore_index=True)
