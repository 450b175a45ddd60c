"""The executive summary of a run: the question, one scenario's headline against the baseline,
sentences a board can quote, and the caveats that go with them.

Everything here is data and plain text built from the summary table and the manifest, so the
HTML report, the Word board pack and any later front end say the same thing. The sentences
are generated from the numbers and never claim more than the intervals allow: a change whose
95% interval includes zero "cannot be told from zero", whatever its mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.number_format import decimals_for, money, money_short, number
from sim.summary import MONTE_CARLO, PARAMETER, SPREAD

DEFAULT_SCENARIO = "at_scale"
NET_COST = "cost_total"
ADMISSIONS = "emergency_admissions"
CONFIDENCE = 0.95

# (summary metric, label in a table, noun in a sentence); cohort totals a year
OUTCOMES = (
    ("ae_attendances", "A&E attendances", "A&E attendances"),
    ("emergency_admissions", "Emergency admissions", "emergency admissions"),
    ("bed_days", "Occupied bed days", "occupied bed days"),
    ("dtoc_days", "Delayed transfer (DTOC) days", "delayed transfer (DTOC) days"),
    ("care_home_admissions", "Care-home admissions", "care-home admissions"),
    ("deaths", "Deaths", "deaths"),
)
COSTS = (
    ("cost_nhs", "Cost to the NHS", "NHS cost"),
    ("cost_social_care", "Cost to social care", "social care cost"),
    ("cost_phb", "PHB spend", "budget spend"),
    ("cost_programme", "IPC programme cost", "programme cost"),
    ("cost_total", "Total cost, all payers", "net cost"),
)

LIMITATIONS = (
    "Lever effects rest on a thin evidence base: several have weak or no controlled estimate, "
    "and the links from patient activation to hospital use are cross-sectional, so effects "
    "that act through activation may be overstated.",
    "The calibration fits eight parameters to aggregate public figures; the other priors, most "
    "lever effects among them, meet no target, so the projection's range is mostly theirs.",
    "Other patients' demand on the hospital is fixed in advance, so freed beds are not refilled "
    "by new demand: bed days released are capacity, not cash.",
    "Several unit costs are proxies (a crisis managed at home, an intermediate-care day, a "
    "peer-group week, the budget itself), and social care is uplifted with the NHS index.",
    "The share of budget spend set against NHS services it replaces is an assumption, not a "
    "result, and carries most of the budgets' apparent NHS saving.",
)


@dataclass(frozen=True)
class Triple:
    """A mean and its 95% interval."""

    mean: float
    lo: float
    hi: float

    @property
    def spans_zero(self) -> bool:
        """True when zero is inside the interval (ends included) or the interval is unknown."""
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            return True
        return self.lo <= 0 <= self.hi

    def scaled(self, by: float) -> Triple:
        return Triple(self.mean * by, self.lo * by, self.hi * by)


@dataclass(frozen=True)
class Change:
    """One outcome a year for the whole cohort: the baseline's, the scenario's, and the paired
    change with its interval, also as a percentage of the baseline's mean."""

    metric: str
    label: str
    noun: str
    baseline: Triple
    scenario: Triple
    change: Triple

    @property
    def percent(self) -> Triple:
        """The change and its interval over the baseline's mean, in %; NaN if that is zero."""
        base = self.baseline.mean
        if base == 0 or not math.isfinite(base):
            return Triple(math.nan, math.nan, math.nan)
        return self.change.scaled(100.0 / base)


@dataclass(frozen=True)
class Ratio:
    """Net cost per emergency admission avoided, or why there is none."""

    value: Triple | None
    reason: str = ""


@dataclass(frozen=True)
class Headline:
    question: str
    scenario: str
    baseline: str
    description: str
    people: int
    outcomes: list[Change]
    costs: list[Change]
    per_admission_avoided: Ratio
    sentences: list[str]
    caveats: list[str]
    limitations: tuple[str, ...] = field(default=LIMITATIONS)

    @property
    def net_cost(self) -> Change:
        return next(c for c in self.costs if c.metric == NET_COST)


def choose_scenario(names: list[str], baseline: str | None, wanted: str | None) -> str | None:
    """The headline scenario: `wanted` if given, else at_scale, else the first non-baseline one;
    None when there is no baseline or nothing to compare with it."""
    others = [n for n in names if n != baseline]
    if baseline is None or not others:
        return None
    if wanted is not None:
        return wanted
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO in others else others[0]


def _triple(summary: pd.DataFrame, scenario: str, metric: str, prefix: str = "") -> Triple:
    row = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    if row.empty:
        return Triple(math.nan, math.nan, math.nan)
    r = row.iloc[0]
    return Triple(float(r[f"{prefix}mean"]), float(r[f"{prefix}lo95"]), float(r[f"{prefix}hi95"]))


def change_of(
    summary: pd.DataFrame, scenario: str, baseline: str, metric: str, label: str, noun: str
) -> Change:
    return Change(
        metric,
        label,
        noun,
        baseline=_triple(summary, baseline, metric),
        scenario=_triple(summary, scenario, metric),
        change=_triple(summary, scenario, metric, "diff_"),
    )


def per_admission_avoided(net: np.ndarray, avoided: np.ndarray, admissions: Triple, kind: str) -> Ratio:
    """Net cost per emergency admission avoided from paired per-replicate differences (`net`,
    GBP a year; `avoided`, admissions a year, positive when fewer), defined only where the
    admissions change's interval lies wholly below zero.

    The value is the ratio of the means. Its interval is, with parameter draws, the central 95%
    of the replicates' own ratios (each replicate avoiding some admissions); with fixed
    parameters, the t interval of the ratio of means by the delta method (linearised: the
    standard error of mean(net - R x avoided) over mean(avoided))."""
    if not admissions.hi < 0:
        return Ratio(
            None,
            f"not defined: the change in admissions, {number(admissions.mean)} a year "
            f"[{number(admissions.lo)}, {number(admissions.hi)}], cannot be told from zero"
            if admissions.spans_zero
            else "not defined: admissions rise",
        )
    net, avoided = np.asarray(net, dtype=float), np.asarray(avoided, dtype=float)
    ratio = float(net.mean() / avoided.mean())
    n = len(net)
    if n < 2:
        return Ratio(Triple(ratio, math.nan, math.nan), "one replicate: no interval")
    if kind == PARAMETER:
        if (avoided <= 0).any():
            return Ratio(
                Triple(ratio, math.nan, math.nan),
                f"no interval: {int((avoided <= 0).sum())} of {n} replicates avoid no admissions",
            )
        lo, hi = np.percentile(net / avoided, SPREAD)
        return Ratio(Triple(ratio, float(lo), float(hi)))
    residual = net - ratio * avoided
    se = residual.std(ddof=1) / math.sqrt(n) / avoided.mean()
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * se)
    return Ratio(Triple(ratio, ratio - half, ratio + half))


def _amount(x: float, decimals: int) -> str:
    return number(abs(x), decimals)


def outcome_phrase(c: Change) -> str:
    """'emergency admissions fall by 120 a year (95% interval 80 to 160 fewer), 4.0% of the
    baseline's 3,000', or '... cannot be told from zero'."""
    t, d = c.change, decimals_for(c.change.mean, c.change.lo, c.change.hi)
    if t.spans_zero:
        return (
            f"the change in {c.noun} ({number(t.mean, d)} a year, 95% interval {number(t.lo, d)} to "
            f"{number(t.hi, d)}) cannot be told from zero"
        )
    pct = c.percent
    share = (
        f", {_amount(pct.mean, 1)}% of the baseline's {number(c.baseline.mean, 0)}"
        if math.isfinite(pct.mean)
        else ""
    )
    if t.hi < 0:
        return (
            f"{c.noun} fall by {_amount(t.mean, d)} a year (95% interval {_amount(t.hi, d)} to "
            f"{_amount(t.lo, d)} fewer){share}"
        )
    return (
        f"{c.noun} rise by {_amount(t.mean, d)} a year (95% interval {_amount(t.lo, d)} to "
        f"{_amount(t.hi, d)} more){share}"
    )


def cost_sentence(net: Change, ratio: Ratio) -> str:
    t = net.change
    if t.spans_zero:
        text = (
            f"The net cost to all payers, {money(t.mean)} a year (95% interval {money(t.lo)} to "
            f"{money(t.hi)}), cannot be told from zero"
        )
    elif t.lo > 0:
        text = (
            f"It costs all payers together {money(t.mean)} a year more than the baseline (95% interval "
            f"{money(t.lo)} to {money(t.hi)})"
        )
    else:
        text = (
            f"It saves all payers together {money(-t.mean)} a year against the baseline (95% interval "
            f"{money(-t.hi)} to {money(-t.lo)})"
        )
    if ratio.value is not None and t.lo > 0:
        v = ratio.value
        interval = (
            f" (95% interval {money(v.lo)} to {money(v.hi)})"
            if math.isfinite(v.lo) and math.isfinite(v.hi)
            else ""
        )
        text += f", {money(v.mean)} for each emergency admission avoided{interval}"
    return text + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentences(scenario: str, people: int, outcomes: list[Change], net: Change, ratio: Ratio) -> list[str]:
    """Three sentences: admissions and A&E, then beds and delays, then the net cost."""
    by = {c.metric: c for c in outcomes}
    first = [by[m] for m in ("emergency_admissions", "ae_attendances") if m in by]
    second = [by[m] for m in ("bed_days", "dtoc_days") if m in by]
    out = []
    if first:
        out.append(
            f"In the model, for a cohort of {number(people, 0)} people, {scenario} against the baseline: "
            + "; ".join(outcome_phrase(c) for c in first)
            + "."
        )
    if second:
        out.append(_capital("; ".join(outcome_phrase(c) for c in second)) + ".")
    out.append(cost_sentence(net, ratio))
    return out


def interval_caveat(manifest: dict[str, Any]) -> str:
    """Whether the intervals carry parameter uncertainty, read from the manifest."""
    parameters = manifest.get("parameters") or {"source": "fixed"}
    if parameters.get("source") == "fixed":
        return (
            "The 95% intervals cover only the model's chance variation (Monte Carlo noise) with every "
            "parameter at its central value; they leave out uncertainty in the parameters, so the "
            "real range is wider."
        )
    drawn = len(parameters.get("drawn", []))
    return (
        f"The 95% intervals include parameter uncertainty: each of the {manifest['replicates']} "
        f"replicates draws {drawn} parameters from {parameters['source']}, and each interval is the "
        "central 95% of the replicates."
    )


def caveats(manifest: dict[str, Any]) -> list[str]:
    return [
        "This is a planning range from a model, not a forecast: it shows what follows from the "
        "evidence and assumptions listed in the appendix if the scenario is delivered as written.",
        interval_caveat(manifest),
        "The effect is causal: levers act with effect sizes from controlled studies, and each "
        "scenario is compared with a baseline that shares its random numbers. It is not the "
        "site's before/after on the people it planned for, which falls anyway as high use "
        "regresses to the mean (the report's 'What the site would measure').",
        "Known limitations apply (listed under 'Methods, known limitations and provenance' in the "
        "report), chiefly thin evidence for several lever effects.",
    ]


def question(scenario: str, description: str, baseline: str, people: int) -> str:
    what = f"{scenario} ({description.strip().rstrip('.')})" if description.strip() else scenario
    return (
        f"What would {what} change in hospital use and cost a year for a cohort of "
        f"{number(people, 0)} people, against {baseline}?"
    )


def build_headline(
    summary: pd.DataFrame,
    manifest: dict[str, Any],
    descriptions: dict[str, str],
    scenario: str,
    paired: tuple[np.ndarray, np.ndarray] | None = None,
    kind: str = MONTE_CARLO,
) -> Headline:
    """The executive summary for `scenario` against the manifest's baseline. `paired` holds the
    per-replicate net cost and admissions avoided (for the ratio's interval)."""
    baseline = manifest["baseline"]
    people = next(s["population_size"] for s in manifest["scenarios"] if s["name"] == scenario)
    outcomes = [change_of(summary, scenario, baseline, *o) for o in OUTCOMES]
    costs = [change_of(summary, scenario, baseline, *c) for c in COSTS]
    net = next(c for c in costs if c.metric == NET_COST)
    admissions = next(c for c in outcomes if c.metric == ADMISSIONS).change
    if paired is not None:
        ratio = per_admission_avoided(paired[0], paired[1], admissions, kind)
    else:
        ratio = per_admission_avoided(
            np.array([net.change.mean]), np.array([-admissions.mean]), admissions, kind
        )
    return Headline(
        question=question(scenario, descriptions.get(scenario, ""), baseline, people),
        scenario=scenario,
        baseline=baseline,
        description=descriptions.get(scenario, ""),
        people=people,
        outcomes=outcomes,
        costs=costs,
        per_admission_avoided=ratio,
        sentences=sentences(scenario, people, outcomes, net, ratio),
        caveats=caveats(manifest),
    )


def table_rows(h: Headline) -> list[list[str]]:
    """The headline table as text: outcome, baseline a year, scenario a year, change [95%],
    % change [95%]; costs in GBP."""
    rows = []
    for c in h.outcomes:
        d = decimals_for(c.baseline.mean, c.scenario.mean)
        dc = decimals_for(c.change.mean, c.change.lo, c.change.hi)
        p = c.percent
        rows.append(
            [
                c.label,
                number(c.baseline.mean, d),
                number(c.scenario.mean, d),
                f"{number(c.change.mean, dc)} [{number(c.change.lo, dc)}, {number(c.change.hi, dc)}]",
                f"{number(p.mean, 1)}% [{number(p.lo, 1)}, {number(p.hi, 1)}]",
            ]
        )
    for c in h.costs:
        p = c.percent
        rows.append(
            [
                c.label,
                money_short(c.baseline.mean),
                money_short(c.scenario.mean),
                f"{money_short(c.change.mean)} [{money_short(c.change.lo)}, {money_short(c.change.hi)}]",
                f"{number(p.mean, 1)}% [{number(p.lo, 1)}, {number(p.hi, 1)}]"
                if math.isfinite(p.mean)
                else "–",
            ]
        )
    return rows


def table_header(h: Headline) -> list[str]:
    return [
        f"a year, cohort of {number(h.people, 0)}",
        h.baseline,
        h.scenario,
        "change [95% interval]",
        "% change [95% interval]",
    ]
