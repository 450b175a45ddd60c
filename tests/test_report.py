"""`ipc-sim report DIR`: one self-contained HTML page (figures embedded, nothing fetched) and
the PNG figures, from a finished run; anything that is not a run folder is bad input."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, write_yaml

from sim.cli import main
from sim.report import HEADLINE, PER_1000_GROUPS

FIGURES = (
    "differences_from_baseline.png",
    "monthly_outcomes.png",
    "scale_up_trajectory.png",
    "costs_by_payer.png",
)
DAYS = 200  # long enough for the site's quarter-before/quarter-after caseload measure


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    files = []
    for name in ("baseline", "at_scale"):
        files.append(
            write_yaml(
                folder / f"{name}_small.yaml",
                {
                    "name": name,
                    "description": f"{name} & 1,500 people, for the report's tests",
                    "extends": str(ROOT / "scenarios" / f"{name}.yaml"),
                    "population": {"size": 1500},
                },
            )
        )
    out = folder / "run"
    argv = [
        "run",
        *map(str, files),
        "--reps",
        "2",
        "--days",
        str(DAYS),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
    ]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def report(run_folder) -> str:
    assert main(["report", str(run_folder)]) == 0
    return (run_folder / "report.html").read_text(encoding="utf-8")


def test_report_writes_the_page_and_every_figure(run_folder, report):
    assert report.startswith("<!doctype html>")
    for figure in FIGURES:
        path = run_folder / "figures" / figure
        assert path.is_file(), figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure


def test_report_is_self_contained(report):
    images = re.findall(r'<img [^>]*src="([^"]*)"', report)

    assert len(images) == len(FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)\s*=\s*["\']?https?://', report, flags=re.IGNORECASE)
    assert "<script" not in report.lower()
    assert "<link" not in report.lower()


def per_1000(report: str) -> pd.DataFrame:
    """The three per-1,000 tables side by side: one row per scenario, one column per outcome."""
    every = tables(report)
    parts = []
    for _, outcomes in PER_1000_GROUPS:
        wanted = ["scenario", *(label.replace(" (GBP)", "") for _, label in outcomes)]
        found = [t for t in every if list(t.columns) == wanted]
        assert len(found) == 1, wanted
        parts.append(found[0].set_index("scenario"))
    return pd.concat(parts, axis=1)


def test_report_has_the_per_1000_table_for_every_scenario(report):
    table = per_1000(report)

    assert list(table.index) == ["baseline", "at_scale"]
    assert list(table.columns) == [label.replace(" (GBP)", "") for _, label in HEADLINE]
    assert all("vs baseline" in cell for cell in table.loc["at_scale"])
    assert not any("vs baseline" in cell for cell in table.loc["baseline"])


def test_report_shows_the_site_style_caseload_measure_beside_the_causal_effect(report):
    section = report[report.index('<h2 id="causal">') :]
    section = section[: section.index("<h2", 10)]

    assert "site-style" in section
    assert "causal vs paired baseline" in section
    assert "<th>at_scale</th>" in section
    assert "No scenario with care plans" not in section


def test_report_lists_the_scale_up_milestones_and_the_levers_switched_on(report):
    assert "days_to_plan_target" in report
    assert "days_to_budget_target" in report
    levers = report[report.index("Levers switched on") :]
    for lever in ("care_planning", "phb", "peer_support", "advocacy"):
        assert lever in levers


def test_report_on_a_file_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "not_a_folder.yaml"
    path.write_text("name: x\n")

    status = main(["report", str(path)])

    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines() == [f"{path}: not a folder (give an `ipc-sim run` output folder)"]


def test_report_on_a_missing_folder_exits_2_with_one_line(tmp_path, capsys):
    status = main(["report", str(tmp_path / "nothere")])

    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1
    assert "nothere" in err and "Traceback" not in err


def test_report_on_a_folder_that_is_not_a_run_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a run")

    status = main(["report", str(tmp_path)])

    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith(f"{tmp_path}: ") and "ipc-sim run" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# --- the page's numbers are the run's numbers -----------------------------------------------------
NUMBER = re.compile(r"[-\u2212]?£?\d[\d,]*(?:\.\d+)?[mk]?")


def numbers(cell: str) -> list[float]:
    """The figures in a cell, '£1.26m' as 1,260,000, '£355k' as 355,000, the typographic minus as '-'."""
    out = []
    for n in NUMBER.findall(str(cell)):
        text = n.replace("\u2212", "-").replace(",", "").replace("£", "")
        scale = {"m": 1e6, "k": 1e3}.get(text[-1], 1.0)
        out.append(float(text.rstrip("mk")) * scale)
    return out


def shown_decimals(cell: str) -> list[int]:
    return [len(n.split(".")[1].rstrip("mk")) if "." in n else 0 for n in NUMBER.findall(str(cell))]


def tables(report: str) -> list[pd.DataFrame]:
    return pd.read_html(io.StringIO(report), flavor="lxml")


def table_with(report: str, heading: str) -> pd.DataFrame:
    found = [t for t in tables(report) if heading in " ".join(map(str, t.columns))]
    assert len(found) == 1, heading
    return found[0]


def summary_row(run_folder: Path, scenario: str, metric: str) -> pd.Series:
    summary = pd.read_csv(run_folder / "summary.csv")
    return summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)].iloc[0]


def assert_shown(shown: list[float], expected: list[float], decimals: list[int] | None = None) -> None:
    """Equal to the run's within half a unit of the last decimal shown (decimals given), or
    within three significant figures (money in £ and £m)."""
    assert len(shown) == len(expected), (shown, expected)
    for i, (s, e) in enumerate(zip(shown, expected, strict=True)):
        tolerance = 0.5 * 10 ** -decimals[i] if decimals else 0.005 * max(abs(e), 1e-9) + 0.5
        assert abs(s - e) <= tolerance + 1e-9, (shown, expected)


@pytest.mark.parametrize("label,metric", [(label, metric) for metric, label in HEADLINE])
def test_per_1000_table_shows_summary_csv_means_intervals_and_paired_differences(
    run_folder, report, label, metric
):
    """Costs are shown in GBP thousand."""
    table = per_1000(report)
    column = label.replace(" (GBP)", "")
    scale_by = 1000 if metric.startswith("cost_") else 1
    rows = pd.read_csv(run_folder / "summary.csv").set_index(["scenario", "metric"])
    base, scale = rows.loc[("baseline", metric)], rows.loc[("at_scale", metric)]
    cell = table.loc["baseline", column]

    assert_shown(
        numbers(cell), [base[c] / scale_by for c in ("mean", "lo95", "hi95")], shown_decimals(cell)
    )
    cell = table.loc["at_scale", column]
    shown, decimals = numbers(cell), shown_decimals(cell)
    assert_shown(shown[:3], [scale[c] / scale_by for c in ("mean", "lo95", "hi95")], decimals[:3])
    assert_shown(
        shown[3:], [scale[c] / scale_by for c in ("diff_mean", "diff_lo95", "diff_hi95")], decimals[3:]
    )


def test_net_cost_table_shows_the_paired_cost_and_admission_differences(run_folder, report):
    row = table_with(report, "net cost vs baseline").set_index("scenario").loc["at_scale"]
    cost = summary_row(run_folder, "at_scale", "cost_total")
    admissions = summary_row(run_folder, "at_scale", "emergency_admissions")

    assert_shown(numbers(row.iloc[0]), [cost["diff_mean"], cost["diff_lo95"], cost["diff_hi95"]])
    assert_shown(
        numbers(row.iloc[1]),
        [admissions["diff_mean"], admissions["diff_lo95"], admissions["diff_hi95"]],
        shown_decimals(row.iloc[1]),
    )


def test_site_style_change_is_the_after_quarter_over_the_before_quarter(run_folder, report):
    """Per replicate, (after / before - 1) x 100 over every planned person measured, from
    daily.parquet; the table shows the mean over replicates with its 95% interval. (Its sign is
    not checked: in this small run, with Stockton's absolute staff for 1,500 people, the ~80
    people a replicate measured were planned after the highest-risk ones and had ~15
    attendances before: too few to sign; regression to the mean is checked in
    tests/test_health.py.)"""
    row = table_with(report, "site-style").set_index("scenario").loc["at_scale"]
    daily = pd.read_parquet(run_folder / "daily.parquet").query("scenario == 'at_scale'")
    sums = daily.groupby("replicate").sum(numeric_only=True)
    ae = (sums["caseload_ae_after"] / sums["caseload_ae_before"] - 1) * 100
    short = (sums["caseload_short_after"] / sums["caseload_short_before"] - 1) * 100
    shown = [numbers(cell) for cell in row]

    assert shown[0][0] == pytest.approx(sums["caseload_people"].mean(), abs=0.5)
    assert shown[1][0] == pytest.approx(ae.mean(), abs=0.05)
    assert shown[3][0] == pytest.approx(short.mean(), abs=0.05)


def test_site_style_interval_is_the_t_interval_over_replicates(run_folder, report):
    """Two replicates: mean +/- t(0.975, 1) x sd / sqrt(2), worked out here from scipy."""
    from scipy import stats

    row = table_with(report, "site-style").set_index("scenario").loc["at_scale"]
    daily = pd.read_parquet(run_folder / "daily.parquet").query("scenario == 'at_scale'")
    sums = daily.groupby("replicate").sum(numeric_only=True)
    ae = (sums["caseload_ae_after"] / sums["caseload_ae_before"] - 1) * 100
    half = stats.t.ppf(0.975, len(ae) - 1) * ae.std(ddof=1) / len(ae) ** 0.5

    _, lo, hi = numbers(row.iloc[1])
    assert (lo, hi) == (pytest.approx(ae.mean() - half, abs=0.05), pytest.approx(ae.mean() + half, abs=0.05))


def test_sites_table_shows_each_sites_figures_from_sites_csv(run_folder, report):
    sites = pd.read_csv(run_folder / "sites.csv").set_index(["scenario", "site", "metric"])["mean"]
    table = pd.read_html(io.StringIO(report), match="cohort share of hospital DTOC")[0]

    assert list(table["scenario"]) == ["baseline", "at_scale"]
    assert list(table["site"]) == ["north_tees", "north_tees"]
    for row in table.itertuples():
        dtoc = sites[(row.scenario, row.site, "dtoc_days_per_1000")]
        assert row._6 == round(dtoc)  # "DTOC days per 1,000"
        occupancy = sites[(row.scenario, row.site, "hospital_bed_occupancy")]
        assert row._7 == f"{occupancy:.1%}"


def test_a_damaged_sites_csv_is_one_line_and_no_report(run_folder, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy, ignore=shutil.ignore_patterns(".lock", "report.html"))
    (copy / "sites.csv").write_text(
        "scenario,site,metric,mean,lo95,hi95\nbaseline,north_tees,people,lots,1,2\n"
    )

    assert main(["report", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("sites.csv: has values that are not numbers")
    assert "\n" not in err
    assert not (copy / "report.html").exists()


def test_net_cost_table_shows_the_horizon_totals_undiscounted_and_discounted(run_folder, report):
    row = table_with(report, "net cost vs baseline").set_index("scenario").loc["at_scale"]
    for column, metric in (
        ("net cost over the horizon, undiscounted", "cost_total_horizon"),
        ("net cost over the horizon, discounted", "cost_total_horizon_discounted"),
    ):
        r = summary_row(run_folder, "at_scale", metric)
        assert_shown(numbers(row[column]), [r["diff_mean"], r["diff_lo95"], r["diff_hi95"]])


def test_bed_days_released_are_shown_as_capacity_not_cash(run_folder, report):
    row = table_with(report, "capacity value, not cash").set_index("scenario").loc["at_scale"]
    for column, metric in (
        ("cohort bed days released a year", "bed_days_released"),
        ("capacity value, not cash, GBP a year", "bed_days_released_capacity_value"),
        ("whole-hospital bed days released a year", "hospital_bed_days_released"),
    ):
        r = summary_row(run_folder, "at_scale", metric)
        assert_shown(numbers(row[column]), [r["mean"], r["lo95"], r["hi95"]])
    assert "Capacity, not cash." in report
    assert "in no cost total and is not a saving" in report


def test_phb_table_shows_the_nhs_difference_at_both_ends_of_the_displacement_prior(run_folder, report):
    row = table_with(report, "displacement used").set_index("scenario").loc["at_scale"]
    spend = summary_row(run_folder, "at_scale", "cost_phb")["diff_mean"]
    nhs = summary_row(run_folder, "at_scale", "cost_nhs")["diff_mean"]

    assert spend > 0
    assert float(row["displacement used"]) == 0.3
    # the displacement changes only the books: the NHS figure moves by (0.3 - d) x spend
    at_0, at_12 = (numbers(row[f"NHS cost vs baseline at displacement {d}"])[0] for d in ("0", "1.2"))
    assert at_0 == pytest.approx(nhs + 0.3 * spend, abs=0.5)
    assert at_12 == pytest.approx(nhs - 0.9 * spend, abs=0.5)
    assert "is an <b>input</b>" in report


def test_every_unit_cost_is_listed_with_its_original_price_year_and_uplift(report):
    from sim.params import REGISTRY

    table = table_with(report, "as published").set_index("unit cost")
    costs = [p for p in REGISTRY.values() if p.is_money]
    assert sorted(table.index) == sorted(p.name for p in costs)
    for p in costs:
        assert float(table.loc[p.name, "used, 2017/18 GBP"]) == pytest.approx(p.value, abs=0.005)
        assert float(table.loc[p.name, "uplift to 2017/18"]) == pytest.approx(p.uplift, abs=5e-7)


def test_the_report_says_its_intervals_cover_fixed_parameters_only(report):
    assert "Monte Carlo noise for fixed parameters" in report


def test_the_report_says_when_its_intervals_include_parameter_uncertainty():
    from sim.report import interval_basis

    manifest = {"parameters": {"source": "p.yaml", "intervals": "include parameter uncertainty: 3 drawn"}}

    basis = interval_basis(manifest)
    assert basis.startswith("they include parameter uncertainty: 3 drawn; ")
    assert "central 95% of the replicates' own values, not the interval of their mean" in basis


# --- the board-ready layout --------------------------------------------------------------------


def test_the_report_opens_with_the_executive_summary_and_its_caveats(report):
    first = re.search(r"<h2[^>]*>([^<]*)</h2>", report).group(1)

    assert first == "Executive summary"
    summary = report[report.index('id="summary"') : report.index('id="forest"')]
    assert "What would at_scale" in summary
    assert "planning range from a model, not a forecast" in summary
    assert "leave out uncertainty in the parameters" in summary  # this run has fixed parameters
    assert "<meta name='viewport'" in report
    assert "@media print{@page{size:A4" in report


def test_each_scenario_is_described_by_its_yaml_description(report):
    section = report[report.index('id="scenarios"') :]
    for name in ("baseline", "at_scale"):
        assert f"{name} &amp; 1,500 people, for the report&#x27;s tests" in section


def test_every_shipped_scenario_has_a_description():
    import yaml

    for path in (ROOT / "scenarios").glob("*.yaml"):
        assert str(yaml.safe_load(path.read_text()).get("description", "")).strip(), path.name


def test_months_split_the_horizon_evenly_and_none_is_dropped():
    """730 days = 24 months of 30.4 days: each 30 or 31 days, all 24 present (month 24 was lost)."""
    import numpy as np

    from sim.report import month_bins

    month, months = month_bins(np.arange(730), 730)
    counts = np.bincount(month)

    assert months == 24 and len(counts) == 24
    assert set(counts) <= {30, 31} and counts.sum() == 730


def test_calendar_months_follow_the_day_of_the_year_day_0_falls_on():
    from sim.report import month_names

    assert month_names(91, 12, 365) == [
        "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"
    ]  # fmt: skip
    assert month_names(0, 3, 91) == ["Jan", "Feb", "Mar"]
