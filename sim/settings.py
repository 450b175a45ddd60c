"""Values set from outside a scenario file: `ipc-sim run --set KEY=VALUE`, `--grid KEY=V1,V2`
and a file's `grid:` section. A key names one thing a scenario file could set:

* a parameter by its registry name (`phb.uptake`), or `parameters.NAME`;
* a lever's setting as `LEVER.FIELD` (`care_planning.target_plans`), or
  `interventions.LEVER.FIELD`; `interventions.start_day` (or `start_day`);
* `population.size`, `horizon_days`, `warm_up_days`, or `sites` (`auto`).

A value is read as YAML (`0.3`, `true`, `highest_risk`), so it means what it would in the file
and is checked by the same schema and registry checks, each problem naming the key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from sim.errors import Problem
from sim.levers import lever_classes
from sim.params import REGISTRY

PARAMETERS, INTERVENTIONS = "parameters", "interventions"
SCENARIO_FIELDS = {  # key -> the path to it in a scenario file
    "population.size": ("population", "size"),
    "horizon_days": ("horizon_days",),
    "warm_up_days": ("warm_up_days",),
    "sites": ("sites",),
    "start_day": (INTERVENTIONS, "start_day"),
}
NOT_SETTABLE = ("name", "description", "extends", "parameter_draws", "grid", "sweep")
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Setting:
    """One value put into a scenario from outside its file: where it goes (`path`, as in a
    scenario file), its display key, and who set it (for the one-line problem report)."""

    path: tuple[str, ...]
    value: Any
    file: str  # "command line" or the scenario file holding the `grid:`
    field: str  # "--set phb.uptake", "--grid phb.uptake" or "grid.phb.uptake"

    @property
    def key(self) -> str:
        return display_key(self.path)

    @property
    def dotted(self) -> str:
        """The path as a problem about it names it (`parameters.phb.uptake`)."""
        return ".".join(self.path)


def display_key(path: tuple[str, ...]) -> str:
    """The short key for a path: a parameter's name, `LEVER.FIELD`, or the field's path."""
    if path[0] in (PARAMETERS, INTERVENTIONS) and len(path) > 1 and path[1] != "start_day":
        return ".".join(path[1:])
    return ".".join(path) if path != (INTERVENTIONS, "start_day") else "start_day"


def lever_names() -> tuple[str, ...]:
    return tuple(lever.name for lever in lever_classes())


def lever_fields(name: str) -> tuple[str, ...]:
    """The settings a lever's `interventions:` entry takes."""
    lever = next(lever for lever in lever_classes() if lever.name == name)
    return tuple(lever.Spec.model_fields)


def resolve_key(key: str) -> tuple[tuple[str, ...] | None, str | None]:
    """The path a key names in a scenario file, or None and what is wrong with it."""
    key = key.strip()
    if key.startswith(PARAMETERS + "."):
        name = key[len(PARAMETERS) + 1 :]
        return ((PARAMETERS, name), None) if name in REGISTRY else (None, _unknown_parameter(name))
    if key in REGISTRY:
        return (PARAMETERS, key), None
    if key in SCENARIO_FIELDS:
        return SCENARIO_FIELDS[key], None
    parts = tuple(key.split("."))
    if parts[0] == INTERVENTIONS and len(parts) > 1:
        parts = parts[1:]
        if parts == ("start_day",):
            return SCENARIO_FIELDS["start_day"], None
    if parts[0] in lever_names():
        if len(parts) < 2 or parts[1] not in lever_fields(parts[0]):
            return None, _unknown_key(key)
        return (INTERVENTIONS, *parts), None
    if parts[0] in NOT_SETTABLE:
        return None, f"{parts[0]} cannot be set from outside the file"
    return None, _unknown_key(key)


def _unknown_parameter(name: str) -> str:
    near = difflib.get_close_matches(name, list(REGISTRY), n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return f"unknown parameter{hint} (see `ipc-sim params`)"


def _unknown_key(key: str) -> str:
    levers = [f"{lever}.{field}" for lever in lever_names() for field in lever_fields(lever)]
    choices = [*REGISTRY, *SCENARIO_FIELDS, *levers]
    near = difflib.get_close_matches(key, choices, n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return (
        f"unknown key{hint}: give a parameter (`ipc-sim params`), LEVER.FIELD (levers: "
        f"{', '.join(lever_names())}), population.size, horizon_days, warm_up_days or sites"
    )


def read_value(text: str) -> Any:
    """A value as YAML reads it (`0.3` a number, `true` a flag, `auto` text); text if it is not YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _split(text: str, flag: str) -> tuple[str, str] | Problem:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        return Problem(COMMAND_LINE, flag, f"give KEY=VALUE, got {text!r}")
    if not value.strip():
        return Problem(COMMAND_LINE, f"{flag} {key.strip()}", "has no value")
    return key.strip(), value.strip()


def parse_sets(texts: list[str] | None) -> tuple[list[Setting], list[Problem]]:
    """`--set KEY=VALUE` arguments as settings; one problem per malformed or unknown one."""
    settings, problems = [], []
    for text in texts or []:
        split = _split(text, "--set")
        if isinstance(split, Problem):
            problems.append(split)
            continue
        key, value = split
        path, wrong = resolve_key(key)
        if path is None:
            problems.append(Problem(COMMAND_LINE, f"--set {key}", wrong or ""))
        else:
            settings.append(Setting(path, read_value(value), COMMAND_LINE, f"--set {key}"))
    problems += _repeated(settings)
    return settings, problems


def _repeated(settings: list[Setting]) -> list[Problem]:
    seen: dict[tuple[str, ...], Setting] = {}
    problems = []
    for s in settings:
        if s.path in seen:
            problems.append(Problem(s.file, s.field, f"sets what {seen[s.path].field} sets: give it once"))
        seen.setdefault(s.path, s)
    return problems


def nest(settings: list[Setting]) -> dict[str, Any]:
    """The settings as the mapping a scenario file would hold (`parameters` stays flat, by name)."""
    layer: dict[str, Any] = {}
    for s in settings:
        if s.path[0] == PARAMETERS:
            layer.setdefault(PARAMETERS, {})[s.path[1]] = s.value
            continue
        node = layer
        for part in s.path[:-1]:
            node = node.setdefault(part, {})
        node[s.path[-1]] = s.value
    return layer
