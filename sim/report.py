"""`ipc-sim report DIR`: one self-contained HTML page and PNG figures from a finished run.

The page works offline (figures are embedded) so it can be attached to a board paper, and
reads from 800 px (A4) up and in print. It opens with an executive summary (sim/headline.py)
and its caveats, then shows every scenario's differences from the baseline, annual outcomes
per 1,000 people, the months, costs by payer with intervals, the scale-up trajectory against
the targets, and - side by side, never mixed - what a before/after on the enrolled caseload
would show against the causal effect from the paired baseline. It closes with the scenarios'
descriptions, methods, limitations and provenance, and an appendix of parameters with
sources (STRESS-ABS). `--docx` adds its Word twin (sim/board_pack.py).
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim import number_format as nf  # noqa: E402
from sim.errors import InputError, Problem  # noqa: E402
from sim.headline import Headline, Ratio, Triple, build_headline, choose_scenario, per_admission_avoided  # noqa: E402
from sim.headline import table_header as headline_header  # noqa: E402
from sim.headline import table_rows as headline_rows  # noqa: E402
from sim.outputs import write_text_atomic  # noqa: E402
from sim.params import REGISTRY, price_year_label  # noqa: E402
from sim.prices import price_year  # noqa: E402
from sim.run_folder import lock_for_reading  # noqa: E402
from sim.run_reader import RunContents, read_run  # noqa: E402
from sim.summary import (  # noqa: E402
    DISCOUNTED,
    HORIZON,
    MONTE_CARLO,
    band,
    interval,
    interval_kind,
    lever_milestones,
    per_replicate,
)
from sim.units import DAYS_PER_MONTH, DAYS_PER_YEAR  # noqa: E402

HEADLINE = (
    ("ae_attendances_per_1000", "A&E attendances"),
    ("emergency_admissions_per_1000", "Emergency admissions"),
    ("short_stay_admissions_per_1000", "Zero/one-day admissions"),
    ("bed_days_per_1000", "Occupied bed days"),
    ("dtoc_days_per_1000", "Delayed transfer (DTOC) days"),
    ("deaths_per_1000", "Deaths"),
    ("care_home_admissions_per_1000", "Care-home admissions"),
    ("carer_breakdowns_per_1000", "Carer breakdowns"),
    ("cost_nhs_per_1000", "Cost to the NHS (GBP)"),
    ("cost_social_care_per_1000", "Cost to social care (GBP)"),
    ("cost_phb_per_1000", "PHB spend (GBP)"),
    ("cost_programme_per_1000", "IPC programme cost (GBP)"),
    ("cost_total_per_1000", "Total cost (GBP)"),
)
PAYERS = (
    ("cost_nhs", "NHS"),
    ("cost_social_care", "Social care"),
    ("cost_phb", "PHB spend"),
    ("cost_programme", "Programme"),
)


OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
GROUPS = (  # monthly chart panels, by how many levers a scenario switches on
    ("Programmes (several levers)", lambda n: n >= 2),
    ("Single levers", lambda n: n == 1),
    ("Variants with no lever", lambda n: n == 0),
)
START_DAY = "crisis.start_day_of_year"  # the calendar day simulation day 0 falls on


def colours(scenarios: list[str], baseline: str | None) -> dict[str, str]:
    """One Okabe-Ito colour per scenario (colour-blind safe), the baseline in black, the same
    in every figure; past eight scenarios the cycle repeats."""
    others = [s for s in scenarios if s != baseline]
    palette = OKABE_ITO[1:] if baseline is not None else OKABE_ITO
    out = {s: palette[i % len(palette)] for i, s in enumerate(others)}
    if baseline is not None:
        out[baseline] = OKABE_ITO[0]
    return out


def _band(values: pd.DataFrame, kind: str = MONTE_CARLO) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% interval (of the run's kind) across replicate columns, row by row."""
    return band(values.to_numpy(), kind, axis=1)


def _save(fig: plt.Figure, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return base64.b64encode(path.read_bytes()).decode()


def levers_on(resolved: dict) -> int:
    """How many levers a resolved scenario switches on."""
    return sum(
        1 for v in (resolved.get("interventions") or {}).values() if isinstance(v, dict) and v.get("enabled")
    )


def scenario_groups(resolved: dict[str, dict], baseline: str | None) -> list[tuple[str, list[str]]]:
    """The monthly charts' panels: each group of scenarios (by levers switched on; a lever
    waterfall's runs apart) with the baseline first in every one; the baseline alone if it is
    all there is."""
    from sim.waterfall import WITHOUT

    waterfall = [s for s in resolved if WITHOUT in s]
    others = [s for s in resolved if s != baseline and s not in waterfall]
    groups = []
    if waterfall:
        groups.append(("Lever waterfall: one lever out", ([baseline] if baseline else []) + waterfall))
    for title, wanted in GROUPS:
        members = [s for s in others if wanted(levers_on(resolved[s]))]
        if members:
            groups.append((title, ([baseline] if baseline else []) + members))
    groups = groups[1:] + groups[:1] if waterfall else groups  # the waterfall's panel last
    return groups or [("All scenarios", list(resolved))]


def month_bins(days: np.ndarray, horizon: int) -> tuple[np.ndarray, int]:
    """Each day's month of the projection (0-based) and the number of months: the horizon cut
    into round(horizon / 30.44) equal months, so a 730-day run has 24 months of 30.4 days and
    no short month is dropped."""
    months = max(1, round(horizon / DAYS_PER_MONTH))
    return np.minimum((days * months) // horizon, months - 1).astype(int), months


def month_names(start_day_of_year: float, months: int, horizon: int) -> list[str]:
    """The calendar month that holds the middle of each projection month ('Apr'), from the day
    of the year that day 0 falls on (`crisis.start_day_of_year`, 0 = 1 January; the model has
    no year). The middle, because equal months of 30.4 days drift a day or two against the
    calendar's."""
    import calendar

    ends = np.cumsum([0, *(calendar.mdays[1:])])  # a non-leap year's month starts
    names = []
    for m in range(months):
        doy = (start_day_of_year + (m + 0.5) * horizon / months) % DAYS_PER_YEAR
        names.append(calendar.month_abbr[int(np.searchsorted(ends, doy, side="right"))])
    return names


def monthly_figure(
    daily: pd.DataFrame,
    path: Path,
    kind: str = MONTE_CARLO,
    resolved: dict[str, dict] | None = None,
    baseline: str | None = None,
) -> str:
    """Monthly A&E attendances, admissions and DTOC days with 95% bands (clipped at zero), one
    row of panels per group of scenarios and one column per outcome, calendar months on the x
    axis."""
    metrics = (
        ("ae_attendances", "A&E attendances"),
        ("emergency_admissions", "Emergency admissions"),
        ("dtoc_days", "DTOC days"),
    )
    scenarios = list(dict.fromkeys(daily["scenario"]))
    resolved = resolved or {s: {} for s in scenarios}
    groups = scenario_groups({s: resolved.get(s, {}) for s in scenarios}, baseline)
    first = baseline if baseline in resolved else scenarios[0]
    start = (resolved.get(first) or {}).get("parameters", {}).get(START_DAY, REGISTRY[START_DAY].value)
    fig, axes = plt.subplots(
        len(groups), len(metrics), figsize=(11, 3.3 * len(groups) + 0.4), squeeze=False, sharey="col"
    )
    for row, (title, members) in enumerate(groups):
        colour = colours(members, baseline)  # distinct within a panel, the baseline black in all
        for col, (metric, label) in enumerate(metrics):
            ax = axes[row][col]
            for scenario in members:
                d = daily[daily["scenario"] == scenario]
                horizon = int(d["day"].max()) + 1
                month, months = month_bins(d["day"].to_numpy(), horizon)
                d = d.assign(month=month)
                wide = d.pivot_table(index="month", columns="replicate", values=metric, aggfunc="sum")
                length = d.groupby("month")["day"].nunique().reindex(wide.index)
                wide = wide.div(length, axis=0) * DAYS_PER_MONTH  # per average month
                mean, lo, hi = _band(wide, kind)
                x = wide.index + 1
                ax.plot(x, mean, color=colour[scenario], label=scenario, lw=1.4)
                ax.fill_between(x, np.maximum(lo, 0), np.maximum(hi, 0), color=colour[scenario], alpha=0.15)
            names = month_names(float(start), months, horizon)
            ticks = list(range(1, months + 1, 3 if months > 12 else 1))
            ax.set_xticks(ticks, [f"{t}\n{names[t - 1]}" for t in ticks], fontsize=8)
            ax.tick_params(axis="y", labelsize=8)
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.set_title(label, fontsize=9)
            if col == 0:
                ax.set_ylabel(f"{title}\nper month, whole cohort", fontsize=9)
            if row == len(groups) - 1:
                ax.set_xlabel("month of the projection, calendar month", fontsize=9)
        axes[row][0].legend(fontsize=7, loc="lower left")
    return _save(fig, path)


def trajectory_figure(
    daily: pd.DataFrame,
    targets: dict[str, dict[str, tuple[float, float]]],
    path: Path,
    kind: str = MONTE_CARLO,
) -> str | None:
    """Each target's live caseload (solid) and the running total of starts (dotted) against the
    target (dashed) and the level that still counts as holding it (dash-dot):
    `targets[scenario][milestone] = (target, hold tolerance)`."""
    if not targets:
        return None
    wanted_milestones = [m for m in lever_milestones() if any(m.name in t for t in targets.values())]
    colour = colours(list(dict.fromkeys(daily["scenario"])), None)
    fig, axes = plt.subplots(
        1, len(wanted_milestones), figsize=(6 * len(wanted_milestones), 4.2), squeeze=False
    )
    for ax, milestone in zip(axes[0], wanted_milestones, strict=True):
        for scenario, wanted in targets.items():
            if milestone.name not in wanted:
                continue
            target, tolerance = wanted[milestone.name]
            d = daily[daily["scenario"] == scenario]
            live = d.pivot_table(index="day", columns="replicate", values=milestone.live)
            mean, lo, hi = _band(live, kind)
            line = ax.plot(live.index + 1, mean, label=f"{scenario}: live", color=colour[scenario])[0]
            ax.fill_between(live.index + 1, np.maximum(lo, 0), hi, alpha=0.2, color=line.get_color())
            started = d.pivot_table(index="day", columns="replicate", values=milestone.metric).cumsum()
            ax.plot(
                started.index + 1,
                _band(started)[0],
                ls=":",
                color=line.get_color(),
                label=f"{scenario}: started",
            )
            ax.axhline(target, ls="--", color=line.get_color(), lw=1)
            if tolerance:
                ax.axhline(target * (1 - tolerance), ls="-.", color=line.get_color(), lw=0.8)
        ax.set_title(f"{milestone.label.capitalize()}: live and started (dashed: target)")
        ax.set_xlabel("day of the projection")
        ax.set_ylabel(f"{milestone.label}, live or started")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


def cost_figure(summary: pd.DataFrame, path: Path, baseline: str | None = None) -> str:
    """Annual cost by payer and in total per scenario (GBP million) with 95% intervals, one
    panel per payer (PHB displacement shows as lower NHS cost)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    colour = colours(scenarios, baseline)
    panels = (*PAYERS, ("cost_total", "Total"))
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 0.45 * len(scenarios) + 1.6), sharey=True)
    y = np.arange(len(scenarios))[::-1]
    for ax, (metric, label) in zip(axes, panels, strict=True):
        for i, s in zip(y, scenarios, strict=True):
            mean, lo, hi = (_value(summary, s, metric, c) / 1e6 for c in ("mean", "lo95", "hi95"))
            ax.barh(i, mean, color=colour[s], alpha=0.85)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.errorbar(mean, i, xerr=[[mean - lo], [hi - mean]], color="#444444", capsize=3, lw=1)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("GBP million a year", fontsize=8)
        ax.axvline(0, color="black", lw=0.6)
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(y, scenarios, fontsize=8)
    return _save(fig, path)


FOREST_COLUMNS = 3  # panels a row: readable when the page is 800 px wide


def forest_figure(summary: pd.DataFrame, baseline: str, path: Path) -> str:
    """Every scenario's paired difference from the baseline in every outcome per 1,000 people
    a year, with its 95% interval: one panel per outcome, a zero line to read it against."""
    scenarios = [s for s in dict.fromkeys(summary["scenario"]) if s != baseline]
    colour = colours([baseline, *scenarios], baseline)
    columns = FOREST_COLUMNS
    rows = math.ceil(len(HEADLINE) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(10, rows * (0.3 * len(scenarios) + 1.3)), squeeze=False)
    y = np.arange(len(scenarios))[::-1]
    for k, (ax, (metric, label)) in enumerate(zip(axes.flat, HEADLINE, strict=False)):
        scale = 1e3 if metric.startswith("cost_") else 1.0
        for i, s in zip(y, scenarios, strict=True):
            mean, lo, hi = (_value(summary, s, metric, f"diff_{c}") / scale for c in ("mean", "lo95", "hi95"))
            ax.plot([lo, hi], [i, i], color=colour[s], lw=2)
            ax.plot(mean, i, "o", color=colour[s], ms=5)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, scenarios if k % columns == 0 else [""] * len(scenarios), fontsize=9)
        ax.set_ylim(-0.7, len(scenarios) - 0.3)
        ax.set_title(label.replace(" (GBP)", ""), fontsize=10)
        ax.set_xlabel("GBP thousand per 1,000" if scale > 1 else "per 1,000 a year", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(HEADLINE) :]:
        ax.axis("off")
    return _save(fig, path)


def _value(summary: pd.DataFrame, scenario: str, metric: str, column: str = "mean") -> float:
    row = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    return float(row[column].iloc[0]) if len(row) else float("nan")


def _fmt(x: float, digits: int | None = 1) -> str:
    return nf.number(x, digits)


def _triple(
    summary: pd.DataFrame, scenario: str, metric: str, prefix: str = ""
) -> tuple[float, float, float]:
    return tuple(_value(summary, scenario, metric, f"{prefix}{c}") for c in ("mean", "lo95", "hi95"))


def _ci(summary: pd.DataFrame, scenario: str, metric: str, prefix: str = "") -> str:
    return nf.interval(*_triple(summary, scenario, metric, prefix))


PER_1000_GROUPS = (  # the per-1,000 table in three parts, each narrow enough for A4
    ("Hospital use per 1,000 people a year", HEADLINE[:5]),
    ("Deaths, care homes and carers per 1,000 people a year", HEADLINE[5:8]),
    ("Costs per 1,000 people a year (GBP thousand)", HEADLINE[8:]),
)
THOUSAND = 1000.0


def per_1000_tables(summary: pd.DataFrame, baseline: str | None) -> list[tuple[str, pd.DataFrame]]:
    """The annual outcomes per 1,000 people as three tables of text, one row per scenario and
    one column per outcome (costs in GBP thousand): each cell is the value [95% interval] and,
    under it for every scenario but the baseline, 'vs baseline' and the paired difference
    [95% interval]. The HTML page and the board pack show the same cells."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    out = []
    for title, outcomes in PER_1000_GROUPS:
        rows = []
        for s in scenarios:
            row = {"scenario": s}
            for metric, label in outcomes:
                scale = THOUSAND if metric.startswith("cost_") else 1.0
                cell = _two_lines(*(v / scale for v in _triple(summary, s, metric)))
                if baseline and s != baseline:
                    cell += "\nvs baseline: " + _two_lines(
                        *(v / scale for v in _triple(summary, s, metric, "diff_"))
                    )
                row[label.replace(" (GBP)", "")] = cell
            rows.append(row)
        out.append((title, pd.DataFrame(rows)))
    return out


def _money_lines(mean: float, lo: float, hi: float) -> str:
    """'£1.26m' and '[£355k, £1.40m]' on two lines."""
    return f"{nf.money_short(mean)}\n[{nf.money_short(lo)}, {nf.money_short(hi)}]"


NOWRAP_CHARS = 28  # a cell line this short is a figure and never broken


def _two_lines(mean: float, lo: float, hi: float) -> str:
    """'mean' and '[lo, hi]' on two lines, sharing their decimals."""
    d = nf.decimals_for(mean, lo, hi)
    return f"{nf.number(mean, d)}\n[{nf.number(lo, d)}, {nf.number(hi, d)}]"


def _text_table(frame: pd.DataFrame, caption: str = "") -> str:
    """A table of text cells, one line of a cell never broken; a newline starts a new line,
    and from a line starting 'vs ' on, lines are smaller (the paired difference)."""

    def cell(text: str) -> str:
        out, small = [], False
        for line in str(text).split("\n"):
            small = small or line.startswith("vs ")
            tag = "small" if small else "span"
            kind = "line" if len(line) <= NOWRAP_CHARS else "words"  # a long line is prose: it wraps
            out.append(f'<{tag} class="{kind}">{html.escape(line)}</{tag}>')
        return "".join(out)

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        f"<tr><th>{cell(r[0])}</th>" + "".join(f"<td>{cell(v)}</td>" for v in r[1:]) + "</tr>"
        for r in frame.itertuples(index=False)
    )
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{caption}<tr>{head}</tr>{body}</table></div>'


def outcomes_table(summary: pd.DataFrame, baseline: str | None) -> str:
    """Annual outcomes per 1,000 people: each scenario's value and its paired difference."""
    return "".join(_text_table(frame, title) for title, frame in per_1000_tables(summary, baseline))


def paired_replicates(
    daily: pd.DataFrame, sizes: dict[str, int], scenario: str, baseline: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate, the scenario's net cost a year against its paired baseline replicate and
    the emergency admissions it avoids a year (baseline minus scenario)."""
    reps = per_replicate(daily[daily["scenario"].isin([scenario, baseline])], sizes)
    wide = reps[reps["metric"].isin(["cost_total", "emergency_admissions"])].pivot_table(
        index=["scenario", "replicate"], columns="metric", values="value"
    )
    mine, base = wide.loc[scenario], wide.loc[baseline]
    return (
        (mine["cost_total"] - base["cost_total"]).to_numpy(),
        (base["emergency_admissions"] - mine["emergency_admissions"]).to_numpy(),
    )


def cost_per_admission(
    daily: pd.DataFrame, summary: pd.DataFrame, sizes: dict[str, int], scenario: str, baseline: str, kind: str
) -> Ratio:
    """Net cost per admission avoided with its interval (sim.headline.per_admission_avoided)."""
    admissions = Triple(*_triple(summary, scenario, "emergency_admissions", "diff_"))
    if not admissions.hi < 0:
        return per_admission_avoided(np.zeros(1), np.zeros(1), admissions, kind)
    net, avoided = paired_replicates(daily, sizes, scenario, baseline)
    return per_admission_avoided(net, avoided, admissions, kind)


def net_cost_table(
    summary: pd.DataFrame,
    baseline: str | None,
    ratios: dict[str, Ratio] | None = None,
) -> str:
    """Net cost and cost per admission avoided (with its interval) against the baseline, then
    the net cost over the whole horizon, undiscounted and discounted."""
    if baseline is None:
        return "<p>No baseline scenario in this run, so no net costs.</p>"
    rows = []
    for s in dict.fromkeys(summary["scenario"]):
        if s == baseline:
            continue
        ratio = (ratios or {}).get(s)
        if ratio is None:
            admissions = Triple(*_triple(summary, s, "emergency_admissions", "diff_"))
            net = _value(summary, s, "cost_total", "diff_mean")
            ratio = per_admission_avoided(
                np.array([net]), np.array([-admissions.mean]), admissions, MONTE_CARLO
            )
        if ratio.value is None:
            admissions = Triple(*_triple(summary, s, "emergency_admissions", "diff_"))
            per = "not defined: " + (
                "the admissions interval includes 0" if admissions.spans_zero else "admissions rise"
            )
        else:
            v = ratio.value
            per = _money_lines(v.mean, v.lo, v.hi) + (f"\n({ratio.reason})" if ratio.reason else "")
        rows.append(
            {
                "scenario": s,
                "net cost vs baseline, a year": _money_lines(*_triple(summary, s, "cost_total", "diff_")),
                "admissions vs baseline a year": _two_lines(
                    *_triple(summary, s, "emergency_admissions", "diff_")
                ),
                "net cost per admission avoided": per,
                "net cost over the horizon, undiscounted": _money_lines(
                    *_triple(summary, s, "cost_total" + HORIZON, "diff_")
                ),
                "net cost over the horizon, discounted": _money_lines(
                    *_triple(summary, s, "cost_total" + DISCOUNTED, "diff_")
                ),
            }
        )
    return _text_table(pd.DataFrame(rows), "Net cost against the baseline, GBP [95% interval]")


def payer_table(summary: pd.DataFrame) -> str:
    """Annual cost by payer per scenario with 95% intervals (GBP)."""
    panels = (*PAYERS, ("cost_total", "Total"))
    rows = [
        {"scenario": s, **{label: _money_lines(*_triple(summary, s, m)) for m, label in panels}}
        for s in dict.fromkeys(summary["scenario"])
    ]
    return _text_table(pd.DataFrame(rows), "Annual cost by payer, GBP a year [95% interval]")


def price_year_table() -> str:
    """Every unit cost: the figure as published, its price year, the uplift and the value used."""
    rows = "".join(
        f"<tr><td>{html.escape(p.name)}</td><td>{p.unit}</td><td>{_fmt(p.original, 2)}</td>"
        f"<td>{html.escape(price_year_label(p))}</td><td>{p.uplift:.6f}</td><td>{_fmt(p.value, 2)}</td></tr>"
        for p in REGISTRY.values()
        if p.is_money
    )
    return (
        f"<table><tr><th>unit cost</th><th>unit</th><th>as published</th><th>price year</th>"
        f"<th>uplift to {price_year()}</th><th>used, {price_year()} GBP</th></tr>{rows}</table>"
    )


def _resolved_value(resolved: dict[str, dict], scenario: str, name: str) -> float:
    """A parameter's value in a scenario's resolved file (the registry default if absent)."""
    value = resolved.get(scenario, {}).get("parameters", {}).get(name)
    return float(value) if isinstance(value, int | float) else REGISTRY[name].value


def discounting_note(resolved: dict[str, dict]) -> str:
    """The discount rate each scenario's horizon totals use."""
    rates = {s: _resolved_value(resolved, s, "costs.discount_rate") for s in resolved}
    shown = ", ".join(sorted({f"{r:.1%}" for r in rates.values()}))
    return (
        f"<p>Totals over the horizon are discounted at {shown} a year (<code>costs.discount_rate</code>; "
        "HM Treasury Green Book, NICE reference case 3.5%, 1.5% as a sensitivity case) in annual steps: "
        "costs in year t of the horizon (t = 0 for the first year, from day 0) are divided by "
        "(1 + r)<sup>t</sup>. Annual figures are undiscounted. Both are in summary.csv "
        "(<code>cost_*_horizon</code> and <code>cost_*_horizon_discounted</code>).</p>"
    )


PHB_DISPLACEMENT = "phb.displaced_nhs_share"


def phb_table(summary: pd.DataFrame, resolved: dict[str, dict], baseline: str | None) -> str:
    """The budgets' NHS figure and how much of it is the assumed displacement: the NHS
    difference as modelled, and as it would read at the ends of the displacement prior (the
    displacement changes only the books, so the shift is exact)."""
    spec = REGISTRY[PHB_DISPLACEMENT]
    rows = []
    for s in dict.fromkeys(summary["scenario"]):
        spend = _value(summary, s, "cost_phb", "diff_mean")  # budget spend added to the baseline's
        if not spend > 0 or baseline is None or s == baseline:
            continue
        share = _resolved_value(resolved, s, PHB_DISPLACEMENT)
        nhs = _value(summary, s, "cost_nhs", "diff_mean")
        at = [nhs + (share - d) * spend for d in (spec.low, spec.high)]
        rows.append(
            f"<tr><th>{html.escape(s)}</th><td>{_fmt(spend, 0)}</td><td>{share:g}</td>"
            f"<td>{_fmt(share * spend, 0)}</td><td>{_ci(summary, s, 'cost_nhs', 'diff_')}</td>"
            f"<td>{_fmt(at[0], 0)}</td><td>{_fmt(at[1], 0)}</td>"
            f"<td>{_fmt(nhs + spend, 0)}</td></tr>"
        )
    if not rows:
        return "<p>No scenario with personal health budgets.</p>"
    return (
        '<p class="note">Budgets are paid from NHS money (<code>cost_phb</code>), and a share of '
        "their spend is set against <code>cost_nhs</code> as NHS-funded services they replace. "
        f"That share, <code>{PHB_DISPLACEMENT}</code>, is an <b>input</b>: a prior of "
        f"{spec.value:g} with a range of {spec.low:g} (the budget buys only new support) to "
        f"{spec.high:g} (CHC budgets cost 17% less than the packages they replace), not a "
        "result. The national pilot found budgets cost-neutral overall. Most of the budgets' NHS "
        "'saving' is this assumption, so the columns below show the NHS difference at both ends "
        "of the prior. The NHS difference is the whole scenario's (every lever); only the spend "
        "set against the budgets moves with the prior, and nothing else in the run does.</p>"
        "<table><tr><th>scenario</th><th>PHB spend, GBP a year</th><th>displacement used</th>"
        "<th>NHS spend set against it, GBP a year</th><th>NHS cost vs baseline, as modelled</th>"
        f"<th>NHS cost vs baseline at displacement {spec.low:g}</th>"
        f"<th>NHS cost vs baseline at displacement {spec.high:g}</th>"
        "<th>NHS cost with the budgets, vs baseline (NHS + PHB spend)</th></tr>" + "".join(rows) + "</table>"
    )


def capacity_table(summary: pd.DataFrame, baseline: str | None) -> str:
    """Bed days released against the baseline, priced as capacity and kept apart from cash."""
    if baseline is None or "bed_days_released" not in set(summary["metric"]):
        return "<p>No baseline scenario in this run, so no bed days released.</p>"
    rows = [
        f"<tr><th>{html.escape(s)}</th><td>{_ci(summary, s, 'bed_days_released')}</td>"
        f"<td>{_ci(summary, s, 'bed_days_released_per_1000')}</td>"
        f"<td>{_ci(summary, s, 'bed_days_released_capacity_value')}</td>"
        f"<td>{_ci(summary, s, 'hospital_bed_days_released')}</td>"
        f"<td>{_ci_percent_points(summary, s, 'hospital_bed_occupancy')}</td></tr>"
        for s in dict.fromkeys(summary["scenario"])
        if s != baseline
    ]
    price = REGISTRY["costs.excess_bed_day"].value
    return (
        '<p class="note"><b>Capacity, not cash.</b> Bed days the cohort no longer uses are valued '
        f"at the excess bed day cost (GBP {price:,.2f}, <code>costs.excess_bed_day</code>) to show "
        "what the capacity is worth; that value is in no cost total and is not a saving. A freed "
        "bed saves money only if the trust closes it; a trust running at 90% or more fills it "
        "with other patients (those waiting in A&amp;E, or for planned care), so the NHS gets "
        "more activity for the same money, not less spending. In this model the other patients' "
        "arrivals are fixed in advance, so freed beds are not refilled by new demand: they mostly "
        "stay empty (occupancy falls) or go to patients already waiting for a bed, and the "
        "hospital-wide figure also moves with other patients' delays, which fall when the cohort "
        "needs fewer discharge places. Part of the cohort's released bed days are excess bed days "
        "already in <code>cost_nhs</code> as cash; never add the capacity value to costs.</p>"
        "<table><tr><th>scenario</th><th>cohort bed days released a year</th>"
        "<th>per 1,000 people</th><th>capacity value, not cash, GBP a year</th>"
        "<th>whole-hospital bed days released a year</th>"
        "<th>whole-hospital occupancy vs baseline, percentage points</th></tr>" + "".join(rows) + "</table>"
    )


def _ci_percent_points(summary: pd.DataFrame, scenario: str, metric: str) -> str:
    """A share's paired difference in percentage points, with its interval."""
    values = [100 * _value(summary, scenario, metric, f"diff_{c}") for c in ("mean", "lo95", "hi95")]
    return f"{_fmt(values[0], 2)} [{_fmt(values[1], 2)}, {_fmt(values[2], 2)}]"


def _per_replicate(d: pd.DataFrame, column: str, how: str = "sum") -> pd.Series:
    return d.groupby("replicate")[column].agg(how)


def _pct_interval(values: pd.Series, kind: str) -> str:
    mean, lo, hi = interval(values.to_numpy(dtype=float) * 100, kind)
    return f"{_fmt(mean)}% [{_fmt(lo)}, {_fmt(hi)}]"


def caseload_table(
    daily: pd.DataFrame, summary: pd.DataFrame, baseline: str | None, kind: str = MONTE_CARLO
) -> str:
    """The site's before/after on the enrolled caseload beside the paired causal effect, each
    with its 95% interval over replicates (parameter draws included when the run has them)."""
    rows = []
    base = daily[daily["scenario"] == baseline] if baseline is not None else None
    for s in dict.fromkeys(daily["scenario"]):
        d = daily[daily["scenario"] == s]
        people = _per_replicate(d, "caseload_people")
        if people.sum() == 0 or base is None or s == baseline:
            continue
        years = d.groupby("replicate")["day"].count() / DAYS_PER_YEAR
        planned = _per_replicate(d, "plans_active", "mean")
        cells = []
        for before, after, metric in (
            ("caseload_ae_before", "caseload_ae_after", "ae_attendances"),
            ("caseload_short_before", "caseload_short_after", "short_stay_admissions"),
        ):
            b, a = _per_replicate(d, before), _per_replicate(d, after)
            site = (a / b.where(b > 0)) - 1
            per_quarter = (_per_replicate(d, metric) - _per_replicate(base, metric)) / years / 4
            causal_pp = per_quarter / planned.where(planned > 0)
            after_pp = a / people.where(people > 0)
            causal = causal_pp / (after_pp - causal_pp)
            site_cell, causal_cell = _pct_interval(site.dropna(), kind), _pct_interval(causal.dropna(), kind)
            cells.append(f"<td>{site_cell}</td><td>{causal_cell}</td>")
        rows.append(f"<tr><th>{html.escape(s)}</th><td>{people.mean():,.0f}</td>{''.join(cells)}</tr>")
    if not rows:
        return "<p>No scenario with care plans, so no caseload measure.</p>"
    return (
        "<table><tr><th>scenario</th><th>planned people measured (per replicate)</th>"
        "<th>A&amp;E: site-style before/after</th><th>A&amp;E: causal vs paired baseline</th>"
        "<th>one-day admissions: site-style</th><th>one-day admissions: causal</th></tr>"
        + "".join(rows)
        + "</table>"
    )


SITE_COLUMNS = (  # sites.csv metric -> column heading of the report's table
    ("people", "cohort people (mean)"),
    ("ae_attendances_per_1000", "A&amp;E per 1,000"),
    ("emergency_admissions_per_1000", "admissions per 1,000"),
    ("dtoc_days_per_1000", "DTOC days per 1,000"),
    ("hospital_bed_occupancy", "hospital occupancy"),
    ("hospital_dtoc_days", "hospital DTOC days"),
    ("cohort_share_of_dtoc_days", "cohort share of hospital DTOC"),
)


def sites_table(sites: pd.DataFrame) -> str:
    """Each site's figures a year (means over replicates), scenario by scenario."""
    if sites.empty:
        return "<p>This run has no per-site results (sites.csv).</p>"
    wide = sites.pivot_table(index=["scenario", "site"], columns="metric", values="mean", sort=False)
    head = "".join(f"<th>{label}</th>" for _, label in SITE_COLUMNS)
    rows = []
    for (scenario, site), values in wide.iterrows():
        cells = []
        for metric, _ in SITE_COLUMNS:
            value = values.get(metric, float("nan"))
            shown = f"{value:.1%}" if "share" in metric or "occupancy" in metric else f"{value:,.0f}"
            cells.append(f"<td>{shown}</td>")
        rows.append(
            f"<tr><td>{html.escape(str(scenario))}</td><td>{html.escape(str(site))}</td>{''.join(cells)}</tr>"
        )
    return f"<table><tr><th>scenario</th><th>site</th>{head}</tr>{''.join(rows)}</table>"


def _frame_table(frame: pd.DataFrame) -> str:
    """A data frame as an HTML table, every number formatted for people (no exponents)."""
    shown = frame.apply(lambda col: col.map(nf.parameter_value) if col.dtype != object else col.map(_cell))
    return shown.to_html(index=False, border=0, na_rep="–", escape=True)


def _cell(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return nf.parameter_value(x) if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def interval_basis(manifest: dict) -> str:
    """What the intervals cover: Monte Carlo noise alone, or parameter uncertainty too."""
    parameters = manifest.get("parameters") or {"source": "fixed"}
    if parameters.get("source") == "fixed":
        return "Monte Carlo noise for fixed parameters"
    return (
        f"they {parameters['intervals']}; each interval is the central 95% of the replicates' own "
        "values, not the interval of their mean, so it does not shrink as replicates are added"
    )


def provenance_items(manifest: dict) -> list[tuple[str, str]]:
    """The run's provenance as (label, value): version, commit, seed, replicates, where the
    parameters came from, and each scenario's hash (the board pack prints these)."""
    parameters = manifest.get("parameters") or {"source": "fixed"}
    source = parameters.get("source", "fixed")
    if source == "fixed":
        source = "fixed: the registry's values (sim/data/*.yaml)"
    elif parameters.get("sha256"):
        source = f"{source} (sha256 {parameters['sha256']})"
    items = [
        ("ipc-sim version", str(manifest.get("version"))),
        ("git commit", str(manifest.get("git_commit") or "unknown")),
        ("root seed", str(manifest.get("root_seed"))),
        ("replicates", str(manifest.get("replicates"))),
        ("parameter source", source),
        ("created", str(manifest.get("created", "unknown"))),
    ]
    items += [(f"scenario {s['name']} sha256", s["sha256"]) for s in manifest["scenarios"]]
    return items


def provenance(manifest: dict) -> str:
    """The provenance list, then every scenario's manifest entry."""
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td class='text'><code>{html.escape(v)}</code></td></tr>"
        for k, v in provenance_items(manifest)
    )
    stamp = {k: manifest.get(k) for k in ("executor", "python")}
    scenario_rows = pd.DataFrame(manifest["scenarios"])
    return (
        f'<div class="scroll"><table class="provenance">{rows}</table></div>'
        + _frame_table(pd.DataFrame([stamp]))
        + _frame_table(scenario_rows)
    )


def appendix(manifest: dict, resolved: dict[str, dict]) -> str:
    """Parameters with sources and each scenario's settings (provenance is in `provenance`)."""
    names = list(resolved)
    params = pd.DataFrame(
        [
            {
                "parameter": p.name,
                "default": p.value,
                "low": p.low,
                "high": p.high,
                "unit": p.unit,
                "price year": price_year_label(p),
                "original": p.original,
                "uplift": p.uplift if p.is_money else None,
                "source": p.source,
                "in scenarios, where it differs": "; ".join(
                    f"{n}: {nf.parameter_value(resolved[n]['parameters'].get(p.name))}"
                    for n in names
                    if resolved[n]["parameters"].get(p.name) != p.value
                ),
            }
            for p in REGISTRY.values()
        ]
    )
    levers = pd.DataFrame(
        [
            {"scenario": n, "lever": lever, **settings}
            for n in names
            for lever, settings in resolved[n].get("interventions", {}).items()
            if isinstance(settings, dict) and settings.get("enabled")
        ]
    )
    return (
        ""
        + "<h3>Levers switched on</h3>"
        + (_frame_table(levers) if len(levers) else "<p>none</p>")
        + "<h3>Parameters (default, plausible range, unit, source; scenario values where they differ)</h3>"
        + f"<p>Costs are in {price_year()} prices: the default is the original figure, as published in "
        "its price year, times the uplift from the PSSRU HCHS and NHS cost inflation indices "
        "(<code>sim/data/price_index.yaml</code>); a cost whose price year is unknown is taken as stated.</p>"
        + _frame_table(params)
    )


CSS = """*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;
line-height:1.45;background:#fff}
main{max-width:1200px;margin:0 auto;padding:1.2em 1.5em 3em}
h1{font-size:1.7em;margin:0.3em 0}h2{font-size:1.3em;margin-top:2em;border-bottom:2px solid #0072B2;
padding-bottom:0.2em}h3{font-size:1.08em;margin-top:1.5em}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.82em;display:block;overflow-x:auto;max-width:100%}
caption{text-align:left;font-weight:600;padding:0.3em 0;caption-side:top}
td,th{border:1px solid #ccc;padding:4px 7px;text-align:right;vertical-align:top}
th{background:#f2f2f2}td small,th small{color:#444}
.line{display:block;white-space:nowrap}.words{display:block;min-width:9em}
td.text,th.text,tr>th:first-child{text-align:left}
tr>th:first-child{min-width:9em;max-width:14em;overflow-wrap:break-word}
img{max-width:100%;height:auto;display:block;margin:0.6em 0}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:0.6em 1em}
.summary{background:#eef5fb;border-left:5px solid #0072B2;padding:0.8em 1.2em;margin:1em 0}
.summary .question{font-size:1.08em;font-weight:600}
.quote{font-size:1.02em}
.caveats li,.limitations li{margin:0.3em 0}
nav{font-size:0.9em}nav a{margin-right:0.9em;white-space:nowrap}
code{font-size:0.92em;overflow-wrap:anywhere}
@media (max-width:900px){table{font-size:0.74em}td,th{padding:3px 4px}main{padding:1em}}
@media (max-width:640px){main{padding:0.6em}table{font-size:0.68em}}
@media print{@page{size:A4;margin:15mm}body{font-size:10pt}main{max-width:none;padding:0}
nav{display:none}h2{break-after:avoid;page-break-after:avoid}
img,table,.summary{break-inside:avoid;page-break-inside:avoid}
img{max-height:245mm;width:auto;max-width:100%}
table{display:table;overflow:visible;font-size:8pt}a{color:inherit;text-decoration:none}}"""

SECTIONS = (  # (anchor, title) for the contents line
    ("summary", "Summary"),
    ("forest", "Differences from baseline"),
    ("per1000", "Per 1,000 people"),
    ("monthly", "Month by month"),
    ("costs", "Costs"),
    ("scale-up", "Scale-up"),
    ("causal", "Site-style and causal"),
    ("levers", "Which lever"),
    ("drivers", "Drivers"),
    ("sites", "Sites"),
    ("public", "Public figures"),
    ("fit", "Fit"),
    ("scenarios", "Scenarios"),
    ("methods", "Methods and provenance"),
    ("appendix", "Parameters"),
)


def write_report(
    folder: str | Path, locked: bool = False, headline: str | None = None, docx: bool = False
) -> Path:
    """Write `folder/report.html` and `folder/figures/*.png` (and `folder/board_pack.docx`
    with `docx`); return the page's path. `headline` picks the executive summary's scenario
    (at_scale by default). The folder is checked first (`sim.run_reader`) and locked while the
    report is written, unless the caller (a run) already holds the lock."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "", "not a folder (give an `ipc-sim run` output folder)")])
    run = read_run(folder)
    names = [s["name"] for s in run.manifest["scenarios"]]
    baseline = run.manifest.get("baseline")
    if headline is not None and (headline not in names or headline == baseline):
        choices = ", ".join(n for n in names if n != baseline) or "none"
        raise InputError(
            [
                Problem(
                    "--headline",
                    "",
                    f"{headline!r} is not a scenario of this run besides the baseline "
                    f"(choose from: {choices})",
                )
            ]
        )
    if locked:
        return _write(folder, run, headline, docx)
    with lock_for_reading(folder):
        return _write(folder, run, headline, docx)


def run_headline(run: RunContents, wanted: str | None) -> Headline | None:
    """The executive summary's data for the chosen scenario, or None without a baseline."""
    manifest = run.manifest
    baseline = manifest.get("baseline")
    scenario = choose_scenario([s["name"] for s in manifest["scenarios"]], baseline, wanted)
    if scenario is None:
        return None
    kind = interval_kind(manifest.get("parameters"))
    sizes = {s["name"]: s["population_size"] for s in manifest["scenarios"]}
    descriptions = {n: str(r.get("description") or "") for n, r in run.resolved.items()}
    admissions = Triple(*_triple(run.summary, scenario, "emergency_admissions", "diff_"))
    paired = paired_replicates(run.daily, sizes, scenario, baseline) if admissions.hi < 0 else None
    return build_headline(run.summary, manifest, descriptions, scenario, paired, kind)


def summary_section(h: Headline | None) -> str:
    """The executive summary: question, headline table, quotable sentences, caveats."""
    if h is None:
        return (
            "<p>This run has no baseline scenario (or nothing besides it), so there is no headline: "
            "every difference needs a paired baseline.</p>"
        )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in headline_header(h))
    body = "".join(
        f"<tr><th class='text'>{html.escape(r[0])}</th>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in r[1:])
        + "</tr>"
        for r in headline_rows(h)
    )
    ratio = h.per_admission_avoided
    if ratio.value is not None:
        v = ratio.value
        per = f"Net cost per emergency admission avoided: GBP {nf.interval(v.mean, v.lo, v.hi, 0)}"
        per += f" ({html.escape(ratio.reason)})." if ratio.reason else "."
    else:
        per = f"Net cost per emergency admission avoided: {html.escape(ratio.reason)}."
    quotes = "".join(f"<p class='quote'>{html.escape(t)}</p>" for t in h.sentences)
    caveats = "".join(f"<li>{html.escape(c)}</li>" for c in h.caveats)
    return (
        f'<div class="summary"><p class="question">{html.escape(h.question)}</p>{quotes}</div>'
        f"<div class='scroll'><table class='headline'><caption>{html.escape(h.scenario)} against "
        f"{html.escape(h.baseline)}: the whole cohort a year; costs in GBP at {price_year()} prices, "
        f"undiscounted</caption><tr>{head}</tr>{body}</table></div><p>{per} % change is the change "
        "and its interval over the baseline's mean.</p>"
        f"<h3>Caveats</h3><ul class='caveats'>{caveats}</ul>"
    )


def descriptions_section(manifest: dict, resolved: dict[str, dict]) -> str:
    """Each scenario's description (its YAML `description:`), size, horizon and levers."""
    rows = []
    for s in manifest["scenarios"]:
        r = resolved.get(s["name"], {})
        levers = [
            k for k, v in (r.get("interventions") or {}).items() if isinstance(v, dict) and v.get("enabled")
        ]
        rows.append(
            f"<tr><th class='text'>{html.escape(s['name'])}</th>"
            f"<td class='text'>{html.escape(str(r.get('description') or '(no description)'))}</td>"
            f"<td>{nf.number(s['population_size'], 0)}</td><td>{nf.number(s['horizon_days'], 0)}</td>"
            f"<td class='text'>{html.escape(', '.join(levers) or 'none')}</td></tr>"
        )
    return (
        "<table><tr><th>scenario</th><th>description</th><th>people</th><th>days</th>"
        f"<th>levers on</th></tr>{''.join(rows)}</table>"
    )


def methods_section(manifest: dict, baseline: str | None) -> str:
    """How the numbers were made, the limitations that matter, and the run's provenance."""
    from sim.headline import LIMITATIONS

    limitations = "".join(f"<li>{html.escape(t)}</li>" for t in LIMITATIONS)
    return (
        "<h3>Methods</h3><p>An agent-based simulation of each person in the cohort, day by day, "
        "with the acute hospital, its beds and its discharge places (README: What the model does). "
        f"Each scenario runs {manifest['replicates']} replicates; replicate <i>k</i> of every "
        f"scenario shares its random numbers (and parameter draw) with replicate <i>k</i> of "
        f"<b>{html.escape(str(baseline))}</b>, so differences are paired by replicate. Intervals "
        f"are 95% over replicates ({html.escape(interval_basis(manifest))}). Annual figures are "
        "totals a year over the horizon; costs are at "
        f"{price_year()} prices and undiscounted unless marked. Lever effect sizes come from "
        "controlled studies (README: Lever effects from the controlled evidence).</p>"
        f"<h3>Known limitations</h3><ul class='limitations'>{limitations}</ul>"
        "<p>The README's Known limitations section lists every one.</p>"
        f"<h3>Provenance</h3>{provenance(manifest)}"
    )


def _write(folder: Path, run: RunContents, wanted: str | None = None, docx: bool = False) -> Path:
    from sim.report_drivers import drivers_section, fit_section, waterfall_section
    from sim.report_sweep import sweep_section

    manifest, daily, summary, resolved, milestones = (
        run.manifest,
        run.daily,
        run.summary,
        run.resolved,
        run.milestones,
    )
    baseline = manifest.get("baseline")
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    targets = {}
    for row in milestones.itertuples():
        targets.setdefault(row.scenario, {})[row.milestone] = (row.target, row.hold_tolerance)
    kind = interval_kind(manifest.get("parameters"))
    sizes = {s["name"]: s["population_size"] for s in manifest["scenarios"]}
    headline = run_headline(run, wanted)
    forest = forest_figure(summary, baseline, figures / "differences_from_baseline.png") if baseline else None
    monthly = monthly_figure(daily, figures / "monthly_outcomes.png", kind, resolved, baseline)
    trajectory = trajectory_figure(daily, targets, figures / "scale_up_trajectory.png", kind)
    costs = cost_figure(summary, figures / "costs_by_payer.png", baseline)
    ratios = (
        {s: cost_per_admission(daily, summary, sizes, s, baseline, kind) for s in sizes if s != baseline}
        if baseline
        else {}
    )
    check = (
        _frame_table(run.baseline_check)
        if run.baseline_check is not None
        else "<p>No baseline in this run.</p>"
    )
    title = f": {html.escape(headline.scenario)} against {html.escape(headline.baseline)}" if headline else ""
    forest_html = (
        f"<p>Each dot is the paired difference from {html.escape(str(baseline))} per 1,000 people a "
        "year; the line is its 95% interval. A line that crosses zero cannot be told from no change. "
        'Costs in GBP thousand per 1,000 people.</p><img alt="Forest plot of differences from the '
        f'baseline" src="data:image/png;base64,{forest}">'
        if forest
        else "<p>No baseline in this run, so no differences.</p>"
    )
    trajectory_html = (
        f'<img alt="Scale-up trajectory" src="data:image/png;base64,{trajectory}">'
        if trajectory
        else "<p>No lever with a target.</p>"
    )
    ratio_basis = (
        "the central 95% of the replicates' own ratios"
        if kind != MONTE_CARLO
        else "the delta-method t interval of the ratio of the mean differences"
    )
    contents = " ".join(f'<a href="#{a}">{t}</a>' for a, t in SECTIONS)
    sections = [
        f"""<h1>ipc-sim projection{title}</h1>
<nav>{contents}</nav>
<h2 id="summary">Executive summary</h2>
{summary_section(headline)}
<p>Scenarios: {", ".join(html.escape(s["name"]) for s in manifest["scenarios"])}.
{manifest["replicates"]} replicates each, root seed {manifest["root_seed"]}, ipc-sim {manifest["version"]}
(commit {manifest.get("git_commit") or "unknown"}). Intervals are 95% intervals over replicates
({html.escape(interval_basis(manifest))}); differences are paired by replicate against
<b>{html.escape(str(baseline))}</b>, which shares its random numbers.</p>""",
        f"""<h2 id="forest">Differences from the baseline, every scenario and outcome</h2>
{forest_html}""",
        f"""<h2 id="per1000">Annual outcomes per 1,000 people</h2>
<p>Each cell: the value [95% interval] and, under it, the paired difference from the baseline
[95% interval]. Costs are in GBP at {price_year()} prices, undiscounted, by payer (see
"Costs: how they are counted").</p>
{outcomes_table(summary, baseline)}""",
        sweep_section(manifest, summary, figures, _save),
        f"""<h2 id="monthly">Monthly A&amp;E attendances, admissions and DTOC</h2>
<p>Totals per month for the whole cohort (each month of the projection is an equal share of
the horizon, shown per average month of {DAYS_PER_MONTH:.1f} days), mean and 95% band, one
row of panels per group of scenarios with the baseline in each. Calendar months follow
<code>{START_DAY}</code>, the day of the year that day 0 falls on (91: 1 April; the model has no year).</p>
<img alt="Monthly outcomes by scenario group" src="data:image/png;base64,{monthly}">""",
        f"""<h2 id="costs">Costs by payer</h2>
<img alt="Annual cost by payer with intervals" src="data:image/png;base64,{costs}">
{payer_table(summary)}
{net_cost_table(summary, baseline, ratios)}
<p>Net cost per admission avoided is given only when the admissions interval lies below zero.
Its interval is {ratio_basis}.</p>
{discounting_note(resolved)}
<h3>Personal health budgets: the NHS figure and the displacement behind it</h3>
{phb_table(summary, resolved, baseline)}
<h3>Bed days released: capacity, not cash</h3>
{capacity_table(summary, baseline)}
<h3>Costs: how they are counted</h3>
<p>Each resource is counted once. An admission is paid its episode price, which covers the stay up
to the trim point (<code>costs.trim_point_days</code>) with any delayed (DTOC) days in it; each bed
day past the trim point, delayed or not, is one excess bed day; a delayed day is never charged on
top. A crisis managed at home is charged the community response that manages it
(<code>costs.crisis_managed_at_home</code>, a GP home visit: a proxy, since no public unit cost of
a crisis response was found). Every unit cost is in {price_year()} prices: the figure as published
times the product of the yearly rises of the PSSRU HCHS pay and prices index (to 2014/15) and the NHS
cost inflation index (from 2015/16); figures later than {price_year()} are deflated, and a figure whose
price year is unknown is taken as stated. The NHS index is used for social care costs too (the PSS
inflator was not found).</p>
{price_year_table()}""",
        f"""<h2 id="scale-up">Scale-up: reaching and holding the targets</h2>
<p class="note">A target is a caseload to reach and hold: plans and budgets that end (the
holder dies, leaves or moves into a care home) are replaced while the live caseload is short.
A live plan's holder is alive, in the cohort and living at home; a live budget is in payment
(budgets being set up count towards the commissioned number when offering, not as held). A
target counts as reached, and as held on a later day, while the live caseload is at least the
target less the hold tolerance. <i>days</i> is the first day reached, <i>held_share</i> the
share of the days from then to the end on which it is held; <i>started</i> and <i>ended</i>
are counted over the whole horizon, and started - ended = live.</p>
{trajectory_html}
{_frame_table(milestones) if len(milestones) else ""}""",
        f"""<h2 id="causal">What the site would measure, and what the model says caused it</h2>
<p class="note">The first column of each pair is a before/after on the planned people, the
quarter before each plan against the quarter after, as the Stockton team measured its 41%
and 19%. People are picked when their use is high, so it falls afterwards with no
intervention at all (regression to the mean). The second column is the causal effect: the
paired difference from the baseline, per planned person, as a share of what they would
otherwise have used. Only the second is an effect of IPC.</p>
{caseload_table(daily, summary, baseline, kind)}""",
        f"""<h2 id="levers">Which lever does what</h2>
{waterfall_section(run.waterfall, figures / "lever_waterfall.png", _save)}""",
        f"""<h2 id="drivers">What drives the uncertainty</h2>
{drivers_section(run.morris, run.sobol)}""",
        f"""<h2 id="sites">Sites</h2>
<p class="note">Each site is an acute hospital with its own beds and catchment; its cohort
uses only its beds and its councils' discharge places, shared with everyone else the site
serves. Per 1,000 is per 1,000 of the site's cohort at the start.</p>
{sites_table(run.sites)}""",
        f"""<h2 id="public">Baseline against public figures</h2>{check}""",
        f"""<h2 id="fit">Fit to the calibration targets, and the held-out prediction</h2>
{fit_section(daily)}""",
        f"""<h2 id="scenarios">Scenarios</h2>{descriptions_section(manifest, resolved)}""",
        f"""<h2 id="methods">Methods, known limitations and provenance</h2>
{methods_section(manifest, baseline)}""",
        f"""<h2 id="appendix">Appendix: parameters</h2>{appendix(manifest, resolved)}""",
    ]
    body = "\n".join(sections)
    head = (
        "<meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>ipc-sim report</title><style>{CSS}</style>"
    )
    page = f"<!doctype html><html lang='en-GB'><head>{head}</head><body><main>{body}</main></body></html>"
    out = folder / "report.html"
    write_text_atomic(out, page)
    if docx:
        from sim.board_pack import write_board_pack

        write_board_pack(folder, run, headline, figures)
    return out
