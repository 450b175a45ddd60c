"""The parameter registry: every number a modeller might question, with range, unit and source.

Values are stored in the units the sources use (per person-year, hours, GBP per week ...) and
converted once, here, to the model's single unit of time, the day (Starsim's lesson: mixed
time units are the commonest bug class in such models).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR, HOURS_PER_DAY

# unit -> (factor to model units, lower hard limit, upper hard limit)
UNITS: dict[str, tuple[float, float, float]] = {
    "people": (1.0, 0.0, math.inf),
    "count": (1.0, 0.0, math.inf),
    "beds": (1.0, 0.0, math.inf),
    "cubicles": (1.0, 0.0, math.inf),
    "share": (1.0, 0.0, 1.0),
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
    "GBP": (1.0, 0.0, math.inf),
    "GBP per hour": (1.0, 0.0, math.inf),
    "GBP per day": (1.0, 0.0, math.inf),
    "GBP per week": (1 / DAYS_PER_WEEK, 0.0, math.inf),
    "GBP per year": (1 / DAYS_PER_YEAR, 0.0, math.inf),
}

# Groups of shares that must sum to one (checked for defaults and every scenario).
SHARE_GROUPS: dict[str, tuple[str, ...]] = {
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
    "PHB spending": (
        "phb.share_respite",
        "phb.share_personal_assistant",
        "phb.share_activity",
    ),
}
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Parameter:
    """One registry entry, in source units."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    note: str
    kind: str = "float"
    positive: bool = False  # zero is not allowed (the value divides or is logged)

    @property
    def factor(self) -> float:
        return UNITS[self.unit][0]

    @property
    def hard_limits(self) -> tuple[float, float]:
        _, lo, hi = UNITS[self.unit]
        return lo, hi


def _load_registry() -> dict[str, Parameter]:
    text = resources.files("sim").joinpath("data/parameters.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    registry: dict[str, Parameter] = {}
    for name, entry in raw.items():
        if entry["unit"] not in UNITS:
            raise ValueError(f"parameters.yaml: {name}: unknown unit {entry['unit']!r}")
        registry[name] = Parameter(
            name=name,
            value=float(entry["value"]),
            low=float(entry["low"]),
            high=float(entry["high"]),
            unit=entry["unit"],
            source=str(entry["source"]),
            note=str(entry.get("note", "")),
            kind=str(entry.get("kind", "float")),
            positive=bool(entry.get("positive", False)),
        )
    return registry


REGISTRY: dict[str, Parameter] = _load_registry()


def check_value(name: str, value: Any) -> str | None:
    """Return what is wrong with `value` for parameter `name`, or None if it is acceptable."""
    if name not in REGISTRY:
        return "unknown parameter (see `ipc-sim params`)"
    spec = REGISTRY[name]
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
    for group, names in SHARE_GROUPS.items():
        total = sum(values[n] for n in names)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append((names[0], f"{group} shares {', '.join(names)} must sum to 1, got {total:.4g}"))
    return problems


class Params:
    """Effective parameter values for one scenario, in model units (days).

    Read with `params["crisis.ae_rate"]` (per day) or `params.source_value(name)` (as written).
    """

    def __init__(self, overrides: Mapping[str, float] | None = None):
        self._source_values: dict[str, float] = {n: p.value for n, p in REGISTRY.items()}
        for name, value in (overrides or {}).items():
            problem = check_value(name, value)
            if problem:
                raise ValueError(f"{name}: {problem}")
            self._source_values[name] = float(value)
        self._model_values = {n: v * REGISTRY[n].factor for n, v in self._source_values.items()}

    def __getitem__(self, name: str) -> float:
        return self._model_values[name]

    def source_value(self, name: str) -> float:
        return self._source_values[name]

    def as_source_dict(self) -> dict[str, float]:
        return dict(self._source_values)

    def names(self, prefix: str = "") -> Iterable[str]:
        return (n for n in self._source_values if n.startswith(prefix))


def registry_table() -> list[dict[str, Any]]:
    """Rows for `ipc-sim params` and the report appendix."""
    return [
        {
            "name": p.name,
            "value": p.value,
            "low": p.low,
            "high": p.high,
            "unit": p.unit,
            "source": p.source,
            "note": p.note,
        }
        for p in REGISTRY.values()
    ]
