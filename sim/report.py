"""`ipc-sim report DIR`: one self-contained HTML page and PNG figures from a finished run.

The page works offline (figures are embedded) so it can be attached to a board paper. It
shows the projection with 95% intervals, the scale-up trajectory against the targets, costs
by payer, annual outcomes per 1,000 people, and - side by side, never mixed - what a
before/after on the enrolled caseload would show against the causal effect from the paired
baseline. The appendix lists parameters with sources, seeds and versions (STRESS-ABS).
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

from sim.errors import InputError, Problem  # noqa: E402
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


def _band(values: pd.DataFrame, kind: str = MONTE_CARLO) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% interval (of the run's kind) across replicate columns, row by row."""
    return band(values.to_numpy(), kind, axis=1)


def _save(fig: plt.Figure, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return base64.b64encode(path.read_bytes()).decode()


def monthly_figure(daily: pd.DataFrame, path: Path, kind: str = MONTE_CARLO) -> str:
    """Monthly A&E attendances, admissions and DTOC days per scenario with 95% bands."""
    metrics = (
        ("ae_attendances", "A&E attendances"),
        ("emergency_admissions", "Emergency admissions"),
        ("dtoc_days", "DTOC days"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    month = (daily["day"] // DAYS_PER_MONTH).astype(int)
    for ax, (metric, label) in zip(axes, metrics, strict=True):
        for scenario, d in daily.assign(month=month).groupby("scenario", sort=False):
            wide = d.pivot_table(index="month", columns="replicate", values=metric, aggfunc="sum")
            full_months = d.groupby("month")["day"].nunique() >= math.floor(DAYS_PER_MONTH)
            wide = wide[full_months.reindex(wide.index, fill_value=False)]
            mean, lo, hi = _band(wide, kind)
            ax.plot(wide.index + 1, mean, label=scenario)
            ax.fill_between(wide.index + 1, lo, hi, alpha=0.2)
        ax.set_title(f"{label} per month")
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
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
            line = ax.plot(live.index + 1, mean, label=f"{scenario}: live")[0]
            ax.fill_between(live.index + 1, lo, hi, alpha=0.2, color=line.get_color())
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
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, path)


def cost_figure(summary: pd.DataFrame, path: Path) -> str:
    """Annual cost by payer per scenario (stacked; PHB displacement shows as lower NHS cost)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    scenarios = list(dict.fromkeys(summary["scenario"]))
    bottom_pos = np.zeros(len(scenarios))
    bottom_neg = np.zeros(len(scenarios))
    for metric, label in PAYERS:
        values = np.array([_value(summary, s, metric) / 1e6 for s in scenarios])
        base = np.where(values >= 0, bottom_pos, bottom_neg)
        ax.bar(scenarios, values, bottom=base, label=label)
        bottom_pos += np.maximum(values, 0)
        bottom_neg += np.minimum(values, 0)
    ax.set_ylabel("GBP million a year")
    ax.set_title("Annual cost by payer")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", rotation=20)
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def _value(summary: pd.DataFrame, scenario: str, metric: str, column: str = "mean") -> float:
    row = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    return float(row[column].iloc[0]) if len(row) else float("nan")


def _fmt(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _ci(summary: pd.DataFrame, scenario: str, metric: str, prefix: str = "") -> str:
    mean = _value(summary, scenario, metric, f"{prefix}mean")
    lo = _value(summary, scenario, metric, f"{prefix}lo95")
    hi = _value(summary, scenario, metric, f"{prefix}hi95")
    digits = 0 if abs(mean) >= 1000 else 1
    return f"{_fmt(mean, digits)} [{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def outcomes_table(summary: pd.DataFrame, baseline: str | None) -> str:
    """Annual outcomes per 1,000 people: each scenario's value and its paired difference."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
    rows = []
    for metric, label in HEADLINE:
        cells = []
        for s in scenarios:
            cell = _ci(summary, s, metric)
            if baseline and s != baseline:
                cell += f"<br><small>vs baseline: {_ci(summary, s, metric, 'diff_')}</small>"
            cells.append(f"<td>{cell}</td>")
        rows.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>per 1,000 people a year</th>{head}</tr>{''.join(rows)}</table>"


def net_cost_table(summary: pd.DataFrame, baseline: str | None) -> str:
    """Net cost and cost per admission avoided against the baseline, then the net cost over
    the whole horizon, undiscounted and discounted."""
    if baseline is None:
        return "<p>No baseline scenario in this run, so no net costs.</p>"
    rows = []
    for s in dict.fromkeys(summary["scenario"]):
        if s == baseline:
            continue
        net = _value(summary, s, "cost_total", "diff_mean")
        avoided = -_value(summary, s, "emergency_admissions", "diff_mean")
        avoided_hi = -_value(summary, s, "emergency_admissions", "diff_lo95")
        avoided_lo = -_value(summary, s, "emergency_admissions", "diff_hi95")
        if avoided_lo > 0:
            per = f"GBP {_fmt(net / avoided, 0)}"
        else:
            per = (
                f"not defined: admissions avoided {_fmt(avoided)} a year, interval "
                f"[{_fmt(avoided_lo)}, {_fmt(avoided_hi)}] includes none or more"
            )
        rows.append(
            f"<tr><th>{html.escape(s)}</th><td>{_ci(summary, s, 'cost_total', 'diff_')}</td>"
            f"<td>{_ci(summary, s, 'emergency_admissions', 'diff_')}</td><td>{per}</td>"
            f"<td>{_ci(summary, s, 'cost_total' + HORIZON, 'diff_')}</td>"
            f"<td>{_ci(summary, s, 'cost_total' + DISCOUNTED, 'diff_')}</td></tr>"
        )
    return (
        "<table><tr><th>scenario</th><th>net cost vs baseline, GBP a year</th>"
        "<th>admissions vs baseline a year</th><th>net cost per admission avoided</th>"
        "<th>net cost over the horizon, undiscounted</th><th>net cost over the horizon, discounted</th></tr>"
        + "".join(rows)
        + "</table>"
    )


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
        "<th>NHS cost with the budgets, vs baseline (NHS + PHB spend)</th></tr>"
        + "".join(rows)
        + "</table>"
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
        "<th>whole-hospital occupancy vs baseline, percentage points</th></tr>"
        + "".join(rows)
        + "</table>"
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
    return frame.to_html(index=False, float_format=lambda x: f"{x:,.4g}", border=0, na_rep="–")


def interval_basis(manifest: dict) -> str:
    """What the intervals cover: Monte Carlo noise alone, or parameter uncertainty too."""
    parameters = manifest.get("parameters") or {"source": "fixed"}
    if parameters.get("source") == "fixed":
        return "Monte Carlo noise for fixed parameters"
    return (
        f"they {parameters['intervals']}; each interval is the central 95% of the replicates' own "
        "values, not the interval of their mean, so it does not shrink as replicates are added"
    )


def appendix(manifest: dict, resolved: dict[str, dict]) -> str:
    """Parameters with sources, each scenario's settings and the run's provenance."""
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
                **{
                    n: resolved[n]["parameters"].get(p.name)
                    for n in names
                    if resolved[n]["parameters"].get(p.name) != p.value
                },
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
    stamp = {
        k: manifest.get(k)
        for k in ("version", "git_commit", "root_seed", "replicates", "executor", "created", "python")
    }
    scenario_rows = pd.DataFrame(manifest["scenarios"])
    return (
        "<h3>Provenance</h3>"
        + _frame_table(pd.DataFrame([stamp]))
        + _frame_table(scenario_rows)
        + "<h3>Levers switched on</h3>"
        + (_frame_table(levers) if len(levers) else "<p>none</p>")
        + "<h3>Parameters (default, plausible range, unit, source; scenario values where they differ)</h3>"
        + f"<p>Costs are in {price_year()} prices: the default is the original figure, as published in "
        "its price year, times the uplift from the PSSRU HCHS and NHS cost inflation indices "
        "(<code>sim/data/price_index.yaml</code>); a cost whose price year is unknown is taken as stated.</p>"
        + _frame_table(params)
    )


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.85em}td,th{border:1px solid #ccc;
padding:4px 8px;text-align:right;vertical-align:top}th{background:#f4f4f4}img{max-width:100%}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:0.6em 1em}"""


def write_report(folder: str | Path, locked: bool = False) -> Path:
    """Write `folder/report.html` and `folder/figures/*.png`; return the page's path. The folder
    is checked first (`sim.run_reader`) and locked while the report is written, unless the
    caller (a run) already holds the lock."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "", "not a folder (give an `ipc-sim run` output folder)")])
    run = read_run(folder)
    if locked:
        return _write(folder, run)
    with lock_for_reading(folder):
        return _write(folder, run)


def _write(folder: Path, run: RunContents) -> Path:
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
    monthly = monthly_figure(daily, figures / "monthly_outcomes.png", kind)
    trajectory = trajectory_figure(daily, targets, figures / "scale_up_trajectory.png", kind)
    costs = cost_figure(summary, figures / "costs_by_payer.png")
    check = (
        _frame_table(run.baseline_check)
        if run.baseline_check is not None
        else "<p>No baseline in this run.</p>"
    )
    body = f"""<h1>ipc-sim projection</h1>
<p>Scenarios: {", ".join(html.escape(s["name"]) for s in manifest["scenarios"])}.
{manifest["replicates"]} replicates each, root seed {manifest["root_seed"]}, ipc-sim {manifest["version"]}
(commit {manifest.get("git_commit") or "unknown"}). Intervals are 95% intervals over replicates
({html.escape(interval_basis(manifest))}); differences are paired by replicate against
<b>{html.escape(str(baseline))}</b>, which shares its random numbers.</p>
<h2>Annual outcomes per 1,000 people</h2>
<p>Costs are in GBP at {price_year()} prices, undiscounted, by payer (see "Costs: how they are counted").</p>
{outcomes_table(summary, baseline)}
{sweep_section(manifest, summary, figures, _save)}
<h2>Monthly A&amp;E attendances, admissions and DTOC</h2><img src="data:image/png;base64,{monthly}">
<h2>Scale-up: reaching and holding the targets</h2>
<p class="note">A target is a caseload to reach and hold: plans and budgets that end (the
holder dies, leaves or moves into a care home) are replaced while the live caseload is short.
A live plan's holder is alive, in the cohort and living at home; a live budget is in payment
(budgets being set up count towards the commissioned number when offering, not as held). A
target counts as reached, and as held on a later day, while the live caseload is at least the
target less the hold tolerance. <i>days</i> is the first day reached, <i>held_share</i> the
share of the days from then to the end on which it is held; <i>started</i> and <i>ended</i>
are counted over the whole horizon, and started - ended = live.</p>
{f'<img src="data:image/png;base64,{trajectory}">' if trajectory else "<p>No lever with a target.</p>"}
{_frame_table(milestones) if len(milestones) else ""}
<h2>Costs by payer</h2><img src="data:image/png;base64,{costs}">{net_cost_table(summary, baseline)}
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
{price_year_table()}
<h2>What the site would measure, and what the model says caused it</h2>
<p class="note">The first column of each pair is a before/after on the planned people, the
quarter before each plan against the quarter after, as the Stockton team measured its 41%
and 19%. People are picked when their use is high, so it falls afterwards with no
intervention at all (regression to the mean). The second column is the causal effect: the
paired difference from the baseline, per planned person, as a share of what they would
otherwise have used. Only the second is an effect of IPC.</p>
{caseload_table(daily, summary, baseline, kind)}
<h2>Which lever does what</h2>
{waterfall_section(run.waterfall, figures / "lever_waterfall.png", _save)}
<h2>What drives the uncertainty</h2>
{drivers_section(run.morris, run.sobol)}
<h2>Sites</h2>
<p class="note">Each site is an acute hospital with its own beds and catchment; its cohort
uses only its beds and its councils' discharge places, shared with everyone else the site
serves. Per 1,000 is per 1,000 of the site's cohort at the start.</p>
{sites_table(run.sites)}
<h2>Baseline against public figures</h2>{check}
<h2>Fit to the calibration targets, and the held-out prediction</h2>
{fit_section(daily)}
<h2>Appendix</h2>{appendix(manifest, resolved)}"""
    head = f"<meta charset='utf-8'><title>ipc-sim report</title><style>{CSS}</style>"
    page = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    out = folder / "report.html"
    write_text_atomic(out, page)
    return out
