"""Global sensitivity of the intervention's effect: Morris screening of every uncertain
parameter, then Sobol indices of the most influential (SALib).

A sensitivity config names a baseline and an intervention scenario, the priors, and the
design:

    baseline: ../scenarios/baseline.yaml
    intervention: ../scenarios/at_scale.yaml
    priors: priors.yaml
    parameters: [crisis.ae_rate, ae.admit_base]   # optional: a subset of the priors
    population_size: 11989     # optional: each scenario's own size by default
    days: 730
    trajectories: 4            # Morris: points = trajectories x (parameters + 1)
    levels: 4
    sobol_top: 4               # parameters taken on to Sobol (0: Morris only)
    sobol_samples: 16          # Saltelli base samples, a power of two: N x (top + 2) points
    noise_replicates: 4        # the Monte Carlo noise of one point's effect
    seed: 1
    posterior: stockton/posterior.csv   # optional: its parameters move over their posterior

Without `posterior`, every parameter moves across its prior: what moves the answer across
what we believed before the data. With it, the parameters the posterior holds move across
their weighted posterior marginals instead (the rest across their priors): what moves the
answer as `make run` projects it (`--parameters POSTERIOR --parameters prior`). Morris and
Sobol move one parameter at a time, so the posterior's correlations are not kept here.

Each point runs the baseline and the intervention with the same parameters and seed, so its
effect (intervention - baseline, a year) is paired. Parameters move in probability space:
SALib samples each in [0, 1] and the prior's quantile turns that into a value, so the design
covers each prior as it is weighted. Morris's grid of `levels` points is placed at the
midpoints of as many equal-probability bins (1/8, 3/8, 5/8, 7/8 for four levels), not at 0
and 1, which are the ends of the registry range: half of every trajectory would otherwise sit
at an extreme the prior gives almost no weight. A Morris mu* is the mean absolute change in
the effect per unit of probability (so across the whole prior, for a linear response).
Every point runs at the same seed (common random numbers), so what differs
between points is the parameters; `noise_replicates` more runs of the central point (every
parameter at its prior median) measure the Monte Carlo noise that is left, and an index below
the noise floor cannot be told from noise. Points are saved as they finish (the run folder's
task files), so a killed analysis resumes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from sim.errors import InputError, Problem
from sim.lever import StrictSpec
from sim.limits import MAX_HORIZON_DAYS, MAX_POPULATION, MIN_POPULATION
from sim.priors import PosteriorSample, PriorSet, load_posterior, load_priors, posterior_marginals
from sim.units import DAYS_PER_YEAR
from sim.yaml_reader import read_mapping

OUTCOMES = {  # daily metric: what the table and the figure call its yearly effect
    "ae_attendances": "A&E attendances a year",
    "emergency_admissions": "emergency admissions a year",
    "dtoc_days": "DTOC bed days a year",
    "cost_total": "net cost, GBP a year",
}
IDENTITY = "identity.json"
CENTRE = 0.5  # the prior median, where parameters outside a stage are held
MAX_POINTS = 20_000


class SensitivityConfig(StrictSpec):
    """A sensitivity config file (the module docstring shows one)."""

    baseline: str = Field(min_length=1, max_length=1000)
    intervention: str = Field(min_length=1, max_length=1000)
    priors: str = Field(min_length=1, max_length=1000)
    parameters: list[str] | None = Field(default=None, min_length=2, max_length=500)
    population_size: int | None = Field(default=None, ge=MIN_POPULATION, le=MAX_POPULATION)
    days: int = Field(ge=1, le=MAX_HORIZON_DAYS)
    trajectories: int = Field(default=4, ge=2, le=1000)
    levels: int = Field(default=4, ge=2, le=20)
    sobol_top: int = Field(default=4, ge=0, le=100)
    sobol_samples: int = Field(default=16, ge=2, le=2**14)
    noise_replicates: int = Field(default=4, ge=2, le=1000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    posterior: str | None = Field(default=None, min_length=1, max_length=1000)

    @field_validator("sobol_samples")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"must be a power of two (Saltelli's design), got {n}")
        return n

    @field_validator("levels")
    @classmethod
    def _even(cls, n: int) -> int:
        if n % 2:
            raise ValueError(f"must be even (Morris's design), got {n}")
        return n


@dataclasses.dataclass(frozen=True)
class Sensitivity:
    """A checked config with its scenarios and priors loaded."""

    config: SensitivityConfig
    baseline: Any
    intervention: Any
    priors: PriorSet
    source: str
    posterior: PosteriorSample | None = None

    @property
    def distributions(self) -> dict[str, Any]:
        """Each varied parameter's quantile function: its posterior marginal where the
        posterior has it, else its prior."""
        out: dict[str, Any] = {p.name: p for p in self.priors.priors}
        if self.posterior is not None:
            out.update({n: m for n, m in posterior_marginals(self.posterior).items() if n in out})
        return out

    def problem(self, names: tuple[str, ...]) -> dict[str, Any]:
        """SALib's problem: every parameter in probability space."""
        return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}

    def values(self, names: tuple[str, ...], u: np.ndarray) -> dict[str, float]:
        """Probabilities to parameter values (everything not named stays at its prior median)."""
        by_name = self.distributions
        point = {n: float(d.quantile(CENTRE)) for n, d in by_name.items()}
        point.update({n: float(by_name[n].quantile(x)) for n, x in zip(names, u, strict=True)})
        return point


def bin_midpoints(x: np.ndarray, levels: int) -> np.ndarray:
    """Morris's grid {0, 1/(p-1), ..., 1} to the midpoints of p equal-probability bins."""
    return (np.asarray(x) * (levels - 1) + 0.5) / levels


MORRIS_STEP = 0.5  # Morris's jump of p / (2 (p - 1)) grid units, between bin midpoints: 1/2 for any even p


def morris_rows(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int) -> list[dict]:
    """Morris indices per unit of probability: SALib divides by its grid step, p / (2 (p - 1)),
    and the points sit a step of MORRIS_STEP in probability apart, hence the rescaling."""
    from SALib.analyze import morris as morris_analyze

    result = morris_analyze.analyze(problem, x, y, num_levels=levels, seed=seed)
    scale = (levels / (2 * (levels - 1))) / MORRIS_STEP
    return [
        {
            "parameter": name,
            "mu": float(result["mu"][i]) * scale,
            "mu_star": float(result["mu_star"][i]) * scale,
            "mu_star_conf": float(result["mu_star_conf"][i]) * scale,
            "sigma": float(result["sigma"][i]) * scale,
        }
        for i, name in enumerate(problem["names"])
    ]


def load_sensitivity(path: str | Path) -> Sensitivity:
    """Read and check a sensitivity config and what it names; all problems at once."""
    from sim.scenario import _pydantic_problems, load_scenarios

    path = Path(path)
    shown = str(path)
    data, problems = read_mapping(path, shown)
    if data is not None:
        problems = _pydantic_problems(shown, SensitivityConfig, data)
    if problems:
        raise InputError(problems)
    config = SensitivityConfig.model_validate(data)
    here = path.resolve().parent
    scenarios, priors = [], None
    try:
        scenarios = load_scenarios([here / config.baseline, here / config.intervention])
    except InputError as exc:
        problems += exc.problems
    try:
        priors = load_priors(here / config.priors)
    except InputError as exc:
        problems += exc.problems
    posterior = None
    if config.posterior is not None:
        try:
            posterior = load_posterior(here / config.posterior)
        except InputError as exc:
            problems += exc.problems
    if posterior is not None and priors is not None:
        unknown = [n for n in posterior.names if n not in priors.names]
        problems += [
            Problem(shown, "posterior", f"{n} has no prior in {config.priors}: the design cannot vary it")
            for n in unknown
        ]
    if priors is not None and config.parameters is not None:
        unknown = [n for n in config.parameters if n not in priors.names]
        problems += [Problem(shown, "parameters", f"{n} has no prior in {config.priors}") for n in unknown]
        priors = PriorSet(
            tuple(p for p in priors.priors if p.name in config.parameters), priors.source, priors.sha256
        )
    if priors is not None:
        k = len(priors.priors)
        if config.sobol_top > k:
            problems.append(Problem(shown, "sobol_top", f"must be at most the {k} parameters varied"))
        points = config.trajectories * (k + 1) + config.sobol_samples * (config.sobol_top + 2)
        if points > MAX_POINTS:
            problems.append(
                Problem(shown, "trajectories", f"the design has {points:,} points, over {MAX_POINTS:,}")
            )
    if len(scenarios) == 2 and scenarios[0].name == scenarios[1].name:
        problems.append(Problem(shown, "intervention", f"is the baseline scenario {scenarios[0].name!r}"))
    if problems:
        raise InputError(problems)
    return Sensitivity(config, scenarios[0], scenarios[1], priors, shown, posterior)


def identity(sensitivity: Sensitivity) -> dict[str, Any]:
    """What a resumed analysis must share with the one it resumes."""
    return {
        "settings": sensitivity.config.model_dump(),
        "scenarios": [sensitivity.baseline.sha256(), sensitivity.intervention.sha256()],
        "priors": sensitivity.priors.sha256,
        "posterior": None if sensitivity.posterior is None else sensitivity.posterior.sha256,
        "parameters": list(sensitivity.priors.names),
    }


def claim(out: Path, own: dict[str, Any], source: str, what: str) -> None:
    """A new folder, or one holding this same analysis (to resume); never another's."""
    marker = out / IDENTITY
    if out.exists() and any(out.iterdir()):
        if not marker.exists():
            raise InputError(
                [Problem(str(out), "--out", f"is not empty and holds no {what}; use a new folder")]
            )
        if json.loads(marker.read_text()) != own:
            why = f"holds a {what} of other settings than {source}; use a new folder"
            raise InputError([Problem(str(out), "--out", why)])
        return
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(own, indent=2) + "\n")


def _tasks(sensitivity: Sensitivity, points: list[dict[str, float]], replicates: list[int]) -> list:
    """A baseline and an intervention task for each point (replicate r of the seed)."""
    from sim.batch import Task

    config = sensitivity.config
    tasks = []
    for point, replicate in zip(points, replicates, strict=True):
        for s in (sensitivity.baseline, sensitivity.intervention):
            own = {n: v for n, v in point.items() if n not in s.overrides}
            changed: dict[str, Any] = {"overrides": {**s.overrides, **own}, "horizon_days": config.days}
            if config.population_size is not None:
                changed["population_size"] = config.population_size
            one = dataclasses.replace(s, **changed)
            tasks.append(Task(one.resolved(), one.sha256(), replicate, config.seed))
    return tasks


def _effects(tasks: list, frames: dict[str, pd.DataFrame], days: int) -> pd.DataFrame:
    """Each point's yearly effect on every outcome: intervention - baseline, a year."""
    rows = []
    for base, arm in zip(tasks[::2], tasks[1::2], strict=True):
        b, a = frames[base.key], frames[arm.key]
        rows.append({m: float(a[m].sum() - b[m].sum()) * DAYS_PER_YEAR / days for m in OUTCOMES})
    return pd.DataFrame(rows, columns=list(OUTCOMES))


def _run(sensitivity, points, replicates, out, executor, progress) -> pd.DataFrame:
    from sim.batch import run_tasks

    tasks = _tasks(sensitivity, points, replicates)
    frames = run_tasks(tasks, out, executor, progress=progress)
    return _effects(tasks, frames, sensitivity.config.days)


def analyse(
    sensitivity: Sensitivity, out: Path, workers: int = 1, dask: str | None = None, progress: bool = True
) -> dict[str, Any]:
    """Morris, then Sobol on the top parameters, then the noise floor; writes DIR's tables,
    figure and record."""
    from sim.batch import make_executor

    executor = make_executor(workers, dask)
    executor.open()  # an executor that cannot start fails here, before the folder is touched
    try:
        claim(out, identity(sensitivity), sensitivity.source, "sensitivity analysis")
        return _analyse(
            sensitivity, out, executor, progress, f"dask {dask}" if dask else f"{workers} processes"
        )
    finally:
        executor.close()


def _analyse(sensitivity: Sensitivity, out: Path, executor: Any, progress: bool, executor_name: str) -> dict:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    config = sensitivity.config
    started = time.time()
    names = sensitivity.priors.names
    problem = sensitivity.problem(names)
    x = morris_sample.sample(problem, config.trajectories, num_levels=config.levels, seed=config.seed)
    points = [sensitivity.values(names, u) for u in bin_midpoints(x, config.levels)]
    y = _run(sensitivity, points, [0] * len(points), out, executor, progress)
    morris = [
        {"outcome": metric, **row}
        for metric in OUTCOMES
        for row in morris_rows(problem, x, y[metric].to_numpy(), config.levels, config.seed)
    ]
    morris_table = pd.DataFrame(morris)
    morris_table["rank"] = morris_table.groupby("outcome")["mu_star"].rank(ascending=False, method="first")
    centre = [sensitivity.values((), np.array([]))] * config.noise_replicates
    noise = _run(sensitivity, centre, list(range(config.noise_replicates)), out, executor, progress)
    floor = {m: float(np.sqrt(2) * noise[m].std(ddof=1) / MORRIS_STEP) for m in OUTCOMES}
    morris_table["noise_floor"] = morris_table["outcome"].map(floor)
    morris_table["above_noise"] = morris_table["mu_star"] > morris_table["noise_floor"]
    top = top_parameters(morris_table, config.sobol_top)
    sobol_rows = []
    n_sobol = 0
    if top:
        sub = sensitivity.problem(top)
        xs = sobol_sample.sample(sub, config.sobol_samples, calc_second_order=False, seed=config.seed)
        n_sobol = len(xs)
        ys = _run(
            sensitivity, [sensitivity.values(top, u) for u in xs], [0] * len(xs), out, executor, progress
        )
        for metric in OUTCOMES:
            result = sobol_analyze.analyze(
                sub, ys[metric].to_numpy(), calc_second_order=False, seed=config.seed, print_to_console=False
            )
            for i, name in enumerate(top):
                sobol_rows.append(
                    {
                        "outcome": metric,
                        "parameter": name,
                        "S1": float(result["S1"][i]),
                        "S1_conf": float(result["S1_conf"][i]),
                        "ST": float(result["ST"][i]),
                        "ST_conf": float(result["ST_conf"][i]),
                    }
                )
    sobol_table = pd.DataFrame(sobol_rows, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    noise_table = pd.DataFrame(
        {
            "outcome": list(OUTCOMES),
            "centre_effect": noise.mean().to_numpy(),
            "sd": noise.std(ddof=1).to_numpy(),
        }
    )
    noise_table["noise_floor"] = noise_table["outcome"].map(floor)
    morris_table.to_csv(out / "morris.csv", index=False, float_format="%.6g")
    sobol_table.to_csv(out / "sobol.csv", index=False, float_format="%.6g")
    noise_table.to_csv(out / "noise.csv", index=False, float_format="%.6g")
    tornado(morris_table, out / "figures" / "tornado.png")
    info = {
        "config": sensitivity.source,
        "settings": config.model_dump(),
        "parameters": list(names),
        "over_posterior": []
        if sensitivity.posterior is None
        else [n for n in names if n in sensitivity.posterior.names],
        "sobol_parameters": top,
        "points": {"morris": len(points), "noise": config.noise_replicates, "sobol": n_sobol},
        "simulations": 2 * (len(points) + config.noise_replicates + n_sobol),
        "wall_seconds_this_session": round(time.time() - started, 1),
        "executor": executor_name,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "design_sha256": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
    }
    (out / "sensitivity.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def top_parameters(morris: pd.DataFrame, k: int) -> list[str]:
    """The k parameters that matter most to any outcome: each outcome's mu* scaled by its
    largest, then each parameter's best scaled score (so no outcome's units dominate)."""
    if k == 0:
        return []
    scaled = morris["mu_star"] / morris.groupby("outcome")["mu_star"].transform("max").replace(0, np.nan)
    score = scaled.fillna(0).groupby(morris["parameter"]).max()
    order = sorted(score.index, key=lambda n: (-score[n], n))
    return order[:k]


def top_drivers(morris: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The n largest mu* of each outcome, for the report."""
    ranked = morris.sort_values(["outcome", "mu_star"], ascending=[True, False])
    return ranked.groupby("outcome", sort=False).head(n).reset_index(drop=True)


def tornado(morris: pd.DataFrame, path: Path, n: int = 10) -> None:
    """One panel per outcome: the n parameters with the largest mu* (the change in the effect
    across each prior), with their bootstrap interval and the noise floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (metric, label) in zip(axes.flat, OUTCOMES.items(), strict=True):
        rows = morris[morris["outcome"] == metric].nlargest(n, "mu_star").iloc[::-1]
        colours = ["#0072B2" if above else "#BBBBBB" for above in rows["above_noise"]]
        ax.barh(rows["parameter"], rows["mu_star"], xerr=rows["mu_star_conf"], color=colours, capsize=2)
        if len(rows):
            ax.axvline(rows["noise_floor"].iloc[0], color="#D55E00", linestyle="--", label="noise floor")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(f"Effect on {label}", fontsize=9)
        ax.set_xlabel("Morris mu*: change in the effect across the parameter's distribution", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """A finished analysis's Morris and Sobol tables, as a run folder keeps them."""
    from sim.run_reader import OPTIONAL_TABLES

    problems, tables = [], {}
    wanted = {"morris.csv": "sensitivity_morris.csv", "sobol.csv": "sensitivity_sobol.csv"}
    columns = {name: cols for name, cols, _ in OPTIONAL_TABLES}
    for own, kept in wanted.items():
        path = Path(folder) / own
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            problems.append(
                Problem(str(path), "--sensitivity", f"not a finished analysis: {exc.__class__.__name__}")
            )
            continue
        missing = [c for c in columns[kept] if c not in table.columns]
        if missing:
            problems.append(Problem(str(path), "--sensitivity", f"lacks columns {missing}"))
            continue
        tables[kept] = table
    if problems:
        raise InputError(problems)
    morris = tables["sensitivity_morris.csv"]
    morris["distribution"] = _distributions(Path(folder), morris)
    return tables


def _distributions(folder: Path, morris: pd.DataFrame) -> pd.Series:
    """Which distribution each parameter crossed: `posterior` for those the analysis's record
    lists under over_posterior, else `prior` (an analysis from before posteriors moved every
    parameter over its prior)."""
    try:
        over = set(json.loads((folder / "sensitivity.json").read_text()).get("over_posterior", []))
    except (OSError, ValueError):
        over = set()
    return morris["parameter"].map(lambda n: "posterior" if n in over else "prior")
