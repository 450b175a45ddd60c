"""A run folder holds exactly one run, written by one process at a time, and nothing else of
ours: so results can never be lost to, or mixed with, another run's.

* The folder's run is recorded in `.ipc-sim-run.json` (its scenarios' hashes, replicates, seed
  and baseline). The same command resumes; a different run is refused unless `--force`, which
  clears only the files ipc-sim writes. A non-empty folder that holds no run is refused
  outright, so a mistyped `--out .` cannot write into a project folder.
* A lock (`fcntl.flock` on `.lock`, released by the kernel even on `kill -9`) keeps a second
  process out, naming the process that holds it.
* No file we write may be one of the run's input files.
* Default folder names are reserved with an exclusive `mkdir`, so two runs started in the same
  second get different folders; they stay short for any number of scenarios.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.errors import InputError, Problem
from sim.outputs import write_text_atomic

MARKER = ".ipc-sim-run.json"
LOCK = ".lock"
# Everything ipc-sim writes into a run folder (what --force may clear).
OWNED = (
    MARKER,
    ".tasks",
    "manifest.json",
    "scenarios",
    "daily.parquet",
    "events.parquet",
    "events.parquet.tmp",
    "summary.csv",
    "sites.parquet",
    "sites.csv",
    "milestones.csv",
    "parameter_draws.csv",
    "baseline_check.csv",
    "report.html",
    "figures",
)
KEPT_ON_RESUME = (MARKER, ".tasks")  # a resumed run keeps its finished tasks; the rest is rewritten
RUN_SIGNS = (MARKER, "manifest.json", ".tasks")  # files only a run has (a `scenarios/` folder proves nothing)
NAME_STEM_CHARS = 40


def _problem(message: str) -> InputError:
    return InputError([Problem("command line", "--out", message)])


def default_folder(parent: Path, names: list[str], now: datetime | None = None) -> Path:
    """A new, empty folder under `parent`: time, first scenario, and how many more; reserved
    by an exclusive mkdir so that no two runs share it."""
    from sim.scenario import slug  # scenario imports the levers; keep this module light

    stem = f"{(now or datetime.now()):%Y%m%d-%H%M%S}_{slug(names[0])[:NAME_STEM_CHARS]}"
    if len(names) > 1:
        stem += f"+{len(names) - 1}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 10_000):
            folder = parent / (stem if attempt == 1 else f"{stem}-{attempt}")
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                continue
    except OSError as exc:
        raise _problem(f"cannot create a run folder in {parent}: {exc.strerror or exc}") from None
    raise _problem(f"no free run folder name under {parent}")


class RunFolder:
    """An output folder, locked by this process while the run is written."""

    def __init__(self, path: Path, lock_fd: int):
        self.path = path
        self._lock_fd = lock_fd

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, path: Path, identity: dict[str, Any], inputs: Iterable[Path], force: bool = False
    ) -> RunFolder:
        """Check, lock and prepare `path` for the run `identity`; raise InputError if it may
        not be used. `inputs` are the run's input files, which are never written over."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise _problem(f"{path} exists and is not a folder")
        inputs = {p.resolve() for p in inputs}
        _refuse_foreign(path)  # before creating anything in it
        _refuse_overwriting(path, inputs)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _problem(f"cannot create {path}: {exc.strerror or exc}") from None
        fd = _lock(path)
        folder = cls(path, fd)
        try:
            folder._prepare(identity, force)
        except BaseException:
            folder.close()
            raise
        return folder

    def _prepare(self, identity: dict[str, Any], force: bool) -> None:
        _refuse_foreign(self.path)  # again, now that we hold the lock
        present = self._owned_present()
        recorded = self._recorded()
        if present and recorded != identity:
            if not force:
                what = "a different run" if recorded is not None else "an ipc-sim run of unknown settings"
                raise _problem(
                    f"{self.path} holds {what}{_difference(recorded, identity)}; "
                    "use --force to replace it, or give another --out"
                )
            self._clear(OWNED)
        else:
            self._clear(tuple(n for n in OWNED if n not in KEPT_ON_RESUME))
        write_text_atomic(self.path / MARKER, json.dumps(identity, indent=2, sort_keys=True) + "\n")

    # --- helpers --------------------------------------------------------------------------------
    def _owned_present(self) -> list[str]:
        return [n for n in OWNED if (self.path / n).exists()]

    def _recorded(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _clear(self, names: Iterable[str]) -> None:
        for name in names:
            target = self.path / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_foreign(path: Path) -> None:
    """A non-empty folder that holds no ipc-sim run is somebody's folder: never write into it."""
    if not path.is_dir():
        return
    entries = {p.name for p in path.iterdir()} - {LOCK}
    if entries and not entries & set(RUN_SIGNS):
        raise _problem(f"{path} is not empty and holds no ipc-sim run; give a new or empty folder")


def _refuse_overwriting(path: Path, inputs: set[Path]) -> None:
    """Nothing ipc-sim writes or clears may be one of the run's input files."""
    for name in OWNED:
        target = (path / name).resolve()
        clash = [p for p in inputs if p == target or target in p.parents]
        if clash:
            raise _problem(f"writing {path / name} would overwrite the input file {clash[0]}")


def _lock(path: Path) -> int:
    try:
        fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _problem(f"cannot write in {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise _problem(f"{path} is in use by another ipc-sim process (pid {holder})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def lock_for_reading(path: Path) -> RunFolder:
    """Hold a run folder's lock while reading it (the report), so no run writes meanwhile."""
    return RunFolder(path, _lock(path))


def _difference(recorded: dict[str, Any] | None, wanted: dict[str, Any]) -> str:
    if recorded is None:
        return ""
    changed = [k for k in sorted(wanted) if recorded.get(k) != wanted.get(k)]
    return f" ({', '.join(changed)} differ)" if changed else ""


def run_identity(scenarios: list[Any], reps: int, seed: int, baseline: str | None) -> dict[str, Any]:
    """What makes two runs the same run: the resolved scenarios, replicates, seed and baseline."""
    return {
        "scenarios": [{"name": s.name, "sha256": s.sha256()} for s in scenarios],
        "replicates": reps,
        "root_seed": seed,
        "baseline": baseline,
    }
