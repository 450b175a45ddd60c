"""Finished tasks on disk, each checked before it is trusted.

A task file is a Parquet table with its own record in the schema metadata: the task's key, its
row count and a checksum of its contents. On resume a file is used only if it reads, its key
is the task's, its columns are this version's, it has a row for every day and its contents
match the checksum. Anything else (a truncated file, garbage, another task's file copied in, a
file missing a column) is moved to `.tasks/rejected/` with a warning, and the task runs again:
nothing unchecked reaches `daily.parquet`.

A task run with `--events` also leaves its event log in `.tasks/events/KEY.parquet`, with the
same kind of record and the same checks (its schema must be `sim.event_log.SCHEMA`); one that
fails goes to `.tasks/events/rejected/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.event_log import SCHEMA as EVENT_SCHEMA
from sim.metrics import METRIC_NAMES
from sim.site_results import site_columns

if TYPE_CHECKING:
    from sim.batch import Task

RECORD = b"ipc-sim-task"
COLUMNS = ("scenario", "replicate", "day", *METRIC_NAMES)
REJECTED = "rejected"
EVENTS = "events"  # the folder of event-log task files, inside the task folder


def columns(task: Task) -> tuple[str, ...]:
    """A task table's columns: the contract's daily columns, then each of its sites' figures."""
    return (*COLUMNS, *site_columns(len(task.scenario["sites"])))


class TaskFileError(Exception):
    """Why a task file cannot be used (one line)."""


def checksum(frame: pd.DataFrame) -> str:
    """A digest of the table's column names and values (independent of how it was stored)."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def save(frame: pd.DataFrame, path: Path, task: Task) -> None:
    """Write the task's table with its record, atomically (temporary name, then rename)."""
    _save_table(pa.Table.from_pandas(frame, preserve_index=False), frame, path, task)


def _save_table(table: pa.Table, frame: pd.DataFrame, path: Path, task: Task) -> None:
    record = {"key": task.key, "rows": len(frame), "sha256": checksum(frame)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), RECORD: json.dumps(record)})
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _read_table(path: Path, task: Task) -> tuple[pa.Table, dict]:
    """The table at `path` and its record, if it reads and is this task's."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise TaskFileError(f"not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    try:
        record = json.loads((table.schema.metadata or {})[RECORD])
    except (KeyError, ValueError):
        raise TaskFileError("has no ipc-sim task record") from None
    if not isinstance(record, dict):
        raise TaskFileError("its ipc-sim task record is not a record")
    if record.get("key") != task.key:
        raise TaskFileError("belongs to another task")
    return table, record


def load(path: Path, task: Task) -> pd.DataFrame:
    """The task's table from `path`, or TaskFileError saying why it cannot be trusted."""
    table, record = _read_table(path, task)
    frame = table.to_pandas()
    if tuple(frame.columns) != columns(task):
        raise TaskFileError("its columns are not this version's")
    days = int(task.scenario["horizon_days"])
    if len(frame) != days or record.get("rows") != days:
        raise TaskFileError(f"has {len(frame)} rows, expected {days}")
    if record.get("sha256") != checksum(frame):
        raise TaskFileError("its contents do not match its checksum")
    return frame


def events_path(task_dir: Path, task: Task) -> Path:
    """Where the task's event log is kept."""
    return task_dir / EVENTS / f"{task.key}.parquet"


def save_events(table: pa.Table, path: Path, task: Task) -> None:
    """Write the task's event log with its record, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_table(table, table.to_pandas(), path, task)


def load_events(path: Path, task: Task) -> pa.Table:
    """The task's event log from `path`, or TaskFileError saying why it cannot be trusted."""
    table, record = _read_table(path, task)
    if not table.schema.equals(EVENT_SCHEMA):
        raise TaskFileError("its columns are not this version's event log")
    if record.get("rows") != table.num_rows:
        raise TaskFileError(f"has {table.num_rows} rows, its record says {record.get('rows')}")
    if record.get("sha256") != checksum(table.to_pandas()):
        raise TaskFileError("its contents do not match its checksum")
    return table


def set_aside(path: Path, reason: str) -> None:
    """Move an untrustworthy task file to `.tasks/rejected/` and say so on stderr."""
    folder = path.parent / REJECTED
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.name}.{n}"
    os.replace(path, target)
    print(f"warning: {path}: {reason}; set aside in {folder}/ and run again", file=sys.stderr)
