"""The daily crisis-hazard step, vectorised (ipc-sim) versus idiomatic Mesa 3 (an Agent per person).

Both sides start from the same synthetic cohort (a fresh `IPCModel`'s people, with the carer
strain that `sim.carers.Carers` sets at the start) and do the same work each day:

    hazard = stable rate x (1 + episode) x location factor x (1 + slope x carer strain) x season
    accumulated += hazard; a crisis when accumulated >= threshold (then accumulated = 0 and a
    new Exp(1) threshold); episode *= decay; a crisis adds `episode.after_crisis` to episode.

(a) ipc-sim: the model's health component, `model.health.step(Today(day))` (numpy over all
    people, with the rehab hook's multiplier; thresholds from `sim.rng.HazardClock`, keyed by
    (decision, count, person) with splitmix64), then `start_episodes(people, crises,
    episode.after_crisis)` as crisis routing does. Its set-up time is the whole model's.
(b) idiomatic Mesa: one `mesa.Agent` subclass object per person holding its own attributes
    (frailty, activation, n_conditions, propensity, episode, carer_strain, location), whose
    `step()` computes the same hazard formula in Python, activated with
    `model.agents.do("step")` once per day. The stable rate is computed by each agent once at
    set-up from its attributes (as `Health` caches it) and checked equal to ipc-sim's.
    Randomness (default, `--draw threshold`): the same cumulative-hazard threshold logic, each
    Exp(1) threshold drawn with `self.random.expovariate(1.0)` -- Mesa's idiomatic per-agent
    access to the model's `random.Random` -- only when the agent's threshold is used up.
    `--draw bernoulli` instead draws `self.random.random() < 1 - exp(-hazard)` for every agent
    every day (the other common idiom; one Python draw per agent-day).

The two sides use different random numbers, so annual crisis counts agree only within
Poisson noise; they are printed with the difference in standard errors.

Every (side, size) runs in a fresh child process pinned to one CPU (OMP/OPENBLAS threads 1).
If Mesa would take more than --mesa-budget seconds (default 180) for the horizon, it is timed
for 30 days, and its rate and crisis count are scaled to 365 days; the output says so.

    .venv/bin/python benchmarks/bench_mesa_idiomatic.py                  # 10k and 100k x 365
    .venv/bin/python benchmarks/bench_mesa_idiomatic.py --draw bernoulli --sizes 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DEFAULT_SIZES = (10_000, 100_000)
DAYS = 365
SHORT_DAYS = 30
SEED = 20170901

# Shared with bench_model.py (this folder is on sys.path when a script here runs).
from bench_model import CHILD_ENV, cpu_model, cpu_seconds, peak_rss_mb  # noqa: E402


def cohort(size: int):
    """The model both sides start from (nothing run yet): its cohort, with each carer's
    starting strain set, its parameters and its health component."""
    import dataclasses

    from sim.model import IPCModel
    from sim.scenario import load_scenario

    scenario = dataclasses.replace(load_scenario(BASELINE), population_size=size)
    model = IPCModel(scenario, replicate=0, root_seed=SEED)
    return model.people, model.params, model.streams, model.health


# --- (a) ipc-sim, vectorised --------------------------------------------------------------------
def run_vectorised(size: int, days: int) -> dict[str, object]:
    from sim.component import Today
    from sim.health import start_episodes

    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    people, params, _, health = cohort(size)
    after_crisis = params["episode.after_crisis"]
    t1 = time.perf_counter()
    crises = 0
    for day in range(days):
        today = Today(day)
        health.step(today)
        start_episodes(people, today.crises, after_crisis)
        crises += today.crises.size
    t2 = time.perf_counter()
    return {
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "timed_days": days,
        "crises": crises,
        "cpu_over_wall": (cpu_seconds() - cpu0) / (t2 - t0),
    }


# --- (b) idiomatic Mesa -------------------------------------------------------------------------
def mesa_classes():
    import mesa
    import numpy as np

    from sim.health import activation_rr, seasonal_factor
    from sim.population import Location

    class Person(mesa.Agent):
        """One older person; the crisis hazard computed from the agent's own attributes."""

        def __init__(
            self,
            model,
            index,
            frailty,
            activation,
            n_conditions,
            propensity,
            episode,
            carer_strain,
            location,
        ):
            super().__init__(model)
            self.index = index  # row in sim.population.People (used only by --check)
            self.frailty = frailty
            self.activation = activation
            self.n_conditions = n_conditions
            self.propensity = propensity
            self.episode = episode
            self.carer_strain = carer_strain
            self.location = location
            self.stable_rate = 0.0  # set by the model once the cohort's mean risk is known
            self.accumulated = 0.0
            self.crises = 0
            self.threshold = model.draw_threshold(self)

        def relative_risk(self) -> float:
            m = self.model
            return (
                m.frailty_hr[self.frailty]
                * m.activation_rr[self.activation]
                * m.condition_rr ** max(self.n_conditions - 1, 0)
                * self.propensity
            )

        def hazard(self) -> float:
            m = self.model
            return (
                self.stable_rate
                * (1.0 + self.episode)
                * m.location_factor[self.location]
                * (1.0 + m.strain_slope * self.carer_strain)
                * m.season
            )

        def step(self) -> None:
            """Cumulative hazard against this agent's Exp(1) threshold (as HazardClock)."""
            m = self.model
            self.accumulated += self.hazard()
            crisis = self.accumulated >= self.threshold
            if crisis:
                self.accumulated = 0.0
                self.crises += 1
                self.threshold = m.draw_threshold(self)
            self.episode *= m.decay
            if crisis:
                m.crises_today += 1
                self.episode += m.after_crisis

        def step_bernoulli(self) -> None:
            """A Bernoulli draw per day with probability 1 - exp(-hazard)."""
            m = self.model
            crisis = self.random.random() < 1.0 - math.exp(-self.hazard())
            self.episode *= m.decay
            if crisis:
                self.crises += 1
                m.crises_today += 1
                self.episode += m.after_crisis

    class CrisisModel(mesa.Model):
        """The same daily crisis step with one Agent object per person."""

        def __init__(self, people, params, seed: int, method: str = "step", exact_streams=None):
            super().__init__(seed=seed)
            self.params = params
            self.method = method
            self.exact_streams = exact_streams  # --check only: ipc-sim's keyed thresholds
            self.frailty_hr = [1.0] + [
                params[f"crisis.frailty_hr_{c}"] for c in ("mild", "moderate", "severe")
            ]
            self.activation_rr = [0.0] + [
                float(activation_rr(np.array([k]), params)[0]) for k in (1, 2, 3, 4)
            ]
            self.condition_rr = params["crisis.condition_rr"]
            self.location_factor = [0.0] * len(Location)
            self.location_factor[Location.HOME] = 1.0
            self.location_factor[Location.CARE_HOME] = params["care_home.crisis_hr"]
            self.strain_slope = params["carers.strain_crisis_hr"] - 1.0
            self.decay = 0.5 ** (1.0 / params["episode.half_life_days"])
            self.after_crisis = params["episode.after_crisis"]
            self.amplitude = params["crisis.winter_amplitude"]
            self.day = 0
            self.season = 1.0
            self.crises_today = 0
            self.crises_total = 0
            columns = zip(
                range(people.size),
                people.frailty.tolist(),
                people.activation.tolist(),
                people.n_conditions.tolist(),
                people.propensity.tolist(),
                people.episode.tolist(),
                people.carer_strain.tolist(),
                people.location.tolist(),
                strict=True,
            )
            for row in columns:
                Person(self, *row)
            relative = [a.relative_risk() for a in self.agents]
            rate = params["crisis.ae_rate"] / (sum(relative) / len(relative))
            for agent, rr in zip(self.agents, relative, strict=True):
                agent.stable_rate = rate * rr

        def draw_threshold(self, agent) -> float:
            """Exp(1): from Mesa's `random.Random` (idiomatic), or for --check the same keyed
            draw as sim.rng.HazardClock (decision "crisis", the agent's crisis count, its row)."""
            if self.exact_streams is None:
                return agent.random.expovariate(1.0)
            row = np.array([agent.index])
            return float(self.exact_streams.exponential("crisis", agent.crises, row)[0])

        def step(self) -> None:
            self.season = seasonal_factor(self.day, self.params, self.amplitude)
            self.crises_today = 0
            self.agents.do(self.method)
            self.crises_total += self.crises_today
            self.day += 1

    return CrisisModel


def run_mesa(size: int, days: int, budget: float, draw: str) -> dict[str, object]:
    import numpy as np

    from sim.health import Health

    people, params, streams, _ = cohort(size)
    reference = Health(people, params, streams).stable  # ipc-sim's stable rates, for the check
    crisis_model = mesa_classes()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    model = crisis_model(
        people, params, seed=SEED, method="step" if draw == "threshold" else "step_bernoulli"
    )
    t1 = time.perf_counter()
    timed_days = days
    for day in range(days):
        model.step()
        if day + 1 == SHORT_DAYS and days > SHORT_DAYS:
            projected = (time.perf_counter() - t1) / SHORT_DAYS * days
            if projected > budget:
                timed_days = SHORT_DAYS
                break
    t2 = time.perf_counter()
    cpu = cpu_seconds() - cpu0
    stable = np.array([a.stable_rate for a in model.agents])
    if not np.allclose(stable, reference, rtol=1e-12, atol=0.0):
        raise SystemExit("Mesa agents' stable rates differ from sim.health.Health.stable")
    return {
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "timed_days": timed_days,
        "cpu_over_wall": cpu / (t2 - t0),
        "crises": model.crises_total,
        "stable_rate_check": "equal to Health.stable",
    }


def run_check(size: int, days: int) -> dict[str, object]:
    """Both sides fed the same keyed thresholds: per-person crisis counts should be identical."""
    import numpy as np

    from sim.component import Today
    from sim.health import start_episodes

    people, params, streams, health = cohort(size)
    after_crisis = params["episode.after_crisis"]
    model = mesa_classes()(people, params, seed=SEED, exact_streams=streams)  # copies columns
    stable = np.array([a.stable_rate for a in model.agents])
    for day in range(days):
        today = Today(day)
        health.step(today)
        start_episodes(people, today.crises, after_crisis)
        model.step()
    mesa_counts = np.array([a.crises for a in model.agents])
    return {
        "max_rel_diff_stable_rate": float(np.max(np.abs(stable / health.stable - 1.0))),
        "people_identical": int(np.count_nonzero(mesa_counts == health.clock.count)),
        "crises_numpy": int(health.clock.count.sum()),
        "crises_mesa": int(mesa_counts.sum()),
    }


# --- parent -------------------------------------------------------------------------------------
def spawn(side: str, size: int, days: int, cpu: int, budget: float, draw: str) -> dict:
    env = {**os.environ, **CHILD_ENV, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--size",
        str(size),
        "--days",
        str(days),
        "--cpu",
        str(cpu),
        "--mesa-budget",
        str(budget),
        "--draw",
        draw,
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{side} child for {size} people failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument(
        "--draw",
        choices=("threshold", "bernoulli"),
        default="threshold",
        help="Mesa agents' randomness (see the module docstring)",
    )
    parser.add_argument(
        "--mesa-budget",
        type=float,
        default=180.0,
        help=f"seconds; above this Mesa is timed for {SHORT_DAYS} days and scaled",
    )
    parser.add_argument("--json", type=Path, help="save raw results here")
    parser.add_argument("--cpu", type=int, default=0, help="CPU the children are pinned to")
    parser.add_argument(
        "--check-size",
        type=int,
        default=10_000,
        help="people for the same-thresholds check (0: skip it)",
    )
    parser.add_argument("--child", choices=("vectorised", "mesa", "check"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        os.sched_setaffinity(0, {args.cpu})
        if args.child == "vectorised":
            result = run_vectorised(args.size, args.days)
        elif args.child == "check":
            result = run_check(args.size, args.days)
        else:
            result = run_mesa(args.size, args.days, args.mesa_budget, args.draw)
        result.update(
            size=args.size,
            days=args.days,
            peak_rss_mb=peak_rss_mb(),
            cpu_affinity=sorted(os.sched_getaffinity(0)),
        )
        print(json.dumps(result))
        return 0

    import mesa
    import numpy

    print(f"# bench_mesa_idiomatic: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
    print(
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, mesa {mesa.__version__}; children pinned to CPU {args.cpu}; "
        f"load average at start {os.getloadavg()[0]:.2f}; Mesa draw: {args.draw}\n"
    )
    rows = []
    for size in args.sizes:
        vec = spawn("vectorised", size, args.days, args.cpu, args.mesa_budget, args.draw)
        print(f"  vectorised {size:,}: {vec['run_s']:.3f} s", file=sys.stderr)
        mes = spawn("mesa", size, args.days, args.cpu, args.mesa_budget, args.draw)
        print(f"  mesa {size:,}: {mes['run_s']:.1f} s for {mes['timed_days']} days", file=sys.stderr)
        rows.append({"size": size, "vectorised": vec, "mesa": mes})

    print(
        "| people | days | side | set-up s | run s | days timed | agent-days/s | peak RSS MB "
        f"| CPU/wall | crises in {args.days} d |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        size = row["size"]
        for side in ("vectorised", "mesa"):
            r = row[side]
            rate = size * r["timed_days"] / r["run_s"]
            r["agent_days_per_s"] = rate
            r["annual_crises"] = r["crises"] * args.days / r["timed_days"]
            scaled = r["timed_days"] < args.days
            run = f"{r['run_s']:.3f}" + (
                f" (~{r['run_s'] * args.days / r['timed_days']:.0f} for {args.days} d, scaled)"
                if scaled
                else ""
            )
            crises = f"{r['annual_crises']:,.0f}" + (" (scaled)" if scaled else "")
            name = "ipc-sim numpy" if side == "vectorised" else f"Mesa Agent/person ({args.draw})"
            print(
                f"| {size:,} | {args.days} | {name} | {r['setup_s']:.2f} | {run} "
                f"| {r['timed_days']} | {rate / 1e6:.2f} M | {r['peak_rss_mb']:,.0f} "
                f"| {r['cpu_over_wall']:.2f} | {crises} |"
            )
    print()
    print("| people | numpy / Mesa speed ratio | crisis difference (Mesa - numpy) | in standard errors |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        v, m = row["vectorised"], row["mesa"]
        ratio = v["agent_days_per_s"] / m["agent_days_per_s"]
        diff = m["annual_crises"] - v["annual_crises"]
        # independent Poisson-like counts; a scaled Mesa count carries its scaling in the error
        se = math.sqrt(v["annual_crises"] + m["annual_crises"] * args.days / m["timed_days"])
        row["ratio"] = ratio
        print(f"| {row['size']:,} | {ratio:,.0f}x | {diff:+,.0f} | {diff / se:+.1f} |")
    check = None
    if args.check_size:
        check = spawn("check", args.check_size, args.days, args.cpu, args.mesa_budget, args.draw)
        print(
            f"\nLike-for-like check ({args.check_size:,} people x {args.days} days, Mesa agents "
            f"given ipc-sim's keyed thresholds instead of `self.random`): per-person crisis "
            f"counts identical for {check['people_identical']:,} of {args.check_size:,} people; "
            f"crises numpy {check['crises_numpy']:,}, Mesa {check['crises_mesa']:,}; largest "
            f"relative difference in stable rate {check['max_rel_diff_stable_rate']:.1e}."
        )
    if args.json:
        args.json.write_text(json.dumps({"draw": args.draw, "rows": rows, "check": check}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
