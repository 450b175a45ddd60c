"""A scenario as the explorer edits it: one standalone mapping, checked by the CLI's loader.

The form never validates anything itself. Every check is `sim.scenario.load_scenarios` on the
very files the planner downloads and the run reads, so a message in the browser is the line
`ipc-sim validate` prints, and a file that passes here runs identically from the command line.

A run compares the edited scenario with its own baseline: the same cohort, sites and
parameters with every lever off (what `scenarios/baseline.yaml` is for the shipped cohort).
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError, Problem
from sim.levers import lever_classes
from sim.limits import MAX_NAME
from sim.params import REGISTRY
from sim.scenario import NAME_PATTERN, Scenario, load_scenario, load_scenarios
from sim.yaml_reader import read_mapping

BASELINE = "baseline"
INTERVENTIONS = "interventions"
BASELINE_FILE = f"{BASELINE}.yaml"


def standalone(scenario: Scenario) -> dict[str, Any]:
    """The scenario as one file with no `extends`: what its chain resolves to, levers and
    parameters it sets itself, and nothing the registry already says."""
    levers: dict[str, Any] = {}
    for name, spec in copy.deepcopy(scenario.interventions).items():
        if isinstance(spec, dict):
            per_head = spec.get("per_1000_people") or {}
            spec = {k: v for k, v in spec.items() if k not in per_head and k != "per_1000_people"}
            if per_head:
                spec["per_1000_people"] = per_head
        levers[name] = spec
    data: dict[str, Any] = {
        "name": scenario.name,
        "description": scenario.description,
        "horizon_days": scenario.horizon_days,
        "warm_up_days": scenario.warm_up_days,
        "population": {"size": scenario.population_size},
    }
    if scenario.sites is not None:
        data["sites"] = copy.deepcopy(scenario.sites)
    data[INTERVENTIONS] = levers
    data["parameters"] = {n: _plain(n, v) for n, v in sorted(scenario.overrides.items())}
    return data


def _plain(name: str, value: float) -> float | int:
    """A parameter as a person would write it (750, not 750.0, for a whole-number value)."""
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


def baseline_of(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario's own baseline: everything but the levers, under the name `baseline`."""
    base = {k: copy.deepcopy(v) for k, v in data.items() if k != INTERVENTIONS}
    base["name"] = BASELINE
    base["description"] = f"Usual care for the cohort of {data.get('name')!s}: no IPC levers"
    return base


def to_yaml(data: dict[str, Any]) -> str:
    """The file the planner downloads and the run reads (block style, keys in form order)."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def file_name(data: dict[str, Any]) -> str:
    """The scenario's file name: its name, when that is a valid name, else `scenario.yaml`."""
    name = data.get("name")
    if isinstance(name, str) and len(name) <= MAX_NAME and re.match(NAME_PATTERN, name):
        return f"{name}.yaml"
    return "scenario.yaml"


@dataclass
class Checked:
    """The outcome of checking the edited scenario: its files' text and every problem."""

    files: dict[str, str]  # file name -> YAML text (the baseline first)
    problems: list[Problem]

    def by_field(self) -> dict[str, list[str]]:
        """Problems keyed by dotted field (`interventions.phb.target_budgets`), for the form."""
        found: dict[str, list[str]] = {}
        for p in self.problems:
            found.setdefault(p.field, []).append(p.message)
        return found


def write_files(files: dict[str, str], folder: Path) -> list[Path]:
    """Write the scenario files into `folder`; their paths, baseline first."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def check(data: dict[str, Any]) -> Checked:
    """Write the scenario and its baseline as files and load them as `ipc-sim validate` does."""
    files = {BASELINE_FILE: to_yaml(baseline_of(data)), file_name(data): to_yaml(data)}
    if file_name(data) == BASELINE_FILE:  # the CLI would say the name is taken; so do we
        files = {BASELINE_FILE: files[BASELINE_FILE], "scenario.yaml": to_yaml(data)}
    with tempfile.TemporaryDirectory(prefix="ipc-sim-explore-") as tmp:
        paths = write_files(files, Path(tmp))
        try:
            load_scenarios(paths)
            problems: list[Problem] = []
        except InputError as exc:
            problems = [Problem(Path(p.file).name, p.field, p.message) for p in exc.problems]
    return Checked(files, _own_first(problems, file_name(data)))


def _own_first(problems: list[Problem], own: str) -> list[Problem]:
    """The edited file's problems, then the baseline's that the edited file does not repeat
    (both share the cohort, so a bad population size is one message, not two)."""
    mine = [p for p in problems if p.file != BASELINE_FILE]
    fields = {p.field for p in mine}
    return mine + [p for p in problems if p.file == BASELINE_FILE and p.field not in fields]


def shipped(folder: Path) -> dict[str, Path]:
    """The shipped scenario files by name (scenarios/ of the checkout)."""
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def load_upload(content: bytes, upload_dir: Path, library: Path) -> Scenario:
    """An uploaded scenario file, read by the CLI's bounded loader. It may extend a shipped
    scenario by its file name (`extends: baseline.yaml`) and nothing else: its copy sits in a
    folder with the shipped files, and an `extends` that leaves that folder is refused before
    any other file is opened."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    for name, path in shipped(library).items():
        (upload_dir / f"{name}.yaml").write_bytes(path.read_bytes())
    target = upload_dir / "uploaded.yaml"
    target.write_bytes(content)
    data, problems = read_mapping(target, "uploaded.yaml")
    if data is None:
        raise InputError(problems)
    parent = data.get("extends")
    if isinstance(parent, str):
        inside = (upload_dir / parent).resolve()
        if "\0" in parent or inside.parent != upload_dir.resolve() or not inside.is_file():
            names = ", ".join(f"{n}.yaml" for n in shipped(library))
            message = f"an uploaded file may extend only a shipped scenario ({names}), got {parent!r}"
            raise InputError([Problem("uploaded.yaml", "extends", message)])
    return load_scenario(target)


def lever_parameters(lever: str) -> list[str]:
    """The registry parameters a lever reads under its own name (`phb.uptake`, ...)."""
    return [n for n in REGISTRY if n.startswith(f"{lever}.")]


def levers() -> list[Any]:
    return list(lever_classes())
