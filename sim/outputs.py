"""The run folder of the output contract: manifest.json, scenarios/, daily.parquet, summary.csv,
and with `--events` the events.parquet dataset.

Every file is written to a temporary name and renamed, so a reader never sees half a file;
events.parquet is a folder, assembled under a temporary name and renamed whole.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import shutil
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.scenario import Scenario

PARQUET_ENGINE = "pyarrow"  # named, so pandas never falls back to another engine's bytes
EVENTS_DATASET = "events.parquet"
PART_DIGITS = 5  # part-00000.parquet ...: names sort in task order (more digits if need be)
NO_HARD_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP)
RUNTIME_PACKAGES = ("mesa", "simpy", "numpy", "pandas", "networkx", "scipy", "pyarrow")


def write_text_atomic(path: Path, text: str) -> None:
    """Write to a temporary name, then rename: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """The same for a table written as Parquet."""
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False, engine=PARQUET_ENGINE)
    os.replace(tmp, path)


def write_dataset_atomic(sources: list[Path], path: Path) -> None:
    """A Parquet dataset at `path` (a folder of part files, one per source, in order) that
    appears whole or not at all. The parts are hard links to the checked task files, so
    the log is never copied or held in memory; where the file system cannot link, copies."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    digits = max(PART_DIGITS, len(str(max(len(sources) - 1, 0))))
    try:
        tmp.mkdir()
        for index, source in enumerate(sources):
            part = tmp / f"part-{index:0{digits}d}.parquet"
            try:
                os.link(source, part)
            except OSError as exc:
                if exc.errno not in NO_HARD_LINK:
                    raise
                shutil.copyfile(source, part)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path, engine=PARQUET_ENGINE)


def git_commit() -> str | None:
    """The source tree's commit, if the package runs from a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def manifest(
    scenarios: list[Scenario],
    reps: int,
    root_seed: int,
    executor: str,
    baseline: str | None,
    events: bool = False,
) -> dict[str, Any]:
    return {
        "package": "ipc-sim",
        "version": __version__,
        "git_commit": git_commit(),
        "root_seed": root_seed,
        "replicates": reps,
        "days": {s.name: s.horizon_days for s in scenarios},
        "executor": executor,
        "baseline": baseline,
        "events": events,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "dependencies": {name: version(name) for name in RUNTIME_PACKAGES},
        "scenarios": [
            {
                "name": s.name,
                "source": s.source,
                "extends": s.chain[1:],
                "population_size": s.population_size,
                "horizon_days": s.horizon_days,
                "sites": len(s.resolved_sites),
                "headcounts": s.headcounts(),
                "sha256": s.sha256(),
                **({"sweep": s.sweep} if s.sweep is not None else {}),
            }
            for s in scenarios
        ],
    }


def write_run(
    out: Path,
    scenarios: list[Scenario],
    daily: pd.DataFrame,
    summary: pd.DataFrame,
    info: dict[str, Any],
    extra_tables: dict[str, pd.DataFrame] | None = None,
    sites: pd.DataFrame | None = None,
    events: list[Path] | None = None,
) -> None:
    """Write the contract's files into `out` (which already exists); `events` are the tasks'
    event-log files, in order, for events.parquet. The manifest comes last."""
    scen_dir = out / "scenarios"
    scen_dir.mkdir(exist_ok=True)
    for s in scenarios:
        write_text_atomic(scen_dir / f"{s.name}.yaml", s.resolved_yaml())
    write_parquet_atomic(daily, out / "daily.parquet")
    if sites is not None:
        write_parquet_atomic(sites, out / "sites.parquet")
    write_text_atomic(out / "summary.csv", summary.to_csv(index=False, float_format="%.6g"))
    for name, table in (extra_tables or {}).items():
        write_text_atomic(out / name, table.to_csv(index=False, float_format="%.6g"))
    if events is not None:
        write_dataset_atomic(events, out / EVENTS_DATASET)
    write_text_atomic(out / "manifest.json", json.dumps(info, indent=2) + "\n")
