"""Reading a finished run folder without trusting it (for `ipc-sim report`).

A run folder may have been edited, truncated or copied from elsewhere. Every file is checked
before use: the manifest against a schema, every path it names resolved inside the folder,
and every table for the columns the report needs and for agreement with the manifest. A
damaged folder is one line per problem, naming the file, and exit 2: never a traceback, and
never a report built from data that does not hold together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, Problem
from sim.limits import MAX_NAME, MAX_REPLICATES, MAX_SEED
from sim.metrics import METRIC_NAMES
from sim.scenario import NAME_PATTERN
from sim.site_results import SITE_SUMMARY_COLUMNS
from sim.summary import MILESTONE_COLUMNS, SUMMARY_COLUMNS
from sim.yaml_reader import YAMLInputError, load_yaml, read_text

MAX_MANIFEST_BYTES = 10_000_000
CHECK_COLUMNS = ("figure", "model_mean", "model_lo95", "model_hi95", "public_low", "public_high", "within")


class _Schema(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class ManifestScenario(_Schema):
    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME)
    population_size: int = Field(ge=1)
    horizon_days: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class RunManifest(_Schema):
    package: str = Field(pattern=r"^ipc-sim$")
    version: str
    git_commit: str | None = None
    root_seed: int = Field(ge=0, le=MAX_SEED)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    executor: str
    baseline: str | None = None
    scenarios: list[ManifestScenario] = Field(min_length=1)


@dataclass
class RunContents:
    manifest: dict[str, Any]
    daily: pd.DataFrame
    summary: pd.DataFrame
    resolved: dict[str, dict[str, Any]]
    milestones: pd.DataFrame
    baseline_check: pd.DataFrame | None
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)  # sites.csv (empty before it existed)
    waterfall: pd.DataFrame = field(default_factory=pd.DataFrame)  # waterfall.csv (`--waterfall`)
    morris: pd.DataFrame = field(default_factory=pd.DataFrame)  # sensitivity_morris.csv (`--sensitivity`)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)  # sensitivity_sobol.csv


class _Damaged(Exception):
    def __init__(self, file: Path, message: str):
        self.problem = Problem(str(file), "", message)


def _inside(folder: Path, *parts: str) -> Path:
    path = folder.joinpath(*parts)
    if not path.resolve().is_relative_to(folder.resolve()):
        raise _Damaged(path, "points outside the run folder")
    return path


def _manifest(folder: Path) -> dict[str, Any]:
    path = _inside(folder, "manifest.json")
    try:
        text = read_text(path, MAX_MANIFEST_BYTES)
        data = json.loads(text)
    except YAMLInputError as exc:
        raise _Damaged(path, str(exc)) from None
    except ValueError as exc:
        raise _Damaged(path, f"is not valid JSON ({exc})") from None
    try:
        manifest = RunManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _Damaged(path, f"{where}: {first['msg']}") from None
    names = [s.name for s in manifest.scenarios]
    if len(set(names)) != len(names):
        raise _Damaged(path, "names a scenario twice")
    if manifest.baseline is not None and manifest.baseline not in names:
        raise _Damaged(path, f"baseline {manifest.baseline!r} is not one of its scenarios {names}")
    return data


def _resolved(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    resolved = {}
    for name in names:
        path = _inside(folder, "scenarios", f"{name}.yaml")
        try:
            data = load_yaml(read_text(path))
        except YAMLInputError as exc:
            raise _Damaged(path, str(exc)) from None
        if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
            raise _Damaged(path, "is not a resolved scenario (no parameters mapping)")
        resolved[name] = data
    return resolved


def _daily(folder: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    path = _inside(folder, "daily.parquet")
    try:
        daily = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise _Damaged(path, f"is not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in ("scenario", "replicate", "day", *METRIC_NAMES) if c not in daily.columns]
    if missing:
        raise _Damaged(path, f"lacks columns {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    for entry in manifest["scenarios"]:
        rows = daily[daily["scenario"] == entry["name"]]
        expected = manifest["replicates"] * entry["horizon_days"]
        if len(rows) != expected:
            raise _Damaged(
                path, f"has {len(rows)} rows for {entry['name']!r}, expected {expected} (replicates x days)"
            )
    if len(daily) != sum(manifest["replicates"] * e["horizon_days"] for e in manifest["scenarios"]):
        raise _Damaged(path, "has rows for scenarios the manifest does not name")
    return daily


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise _Damaged(path, f"is not a readable CSV file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise _Damaged(path, f"lacks columns {missing}")
    return table


def _summary(folder: Path, names: list[str]) -> pd.DataFrame:
    path = _inside(folder, "summary.csv")
    summary = _numbers(path, _csv(path, tuple(SUMMARY_COLUMNS)), SUMMARY_COLUMNS[2:])
    if not set(summary["scenario"]) <= set(names) or not set(names) <= set(summary["scenario"]):
        raise _Damaged(path, "does not hold the manifest's scenarios")
    return summary


def _numbers(path: Path, table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`table` with `columns` as numbers; a value that is not one (empty is NaN) is damage."""
    numbers = table[columns].apply(pd.to_numeric, errors="coerce")
    if (numbers.isna() & table[columns].notna()).to_numpy().any():
        raise _Damaged(path, "has values that are not numbers")
    return table.assign(**numbers)


def read_run(folder: Path) -> RunContents:
    """Everything `ipc-sim report` needs from `folder`, checked; InputError if it is damaged."""
    missing = [n for n in ("manifest.json", "daily.parquet", "summary.csv") if not (folder / n).is_file()]
    if missing:
        raise InputError(
            [Problem(str(folder), n, "missing: is this an `ipc-sim run` folder?") for n in missing]
        )
    try:
        manifest = _manifest(folder)
        names = [s["name"] for s in manifest["scenarios"]]
        resolved = _resolved(folder, names)
        daily = _daily(folder, manifest)
        summary = _summary(folder, names)
        milestones_path = _inside(folder, "milestones.csv")
        milestones = _csv(milestones_path, MILESTONE_COLUMNS) if milestones_path.exists() else pd.DataFrame()
        check_path = _inside(folder, "baseline_check.csv")
        check = _csv(check_path, CHECK_COLUMNS) if check_path.exists() else None
        sites_path = _inside(folder, "sites.csv")
        sites = _sites(sites_path, names) if sites_path.exists() else pd.DataFrame()
        optional = {
            name: _numbers(path, _csv(path, columns), list(numeric)) if path.exists() else pd.DataFrame()
            for name, columns, numeric in OPTIONAL_TABLES
            for path in [_inside(folder, name)]
        }
    except _Damaged as exc:
        raise InputError([exc.problem]) from None
    return RunContents(
        manifest,
        daily,
        summary,
        resolved,
        milestones,
        check,
        sites,
        optional["waterfall.csv"],
        optional["sensitivity_morris.csv"],
        optional["sensitivity_sobol.csv"],
    )


OPTIONAL_TABLES = (  # file, its columns, the ones that must be numbers
    ("waterfall.csv", ("outcome", "label", "step", "mean", "lo95", "hi95"), ("mean", "lo95", "hi95")),
    (
        "sensitivity_morris.csv",
        ("outcome", "parameter", "mu_star", "mu_star_conf", "noise_floor", "above_noise"),
        ("mu_star", "mu_star_conf", "noise_floor"),
    ),
    ("sensitivity_sobol.csv", ("outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"), ("S1", "ST")),
)


def _sites(path: Path, names: list[str]) -> pd.DataFrame:
    """sites.csv, with numbers where numbers belong and only this run's scenarios."""
    table = _numbers(path, _csv(path, tuple(SITE_SUMMARY_COLUMNS)), SITE_SUMMARY_COLUMNS[3:])
    unknown = sorted(set(table["scenario"].astype(str)) - set(names))
    if unknown:
        raise _Damaged(path, f"has scenarios the manifest does not list: {unknown[:3]}")
    return table
