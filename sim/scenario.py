"""Scenario files: YAML with `extends:` inheritance, dotted parameter overrides and strict checks.

Every problem in every file is collected and reported at once, one line each,
`FILE: dotted.field: what is wrong`, so a planner fixes a batch of scenarios in one pass.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, Field, ValidationError, create_model

from sim.errors import InputError, Problem
from sim.lever import PER_THOUSAND
from sim.lever import StrictSpec as _Strict
from sim.levers import lever_classes
from sim.limits import (
    MAX_DESCRIPTION,
    MAX_EXTENDS,
    MAX_GRID_POINTS,
    MAX_HORIZON_DAYS,
    MAX_NAME,
    MAX_POPULATION,
    MAX_REPLICATES,
    MAX_WARM_UP_DAYS,
    MIN_POPULATION,
)
from sim.params import REGISTRY, Params, check_share_groups, check_value
from sim.settings import PARAMETERS, Setting, nest
from sim.sites import Site, SitesField, SiteSpec, resolve_sites, site_problems
from sim.yaml_reader import read_mapping

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
DEFAULT_WARM_UP_DAYS = 365
OWN_FIELDS = ("name", "description", "grid", "sweep")  # a file's own, never inherited through `extends`


class PopulationSpec(_Strict):
    """The cohort."""

    size: int = Field(ge=MIN_POPULATION, le=MAX_POPULATION)


def _interventions_model() -> type[BaseModel]:
    """The `interventions:` section: `start_day`, then one entry per lever, from the levers' own
    `Spec`s (so a new lever needs no change here). Staff, groups and targets are for the
    reference cohort and scale with population size like every capacity."""
    fields: dict[str, Any] = {
        "start_day": (int, Field(default=0, ge=0, le=MAX_HORIZON_DAYS)),  # levers act from this day
    }
    for lever in lever_classes():
        fields[lever.name] = (lever.Spec, Field(default_factory=lever.Spec))
    return create_model("InterventionsSpec", __base__=_Strict, **fields)


InterventionsSpec = _interventions_model()


def _intervention_rules(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-field rules between levers (each lever's `requires`). Returns (field, message) pairs."""
    levers = InterventionsSpec.model_validate(spec)
    problems = []
    for lever in lever_classes():
        if not getattr(levers, lever.name).enabled:
            continue
        for needed, why in lever.requires.items():
            if not getattr(levers, needed).enabled:
                problems.append(
                    (f"interventions.{lever.name}.enabled", f"needs interventions.{needed}.enabled: {why}")
                )
    return problems


class PopulationPart(_Strict):
    """The cohort as one file in an `extends` chain may give it (size may be inherited)."""

    size: int | None = Field(default=None, ge=MIN_POPULATION, le=MAX_POPULATION)


class ParameterDrawsSpec(_Strict):
    """The parameter sets a run drew, one per replicate (written into resolved scenario files,
    so that running one again reproduces its draws)."""

    source: str = Field(max_length=MAX_DESCRIPTION)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    replicates: dict[int, dict[str, float]] = Field(min_length=1, max_length=MAX_REPLICATES)


Scalar = bool | int | float | str  # a value a grid or a sweep's record holds
GridValues = Annotated[list[Scalar], Field(min_length=1, max_length=MAX_GRID_POINTS)]


class SweepSpec(_Strict):
    """Which scenario a grid point was made from and the values it varies (resolved files of a
    sweep carry it, so the summary and report group the points by what was varied)."""

    of: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME)
    varied: dict[str, Scalar] = Field(min_length=1)


class ScenarioFile(_Strict):
    """What one file may say (anything may be inherited except `OWN_FIELDS`)."""

    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    extends: str | None = None
    horizon_days: int | None = Field(default=None, ge=1, le=MAX_HORIZON_DAYS)
    warm_up_days: int | None = Field(default=None, ge=0, le=MAX_WARM_UP_DAYS)
    population: PopulationPart | None = None
    sites: SitesField = None
    interventions: InterventionsSpec | None = None  # type: ignore[valid-type]
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_draws: ParameterDrawsSpec | None = None
    # values to run this scenario at, every combination (`sim.sweep`); never inherited
    grid: dict[str, GridValues] | None = None
    sweep: SweepSpec | None = None


class ResolvedScenario(_Strict):
    """A scenario after inheritance: everything the model needs."""

    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    horizon_days: int = Field(default=365, ge=1, le=MAX_HORIZON_DAYS)
    # Days run before day 0 and not reported: day 0 then carries a year of illness history,
    # entries and deaths, so transient and stable risk are in equilibrium (issue 10).
    warm_up_days: int = Field(default=DEFAULT_WARM_UP_DAYS, ge=0, le=MAX_WARM_UP_DAYS)
    population: PopulationSpec
    sites: SitesField = None
    interventions: InterventionsSpec = Field(default_factory=InterventionsSpec)  # type: ignore[valid-type]
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_draws: ParameterDrawsSpec | None = None
    sweep: SweepSpec | None = None


@dataclass
class Scenario:
    """A validated scenario, ready to run, with its provenance."""

    name: str
    description: str
    horizon_days: int
    population_size: int
    overrides: dict[str, float]
    source: str
    warm_up_days: int = DEFAULT_WARM_UP_DAYS
    chain: list[str] = field(default_factory=list)
    interventions: dict[str, Any] = field(default_factory=dict)
    sites: Any = None  # None (the registry's site), "auto", or a list of site mappings
    # {"source", "sha256", "replicates": {replicate: {parameter: value}}}: drawn parameters the
    # scenario does not set itself, one set per replicate (`ipc-sim run --parameters`)
    parameter_draws: dict[str, Any] | None = None
    grid: dict[str, list[Any]] = field(default_factory=dict)  # the file's `grid:` (key -> values)
    sweep: dict[str, Any] | None = None  # a grid point's {"of": scenario, "varied": {key: value}}

    @property
    def resolved_sites(self) -> tuple[Site, ...]:
        """Every site with every figure filled in."""
        return resolve_sites(_sites_spec(self.sites), self.population_size, self.params)

    @property
    def levers(self) -> Any:
        """The `interventions:` section, validated (an `InterventionsSpec`)."""
        return InterventionsSpec.model_validate(self.interventions)

    def targets(self) -> dict[str, float]:
        """The scale-up targets of the enabled levers, as the levers work to them."""
        levers, targets = self.levers, {}
        for lever in lever_classes():
            spec = getattr(levers, lever.name)
            if lever.milestone is not None and spec.enabled:
                targets[lever.milestone.name] = round(
                    spec.headcount(lever.milestone.field, self.population_size)
                )
        return targets

    def hold_tolerance(self) -> float:
        """How far below a target the live caseload may be and still count as reaching and
        holding it (`milestones.hold_tolerance`, a share of the target)."""
        return self.params.source_value("milestones.hold_tolerance")

    def _staffed_levers(self) -> list[tuple[str, Any]]:
        """(name, spec) of each enabled lever that has staff, groups or targets."""
        levers = self.levers
        specs = [(lever.name, getattr(levers, lever.name)) for lever in lever_classes()]
        return [(name, spec) for name, spec in specs if spec.enabled and spec.headcounts]

    def headcounts(self) -> dict[str, dict[str, float]]:
        """Staff, groups and targets of each enabled lever as the model uses them: {lever: {field: n}}."""
        return {name: spec.effective(self.population_size) for name, spec in self._staffed_levers()}

    def per_head(self, people: int) -> Scenario:
        """The same scenario with every enabled lever's staff, groups and targets given per 1,000
        people, at what they are for a cohort of `people`: Stockton's staffing carried to
        another cohort size (`per_head(11989)` then `population_size=50_000`)."""
        levers = dict(self.interventions)
        for name, spec in self._staffed_levers():
            figures = {f: spec.headcount(f, people) * PER_THOUSAND / people for f in spec.headcounts}
            levers[name] = {**levers[name], "per_1000_people": figures}
        return Scenario(**{**self.__dict__, "interventions": levers})

    def headcount_lines(self) -> list[str]:
        """One line per enabled lever: the numbers the model will use (`validate` and `run` print them)."""
        lines = []
        for name, spec in self._staffed_levers():
            parts = []
            for field_name, value in spec.effective(self.population_size).items():
                per_head = spec.per_1000_people.get(field_name)
                how = f" ({per_head:g} per 1,000 people)" if per_head is not None else ""
                shown = f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
                parts.append(f"{field_name} {shown}{how}")
            lines.append(f"  {name}: {', '.join(parts)}")
        return lines

    @property
    def params(self) -> Params:
        return Params(self.overrides)

    def with_draws(self, source: str, sha256: str, draws: dict[int, dict[str, float]]) -> Scenario:
        """This scenario with one drawn parameter set per replicate; a parameter the scenario
        sets itself is its own choice and is not drawn."""
        own = {r: {n: v for n, v in draw.items() if n not in self.overrides} for r, draw in draws.items()}
        spec = {"source": source, "sha256": sha256, "replicates": own}
        return Scenario(**{**self.__dict__, "parameter_draws": spec})

    def for_replicate(self, replicate: int) -> Scenario:
        """What replicate `replicate` runs: its drawn parameters set, no draws left to make."""
        if self.parameter_draws is None:
            return self
        draw = self.parameter_draws["replicates"][replicate]
        overrides = {**self.overrides, **draw}
        return Scenario(**{**self.__dict__, "overrides": overrides, "parameter_draws": None})

    def resolved(self) -> dict[str, Any]:
        """Fully resolved scenario: inheritance applied, every parameter's effective value
        (a drawn parameter is listed under `parameter_draws`, by replicate, not here)."""
        data = {
            "name": self.name,
            "description": self.description,
            "horizon_days": self.horizon_days,
            "warm_up_days": self.warm_up_days,
            "population": {"size": self.population_size},
            "sites": [site.as_dict() for site in self.resolved_sites],
            "interventions": self.levers.model_dump(),
            "parameters": self.params.as_source_dict(),
        }
        if self.parameter_draws is not None:
            drawn = {n for draw in self.parameter_draws["replicates"].values() for n in draw}
            data["parameters"] = {n: v for n, v in data["parameters"].items() if n not in drawn}
            data["parameter_draws"] = self.parameter_draws
        if self.sweep is not None:
            data["sweep"] = self.sweep
        return data

    def resolved_yaml(self) -> str:
        return yaml.safe_dump(self.resolved(), sort_keys=True, default_flow_style=False)

    def sha256(self) -> str:
        return hashlib.sha256(self.resolved_yaml().encode()).hexdigest()

    def with_horizon(self, days: int) -> Scenario:
        return Scenario(**{**self.__dict__, "horizon_days": days})

    @classmethod
    def from_resolved(cls, data: dict[str, Any], source: str = "<resolved>") -> Scenario:
        """Rebuild from `resolved()` output (what worker processes receive)."""
        return cls(
            name=data["name"],
            description=data.get("description", ""),
            horizon_days=int(data["horizon_days"]),
            warm_up_days=int(data.get("warm_up_days", DEFAULT_WARM_UP_DAYS)),
            population_size=int(data["population"]["size"]),
            overrides={k: float(v) for k, v in data.get("parameters", {}).items()},
            source=source,
            interventions=data.get("interventions", {}),
            sites=data.get("sites"),
            parameter_draws=data.get("parameter_draws"),
            sweep=data.get("sweep"),
        )


_PHRASES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "string_pattern_mismatch": "must be letters, digits, '_', '-' or '.'",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "literal_error": "must be one of {expected}",
    "string_too_long": "must be at most {max_length} characters",
}


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    template = _PHRASES.get(kind)
    message = template.format(**error.get("ctx", {})) if template else error["msg"]
    if kind == "missing":
        return message
    if kind == "value_error":  # our own validators' messages say what is wrong in full
        return str(error["ctx"]["error"])
    if kind == "extra_forbidden":
        return f"{message} {error['loc'][-1]!r}"
    shown = repr(error["input"])
    return f"{message}, got {shown if len(shown) <= 60 else shown[:57] + '...'}"


def _union_branch_fits(error: dict[str, Any]) -> bool:
    """Whether an error from one branch of a union (`sites:` is 'auto' or a list of sites) is
    about what the user wrote: a list's problem is never that it is not 'auto', and a value
    that is not a list is told what it may be once, not also that it is not a list."""
    tags = [part for part in error["loc"] if _is_branch_tag(part)]
    if not tags:
        return True
    if tags[0].startswith("literal["):
        return not isinstance(error["input"], list)
    return error["type"] != "list_type"


def _pydantic_problems(
    file: str, model: type[BaseModel], data: dict[str, Any], prefix: str = ""
) -> list[Problem]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [
            Problem(file, prefix + _location(err["loc"]), _describe(err))
            for err in exc.errors()
            if _union_branch_fits(err)
        ]
    return []


def _location(loc: tuple[Any, ...]) -> str:
    """A dotted field name, without pydantic's union branch tags (`list[SiteSpec]`)."""
    return ".".join(str(part) for part in loc if not _is_branch_tag(part))


def _is_branch_tag(part: Any) -> bool:
    """Pydantic names the branch of a union it tried in the error's location (`list[SiteSpec]`)."""
    return isinstance(part, str) and "[" in part


def _flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested parameter mappings become dotted names: {hospital: {beds: 1}} -> hospital.beds."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in REGISTRY:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _parameter_problems(file: str, parameters: Any) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(parameters, dict):
        return {}, []  # reported by the schema
    flat = _flatten(parameters)
    problems = []
    for name, value in flat.items():
        issue = check_value(name, value)
        if issue:
            problems.append(Problem(file, f"parameters.{name}", issue))
    return flat, problems


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _load_chain(
    path: Path, stack: tuple[Path, ...]
) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """Read a file and its ancestors; return the merged raw data, problems and the chain."""
    shown = _shown(path)
    data, problems = read_mapping(path, shown)
    if data is None:
        return None, problems, [shown]
    problems += _pydantic_problems(shown, ScenarioFile, {k: v for k, v in data.items() if k != "parameters"})
    problems += _headcount_conflicts(shown, data.get("interventions"))
    flat, param_problems = _parameter_problems(shown, data.get("parameters", {}))
    problems += param_problems
    if isinstance(data.get("parameters"), dict):
        data = {**data, "parameters": flat}
    elif "parameters" in data:
        problems.append(Problem(shown, "parameters", "must be a mapping of parameter names to values"))
        data = {k: v for k, v in data.items() if k != "parameters"}
    parent_ref = data.get("extends")
    chain = [shown]
    if isinstance(parent_ref, str):
        if "\0" in parent_ref:
            return None, problems + [Problem(shown, "extends", "contains a NUL byte")], chain
        if len(stack) + 1 >= MAX_EXTENDS:
            message = f"more than {MAX_EXTENDS} files in the extends chain"
            return None, problems + [Problem(shown, "extends", message)], chain
        try:
            parent_path = (path.parent / parent_ref).resolve()
            found = parent_path.exists()
        except OSError as exc:
            return (
                None,
                problems + [Problem(shown, "extends", f"cannot be read: {exc.strerror or exc}")],
                chain,
            )
        if not found:
            return None, problems + [Problem(shown, "extends", f"file not found: {parent_ref}")], chain
        if parent_path in stack or parent_path == path.resolve():
            cycle = " -> ".join(_shown(p) for p in (*stack, path.resolve(), parent_path))
            return None, problems + [Problem(shown, "extends", f"cycle in extends: {cycle}")], chain
        parent, parent_problems, parent_chain = _load_chain(parent_path, (*stack, path.resolve()))
        problems += parent_problems
        if parent is None:
            if not parent_problems:
                problems.append(Problem(shown, "extends", f"cannot load {parent_ref!r}"))
            return None, problems, chain + parent_chain
        data = _merge({k: v for k, v in parent.items() if k not in OWN_FIELDS}, data)
        chain += parent_chain
    data.pop("extends", None)
    return data, problems, chain


def load_scenario(path: str | Path, settings: Sequence[Setting] = ()) -> Scenario:
    """Load and fully validate one scenario file, with `settings` (`--set`, a grid's point) put
    over it as a last file in its `extends` chain would be; raise InputError listing every
    problem, a setting's naming the setting."""
    path = Path(path)
    shown = _shown(path)
    data, problems, chain = _load_chain(path, ())
    grid = data.pop("grid", None) if data is not None else None
    for setting in settings:
        problems += _setting_problems(setting)
    if data is not None and settings and not problems:
        data = _merge(data, nest(list(settings)))
    try:
        scenario = _scenario(shown, data, problems, chain)
    except InputError as exc:
        raise InputError(_unique([_attributed(p, shown, settings) for p in exc.problems])) from None
    scenario.grid = grid or {}
    return scenario


def _setting_problems(setting: Setting) -> list[Problem]:
    """What is wrong with one setting's value, checked as it would be in a file."""
    if setting.path[0] == PARAMETERS:
        message = check_value(setting.path[1], setting.value)
        return [Problem(setting.file, setting.field, message)] if message else []
    layer = {"name": "settings", **nest([setting])}
    found = _pydantic_problems(setting.file, ScenarioFile, layer) + _headcount_conflicts(
        setting.file, layer.get("interventions")
    )
    return [Problem(setting.file, setting.field, p.message) for p in found]


def _attributed(problem: Problem, file: str, settings: Sequence[Setting]) -> Problem:
    """A problem with the whole scenario at a field a setting set names the setting."""
    for setting in settings:
        at = setting.dotted
        if problem.file == file and (problem.field == at or problem.field.startswith(at + ".")):
            return Problem(setting.file, setting.field, problem.message)
    return problem


def _scenario(
    shown: str, data: dict[str, Any] | None, problems: list[Problem], chain: list[str]
) -> Scenario:
    """The checks on a whole scenario after inheritance, then the scenario; InputError listing
    every problem, those found while reading its files (`problems`) included."""
    if data is not None and not problems:
        problems += _pydantic_problems(shown, ResolvedScenario, data)
        if not problems:
            params = {n: spec.value for n, spec in REGISTRY.items()}
            params.update(data.get("parameters", {}))
            problems += [Problem(shown, f"parameters.{f}", m) for f, m in check_share_groups(params)]
            problems += [Problem(shown, f, m) for f, m in _intervention_rules(data.get("interventions", {}))]
            resolved = ResolvedScenario.model_validate(data)
            size, params = resolved.population.size, Params(resolved.parameters)
            problems += [Problem(shown, f, m) for f, m in site_problems(resolved.sites, size, params)]
            problems += _headcount_limits(shown, resolved.interventions, size)
            problems += _draw_problems(shown, resolved)
    if problems:
        raise InputError(_unique(problems))
    resolved = ResolvedScenario.model_validate(data)
    return Scenario(
        name=resolved.name,
        description=resolved.description,
        horizon_days=resolved.horizon_days,
        warm_up_days=resolved.warm_up_days,
        population_size=resolved.population.size,
        overrides={k: float(v) for k, v in resolved.parameters.items()},
        source=shown,
        chain=chain,
        interventions=resolved.interventions.model_dump(),
        sites=_sites_data(resolved.sites),
        parameter_draws=resolved.parameter_draws.model_dump() if resolved.parameter_draws else None,
        sweep=resolved.sweep.model_dump() if resolved.sweep else None,
    )


def _draw_problems(file: str, resolved: ResolvedScenario) -> list[Problem]:
    """Each drawn value must be one the scenario could set, and never one it sets itself."""
    if resolved.parameter_draws is None:
        return []
    problems = []
    for replicate, draw in resolved.parameter_draws.replicates.items():
        where = f"parameter_draws.replicates.{replicate}"
        if replicate < 0:
            problems.append(Problem(file, where, "a replicate number must be >= 0"))
        for name, value in draw.items():
            if name in resolved.parameters:
                problems.append(Problem(file, f"{where}.{name}", "is also set under parameters: give one"))
            elif (message := check_value(name, value)) is not None:
                problems.append(Problem(file, f"{where}.{name}", message))
    return problems


def _headcount_conflicts(file: str, interventions: Any) -> list[Problem]:
    """One file may give a staff, group or target figure as a number or per 1,000 people, not both."""
    if not isinstance(interventions, dict):
        return []
    problems = []
    for name, lever in interventions.items():
        if not isinstance(lever, dict) or not isinstance(lever.get("per_1000_people"), dict):
            continue
        for key in lever["per_1000_people"]:
            if key in lever:
                where = f"interventions.{name}.{key}"
                problems.append(Problem(file, where, "given both here and in per_1000_people; give one"))
    return problems


def _headcount_limits(file: str, interventions: Any, people: int) -> list[Problem]:
    """A per-head figure must still give a number within the lever's own bounds."""
    problems = []
    for lever in lever_classes():
        spec = getattr(interventions, lever.name)
        for name in spec.per_1000_people:
            limit = type(spec).model_fields[name].metadata
            high = next((m.le for m in limit if getattr(m, "le", None) is not None), None)
            value = spec.headcount(name, people)
            if high is not None and value > high:
                where = f"interventions.{lever.name}.per_1000_people.{name}"
                message = f"gives {value:,.0f} for {people:,} people; must give <= {high:,}"
                problems.append(Problem(file, where, message))
    return problems


def _sites_data(spec: SitesField) -> Any:
    """Sites as plain data (what a Scenario keeps and a worker receives)."""
    if isinstance(spec, list):
        return [s.model_dump(exclude_none=True) for s in spec]
    return spec


def _sites_spec(data: Any) -> SitesField:
    """Sites as validated specs again."""
    if isinstance(data, list):
        return [SiteSpec.model_validate(s, strict=False) for s in data]
    return data


def load_scenarios(paths: list[str | Path], settings: Sequence[Setting] = ()) -> list[Scenario]:
    """Load every file, each with `settings` over it; report all problems across all files
    together. Names must be unique."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            scenarios.append(load_scenario(path, settings))
        except InputError as exc:
            problems += exc.problems
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            problems.append(Problem(s.source, "name", f"{s.name!r} is also the name of {seen[s.name]}"))
        seen.setdefault(s.name, s.source)
    if problems:
        raise InputError(_unique(problems))
    return scenarios


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "run"
