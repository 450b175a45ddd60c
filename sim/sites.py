"""Sites: acute hospitals with their real size and catchment, and the councils that buy their
discharge capacity. The cohort lives in the sites' catchments, each GP practice in one site.

A hospital's size is the site's, never the cohort's: a cohort of 4,000 in North Tees'
catchment is a small share of the same 754 beds. A scenario may list its sites, say
`sites: auto` (one Stockton-sized site per `population.reference_size` people of cohort, for
populations beyond one catchment), or say nothing (one site with the registry's figures for
North Tees and Hartlepool).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field

from sim.hospital import Pathway
from sim.lever import StrictSpec
from sim.limits import MAX_NAME

SITE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
MAX_SITES = 500
MAX_PEOPLE = 100_000_000
MAX_PLACES = 10_000_000
SITE_READS = (
    "site.*",
    "hospital.beds",
    "ae.cubicles",
    "pathway.p1_places",
    "pathway.p2_places",
    "pathway.p3_places",
    "population.reference_size",
)


class CouncilSpec(StrictSpec):
    """A council buying discharge capacity for part of a site's catchment."""

    name: str = Field(pattern=SITE_NAME, max_length=MAX_NAME)
    share: float = Field(default=1.0, gt=0, le=1)  # of the site's catchment (and its practices)
    p1_places: float | None = Field(default=None, ge=0, le=MAX_PLACES)  # home-care packages at once
    p2_places: float | None = Field(default=None, ge=0, le=MAX_PLACES)  # intermediate-care beds
    p3_places: float | None = Field(default=None, ge=0, le=MAX_PLACES)  # care-home assessment places


class SiteSpec(StrictSpec):
    """An acute hospital, its catchment and its councils; anything left out is the registry's."""

    name: str = Field(pattern=SITE_NAME, max_length=MAX_NAME)
    catchment: int | None = Field(default=None, ge=1_000, le=MAX_PEOPLE)  # everyone it serves
    eligible: int | None = Field(default=None, ge=1_000, le=MAX_PEOPLE)  # who meets the cohort's rules
    beds: int | None = Field(default=None, ge=1, le=MAX_PLACES)
    cubicles: int | None = Field(default=None, ge=1, le=MAX_PLACES)
    cohort_share: float | None = Field(default=None, gt=0, le=1)  # of the cohort; default by eligible
    councils: list[CouncilSpec] | None = Field(default=None, min_length=1, max_length=50)


SitesField = Literal["auto"] | list[SiteSpec] | None


@dataclass(frozen=True)
class Council:
    name: str
    share: float
    places: dict[Pathway, float]


@dataclass(frozen=True)
class Site:
    name: str
    catchment: int
    eligible: int
    beds: int
    cubicles: int
    cohort_share: float
    councils: tuple[Council, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "catchment": self.catchment,
            "eligible": self.eligible,
            "beds": self.beds,
            "cubicles": self.cubicles,
            "cohort_share": self.cohort_share,
            "councils": [
                {
                    "name": c.name,
                    "share": c.share,
                    "p1_places": c.places[Pathway.HOME_SUPPORT],
                    "p2_places": c.places[Pathway.INTERMEDIATE],
                    "p3_places": c.places[Pathway.CARE_HOME],
                }
                for c in self.councils
            ],
        }


def _default_spec(params: Any, name: str = "north_tees") -> SiteSpec:
    return SiteSpec(name=name)


def resolve_sites(spec: SitesField, cohort_size: int, params: Any) -> tuple[Site, ...]:
    """The scenario's sites with every figure filled in (registry defaults where not given)."""
    if spec is None:
        specs = [_default_spec(params)]
    elif spec == "auto":
        n = max(1, math.ceil(cohort_size / params.source_value("population.reference_size") - 1e-9))
        specs = [SiteSpec(name=f"site_{i + 1:03d}", cohort_share=1 / n) for i in range(n)]
    else:
        specs = list(spec)
    eligible = [s.eligible or int(params.source_value("site.eligible")) for s in specs]
    given = [s.cohort_share for s in specs]
    if all(g is None for g in given):
        shares = [e / sum(eligible) for e in eligible]
    else:
        shares = [g if g is not None else 0.0 for g in given]
    total = sum(shares)
    sites = []
    for s, e, share in zip(specs, eligible, shares, strict=True):
        councils = s.councils or [CouncilSpec(name="council")]
        council_total = sum(c.share for c in councils)
        sites.append(
            Site(
                name=s.name,
                catchment=s.catchment or int(params.source_value("site.catchment")),
                eligible=e,
                beds=s.beds or int(params.source_value("hospital.beds")),
                cubicles=s.cubicles or int(params.source_value("ae.cubicles")),
                cohort_share=share / total if total else 1 / len(specs),
                councils=tuple(
                    Council(
                        c.name,
                        c.share / council_total,
                        {
                            Pathway.HOME_SUPPORT: _places(
                                c.p1_places, "pathway.p1_places", c, council_total, params
                            ),
                            Pathway.INTERMEDIATE: _places(
                                c.p2_places, "pathway.p2_places", c, council_total, params
                            ),
                            Pathway.CARE_HOME: _places(
                                c.p3_places, "pathway.p3_places", c, council_total, params
                            ),
                        },
                    )
                    for c in councils
                ),
            )
        )
    return tuple(sites)


def _places(given: float | None, name: str, council: CouncilSpec, total: float, params: Any) -> float:
    """A council's places: as given, or the registry's site figure in proportion to its share."""
    return float(given) if given is not None else params.source_value(name) * council.share / total


def site_problems(spec: SitesField, cohort_size: int, params: Any) -> list[tuple[str, str]]:
    """Cross-field rules: unique names, cohort shares that add up, and each site's cohort no
    larger than its eligible population. Returns (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if isinstance(spec, list):
        names = [s.name for s in spec]
        if len(set(names)) != len(names):
            problems.append(("sites", "two sites have the same name"))
        given = [s.cohort_share for s in spec if s.cohort_share is not None]
        if given and (len(given) != len(spec) or abs(sum(given) - 1.0) > 1e-6):
            problems.append(("sites", "cohort_share must be given for every site or none, and sum to 1"))
        for i, s in enumerate(spec):
            if s.councils and len({c.name for c in s.councils}) != len(s.councils):
                problems.append((f"sites.{i}.councils", "two councils have the same name"))
            if s.catchment and s.eligible and s.eligible > s.catchment:
                problems.append((f"sites.{i}.eligible", f"must be <= the catchment {s.catchment:,}"))
    if problems:
        return problems
    for i, site in enumerate(resolve_sites(spec, cohort_size, params)):
        people = round(cohort_size * site.cohort_share)
        if people > site.eligible:
            where = "population.size" if spec in (None, "auto") else f"sites.{i}"
            problems.append(
                (
                    where,
                    f"site {site.name} would hold {people:,} of the cohort but has only {site.eligible:,} "
                    "eligible people: give more sites, or `sites: auto`",
                )
            )
    if isinstance(spec, list) and len(spec) > MAX_SITES:
        problems.append(("sites", f"at most {MAX_SITES} sites"))
    return problems


def practices_by_site(n_practices: int, sites: tuple[Site, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Which site and council each GP practice belongs to: practices shared out by cohort share
    (largest remainder, at least one each), then among a site's councils by their shares."""
    counts = _share_out(n_practices, [s.cohort_share for s in sites])
    site_of, council_of = [], []
    for index, (site, count) in enumerate(zip(sites, counts, strict=True)):
        per_council = _share_out(count, [c.share for c in site.councils])
        for c, k in enumerate(per_council):
            site_of += [index] * k
            council_of += [c] * k
    return np.asarray(site_of, dtype=np.int16), np.asarray(council_of, dtype=np.int16)


def _share_out(total: int, shares: list[float]) -> list[int]:
    """`total` whole units in proportion to `shares`, at least one each where total allows."""
    n = len(shares)
    if total < n:
        return [1] * total + [0] * (n - total)
    exact = [total * s / sum(shares) for s in shares]
    counts = [max(1, math.floor(x)) for x in exact]
    order = sorted(range(n), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % n]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(n), key=lambda k: counts[k] - exact[k])
        counts[j] -= 1
    return counts
