"""The report's sweep section: for a run with grid points (`sim.sweep`), each headline outcome's
difference from the baseline, with its 95% interval, against each varied key, and a table of
the points grouped by what they vary. A run without a sweep gets no section."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.errors import InputError, Problem  # noqa: E402
from sim.sensitivity import OUTCOMES  # noqa: E402
from sim.summary import PER_1000  # noqa: E402

SWEEP_OUTCOMES = {f"{metric}{PER_1000}": f"{label}, per 1,000 people" for metric, label in OUTCOMES.items()}
# Okabe & Ito (2008), "Color Universal Design": told apart with any common colour-vision deficiency
DODGE = 0.012  # each further series is shifted this share of the axis's span to the right
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def sweeps(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{point: {"of", "varied"}} from the manifest, checked (the folder may have been edited)."""
    found = {}
    for index, entry in enumerate(manifest.get("scenarios", [])):
        sweep = entry.get("sweep")
        if sweep is None:
            continue
        varied = sweep.get("varied") if isinstance(sweep, dict) else None
        scalars = isinstance(varied, dict) and all(
            isinstance(k, str) and isinstance(v, bool | int | float | str) for k, v in varied.items()
        )
        if not (scalars and varied and isinstance(sweep.get("of"), str)):
            where = f"scenarios.{index}.sweep"
            raise InputError([Problem("manifest.json", where, "must be {of: name, varied: {key: value}}")])
        found[entry["name"]] = sweep
    return found


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _points(summary: pd.DataFrame, found: dict[str, dict[str, Any]], paired: bool) -> pd.DataFrame:
    """One row per (point, outcome): of, each varied value, and the outcome's estimate."""
    prefix = "diff_" if paired else ""
    rows = []
    for name, sweep in found.items():
        for metric in SWEEP_OUTCOMES:
            hit = summary[(summary["scenario"] == name) & (summary["metric"] == metric)]
            if hit.empty:
                continue
            row = hit.iloc[0]
            rows.append(
                {
                    "scenario": name,
                    "of": sweep["of"],
                    "metric": metric,
                    "mean": float(row[f"{prefix}mean"]),
                    "lo": float(row[f"{prefix}lo95"]),
                    "hi": float(row[f"{prefix}hi95"]),
                    **{f"varied:{k}": v for k, v in sweep["varied"].items()},
                }
            )
    return pd.DataFrame(rows)


def _tick(y: float, _position: int) -> str:
    """An axis number as people read it: thousands separated, no exponent."""
    return f"{y:,.0f}" if abs(y) >= 100 else f"{y:g}"


def sweep_figure(points: pd.DataFrame, keys: list[str], path: Path, save, paired: bool) -> str:
    """A panel per (outcome, varied key): the estimate at each of the key's values, one line per
    scenario swept and combination of its other keys' values, whiskers its 95% interval."""
    fig, axes = plt.subplots(
        len(SWEEP_OUTCOMES), len(keys), figsize=(5.2 * len(keys), 3.0 * len(SWEEP_OUTCOMES)), squeeze=False
    )
    for row, (metric, label) in zip(axes, SWEEP_OUTCOMES.items(), strict=True):
        rows = points[points["metric"] == metric]
        for ax, key in zip(row, keys, strict=True):
            column = f"varied:{key}"
            mine = rows[rows[column].notna()] if column in rows else rows.iloc[0:0]
            values = list(dict.fromkeys(mine[column])) if len(mine) else []
            numeric = _numeric(values)
            position = {v: (v if numeric else i) for i, v in enumerate(values)}
            span = (max(position.values()) - min(position.values())) if position else 0
            dodge = DODGE * (span or 1)  # series side by side, so their whiskers do not hide each other
            others = [c for c in mine.columns if c.startswith("varied:") and c != column]
            group_by = ["of", *others]
            for n, (group, series) in enumerate(mine.groupby(group_by, dropna=False, sort=False)):
                series = series.assign(x=series[column].map(position) + n * dodge).sort_values("x")
                parts = [str(group[0])] + [
                    f"{c.removeprefix('varied:')}={_shown(v)}"
                    for c, v in zip(others, group[1:], strict=True)
                    if not (isinstance(v, float) and math.isnan(v))
                ]
                ax.errorbar(
                    series["x"],
                    series["mean"],
                    # a percentile interval (parameter draws) need not hold the mean: no negative whisker
                    yerr=[
                        (series["mean"] - series["lo"]).clip(lower=0),
                        (series["hi"] - series["mean"]).clip(lower=0),
                    ],
                    marker="o",
                    capsize=3,
                    color=PALETTE[n % len(PALETTE)],
                    label=", ".join(parts),
                )
            if paired:
                ax.axhline(0.0, color="#555555", linewidth=0.8)
            if not numeric:
                ax.set_xticks(list(position.values()), [_shown(v) for v in values])
            ax.yaxis.set_major_formatter(FuncFormatter(_tick))
            ax.set_xlabel(key)
            ax.set_ylabel(("difference from baseline" if paired else "mean") + "\n(95% interval)", fontsize=8)
            ax.set_title(label, fontsize=9)
            if len(mine):
                ax.legend(fontsize=7)
    return save(fig, path)


def _cell(mean: float, lo: float, hi: float) -> str:
    digits = 0 if abs(mean) >= 100 else 1
    if not math.isfinite(lo):
        return f"{mean:,.{digits}f}"
    return f"{mean:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def sweep_table(points: pd.DataFrame, keys: list[str], paired: bool) -> str:
    """The points, sorted by scenario swept then by each varied value, one column per outcome."""
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    head += "".join(f"<th>{html.escape(label)}</th>" for label in SWEEP_OUTCOMES.values())
    wide = points.drop_duplicates("scenario").set_index("scenario")
    rows = []
    for name, point in wide.iterrows():
        varied = "".join(
            f"<td>{html.escape(_shown(point.get(f'varied:{k}')))}</td>"
            if pd.notna(point.get(f"varied:{k}"))
            else "<td></td>"
            for k in keys
        )
        cells = []
        for metric in SWEEP_OUTCOMES:
            hit = points[(points["scenario"] == name) & (points["metric"] == metric)]
            cells.append(f"<td>{_cell(*hit[['mean', 'lo', 'hi']].iloc[0])}</td>" if len(hit) else "<td></td>")
        rows.append(f"<tr><th>{html.escape(str(point['of']))}</th>{varied}{''.join(cells)}</tr>")
    what = "difference from the baseline [95% interval]" if paired else "mean [95% interval]"
    return (
        f"<p class='note'>Each cell is the {what}, a year per 1,000 people.</p>"
        f"<table><tr><th>scenario swept</th>{head}</tr>{''.join(rows)}</table>"
    )


def sweep_section(manifest: dict[str, Any], summary: pd.DataFrame, figures: Path, save) -> str:
    """The section's HTML (empty for a run without a sweep), its figure saved in `figures/` and
    embedded; `save(fig, path)` writes a figure and returns it base64-encoded."""
    found = sweeps(manifest)
    if not found:
        return ""
    paired = manifest.get("baseline") is not None
    keys = list(dict.fromkeys(k for sweep in found.values() for k in sweep["varied"]))
    points = _points(summary, found, paired)
    if points.empty:
        return ""
    figure = sweep_figure(points, keys, figures / "sweep.png", save, paired)
    against = f" against <b>{html.escape(str(manifest['baseline']))}</b>" if paired else ""
    return (
        "<h2 id='sweep'>Sweep: the outcomes against each varied setting</h2>"
        f"<p class='note'>{len(found)} grid points{against}, every point run on the same"
        " replicates' random numbers as the baseline (sweep.csv has every outcome). In each panel one"
        " line is one scenario swept with its other varied settings held, as its label says.</p>"
        f'<img alt="Outcomes against each varied setting" src="data:image/png;base64,{figure}">'
        + sweep_table(points, keys, paired)
    )
