"""Calibration: ABC-SMC (pyabc) of the chosen priors against the calibration targets.

A calibration config names the scenarios that measure the targets, the prior file (and,
optionally, which of its parameters to vary), the target file, the cohort size and horizon
each simulation runs, and the ABC settings:

    scenarios: [../scenarios/baseline.yaml, ../scenarios/demonstrator_2017.yaml]
    priors: priors.yaml
    parameters: [crisis.ae_rate, ae.admit_base]   # optional: a subset of the priors
    targets: targets.yaml
    population_size: 4000     # or per scenario: {baseline: 2000, demonstrator_2017: 11989}
    days: 365
    particles: 100
    generations: 6
    min_epsilon: 0.5          # in standard errors of the targets
    max_simulations: 5000
    seed: 1

Rates per person are size-invariant from 2,000 people (README, Known limitations), so a
baseline's rates can be measured on a small cohort; a target that is an absolute count for
a real cohort (the 100-day challenge's ~300 plans) needs its scenario at that cohort's size,
hence sizes per scenario. Paths are relative to the config file.

One simulation runs every scenario once, with the particle's parameters wherever the
scenario does not set them itself, at a seed made from the parameter values (so a
particle's result is reproducible). The distance is the root mean square, over the fitted
targets, of (model - value) / sd. pyabc keeps its history in DIR/abc.db: a killed
calibration resumes from its last finished generation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field

from sim.calibration_targets import Target, load_calibration_targets, measure
from sim.errors import InputError, Problem
from sim.lever import StrictSpec
from sim.limits import MAX_HORIZON_DAYS, MAX_POPULATION, MIN_POPULATION
from sim.priors import Prior, PriorSet, load_priors
from sim.yaml_reader import read_mapping

DB = "abc.db"
IDENTITY = "identity.json"
SEED_MODULUS = 2**31 - 1


class CalibrationConfig(StrictSpec):
    """A calibration config file (the module docstring shows one)."""

    scenarios: list[str] = Field(min_length=1, max_length=20)
    priors: str = Field(min_length=1, max_length=1000)
    parameters: list[str] | None = Field(default=None, min_length=1, max_length=500)
    targets: str = Field(min_length=1, max_length=1000)
    population_size: (
        Annotated[int, Field(ge=MIN_POPULATION, le=MAX_POPULATION)]
        | dict[str, Annotated[int, Field(ge=MIN_POPULATION, le=MAX_POPULATION)]]
    )
    days: int = Field(ge=1, le=MAX_HORIZON_DAYS)
    warm_up_days: int | None = Field(default=None, ge=0, le=MAX_HORIZON_DAYS)
    particles: int = Field(default=100, ge=5, le=100_000)
    generations: int = Field(default=6, ge=1, le=100)
    min_epsilon: float = Field(default=0.5, gt=0)
    max_simulations: int = Field(default=10_000, ge=1, le=10_000_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    def size_of(self, scenario: str) -> int:
        """The cohort size `scenario` runs at in every simulation."""
        sizes = self.population_size
        return sizes[scenario] if isinstance(sizes, dict) else sizes


@dataclasses.dataclass(frozen=True)
class Calibration:
    """A checked config, with its scenarios, priors and targets loaded."""

    config: CalibrationConfig
    scenarios: list[Any]
    priors: PriorSet
    targets: dict[str, Target]
    source: str


def _key(name: str) -> str:
    """pyabc parameter names must be identifiers."""
    return name.replace(".", "__")


def _name(key: str) -> str:
    return key.replace("__", ".")


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration config and everything it names; all problems at once."""
    from sim.scenario import _pydantic_problems, load_scenarios

    path = Path(path)
    shown = str(path)
    data, problems = read_mapping(path, shown)
    if data is not None:
        problems = _pydantic_problems(shown, CalibrationConfig, data)
    if problems:
        raise InputError(problems)
    config = CalibrationConfig.model_validate(data)
    here = path.resolve().parent
    scenarios, priors, targets = [], None, {}
    for load, field in (
        (lambda: load_scenarios([here / s for s in config.scenarios]), "scenarios"),
        (lambda: load_priors(here / config.priors), "priors"),
        (lambda: load_calibration_targets(here / config.targets), "targets"),
    ):
        try:
            value = load()
        except InputError as exc:
            problems += exc.problems
            continue
        if field == "scenarios":
            scenarios = value
        elif field == "priors":
            priors = value
        else:
            targets = value
    if priors is not None and config.parameters is not None:
        unknown = [n for n in config.parameters if n not in priors.names]
        problems += [Problem(shown, "parameters", f"{n} has no prior in {config.priors}") for n in unknown]
        kept = tuple(p for p in priors.priors if p.name in config.parameters)
        priors = PriorSet(kept, priors.source, priors.sha256)
    names = {s.name for s in scenarios}
    if scenarios and isinstance(config.population_size, dict):
        sized = set(config.population_size)
        for name in sorted(names - sized):
            why = f"gives no size for scenario {name!r}"
            problems.append(Problem(shown, "population_size", why))
        for name in sorted(sized - names):
            problems.append(Problem(shown, f"population_size.{name}", "is not a scenario of this run"))
    for name, target in targets.items():
        if scenarios and target.measure.scenario not in names:
            why = f"target {name} is measured on {target.measure.scenario!r}, which is not run"
            problems.append(Problem(shown, "scenarios", why))
        window = target.measure.window
        if window is not None and window[1] > config.days:
            problems.append(Problem(shown, "days", f"target {name} needs days up to {window[1]}"))
    if problems:
        raise InputError(problems)
    return Calibration(config, scenarios, priors, targets, shown)


def simulate(calibration: Calibration, parameters: dict[str, float]) -> pd.DataFrame:
    """Every scenario once with these parameters (where the scenario does not set them), at
    a seed made from the parameter values: the daily table of the run."""
    from sim.batch import Task, run_task

    config = calibration.config
    digest = hashlib.sha256(json.dumps(sorted(parameters.items())).encode()).digest()
    seed = (int.from_bytes(digest[:8], "little") + config.seed) % SEED_MODULUS
    frames = []
    for s in calibration.scenarios:
        own = {n: v for n, v in parameters.items() if n not in s.overrides}
        changed = {"overrides": {**s.overrides, **own}, "population_size": config.size_of(s.name)}
        changed["horizon_days"] = config.days
        if config.warm_up_days is not None:
            changed["warm_up_days"] = config.warm_up_days
        one = dataclasses.replace(s, **changed)
        frames.append(run_task(Task(one.resolved(), one.sha256(), 0, seed)).daily)
    return pd.concat(frames, ignore_index=True)


def summaries(calibration: Calibration, daily: pd.DataFrame) -> dict[str, float]:
    """Every target's figure in one simulation (held-out ones too, for the prediction)."""
    return {name: float(measure(t, daily).mean()) for name, t in calibration.targets.items()}


class TruncatedPrior:
    """A `sim.priors.Prior` as a pyabc random variable (built lazily: pyabc is imported only
    when a calibration runs)."""

    @staticmethod
    def of(prior: Prior):
        import pyabc

        dist = prior.frozen()
        mass = dist.cdf(prior.bound_high) - dist.cdf(prior.bound_low)

        class _RV(pyabc.RVBase):
            def rvs(self, *args, **kwargs):
                # pyabc draws from numpy's global state, which it seeds in each worker
                return float(prior.quantile(np.random.uniform()))  # noqa: NPY002

            def pdf(self, x, *args, **kwargs):
                inside = prior.bound_low <= x <= prior.bound_high
                return float(dist.pdf(x) / mass) if inside else 0.0

            def pmf(self, x, *args, **kwargs):
                return self.pdf(x)

            def cdf(self, x, *args, **kwargs):
                low = dist.cdf(prior.bound_low)
                return float(np.clip((dist.cdf(x) - low) / mass, 0.0, 1.0))

            def copy(self):
                return _RV()

        return _RV()


def calibrate(calibration: Calibration, out: Path, workers: int = 2, dask: str | None = None) -> dict:
    """Run (or resume) ABC-SMC into `out`; write the posterior, diagnostics and fit."""
    import pyabc

    config = calibration.config
    _claim(out, calibration)
    _show_progress()
    fitted = {n: t for n, t in calibration.targets.items() if not t.held_out}
    observed = {n: t.value for n, t in calibration.targets.items()}

    def model(particle: dict) -> dict:
        parameters = {_name(k): float(v) for k, v in particle.items()}
        return summaries(calibration, simulate(calibration, parameters))

    def distance(x: dict, x0: dict) -> float:
        z = [(x[n] - x0[n]) / t.sd for n, t in fitted.items()]
        return float(np.sqrt(np.mean(np.square(z))))

    prior = pyabc.Distribution(**{_key(p.name): TruncatedPrior.of(p) for p in calibration.priors.priors})
    if dask is not None:
        from distributed import Client

        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=Client(dask))
    elif workers > 1:
        sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    else:
        sampler = pyabc.sampler.SingleCoreSampler()
    np.random.seed(config.seed)  # noqa: NPY002 (pyabc samples from the global state)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=config.particles, sampler=sampler)
    db = f"sqlite:///{(out / DB).resolve()}"
    started = time.time()
    if (out / DB).exists():
        history = abc.load(db, 1)
        done = history.max_t + 1
    else:
        abc.new(db, observed)
        done = 0
    remaining = config.generations - done
    if remaining > 0:
        history = abc.run(
            minimum_epsilon=config.min_epsilon,
            max_nr_populations=remaining,
            max_total_nr_simulations=config.max_simulations,
        )
    else:
        history = pyabc.History(db, _id=1)
    return write_results(calibration, history, out, time.time() - started, workers, dask)


def identity(calibration: Calibration) -> dict[str, Any]:
    """What a resumed calibration must share with the one it resumes (how long it runs may
    change: more generations, a smaller epsilon, more simulations extend it)."""
    extendable = {"generations", "min_epsilon", "max_simulations"}
    return {
        "settings": calibration.config.model_dump(exclude=extendable),
        "scenarios": [s.sha256() for s in calibration.scenarios],
        "priors": calibration.priors.sha256,
        "parameters": list(calibration.priors.names),
        "targets": hashlib.sha256(
            json.dumps({n: t.model_dump() for n, t in calibration.targets.items()}, sort_keys=True).encode()
        ).hexdigest(),
    }


def _claim(out: Path, calibration: Calibration) -> None:
    """A new folder, or one holding this same calibration (to resume); never another's."""
    own = identity(calibration)
    marker = out / IDENTITY
    if out.exists() and any(out.iterdir()):
        if not marker.exists():
            why = "is not empty and holds no calibration; use a new folder"
            raise InputError([Problem(str(out), "--out", why)])
        if json.loads(marker.read_text()) != own:
            why = f"holds a calibration of other settings than {calibration.source}; use a new folder"
            raise InputError([Problem(str(out), "--out", why)])
        return
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(own, indent=2) + "\n")


def _show_progress() -> None:
    """pyabc reports each generation (epsilon, acceptance) on its 'ABC' logger: show it."""
    import logging

    for name in ("ABC", "ABC.Sampler", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.INFO)
    if not logging.getLogger("ABC").handlers and not logging.getLogger().handlers:  # pyabc may add its own
        logging.basicConfig(format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")


def write_results(calibration: Calibration, history: Any, out: Path, seconds: float, workers, dask) -> dict:
    """posterior.csv (the format `ipc-sim run --parameters` reads), diagnostics.csv, fit.csv,
    figures/predictive.png and calibration.json."""
    from pyabc.weighted_statistics import effective_sample_size

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = frame.rename(columns=_name).reset_index(drop=True)
    posterior.insert(0, "weight", np.asarray(weights) / np.sum(weights))
    posterior.to_csv(out / "posterior.csv", index=False, float_format="%.8g")
    populations = history.get_all_populations()
    rows = []
    for row in populations.itertuples():
        if row.t < 0:
            continue
        _, w = history.get_distribution(m=0, t=int(row.t))
        rows.append(
            {
                "generation": int(row.t),
                "epsilon": float(row.epsilon),
                "simulations": int(row.samples),
                "particles": int(row.particles),
                "acceptance_rate": float(row.particles) / max(int(row.samples), 1),
                "effective_sample_size": float(effective_sample_size(np.asarray(w))),
            }
        )
    diagnostics = pd.DataFrame(rows)
    diagnostics.to_csv(out / "diagnostics.csv", index=False, float_format="%.6g")
    stats_w, stats = history.get_weighted_sum_stats(t=history.max_t)
    predicted = pd.DataFrame(stats)
    w = np.asarray(stats_w) / np.sum(stats_w)
    fit = []
    for name, target in calibration.targets.items():
        values = predicted[name].to_numpy(dtype=float)
        order = np.argsort(values)
        cdf = np.cumsum(w[order])
        lo, hi = (values[order][min(np.searchsorted(cdf, q), len(values) - 1)] for q in (0.025, 0.975))
        mean = float(np.sum(w * values))
        fit.append(
            {
                "target": name,
                "value": target.value,
                "sd": target.sd,
                "posterior_mean": mean,
                "posterior_lo95": lo,
                "posterior_hi95": hi,
                "z": (mean - target.value) / target.sd,
                "held_out": target.held_out,
            }
        )
    fit_table = pd.DataFrame(fit)
    fit_table.to_csv(out / "fit.csv", index=False, float_format="%.6g")
    _predictive_figure(fit_table, predicted, w, out / "figures" / "predictive.png")
    info = {
        "config": calibration.source,
        "settings": calibration.config.model_dump(),
        "parameters": list(calibration.priors.names),
        "simulations": int(diagnostics["simulations"].sum()) if not diagnostics.empty else 0,
        "calibration_sample_simulations": int(populations.loc[populations["t"] < 0, "samples"].sum()),
        "generations": len(diagnostics),
        # every finished generation's own time, the first epsilon's prior sample included, over
        # however many sessions it took (a generation cut short by a kill is not counted)
        "wall_seconds": round(float(populations["wall_time"].sum()), 1),
        "wall_seconds_this_session": round(seconds, 1),
        "executor": f"dask {dask}" if dask else f"{workers} processes",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    (out / "calibration.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def _predictive_figure(fit: pd.DataFrame, predicted: pd.DataFrame, w: np.ndarray, path: Path) -> None:
    """One panel per target: the posterior-predictive spread of the model's figure, the target
    and its +-2 sd band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(fit)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax, row in zip(axes.flat, fit.itertuples(), strict=False):
        ax.hist(predicted[row.target], weights=w, bins=20, color="#0072B2", alpha=0.8)
        ax.axvspan(row.value - 2 * row.sd, row.value + 2 * row.sd, color="#E69F00", alpha=0.25)
        ax.axvline(row.value, color="#D55E00")
        ax.set_title(row.target + (" (held out)" if row.held_out else ""), fontsize=8)
        ax.set_xlabel("model figure")
        ax.set_ylabel("posterior weight")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
