"""The report's sections on where the answer comes from and how far to trust it: the lever
waterfall, the sensitivity drivers, and the run's fit to the calibration targets (with the
held-out target as a prediction, not a fit)."""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim import number_format as nf  # noqa: E402
from sim.calibration_targets import fit_table, load_calibration_targets  # noqa: E402
from sim.sensitivity import OUTCOMES, top_drivers  # noqa: E402
from sim.waterfall import INTERACTIONS, TOTAL  # noqa: E402

DRIVERS_SHOWN = 5


def _number(x: float) -> str:
    if not np.isfinite(x):
        return "–"
    return nf.number(x, 0) if abs(x) >= 100 else nf.significant(x, 2) if abs(x) < 1 else nf.number(x, 1)


def waterfall_figure(table: pd.DataFrame, path: Path, save) -> str:
    """One waterfall per outcome: each lever's bar starts where the one before ended, then
    interactions, then the total from zero; whiskers are each step's 95% interval."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for ax, (metric, label) in zip(axes.flat, OUTCOMES.items(), strict=True):
        rows = table[table["outcome"] == metric]
        steps = [s for s in rows["step"] if s != TOTAL]
        level = 0.0
        for i, step in enumerate([*steps, TOTAL]):
            row = rows[rows["step"] == step].iloc[0]
            start = 0.0 if step == TOTAL else level
            colour = (
                "#444444"
                if step == TOTAL
                else "#999999"
                if step == INTERACTIONS
                else ("#009E73" if row["mean"] < 0 else "#D55E00")
            )
            ax.bar(i, row["mean"], bottom=start, color=colour)
            top = start + row["mean"]
            ax.errorbar(
                i,
                top,
                yerr=[[row["mean"] - row["lo95"]], [row["hi95"] - row["mean"]]],
                color="black",
                capsize=3,
                linewidth=1,
            )
            level = top if step != TOTAL else level
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(
            range(len(steps) + 1), [s.replace("_", " ") for s in [*steps, TOTAL]], rotation=30, fontsize=8
        )
        ax.set_title(f"Effect on {label}", fontsize=9)
        ax.set_ylabel("change a year", fontsize=8)
    fig.tight_layout()
    return save(fig, path)


def waterfall_section(table: pd.DataFrame, path: Path, save) -> str:
    if table.empty:
        return (
            "<p>This run has no lever waterfall: run with <code>--waterfall SCENARIO</code> to take "
            "each lever out of a scenario in paired runs.</p>"
        )
    figure = waterfall_figure(table, path, save)
    wide = table.assign(
        cell=[
            f"{_number(m)} [{_number(lo)}, {_number(hi)}]"
            for m, lo, hi in zip(table["mean"], table["lo95"], table["hi95"], strict=True)
        ]
    )
    grid = wide.pivot_table(index="step", columns="label", values="cell", aggfunc="first", sort=False)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in grid.columns)
    body = "".join(
        f"<tr><th>{html.escape(str(step).replace('_', ' '))}</th>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for step, row in grid.iterrows()
    )
    return (
        '<p class="note">Each lever\'s bar is what the effect loses when that lever alone is taken '
        "out of the scenario and the others kept, in paired runs (same seeds and parameter draws). "
        "A budget needs a care plan, so care planning is taken out with budgets and its bar is "
        "measured with budgets already out. Interactions are not shared out among the levers: "
        "what the bars do not add up to is its own bar, so the bars sum to the whole effect. "
        "Intervals are 95% over replicates.</p>"
        f'<img src="data:image/png;base64,{figure}">'
        f"<table><tr><th>step</th>{head}</tr>{body}</table>"
    )


def _basis(morris: pd.DataFrame) -> str:
    """What the analysis's parameters moved over: the priors, or a posterior and the priors."""
    column = morris["distribution"] if "distribution" in morris else pd.Series("prior", index=morris.index)
    n = morris.loc[column == "posterior", "parameter"].nunique()
    if n == 0:
        return "over the priors"
    return (
        f"over the calibrated posterior for the {n} parameters marked (posterior) and the priors "
        "for the rest, as the projection draws them"
    )


def drivers_section(morris: pd.DataFrame, sobol: pd.DataFrame) -> str:
    """Each outcome's top drivers by Morris mu*, with Sobol indices where they were computed."""
    if morris.empty:
        return (
            "<p>No sensitivity analysis is attached to this run: give <code>--sensitivity DIR</code> "
            "(an <code>ipc-sim sensitivity</code> folder) to show the drivers of each effect.</p>"
        )
    top = top_drivers(morris, DRIVERS_SHOWN)
    st = {(r.outcome, r.parameter): r for r in sobol.itertuples()} if not sobol.empty else {}
    rows = []
    for metric, label in OUTCOMES.items():
        mine = top[top["outcome"] == metric]
        for rank, r in enumerate(mine.itertuples(), start=1):
            s = st.get((metric, r.parameter))
            sobol_cell = f"{s.ST:.2f} ± {s.ST_conf:.2f}" if s is not None else "–"
            noise = "" if bool(r.above_noise) else " (within noise)"
            over = " (posterior)" if getattr(r, "distribution", "prior") == "posterior" else ""
            rows.append(
                f"<tr><td>{html.escape(label) if rank == 1 else ''}</td><td>{rank}</td>"
                f"<td>{html.escape(r.parameter)}{over}</td>"
                f"<td>{_number(r.mu_star)} ± {_number(r.mu_star_conf)}"
                f"{noise}</td><td>{sobol_cell}</td></tr>"
            )
    return (
        '<p class="note">How much each uncertain parameter moves the at-scale effect, from a '
        f"global sensitivity analysis {_basis(morris)} (<code>ipc-sim sensitivity</code>): Morris "
        "mu* is the mean absolute change in the effect as the parameter crosses its distribution; the "
        "Sobol total index (ST) is the share of the effect's variance the parameter accounts for, "
        "interactions included, among the parameters taken on to Sobol. An index below the noise "
        "floor (the Monte Carlo noise of one point) cannot be told from noise.</p>"
        "<table><tr><th>effect on</th><th>rank</th><th>parameter</th><th>Morris mu*</th>"
        "<th>Sobol ST</th></tr>" + "".join(rows) + "</table>"
    )


def _columns_of(target) -> set[str]:
    """The daily columns a target's measure reads (a run from before a metric existed lacks it)."""
    per = {"person_year": {"alive"}, "day": set(), "total": set()}.get(
        target.measure.per, {target.measure.per}
    )
    return {target.measure.metric} | per


def fit_section(daily: pd.DataFrame) -> str:
    """The run against every shipped calibration target it can measure."""
    path = resources.files("sim.calibration").joinpath("targets.yaml")
    with resources.as_file(path) as file:
        targets = load_calibration_targets(file)
    scenarios = set(daily["scenario"])
    last = int(daily["day"].max()) + 1
    usable = {
        n: t
        for n, t in targets.items()
        if t.measure.scenario in scenarios
        and (t.measure.window is None or t.measure.window[1] <= last)
        and _columns_of(t) <= set(daily.columns)
    }
    if not usable:
        return "<p>This run has none of the scenarios the calibration targets are measured on.</p>"
    table = fit_table(usable, daily)
    rows = "".join(
        f"<tr><td>{html.escape(r.target)}{' <b>(held out)</b>' if r.held_out else ''}</td>"
        f"<td>{nf.significant(r.value)} ± {nf.significant(r.sd, 2)}</td>"
        f"<td>{nf.significant(r.model_mean)} [{nf.significant(r.model_lo95)}, {nf.significant(r.model_hi95)}]"
        f"</td><td>{r.z:+.1f}</td></tr>"
        for r in table.itertuples()
    )
    return (
        '<p class="note">Each calibration target (<code>calibration/targets.yaml</code>) beside this '
        "run's figure for it, with the 95% range over replicates, and how many standard errors "
        "apart they are. A held-out target was kept out of the calibration: the model predicts it, "
        "and it is the test of the posterior. Lever effects are never targets.</p>"
        "<table><tr><th>target</th><th>value ± sd</th><th>model [95% range]</th><th>z</th></tr>"
        + rows
        + "</table>"
    )
