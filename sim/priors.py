"""Priors: a distribution for each uncertain parameter, and one parameter set per replicate.

A prior file lists the parameters to vary. Each is a distribution family, a mean and a central
95% interval; left out, they come from the registry (the registry's value as the mean, its
plausible range as the 95% interval, beta for shares and probabilities, lognormal for rates,
ratios and everything else that is positive). Draws never leave the registry's range: each
distribution is truncated to it, so a draw is always a value a scenario could set.

Draws are keyed by (root seed, replicate, parameter name), never by order: the same seed gives
the same draws with any executor or worker count, every scenario of a replicate gets the same
draw (comparisons stay paired), and adding a parameter to the file leaves the others' draws
as they were.
"""

from __future__ import annotations

import hashlib
import io
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field
from scipy import optimize, stats

from sim.errors import InputError, Problem
from sim.lever import StrictSpec
from sim.params import REGISTRY, share_groups
from sim.yaml_reader import read_mapping

FAMILIES = ("beta", "lognormal", "gamma", "uniform")
SHARE_UNITS = frozenset({"share", "probability", "share per year"})
Z95 = stats.norm.ppf(0.975)
PRIOR_STREAM = 0x9E3779B1  # the draws' own stream, apart from every model stream


class PriorSpec(StrictSpec):
    """One parameter's prior as written; anything left out comes from the registry."""

    distribution: Literal["beta", "lognormal", "gamma", "uniform"] | None = None
    mean: float | None = None
    low: float | None = None  # the central 95% interval (uniform: its support)
    high: float | None = None
    justification: str | None = Field(default=None, min_length=1, max_length=2000)


class PriorFile(StrictSpec):
    description: str | None = None
    parameters: dict[str, PriorSpec | None] | list[str] = Field(min_length=1, max_length=500)


@dataclass(frozen=True)
class Prior:
    """One parameter's distribution, truncated to the registry's range."""

    name: str
    family: str
    mean: float
    low: float  # central 95% interval
    high: float
    bound_low: float  # the registry's range: no draw falls outside it
    bound_high: float
    justification: str
    whole: bool = False

    def frozen(self):
        """The untruncated scipy distribution with this mean and 95% interval."""
        m, lo, hi = self.mean, self.low, self.high
        if self.family == "uniform":
            return stats.uniform(lo, hi - lo)
        if self.family == "lognormal":
            sigma = math.log(hi / lo) / (2 * Z95)
            return stats.lognorm(s=sigma, scale=m * math.exp(-(sigma**2) / 2))
        if self.family == "gamma":
            return stats.gamma(_gamma_shape(lo, hi), scale=m / _gamma_shape(lo, hi))
        kappa = _beta_concentration(m, lo, hi)
        return stats.beta(m * kappa, (1 - m) * kappa)

    def quantile(self, u: np.ndarray | float) -> np.ndarray:
        """The value at probability `u` of the distribution truncated to the registry range."""
        dist = self.frozen()
        a, b = dist.cdf(self.bound_low), dist.cdf(self.bound_high)
        x = np.clip(dist.ppf(a + np.asarray(u) * (b - a)), self.bound_low, self.bound_high)
        return np.rint(x) if self.whole else x


def _beta_concentration(mean: float, low: float, high: float) -> float:
    """alpha + beta such that the beta of this mean has its central 95% this wide; an
    interval that starts at 0 (or ends at 1) sets only its other end."""

    def width(log_kappa: float) -> float:
        k = math.exp(log_kappa)
        d = stats.beta(mean * k, (1 - mean) * k)
        if low <= 0.0:
            return d.ppf(0.975) - high
        if high >= 1.0:
            return low - d.ppf(0.025)
        return (d.ppf(0.975) - d.ppf(0.025)) - (high - low)

    lo, hi = math.log(0.5), math.log(1e6)
    if width(lo) < 0:  # wider than any beta of this mean can be: the flattest one
        return 0.5
    if width(hi) > 0:
        return 1e6
    return math.exp(optimize.brentq(width, lo, hi, xtol=1e-10))


def _gamma_shape(low: float, high: float) -> float:
    """The gamma shape whose 97.5th and 2.5th percentiles are in the ratio high / low."""

    def ratio(log_k: float) -> float:
        d = stats.gamma(math.exp(log_k))
        return math.log(d.ppf(0.975) / d.ppf(0.025)) - math.log(high / low)

    return math.exp(optimize.brentq(ratio, math.log(1e-2), math.log(1e6), xtol=1e-10))


def default_family(name: str) -> str:
    return "beta" if REGISTRY[name].unit in SHARE_UNITS else "lognormal"


def _prior_problems(name: str, spec: PriorSpec, where: str) -> tuple[Prior | None, list[str]]:
    """The prior for `name`, or what is wrong with it (messages for `parameters.<name>`)."""
    entry = REGISTRY.get(name)
    if entry is None:
        return None, ["unknown parameter (see `ipc-sim params`)"]
    grouped = [g for g, names in share_groups().items() if name in names]
    if grouped:
        return None, [f"is one of the {grouped[0]} shares, which sum to 1: they cannot be drawn one by one"]
    family = spec.distribution or default_family(name)
    mean = entry.value if spec.mean is None else spec.mean
    low = entry.low if spec.low is None else spec.low
    high = entry.high if spec.high is None else spec.high
    shaped = any(v is not None for v in (spec.distribution, spec.mean, spec.low, spec.high))
    problems = []
    if shaped and not spec.justification:
        problems.append("a prior shaped by hand needs a `justification` (its source and why this shape)")
    if not low < high:
        problems.append(f"low must be below high, got {low:g} and {high:g}")
    elif not low <= mean <= high and family != "uniform":
        problems.append(f"mean {mean:g} must lie in its 95% interval [{low:g}, {high:g}]")
    if entry.low == entry.high:
        problems.append(f"has no range in the registry ({entry.low:g}): nothing to vary")
    if family == "beta" and not 0 < mean < 1:
        problems.append(f"a beta prior needs 0 < mean < 1, got {mean:g} (on the range's edge: give a family)")
    if family == "beta" and low <= 0 and high >= 1:
        problems.append("a beta prior's 95% interval cannot span all of 0 to 1")
    if family in ("lognormal", "gamma") and not low > 0:
        problems.append(f"a {family} prior needs its 95% interval above 0, got low {low:g}")
    if low < entry.low or high > entry.high:
        problems.append(
            f"its interval [{low:g}, {high:g}] leaves the registry's range [{entry.low:g}, {entry.high:g}]"
        )
    if problems:
        return None, problems
    why = spec.justification or f"registry default: {family}, mean the registry value, range as 95% interval"
    prior = Prior(name, family, mean, low, high, entry.low, entry.high, why, entry.kind == "int")
    return prior, []


@dataclass(frozen=True)
class PriorSet:
    """The priors of one file, and the draws they give."""

    priors: tuple[Prior, ...]
    source: str  # the file, as shown to the user
    sha256: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    def draw(self, root_seed: int, replicate: int) -> dict[str, float]:
        """Replicate `replicate`'s parameter set: one uniform per parameter, keyed by name."""
        out = {}
        for prior in self.priors:
            key = [root_seed, replicate, PRIOR_STREAM, zlib.crc32(prior.name.encode())]
            u = np.random.default_rng(np.random.SeedSequence(key)).random()
            out[prior.name] = float(prior.quantile(u))
        return out


def load_priors(path: str | Path) -> PriorSet:
    """Read and check a prior file; every problem is reported, one line each."""
    from sim.scenario import _pydantic_problems  # the scenario files' wording of each problem

    path = Path(path)
    shown = str(path)
    data, problems = read_mapping(path, shown)
    if data is not None:
        problems = _pydantic_problems(shown, PriorFile, data)
    if problems:
        raise InputError(problems)
    spec = PriorFile.model_validate(data)
    entries: Mapping[str, PriorSpec | None] = (
        dict.fromkeys(spec.parameters) if isinstance(spec.parameters, list) else spec.parameters
    )
    priors, problems = [], []
    for name, given in entries.items():
        prior, messages = _prior_problems(name, given or PriorSpec(), shown)
        problems += [Problem(shown, f"parameters.{name}", m) for m in messages]
        if prior is not None:
            priors.append(prior)
    if problems:
        raise InputError(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return PriorSet(tuple(sorted(priors, key=lambda p: p.name)), shown, digest)


def describe(priors: PriorSet) -> list[dict[str, Any]]:
    """One row per prior: what the manifest and the report show."""
    return [
        {
            "parameter": p.name,
            "distribution": p.family,
            "mean": p.mean,
            "low95": p.low,
            "high95": p.high,
            "bounds": [p.bound_low, p.bound_high],
            "justification": p.justification,
        }
        for p in priors.priors
    ]


SHIPPED_PRIORS = "prior"  # `--parameters prior`: the shipped calibration/priors.yaml
POSTERIOR_STREAM = 0x85EBCA77  # the posterior's resampling stream
MAX_POSTERIOR_ROWS = 100_000
MAX_POSTERIOR_BYTES = 64 * 2**20
WEIGHT = "weight"


@dataclass(frozen=True)
class PosteriorSample:
    """A weighted sample of parameter sets (a calibration's posterior): each replicate runs
    one set, resampled by weight, keyed by (seed, replicate) alone, so every parameter of a
    set travels together and their correlations are kept."""

    table: Any  # pandas DataFrame: one column per parameter, in registry units
    weights: np.ndarray  # normalised
    source: str
    sha256: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.table.columns)

    def draw(self, root_seed: int, replicate: int) -> dict[str, float]:
        u = np.random.default_rng(np.random.SeedSequence([root_seed, replicate, POSTERIOR_STREAM])).random()
        row = min(int(np.searchsorted(np.cumsum(self.weights), u, side="right")), len(self.weights) - 1)
        return {name: float(v) for name, v in self.table.iloc[row].items()}


@dataclass(frozen=True)
class PosteriorMarginal:
    """One parameter's weighted posterior marginal as a quantile function, for designs (such
    as Morris and Sobol) that move each parameter on its own. Each particle stands at the
    middle of its weight on the probability scale (plotting positions), and the quantile
    interpolates linearly between particles and is flat beyond the outermost: continuous, so
    a small step in probability is a small step in value. Correlations between parameters
    are not kept; `PosteriorSample.draw` keeps them for projections."""

    name: str
    values: np.ndarray  # sorted
    positions: np.ndarray  # cumulative weight to each particle's middle, increasing

    def quantile(self, u: np.ndarray | float) -> np.ndarray:
        return np.interp(np.asarray(u, dtype=float), self.positions, self.values)


def posterior_marginals(sample: PosteriorSample) -> dict[str, PosteriorMarginal]:
    """Every parameter's weighted marginal (particles of equal value merge their weights)."""
    import pandas as pd

    out = {}
    for name in sample.names:
        frame = pd.DataFrame({"v": sample.table[name].to_numpy(dtype=float), "w": sample.weights})
        merged = frame[frame["w"] > 0].groupby("v", sort=True)["w"].sum()
        w = merged.to_numpy() / merged.sum()
        out[name] = PosteriorMarginal(name, merged.index.to_numpy(dtype=float), np.cumsum(w) - w / 2)
    return out


def load_posterior(path: str | Path) -> PosteriorSample:
    """A CSV of parameter sets: one column per registry parameter and a `weight` column;
    every value must be one a scenario could set. Problems are reported one line each."""
    import pandas as pd

    from sim.params import check_value
    from sim.yaml_reader import YAMLInputError, read_text

    path, shown = Path(path), str(path)
    try:
        table = pd.read_csv(io.StringIO(read_text(path, limit=MAX_POSTERIOR_BYTES)))
    except YAMLInputError as exc:
        raise InputError([Problem(shown, "", str(exc))]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError([Problem(shown, "", f"is not a CSV table: {str(exc).splitlines()[0]}")]) from None
    problems = []
    if WEIGHT not in table.columns:
        problems.append(Problem(shown, WEIGHT, "a posterior needs a weight column"))
    if not 1 <= len(table) <= MAX_POSTERIOR_ROWS:
        problems.append(Problem(shown, "", f"must have 1 to {MAX_POSTERIOR_ROWS:,} rows, got {len(table):,}"))
    names = [c for c in table.columns if c != WEIGHT]
    if not names:
        problems.append(Problem(shown, "", "has no parameter columns"))
    for name in names:
        if name not in REGISTRY:
            problems.append(Problem(shown, name, "unknown parameter (see `ipc-sim params`)"))
            continue
        if any(name in group for group in share_groups().values()):
            problems.append(Problem(shown, name, "is one of a group of shares summing to 1: not drawn alone"))
            continue
        bad = next((m for v in table[name] if (m := check_value(name, _number(v))) is not None), None)
        if bad is not None:
            problems.append(Problem(shown, name, bad))
    if WEIGHT in table.columns:
        w = pd.to_numeric(table[WEIGHT], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            problems.append(Problem(shown, WEIGHT, "weights must be numbers >= 0 with a positive sum"))
    if problems:
        raise InputError(problems)
    weights = table[WEIGHT].to_numpy(dtype=float)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return PosteriorSample(table[names].astype(float), weights / weights.sum(), shown, digest)


def _number(value: Any) -> Any:
    """A CSV cell as check_value expects it (numbers as floats, anything else as it is)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


@dataclass(frozen=True)
class CombinedSource:
    """Several sources, the first that has a parameter drawing it: a posterior over the
    parameters the targets inform, then the priors for the rest (`--parameters POSTERIOR.csv
    --parameters prior`). Each keeps its own streams, so adding a source leaves the others'
    draws as they were."""

    sources: tuple[PriorSet | PosteriorSample, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for s in self.sources for n in s.names))

    @property
    def source(self) -> str:
        return " + ".join(s.source for s in self.sources)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(" ".join(s.sha256 for s in self.sources).encode()).hexdigest()

    def draw(self, root_seed: int, replicate: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in self.sources:
            out.update({n: v for n, v in s.draw(root_seed, replicate).items() if n not in out})
        return out


def load_parameter_sources(sources: list[str]) -> PriorSet | PosteriorSample | CombinedSource:
    """`--parameters`, once or more: one source, or several combined (the first wins)."""
    problems, loaded = [], []
    for source in sources:
        try:
            loaded.append(load_parameter_source(source))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return loaded[0] if len(loaded) == 1 else CombinedSource(tuple(loaded))


def load_parameter_source(source: str) -> PriorSet | PosteriorSample:
    """`prior` (the shipped priors), a prior file (YAML) or a posterior sample (CSV)."""
    if source.lower().endswith(".csv"):
        return load_posterior(source)
    if source == SHIPPED_PRIORS:
        from importlib import resources

        with resources.as_file(resources.files("sim.calibration").joinpath("priors.yaml")) as path:
            priors = load_priors(path)
        return PriorSet(priors.priors, "calibration/priors.yaml", priors.sha256)
    return load_priors(source)


def _manifest_rows(priors: PriorSet | PosteriorSample | CombinedSource) -> list[dict[str, Any]]:
    if isinstance(priors, CombinedSource):
        return [{"source": s.source, "sha256": s.sha256, "rows": _manifest_rows(s)} for s in priors.sources]
    if isinstance(priors, PosteriorSample):
        return [{"posterior_rows": len(priors.weights), "parameters": list(priors.names)}]
    return describe(priors)


def parameter_manifest(
    scenarios: list[Any], priors: PriorSet | PosteriorSample | CombinedSource | None
) -> dict[str, Any]:
    """What the manifest says of the parameters: fixed, or where each replicate's set came from."""
    carried = [s.parameter_draws for s in scenarios if s.parameter_draws is not None]
    if priors is None and not carried:
        fixed = "Monte Carlo only: every replicate has the registry's parameters"
        return {"source": "fixed", "intervals": fixed}
    if priors is not None:
        source, sha, rows = priors.source, priors.sha256, _manifest_rows(priors)
    else:
        source, sha, rows = carried[0]["source"], carried[0]["sha256"], []
    drawn = sorted({n for c in carried for d in c["replicates"].values() for n in d})
    return {
        "source": source,
        "sha256": sha,
        "drawn": drawn,
        "priors": rows,
        "intervals": (
            f"include parameter uncertainty: each replicate draws {len(drawn)} parameters from {source}, "
            "the same draw for every scenario of the replicate"
        ),
    }


def draw_table(scenarios: list[Any]) -> Any:
    """replicate, parameter, value, and the scenarios that drew it (a scenario that sets a
    parameter itself keeps its own value)."""
    import pandas as pd

    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for s in scenarios:
        if s.parameter_draws is None:
            continue
        for replicate, draw in s.parameter_draws["replicates"].items():
            for name, value in draw.items():
                row = rows.setdefault((int(replicate), name), {"value": value, "scenarios": []})
                row["scenarios"].append(s.name)
    table = [
        {"replicate": r, "parameter": n, "value": v["value"], "scenarios": " ".join(v["scenarios"])}
        for (r, n), v in sorted(rows.items())
    ]
    return pd.DataFrame(table, columns=["replicate", "parameter", "value", "scenarios"])
