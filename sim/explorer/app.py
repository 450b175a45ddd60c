"""The explorer's page (`ipc-sim explore` serves it with Streamlit).

Three tabs a planner works through: set up a scenario (every check is the CLI's loader on the
files they download), run it against its baseline (the CLI's `ipc-sim run` in the background),
and compare runs (charts read from the run folders). Nothing here models, validates or runs
anything itself.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, get_args

import altair as alt
import pandas as pd
import streamlit as st

from sim.errors import InputError, Problem
from sim.explorer import charts, form
from sim.explorer import runs as jobs
from sim.metrics import FLOW, METRICS
from sim.params import registry_table
from sim.scenario import Scenario, load_scenario

RUNS_ENV = "IPC_SIM_EXPLORE_RUNS"  # the runs folder when the page is loaded without arguments (tests)
CHECKOUT = Path(__file__).resolve().parents[2]
LIBRARY = CHECKOUT / "scenarios"
CALIBRATION = CHECKOUT / "calibration"
DEFAULT_START = "demonstrator_2017"
FIXED = "fixed: the registry's values"
PRIOR = "prior: a draw per replicate from calibration/priors.yaml"
SITE_MODES = {
    "one site with the registry's figures (North Tees and Hartlepool)": None,
    "auto: one Stockton-sized site per reference-size cohort": "auto",
    "listed sites": "list",
}
SITE_COLUMNS = ("name", "catchment", "eligible", "beds", "cubicles", "cohort_share")
WHOLE_SITE_COLUMNS = ("catchment", "eligible", "beds", "cubicles")
REGISTRY = {row["name"]: row for row in registry_table()}
MAX_POINTS = 24  # a series with more x values is drawn as a line without a marker at each
BOARD_PACK = "board_pack.docx"  # what `ipc-sim report --docx` writes
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def runs_folder() -> Path:
    """`--runs DIR` as given to the page by `ipc-sim explore`, or the environment's, or outputs/."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--runs")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return Path(known.runs or os.environ.get(RUNS_ENV) or "outputs").resolve()


# --- the scenario form --------------------------------------------------------------------------
class Form:
    """Widgets keyed by the scenario's dotted fields, each with a slot under it where the CLI's
    message about that field appears once the edited files have been checked."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.slots: dict[str, Any] = {}

    def key(self, field: str) -> str:
        return f"{self.prefix}|{field}"

    def _slot(self, field: str) -> None:
        self.slots[field] = st.empty()

    def number(self, field: str, label: str, value: float, whole: bool, caption: str) -> float:
        if whole:
            got = st.number_input(label, value=int(value), step=1, key=self.key(field))
        else:
            got = st.number_input(label, value=float(value), format="%g", key=self.key(field))
        st.caption(caption)
        self._slot(field)
        return got

    def check(self, field: str, label: str, value: bool) -> bool:
        got = st.checkbox(label, value=bool(value), key=self.key(field))
        self._slot(field)
        return got

    def choice(self, field: str, label: str, options: list[str], value: str, caption: str) -> str:
        got = st.selectbox(label, options, index=options.index(value), key=self.key(field))
        st.caption(caption)
        self._slot(field)
        return got

    def text(self, field: str, label: str, value: str) -> str:
        got = st.text_input(label, value=value, key=self.key(field))
        self._slot(field)
        return got

    def show(self, problems: list[Problem]) -> list[Problem]:
        """Put each problem under the field it names (or the nearest enclosing one); return those
        with no field on the page."""
        placed: dict[str, list[str]] = {}
        elsewhere = []
        for p in problems:
            parts = p.field.split(".")
            slot = next(
                (".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in self.slots),
                None,
            )
            if slot is None:
                elsewhere.append(p)
            else:
                where = "" if slot == p.field else f"{p.field}: "
                placed.setdefault(slot, []).append(f"{where}{p.message}")
        for slot, messages in placed.items():
            self.slots[slot].error("\n\n".join(messages))
        return elsewhere


def _bounds(info: Any) -> tuple[float | None, float | None]:
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    return low, high


def _range_text(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "any value"
    return f"range {low if low is not None else '…':,g} to {high if high is not None else '…':,g}"


def registry_field(f: Form, name: str, value: float) -> float:
    row = REGISTRY[name]
    caption = (
        f"{row['unit']} · plausible range {row['low']:,.4g} to {row['high']:,.4g} · registry value "
        f"{row['value']:,.4g} · source: {row['source']}"
    )
    return f.number(f"parameters.{name}", f"{name}: {row['note']}", value, False, caption)


def lever_section(f: Form, lever: Any, spec: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """One lever's settings, then its registry parameters (uptake, effects, costs)."""
    where = f"interventions.{lever.name}"
    edited: dict[str, Any] = {}
    per_head = dict(spec.get("per_1000_people") or {})
    edited["enabled"] = f.check(f"{where}.enabled", f"{lever.name} switched on", spec.get("enabled", False))
    for field_name, info in lever.Spec.model_fields.items():
        if field_name in ("enabled", "per_1000_people"):
            continue
        choices = get_args(info.annotation)
        setting = f"scenario setting {where}.{field_name}"
        if info.annotation is bool:
            edited[field_name] = f.check(
                f"{where}.{field_name}", field_name.replace("_", " "), spec.get(field_name, info.default)
            )
        elif choices and all(isinstance(c, str) for c in choices):
            edited[field_name] = f.choice(
                f"{where}.{field_name}",
                field_name.replace("_", " "),
                list(choices),
                spec.get(field_name, info.default),
                f"one of {', '.join(choices)} · {setting}",
            )
        elif field_name in per_head:
            per_head[field_name] = f.number(
                f"{where}.per_1000_people.{field_name}",
                f"{field_name} per 1,000 people",
                per_head[field_name],
                False,
                f"per 1,000 people · range 0 to 1,000 · {setting}",
            )
        else:
            whole = info.annotation is int
            caption = f"{_range_text(*_bounds(info))} · {setting}"
            edited[field_name] = f.number(
                f"{where}.{field_name}",
                field_name.replace("_", " "),
                spec.get(field_name, info.default),
                whole,
                caption,
            )
    if per_head:
        edited["per_1000_people"] = per_head
    with st.expander(f"{lever.name}: uptake, effect sizes and costs (registry parameters)"):
        for name in form.lever_parameters(lever.name):
            value = registry_field(f, name, parameters.get(name, REGISTRY[name]["value"]))
            if value != REGISTRY[name]["value"] or name in parameters:
                parameters[name] = value
    return edited


def sites_section(f: Form, sites: Any) -> Any:
    mode_now = next(
        label for label, mode in SITE_MODES.items() if mode == ("list" if isinstance(sites, list) else sites)
    )
    label = f.choice(
        "sites",
        "Sites",
        list(SITE_MODES),
        mode_now,
        "scenario setting sites (README, 'Sites'); listed sites leave out what the registry gives",
    )
    mode = SITE_MODES[label]
    if mode != "list":
        return mode
    rows = sites if isinstance(sites, list) else [{"name": "north_tees"}]
    table = pd.DataFrame([{c: r.get(c) for c in SITE_COLUMNS} for r in rows], columns=list(SITE_COLUMNS))
    edited = st.data_editor(table, num_rows="dynamic", key=f.key("sites.table"), width="stretch")
    councils = {r.get("name"): r["councils"] for r in rows if r.get("councils")}
    listed = []
    for row in edited.to_dict("records"):
        site = {}
        for column in SITE_COLUMNS:
            value = row.get(column)
            if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
                continue
            if column in WHOLE_SITE_COLUMNS and float(value).is_integer():
                value = int(value)
            site[column] = value
        if site.get("name") in councils:
            site["councils"] = councils[site["name"]]
        listed.append(site)
    return listed


def scenario_editor(base: Scenario, base_id: str) -> tuple[dict[str, Any], Form]:
    """The whole form: what the scenario is, its cohort and sites, then each lever."""
    data = form.standalone(base)
    if data["name"] == form.BASELINE:  # the run's baseline takes that name
        data["name"] = "my_scenario"
    f = Form(base_id)
    edited: dict[str, Any] = {}
    left, right = st.columns(2)
    with left:
        st.subheader("Scenario")
        edited["name"] = f.text("name", "Name (letters, digits, '_', '-', '.')", data["name"])
        edited["description"] = st.text_area("Description", data["description"], key=f.key("description"))
        size = f.number(
            "population.size",
            "Cohort size (people)",
            data["population"]["size"],
            True,
            "people · range 1,000 to 1,000,000 · scenario setting population.size",
        )
        edited["horizon_days"] = f.number(
            "horizon_days",
            "Horizon (days)",
            data["horizon_days"],
            True,
            "days · range 1 to 7,320 · scenario setting horizon_days",
        )
        edited["warm_up_days"] = f.number(
            "warm_up_days",
            "Warm-up before day 0 (days)",
            data["warm_up_days"],
            True,
            "days, run and not reported · range 0 to 1,830",
        )
        edited["population"] = {"size": size}
        sites = sites_section(f, data.get("sites"))
        if sites is not None:
            edited["sites"] = sites
    parameters = dict(data["parameters"])
    with right:
        st.subheader("Levers")
        levers: dict[str, Any] = {}
        levers["start_day"] = f.number(
            "interventions.start_day",
            "Levers start on day",
            data["interventions"].get("start_day", 0),
            True,
            "day · range 0 to 7,320 · scenario setting interventions.start_day",
        )
        for lever in form.levers():
            with st.container(border=True):
                levers[lever.name] = lever_section(
                    f, lever, data["interventions"].get(lever.name, {}), parameters
                )
    edited["interventions"] = levers
    edited["parameters"] = parameters
    return edited, f


def choose_base(runs: Path) -> tuple[Scenario | None, str]:
    start = st.radio(
        "Start from", ["a shipped scenario", "an uploaded YAML file"], horizontal=True, key="start"
    )
    if start == "a shipped scenario":
        library = form.shipped(LIBRARY)
        if not library:
            st.warning(f"No shipped scenarios in {LIBRARY}; upload a file instead.")
            return None, ""
        names = list(library)
        name = st.selectbox(
            "Shipped scenario",
            names,
            key="shipped",
            index=names.index(DEFAULT_START) if DEFAULT_START in names else 0,
        )
        return load_scenario(library[name]), f"shipped:{name}"
    upload = st.file_uploader("Scenario file (YAML, at most 1 MB)", type=["yaml", "yml"], key="upload")
    if upload is None:
        st.info("Choose a scenario file. It may extend a shipped scenario (`extends: baseline.yaml`).")
        return None, ""
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()[:16]
    try:
        scenario = form.load_upload(content, runs / jobs.JOBS / ".uploads" / digest, LIBRARY)
    except InputError as exc:
        st.error("The uploaded file cannot be used:\n\n" + "\n\n".join(f"`{p}`" for p in exc.problems))
        return None, ""
    return scenario, f"upload:{digest}"


def scenario_tab(runs: Path) -> form.Checked | None:
    base, base_id = choose_base(runs)
    if base is None:
        return None
    edited, f = scenario_editor(base, base_id)
    checked = form.check(edited)
    rest = f.show(checked.problems)
    st.session_state["checked"] = checked
    st.divider()
    if checked.problems:
        st.error(
            f"{len(checked.problems)} problem(s), as `ipc-sim validate` reports them; no run until fixed:\n\n"
            + "\n\n".join(f"`{p}`" for p in checked.problems)
        )
    else:
        st.success("The scenario and its baseline pass `ipc-sim validate`.")
    for p in rest:
        st.caption(f"(not a field on this page) {p}")
    st.markdown("**Download** the files this run reads; `ipc-sim run` on them gives the same results:")
    cols = st.columns(len(checked.files))
    for col, (name, text) in zip(cols, checked.files.items(), strict=True):
        col.download_button(
            f"Download {name}", text, file_name=name, mime="application/x-yaml", key=f"download-{name}"
        )
    return checked


# --- running ----------------------------------------------------------------------------------------
def parameter_sources() -> dict[str, list[str]]:
    """What a run may draw its parameters from: none, the priors, or a shipped posterior."""
    sources = {FIXED: [], PRIOR: ["prior"]}
    for posterior in sorted(CALIBRATION.glob("*/posterior.csv")):
        label = f"posterior: calibration/{posterior.parent.name}/posterior.csv, the priors for the rest"
        sources[label] = [str(posterior), "prior"]
    return sources


def run_problems(name: str, reps: int, seed: int, workers: int, runs: Path) -> list[Problem]:
    from sim.cli import _run_problems

    settings = argparse.Namespace(reps=reps, seed=seed, workers=workers, days=None, out=None)
    problems = _run_problems(settings)
    try:
        folder = jobs.run_folder(runs, name)
        if folder.exists() or (runs / jobs.JOBS / name).exists():
            problems.append(Problem(jobs.FIELD, "", f"{name!r}: a run of that name exists; pick another"))
    except InputError as exc:
        problems += exc.problems
    return problems


def run_tab(runs: Path, checked: form.Checked | None) -> None:
    if checked is None:
        st.info("Set up a scenario first.")
    else:
        scenario = Path(list(checked.files)[-1]).stem
        if st.session_state.get("new_run_name", True):  # a fresh name at first and after each run
            st.session_state["run_name"] = f"{scenario}_{time.strftime('%Y%m%d-%H%M%S')}"
            st.session_state["new_run_name"] = False
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input("Run name (a folder in the runs folder)", key="run_name")
        reps = c2.number_input("Replicates", value=10, step=1, key="reps")
        seed = c3.number_input("Seed", value=0, step=1, key="seed")
        workers = c4.number_input("Processes", value=min(2, os.cpu_count() or 1), step=1, key="workers")
        sources = parameter_sources()
        source = st.selectbox("Parameters", list(sources), key="parameters")
        problems = run_problems(name, int(reps), int(seed), int(workers), runs)
        for p in problems:
            st.error(str(p))
        blocked = bool(problems or checked.problems)
        if checked.problems:
            st.warning("The scenario has problems (see the Scenario tab); fix them to run.")
        args = jobs.command(
            [Path(n) for n in checked.files],
            Path("RUN_FOLDER"),
            int(reps),
            int(seed),
            sources[source],
            int(workers),
        )
        st.caption(
            "The same run from a terminal, with the downloaded files: `ipc-sim run "
            + " ".join(args).replace("RUN_FOLDER", "outputs/" + name)
            + "`"
        )
        if st.button("Run", type="primary", disabled=blocked, key="run"):
            try:
                jobs.start(runs, name, checked.files, int(reps), int(seed), sources[source], int(workers))
                st.session_state["new_run_name"] = True
            except InputError as exc:
                st.error("\n\n".join(str(p) for p in exc.problems))
    progress(runs)


@st.fragment(run_every=1.0)
def progress(runs: Path) -> None:
    """Every run started here that is not yet read: its progress, and cancel or resume."""
    shown = [
        j
        for j in jobs.jobs(runs)
        if j.state() != jobs.FINISHED or j.name in st.session_state.get("watching", set())
    ]
    was_running = set(st.session_state.get("running", set()))
    now_running = {j.name for j in shown if j.state() == jobs.RUNNING}
    st.session_state["running"] = now_running
    st.session_state.setdefault("watching", set()).update(now_running)
    for job in shown:
        state = job.state()
        done = min(job.done(), job.total)
        with st.container(border=True):
            st.markdown(f"**{job.name}** · {state} · {done} of {job.total} tasks")
            st.progress(done / job.total if job.total else 0.0)
            if state == jobs.RUNNING and st.button("Cancel", key=f"cancel-{job.name}"):
                jobs.cancel(job)
                st.rerun(scope="fragment")
            elif state in (jobs.CANCELLED, jobs.STOPPED):
                if state == jobs.STOPPED:
                    st.caption("Stopped before it finished (the app or machine restarted, or it failed):")
                    st.code(job.log_tail(), language=None)
                if st.button("Resume", key=f"resume-{job.name}"):
                    jobs.resume(job)
                    st.rerun(scope="fragment")
            elif state == jobs.FINISHED:
                st.success("Finished: open it in the Compare tab.")
    if was_running - now_running:  # a run just ended: let the Compare tab list it
        st.session_state["compare"] = sorted(was_running - now_running)[0]
        st.rerun(scope="app")


# --- comparing ------------------------------------------------------------------------------------
def _interval_chart(table: pd.DataFrame, y: str, title: str, colour: str | None = None) -> alt.Chart:
    base = alt.Chart(table).encode(y=alt.Y(f"{y}:N", title=None, axis=alt.Axis(labelLimit=320)))
    extra = {"color": alt.Color(f"{colour}:N")} if colour else {}
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("diff_lo95:Q", title=title), x2="diff_hi95:Q", **extra
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="diff_mean:Q", tooltip=list(table.columns), **extra
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q")
    return (bars + points + zero).properties(height=max(140, 50 * table[y].nunique()))


def _band_chart(table: pd.DataFrame, x: str, title: str) -> alt.Chart:
    whole = alt.Axis(format="d", tickMinStep=1)
    base = alt.Chart(table).encode(x=alt.X(f"{x}:Q", axis=whole), color=alt.Color("scenario:N"))
    axis = alt.Y("lo95:Q", title=title)
    band = base.mark_area(opacity=0.2).encode(y=axis, y2="hi95:Q")
    line = base.mark_line(point=table[x].nunique() <= MAX_POINTS).encode(
        y=alt.Y("mean:Q", title=title), tooltip=list(table.columns)
    )
    return (band + line).properties(height=300)


@st.cache_data(max_entries=4)
def zipped(folder: str, stamp: float) -> bytes:
    """The run folder as a zip (its files, not the lock or the task files the CLI resumes from)."""
    buffer = io.BytesIO()
    root = Path(folder)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and relative.parts[0] not in (".lock", ".tasks"):
                archive.write(path, Path(root.name) / relative)
    return buffer.getvalue()


def compare_tab(runs: Path) -> None:
    from sim.run_reader import read_run

    names = jobs.finished_runs(runs)
    if not names:
        st.info(f"No finished runs in {runs} yet.")
        return
    wanted = st.session_state.get("compare")
    index = names.index(wanted) if wanted in names else 0
    name = st.selectbox("Run", names, index=index, key=f"compare-run-{wanted}")
    folder = jobs.run_folder(runs, name)
    try:
        run = read_run(folder)
    except InputError as exc:
        st.error("\n\n".join(str(p) for p in exc.problems))
        return
    manifest = run.manifest
    st.caption(
        f"{len(manifest['scenarios'])} scenarios × {manifest['replicates']} replicates, seed "
        f"{manifest['root_seed']}, baseline {manifest.get('baseline')}; intervals: "
        f"{manifest.get('parameters', {}).get('intervals', 'Monte Carlo')}"
    )
    downloads(folder)
    if manifest.get("baseline") is None:
        st.warning("This run has no baseline, so no differences to show.")
    outcomes = charts.outcomes(run)
    metric = st.selectbox(
        "Outcome (difference from baseline, 95% interval)",
        outcomes,
        index=outcomes.index("emergency_admissions") if "emergency_admissions" in outcomes else 0,
        key="outcome",
    )
    diff = charts.differences(run, metric)
    if not diff.empty:
        st.altair_chart(_interval_chart(diff, "scenario", f"{metric}: scenario − baseline"), width="stretch")
    with st.expander("Every outcome's difference from baseline (table)"):
        st.dataframe(run.summary, width="stretch", hide_index=True)
    flows = [m.name for m in METRICS if m.kind == FLOW]
    monthly_metric = st.selectbox(
        "Monthly series",
        flows,
        key="monthly",
        index=flows.index("emergency_admissions") if "emergency_admissions" in flows else 0,
    )
    months = charts.monthly(run, monthly_metric)
    if months.empty:
        st.caption("The run is shorter than a month: no monthly series.")
    else:
        st.altair_chart(_band_chart(months, "month", f"{monthly_metric} per month"), width="stretch")
    costs = charts.payer_costs(run)
    if not costs.empty:
        st.markdown("**Costs by payer**: discounted over the horizon, scenario − baseline (GBP)")
        st.altair_chart(_interval_chart(costs, "payer", "GBP", colour="scenario"), width="stretch")
    path = charts.trajectory(run)
    if not path.empty:
        st.markdown("**Scale-up trajectory**: live caseload by day against each target")
        for target_name, table in path.groupby("target_name", sort=False):
            rule = (
                alt.Chart(table.drop_duplicates("scenario"))
                .mark_rule(strokeDash=[6, 3])
                .encode(y="target:Q", color="scenario:N")
            )
            st.altair_chart((_band_chart(table, "day", f"{target_name}: live") + rule), width="stretch")
    site_style(run)
    if not run.waterfall.empty:
        st.markdown("**Waterfall**: the effect attributed to each lever")
        outcome = st.selectbox("Waterfall outcome", list(dict.fromkeys(run.waterfall["outcome"])), key="wf")
        steps = run.waterfall[run.waterfall["outcome"] == outcome].rename(
            columns={"mean": "diff_mean", "lo95": "diff_lo95", "hi95": "diff_hi95"}
        )
        st.altair_chart(_interval_chart(steps, "label", outcome), width="stretch")
    if not run.morris.empty:
        st.markdown("**Drivers**: Morris μ* of each parameter")
        st.altair_chart(
            alt.Chart(run.morris)
            .mark_bar()
            .encode(
                x="mu_star:Q",
                y=alt.Y("parameter:N", sort="-x"),
                color="outcome:N",
                tooltip=list(run.morris.columns),
            ),
            width="stretch",
        )


def site_style(run: Any) -> None:
    """The site-style before/after measure beside the paired causal effect (the report's table)."""
    from sim import report

    table = report.caseload_table(run.daily, run.summary, run.manifest.get("baseline"), charts.kind(run))
    st.markdown("**Site-style before/after against the causal effect** (report.html explains it)")
    st.html(table)


def downloads(folder: Path) -> None:
    """report.html and the Word board pack (written by the run; written here for a run made
    without them), and the run folder as a zip."""
    cols = st.columns(3)
    page, pack = folder / "report.html", folder / BOARD_PACK
    if page.is_file() and pack.is_file():
        cols[0].download_button(
            "Download report.html",
            page.read_bytes(),
            file_name=f"{folder.name}_report.html",
            mime="text/html",
            key="download-report",
        )
        cols[1].download_button(
            "Download the board pack (.docx)",
            pack.read_bytes(),
            file_name=f"{folder.name}_board_pack.docx",
            mime=DOCX,
            key="download-board-pack",
        )
    elif cols[0].button("Write report.html and the board pack", key="write-report"):
        from sim.report import write_report

        try:
            write_report(folder, docx=True)
        except InputError as exc:
            st.error("\n\n".join(str(p) for p in exc.problems))
        else:
            st.rerun()
    stamp = (folder / "manifest.json").stat().st_mtime
    cols[2].download_button(
        "Download the run folder (.zip)",
        zipped(str(folder), stamp),
        file_name=f"{folder.name}.zip",
        mime="application/zip",
        key="download-zip",
    )


def main() -> None:
    st.set_page_config(page_title="IPC scenario explorer", layout="wide")
    runs = runs_folder()
    st.title("IPC scenario explorer")
    st.caption(f"Runs are saved in `{runs}`; the command line reads them (`ipc-sim report`).")
    scenario, run, compare = st.tabs(["1 · Scenario", "2 · Run", "3 · Compare"])
    with scenario:
        checked = scenario_tab(runs)
    with run:
        run_tab(runs, checked)
    with compare:
        compare_tab(runs)


main()
