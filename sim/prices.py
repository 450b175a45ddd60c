"""One price year for every unit cost: published figures uplifted (or deflated) to 2017/18.

Unit costs come from sources of different years (reference costs 2016/17, PSSRU 2013, UKHCA
April 2018 ...). Adding them up as they stand mixes pounds of different worth, so each cost
entry of the registry gives its figure as published (`original`) and its `price_year`, and
the registry's value is the original times the factor from the price index table
(`sim/data/price_index.yaml`, PSSRU's HCHS and NHS cost inflation indices). A figure whose
price year is not known is taken as stated, with a factor of 1, and says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

UNKNOWN = "unknown"  # a cost whose price year is not known: taken as stated (factor 1)
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def start_year(year: str) -> int:
    """The calendar year a financial year starts in: '2016/17' -> 2016."""
    match = _YEAR.match(year)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"price year must be a financial year like '2016/17' or {UNKNOWN!r}, got {year!r}")
    return int(match[1])


def financial_year(start: int) -> str:
    """'2016/17' from 2016."""
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class PriceIndex:
    """Year-on-year rises of NHS pay and prices, and the base year they uplift to."""

    base_year: str
    rises: dict[str, float]  # financial year -> rise over the year before (0.0124 is 1.24%)
    sources: dict[str, str]

    def factor(self, year: str) -> float:
        """What a figure in `year`'s prices is multiplied by to be in base-year prices: the
        product of (1 + rise) over the years after `year` up to the base year, or its inverse
        for a year after the base year; 1 for an unknown year."""
        if year == UNKNOWN:
            return 1.0
        y, base = start_year(year), start_year(self.base_year)
        later, earlier = (y, base) if y > base else (base, y)
        steps = [financial_year(s) for s in range(earlier + 1, later + 1)]
        missing = [s for s in steps if s not in self.rises]
        if missing:
            known = ", ".join(self.rises)
            raise ValueError(f"no price index rise for {', '.join(missing)} (the table has {known})")
        product = math.prod(1.0 + self.rises[s] for s in steps)
        return 1.0 / product if y > base else product


def parse_index(raw: dict) -> PriceIndex:
    """The index from its written form, checked: financial years, each with a rise and a source."""
    base = str(raw["base_year"])
    start_year(base)
    rises, sources = {}, {}
    for year, entry in raw["years"].items():
        start_year(str(year))
        if not isinstance(entry.get("rise"), int | float) or not entry.get("source"):
            raise ValueError(f"price index {year}: needs a numeric rise and a source")
        rises[str(year)] = float(entry["rise"])
        sources[str(year)] = str(entry["source"])
    return PriceIndex(base, rises, sources)


@cache
def price_index() -> PriceIndex:
    """The shipped price index table."""
    text = resources.files("sim").joinpath("data/price_index.yaml").read_text(encoding="utf-8")
    return parse_index(yaml.safe_load(text))


def price_year() -> str:
    """The model's one price year (every cost the model reports is in it)."""
    return price_index().base_year
