"""The parameter registry: every number a modeller might question, with range, unit and source.

The core model's entries are in `sim/data/parameters.yaml`; each IPC lever carries its own in
its module (`Lever.parameter_entries`, the same fields), so a new lever is one file. The
registry is built on first use from both.

Values are stored in the units the sources use (per person-year, hours, GBP per week ...) and
converted once, here, to the model's single unit of time, the day (Starsim's lesson: mixed
time units are the commonest bug class in such models). Costs are given as published, with
their price year, and uplifted here to the model's one price year, 2017/18 (`sim.prices`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from sim.prices import UNKNOWN, price_index, price_year
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR, HOURS_PER_DAY

# unit -> (factor to model units, lower hard limit, upper hard limit)
UNITS: dict[str, tuple[float, float, float]] = {
    "people": (1.0, 0.0, math.inf),
    "count": (1.0, 0.0, math.inf),
    "beds": (1.0, 0.0, math.inf),
    "cubicles": (1.0, 0.0, math.inf),
    "share": (1.0, 0.0, 1.0),
    "share per year": (1.0, 0.0, 1.0),  # compound growth a year: not converted
    "probability": (1.0, 0.0, 1.0),
    "multiplier": (1.0, 0.0, math.inf),
    "hazard ratio": (1.0, 0.0, math.inf),
    "per person-year": (1 / DAYS_PER_YEAR, 0.0, math.inf),
    "per 1,000 person-years": (1 / (1000 * DAYS_PER_YEAR), 0.0, math.inf),
    "per week": (1 / DAYS_PER_WEEK, 0.0, math.inf),
    "attendances per day": (1.0, 0.0, math.inf),
    "days": (1.0, 0.0, math.inf),
    "hours": (1 / HOURS_PER_DAY, 0.0, math.inf),
    "weeks": (DAYS_PER_WEEK, 0.0, math.inf),
    "hours per week": (1.0, 0.0, math.inf),
    "staff hours": (1.0, 0.0, math.inf),  # effort, not elapsed time: not converted
    "day of year": (1.0, 0.0, 366.0),
    "hour of day": (1.0, 0.0, 24.0),  # a clock time, not a duration: not converted
    "GBP": (1.0, 0.0, math.inf),
    "GBP per hour": (1.0, 0.0, math.inf),
    "GBP per day": (1.0, 0.0, math.inf),
    "GBP per week": (1 / DAYS_PER_WEEK, 0.0, math.inf),
    "GBP per year": (1 / DAYS_PER_YEAR, 0.0, math.inf),
    # a discount rate: applied in whole years to the summary's totals, so never converted to days
    "rate per year": (1.0, 0.0, 1.0),
}

# Groups of shares that must sum to one (checked for defaults and every scenario); levers add
# their own (`Lever.share_groups`).
CORE_SHARE_GROUPS: dict[str, tuple[str, ...]] = {
    "age bands": (
        "population.share_age_65_74",
        "population.share_age_75_84",
        "population.share_age_85_plus",
    ),
    "frailty classes": (
        "frailty.share_fit",
        "frailty.share_mild",
        "frailty.share_moderate",
        "frailty.share_severe",
    ),
    "activation levels": (
        "activation.share_level1",
        "activation.share_level2",
        "activation.share_level3",
        "activation.share_level4",
    ),
}
SHARE_TOLERANCE = 1e-6


# Units of money: entries in them give their figure as published and its price year, and the
# registry puts them in the model's one price year (`sim.prices`).
MONEY_UNITS = frozenset(u for u in UNITS if u.startswith("GBP"))


@dataclass(frozen=True)
class Parameter:
    """One registry entry, in source units (money in the model's price year, 2017/18)."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    note: str
    kind: str = "float"
    positive: bool = False  # zero is not allowed (the value divides or is logged)
    original: float | None = None  # money: the figure as published, in `price_year` prices
    price_year: str | None = None  # money: the financial year of `original`, or "unknown"
    uplift: float = 1.0  # money: value / original, from the price index

    @property
    def factor(self) -> float:
        return UNITS[self.unit][0]

    @property
    def hard_limits(self) -> tuple[float, float]:
        _, lo, hi = UNITS[self.unit]
        return lo, hi

    @property
    def is_money(self) -> bool:
        return self.unit in MONEY_UNITS


COMMON_FIELDS = ("low", "high", "unit", "source")
OPTIONAL_FIELDS = ("note", "kind", "positive")
MONEY_FIELDS = ("original", "price_year")  # instead of `value`, for entries in GBP
KINDS = ("float", "int")


def entry_problems(name: str, entry: Any) -> list[str]:
    """What is wrong with one written registry entry: a missing or unknown field, an unknown
    unit, kind or price year. A typo in a field name must not be silently ignored (it would
    drop a range, a flag or a price year without a word).

    An entry in money gives `original` (the figure as published) and `price_year` instead of
    `value`, and its `low` and `high` in the same prices; every other entry gives `value`.
    """
    if not isinstance(entry, Mapping):
        return [f"{name}: must be a mapping of fields, got {type(entry).__name__}"]
    money = entry.get("unit") in MONEY_UNITS
    own = MONEY_FIELDS if money else ("value",)
    required = (*own, *COMMON_FIELDS)
    problems = [f"{name}: missing field {f!r}" for f in required if f not in entry]
    allowed = (*required, *OPTIONAL_FIELDS)
    for f in entry:
        if f == "value" and money:
            problems.append(
                f"{name}: a cost gives 'original' and 'price_year', not 'value' (the registry "
                f"uplifts it to {price_year()} prices)"
            )
        elif f in MONEY_FIELDS and not money:
            problems.append(f"{name}: {f!r} is only for costs (units {', '.join(sorted(MONEY_UNITS))})")
        elif f not in allowed:
            problems.append(f"{name}: unknown field {f!r} (allowed: {', '.join(allowed)})")
    if "unit" in entry and entry["unit"] not in UNITS:
        problems.append(f"{name}: unknown unit {entry['unit']!r}")
    if entry.get("kind", "float") not in KINDS:
        problems.append(f"{name}: unknown kind {entry['kind']!r} (allowed: {', '.join(KINDS)})")
    if money and "price_year" in entry:
        try:
            price_index().factor(str(entry["price_year"]))
        except ValueError as exc:
            problems.append(f"{name}: price_year: {exc}")
    return problems


def parse_entries(raw: Mapping[str, Mapping[str, Any]], origin: str) -> dict[str, Parameter]:
    """Registry entries from their written form (`parameters.yaml`, or a lever's own); every
    problem in the written form is reported at once. Costs are uplifted to the model's price
    year here, with their range, so everything downstream (scenario overrides included) is in
    one price year."""
    problems = [p for name, entry in raw.items() for p in entry_problems(name, entry)]
    if problems:
        raise ValueError(f"{origin}: " + f"\n{origin}: ".join(problems))
    registry: dict[str, Parameter] = {}
    for name, entry in raw.items():
        price: dict[str, Any] = {}
        if entry["unit"] in MONEY_UNITS:
            year = str(entry["price_year"])
            uplift = price_index().factor(year)
            original = float(entry["original"])
            price = {"original": original, "price_year": year, "uplift": uplift}
            value = original * uplift
        else:
            uplift, value = 1.0, float(entry["value"])
        registry[name] = Parameter(
            name=name,
            value=value,
            low=float(entry["low"]) * uplift,
            high=float(entry["high"]) * uplift,
            unit=entry["unit"],
            source=str(entry["source"]),
            note=str(entry.get("note", "")),
            kind=str(entry.get("kind", "float")),
            positive=bool(entry.get("positive", False)),
            **price,
        )
    return registry


@cache
def registry() -> dict[str, Parameter]:
    """Every parameter: the core file's, then each lever's, in the levers' daily order."""
    from sim.levers import lever_classes  # the levers carry their own entries

    text = resources.files("sim").joinpath("data/parameters.yaml").read_text(encoding="utf-8")
    entries = parse_entries(yaml.safe_load(text), "parameters.yaml")
    for lever in lever_classes():
        own = parse_entries(lever.parameter_entries, f"lever {lever.name}")
        clash = own.keys() & entries.keys()
        if clash:
            raise ValueError(f"lever {lever.name}: parameters already defined: {sorted(clash)}")
        entries.update(own)
    return entries


@cache
def share_groups() -> dict[str, tuple[str, ...]]:
    """Every group of shares that must sum to one: the core's and the levers'."""
    from sim.levers import lever_classes

    groups = dict(CORE_SHARE_GROUPS)
    for lever in lever_classes():
        groups.update(lever.share_groups)
    return groups


def __getattr__(name: str) -> Any:
    """`REGISTRY` and `SHARE_GROUPS`, built on first use (the levers are imported then)."""
    if name == "REGISTRY":
        return registry()
    if name == "SHARE_GROUPS":
        return share_groups()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_value(name: str, value: Any) -> str | None:
    """Return what is wrong with `value` for parameter `name`, or None if it is acceptable."""
    spec = registry().get(name)
    if spec is None:
        return "unknown parameter (see `ipc-sim params`)"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {type(value).__name__} {value!r}"
    if math.isnan(value):
        return "must be a number, got NaN"
    lo, hi = spec.hard_limits
    if spec.positive and value <= 0:
        return f"must be > 0 ({spec.unit}), got {value:g}"
    if value < lo:
        return f"must be >= {lo:g} ({spec.unit}), got {value:g}"
    if value > hi:
        return f"must be <= {hi:g} ({spec.unit}), got {value:g}"
    if spec.kind == "int" and (not math.isfinite(value) or value != int(value)):
        return f"must be a whole number, got {value:g}"
    return None


def check_share_groups(values: Mapping[str, float]) -> list[tuple[str, str]]:
    """Cross-field rule: each group of shares sums to one. Returns (field, message) pairs."""
    problems = []
    for group, names in share_groups().items():
        total = sum(values[n] for n in names)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append((names[0], f"{group} shares {', '.join(names)} must sum to 1, got {total:.4g}"))
    return problems


class Params:
    """Effective parameter values for one scenario, in model units (days).

    Read with `params["crisis.ae_rate"]` (per day) or `params.source_value(name)` (as written).
    """

    def __init__(self, overrides: Mapping[str, float] | None = None):
        entries = registry()
        self._source_values: dict[str, float] = {n: p.value for n, p in entries.items()}
        for name, value in (overrides or {}).items():
            problem = check_value(name, value)
            if problem:
                raise ValueError(f"{name}: {problem}")
            self._source_values[name] = float(value)
        self._model_values = {n: v * entries[n].factor for n, v in self._source_values.items()}

    def __getitem__(self, name: str) -> float:
        return self._model_values[name]

    def source_value(self, name: str) -> float:
        return self._source_values[name]

    def as_source_dict(self) -> dict[str, float]:
        return dict(self._source_values)

    def names(self, prefix: str = "") -> Iterable[str]:
        return (n for n in self._source_values if n.startswith(prefix))

    def view(self, owner: str, reads: Iterable[str]) -> ParamsView:
        """These values as seen by a component that declares it reads `reads`."""
        return ParamsView(self, owner, tuple(reads))


def declared_names(reads: Iterable[str], names: Iterable[str]) -> set[str]:
    """The parameter names among `names` that `reads` covers: exact names, or prefixes that end
    in `*`."""
    reads = tuple(reads)
    prefixes = tuple(r[:-1] for r in reads if r.endswith("*"))
    exact = {r for r in reads if not r.endswith("*")}
    return {n for n in names if n in exact or (prefixes and n.startswith(prefixes))}


class ParamsView:
    """A component's window on the parameters: reading one it did not declare is a bug, so it
    raises rather than letting the declaration drift from the code."""

    def __init__(self, params: Params, owner: str, reads: tuple[str, ...]):
        known = registry()
        unknown = [r for r in reads if not r.endswith("*") and r not in known]
        if unknown:
            raise KeyError(f"{owner} declares unknown parameters {unknown}")
        self._params = params
        self._owner = owner
        self._allowed = declared_names(reads, known)

    def _check(self, name: str) -> None:
        if name not in self._allowed:
            raise KeyError(f"{self._owner} reads parameter {name!r} without declaring it in `reads`")

    def __getitem__(self, name: str) -> float:
        self._check(name)
        return self._params[name]

    def source_value(self, name: str) -> float:
        self._check(name)
        return self._params.source_value(name)


def registry_table() -> list[dict[str, Any]]:
    """Rows for `ipc-sim params` and the report appendix: costs also show the figure as
    published, its price year and the factor that puts it in the model's price year."""
    return [
        {
            "name": p.name,
            "value": p.value,
            "low": p.low,
            "high": p.high,
            "unit": p.unit,
            "price_year": price_year_label(p),
            "original": p.original,
            "uplift": p.uplift if p.is_money else None,
            "source": p.source,
            "note": p.note,
        }
        for p in registry().values()
    ]


def price_year_label(p: Parameter) -> str:
    """'2016/17', 'unknown (taken as 2017/18)', or '' for an entry that is not money."""
    if not p.is_money:
        return ""
    return f"{UNKNOWN} (taken as {price_year()})" if p.price_year == UNKNOWN else str(p.price_year)
