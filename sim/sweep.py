"""Sweeps: a grid of settings (`--grid KEY=V1,V2`, a file's `grid:`) expanded into one scenario
per combination, each compared with the baseline like any other scenario.

A point is its scenario loaded again with the point's settings put over it, so every value is
checked exactly as `--set` checks it. The baseline is the reference a sweep is measured
against: it is run as it is, and `--grid` varies the other scenarios (the baseline only when
it is the sole scenario; then its points run beside it). Every point shares the replicates'
random numbers, so a point set to the baseline's own values differs from it by exactly zero.

A point's name is `SCENARIO__KEY-VALUE__KEY-VALUE`, the characters a scenario name allows
(`at_scale__phb.uptake-0.3`); if that is too long, the keys' last parts, and failing that
`SCENARIO__gridNNN` in the grid's order. What each point varies is recorded in its resolved
scenario file and in the manifest (`sweep: {of, varied}`), and sweep.csv lists it beside
the point's outcomes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError, Problem
from sim.limits import MAX_GRID_POINTS, MAX_NAME
from sim.scenario import Scenario, load_scenario, slug
from sim.settings import COMMAND_LINE, Setting, read_value, resolve_key

NAME_SEPARATOR = "__"
SWEEP_COLUMNS = ("scenario", "of")  # sweep.csv's first columns; then each varied key, then summary's


@dataclass(frozen=True)
class Axis:
    """One key of a grid and the values it takes, in the order given."""

    path: tuple[str, ...]
    values: tuple[Any, ...]
    file: str
    field: str

    def settings(self) -> list[Setting]:
        return [Setting(self.path, value, self.file, self.field) for value in self.values]


def parse_grid(texts: list[str] | None) -> tuple[list[Axis], list[Problem]]:
    """`--grid KEY=V1,V2,...` arguments as axes; one problem per malformed one."""
    axes, problems = [], []
    for text in texts or []:
        key, equals, values = text.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.append(Problem(COMMAND_LINE, "--grid", f"give KEY=V1,V2,..., got {text!r}"))
            continue
        field = f"--grid {key}"
        raw = [v.strip() for v in values.split(",")]
        axis, wrong = _axis(key, [read_value(v) for v in raw if v], COMMAND_LINE, field)
        if "" in raw:
            wrong.append(Problem(COMMAND_LINE, field, "has an empty value"))
        problems += wrong
        if axis is not None:
            axes.append(axis)
    return axes, problems + _repeated_keys(axes)


def _axis(key: str, values: list[Any], file: str, field: str) -> tuple[Axis | None, list[Problem]]:
    path, wrong = resolve_key(key)
    if path is None:
        return None, [Problem(file, field, wrong or "")]
    if not values:
        return None, [Problem(file, field, "has no values")]
    shown = [value_text(v) for v in values]
    twice = sorted({v for v in shown if shown.count(v) > 1})
    if twice:
        return None, [Problem(file, field, f"gives {', '.join(twice)} more than once")]
    return Axis(path, tuple(values), file, field), []


def _repeated_keys(axes: Sequence[Axis]) -> list[Problem]:
    seen: dict[tuple[str, ...], Axis] = {}
    problems = []
    for axis in axes:
        if axis.path in seen:
            problems.append(Problem(axis.file, axis.field, f"varies what {seen[axis.path].field} varies"))
        seen.setdefault(axis.path, axis)
    return problems


def file_axes(scenario: Scenario) -> tuple[list[Axis], list[Problem]]:
    """A scenario file's own `grid:` as axes."""
    axes, problems = [], []
    for key, values in scenario.grid.items():
        axis, wrong = _axis(key, list(values), scenario.source, f"grid.{key}")
        problems += wrong
        if axis is not None:
            axes.append(axis)
    return axes, problems + _repeated_keys(axes)


def value_text(value: Any) -> str:
    """A value as a name shows it: YAML's spelling for flags, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return f"{value:.1f}"
    return str(value)


def point_name(scenario: str, point: Sequence[Setting], index: int, points: int) -> str:
    """A readable name for a grid point that a scenario name allows (see the module's note)."""
    for key_of in (lambda s: s.key, lambda s: s.key.rsplit(".", 1)[-1]):
        parts = [slug(f"{key_of(s)}-{value_text(s.value)}") for s in point]
        name = NAME_SEPARATOR.join([scenario, *parts])
        if len(name) <= MAX_NAME:
            return name
    suffix = f"{NAME_SEPARATOR}grid{index:0{len(str(points - 1))}d}"
    return scenario[: MAX_NAME - len(suffix)] + suffix


def expand(
    paths: Sequence[str | Path],
    scenarios: Sequence[Scenario],
    settings: Sequence[Setting],
    grid: Sequence[Axis],
    baseline: str | None,
) -> list[Scenario]:
    """`scenarios`, loaded from `paths` with `settings` over each, every gridded one replaced
    by its points (the baseline kept beside its own); InputError listing every problem."""
    problems: list[Problem] = []
    plans = []
    others = [s for s in scenarios if s.name != baseline]
    for path, scenario in zip(paths, scenarios, strict=True):
        axes, wrong = file_axes(scenario)
        problems += wrong
        if grid and (scenario.name != baseline or not others):
            given = {axis.path for axis in grid}
            axes = [axis for axis in axes if axis.path not in given] + list(grid)
        set_paths = {s.path: s for s in settings}
        problems += [
            Problem(a.file, a.field, f"is also set by {set_paths[a.path].field}: give one")
            for a in axes
            if a.path in set_paths
        ]
        plans.append((path, scenario, axes))
    count = sum(math.prod(len(a.values) for a in axes) for _, _, axes in plans if axes)
    if count > MAX_GRID_POINTS:
        message = f"makes {count:,} scenarios; at most {MAX_GRID_POINTS:,} (for more, `ipc-sim sensitivity`)"
        problems.append(Problem(COMMAND_LINE, "--grid" if grid else "grid", message))
    if problems:
        raise InputError(_unique(problems))
    expanded: list[Scenario] = []
    for path, scenario, axes in plans:
        if not axes or scenario.name == baseline:
            expanded.append(scenario)
        if axes:
            expanded += _points(path, scenario, axes, settings, problems)
    problems += _same_names(expanded)
    if problems:
        raise InputError(_unique(problems))
    return expanded


def _points(
    path: str | Path,
    scenario: Scenario,
    axes: Sequence[Axis],
    settings: Sequence[Setting],
    problems: list[Problem],
) -> list[Scenario]:
    """Every combination of the axes' values, in order (the last axis varying fastest). Each
    value is checked alone first, so a bad one is reported once, not once per combination."""
    for axis in axes:
        for one in axis.settings():
            try:
                load_scenario(path, [*settings, one])
            except InputError as exc:
                problems += exc.problems
    if problems:
        return []
    combinations = list(itertools.product(*(axis.settings() for axis in axes)))
    points = []
    for index, point in enumerate(combinations):
        try:
            loaded = load_scenario(path, [*settings, *point])
        except InputError as exc:
            problems += exc.problems
            continue
        name = point_name(scenario.name, point, index, len(combinations))
        sweep = {"of": scenario.name, "varied": {s.key: s.value for s in point}}
        points.append(replace(loaded, name=name, sweep=sweep, grid={}))
    return points


def _same_names(scenarios: Sequence[Scenario]) -> list[Problem]:
    seen: dict[str, Scenario] = {}
    problems = []
    for s in scenarios:
        if s.name in seen:
            problems.append(Problem(s.source, "name", f"two scenarios of the run are named {s.name!r}"))
        seen.setdefault(s.name, s)
    return problems


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def varied_keys(scenarios: Sequence[Scenario]) -> list[str]:
    """Every key some scenario of the run varies, in the order first met."""
    return list(dict.fromkeys(k for s in scenarios if s.sweep for k in s.sweep["varied"]))


def sweep_table(summary: pd.DataFrame, sweeps: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """sweep.csv: the summary's rows of every grid point, each with the scenario it was made
    from (`of`) and its value of every varied key (empty where it does not vary one), so a
    sweep is grouped and plotted by what was varied. `sweeps[name] = {"of", "varied"}`."""
    keys = list(dict.fromkeys(k for sweep in sweeps.values() for k in sweep["varied"]))
    rows = summary[summary["scenario"].isin(list(sweeps))].copy()
    columns = {"of": rows["scenario"].map({n: s["of"] for n, s in sweeps.items()})}
    for key in keys:
        columns[key] = rows["scenario"].map({n: s["varied"].get(key) for n, s in sweeps.items()})
    varied = pd.DataFrame(columns, index=rows.index)
    table = pd.concat([rows[["scenario"]], varied, rows.drop(columns=["scenario"])], axis=1)
    return table.reset_index(drop=True)
