"""The explorer's page without a browser (Streamlit's AppTest): the CLI's validation beside the
field, no run while a problem remains, and a tiny batch run from the page that the command line
reproduces exactly from the downloaded files."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.cli import main
from sim.explorer import app_path
from sim.explorer import runs as jobs

TIMEOUT = 60
RUN_SECONDS = 120  # a 1,000-person, 30-day, two-replicate batch takes about 10 s on a quiet core


@pytest.fixture
def page(tmp_path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("IPC_SIM_EXPLORE_RUNS", str(tmp_path / "runs"))
    return AppTest.from_file(str(app_path()), default_timeout=TIMEOUT).run()


def field(page: AppTest, name: str):
    """The widget for a dotted scenario field (its key ends with `|field`)."""
    return next(w for w in page.number_input if str(w.key).endswith(f"|{name}"))


def run_button(page: AppTest):
    return next(b for b in page.button if b.key == "run")


def test_the_page_starts_from_a_shipped_scenario_that_validates(page: AppTest) -> None:
    assert not page.exception
    assert page.selectbox(key="shipped").value == "demonstrator_2017"
    assert field(page, "population.size").value == 11989  # scenarios/baseline.yaml's cohort
    assert [s.value for s in page.success] == ["The scenario and its baseline pass `ipc-sim validate`."]


def test_a_bad_value_shows_the_cli_message_and_blocks_the_run(page: AppTest) -> None:
    field(page, "population.size").set_value(500).run()
    messages = [e.value for e in page.error]
    assert "must be >= 1000, got 500" in messages  # beside the field
    assert run_button(page).disabled
    field(page, "population.size").set_value(1000).run()
    assert not page.error and not run_button(page).disabled


def test_a_registry_parameter_out_of_range_is_reported_at_it(page: AppTest) -> None:
    """A probability above 1 is refused by the registry's check, as in a scenario file."""
    field(page, "parameters.phb.uptake").set_value(1.5).run()
    assert "must be <= 1 (probability), got 1.5" in [e.value for e in page.error]
    assert run_button(page).disabled


def test_a_run_name_outside_the_runs_folder_is_refused(page: AppTest, tmp_path: Path) -> None:
    page.text_input(key="run_name").set_value("../escape").run()
    assert any(e.value.startswith("run name: '../escape'") for e in page.error)
    assert run_button(page).disabled
    assert not (tmp_path / "escape").exists()


def wait_for(page: AppTest, runs: Path, name: str) -> jobs.Job:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        job = next(j for j in jobs.jobs(runs) if j.name == name)
        if job.state() != jobs.RUNNING:
            return job
        time.sleep(1)
    raise AssertionError(f"{name} still running after {RUN_SECONDS} s")


def test_a_tiny_run_from_the_page_is_the_cli_run_of_the_downloaded_files(
    page: AppTest, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    field(page, "population.size").set_value(1000)
    field(page, "horizon_days").set_value(30)
    field(page, "warm_up_days").set_value(30)
    page.text_input(key="run_name").set_value("tiny")
    page.number_input(key="reps").set_value(2)
    page.number_input(key="seed").set_value(7)
    page.number_input(key="workers").set_value(1)
    page.run()
    run_button(page).click().run()
    job = wait_for(page, runs, "tiny")
    assert job.state() == jobs.FINISHED, job.log_tail()
    assert job.done() == job.total == 4  # baseline and the scenario, two replicates each
    page.run()
    assert page.selectbox(key="compare-run-tiny").value == "tiny"
    assert len(page.get("vega_lite_chart")) >= 3  # differences, costs by payer, scale-up trajectory
    assert {"download-report", "download-board-pack", "download-zip"} <= {
        b.key for b in page.get("download_button")
    }
    assert zipfile.ZipFile(runs / "tiny" / "board_pack.docx").getinfo("word/document.xml")  # a Word file
    files = page.session_state["checked"].files  # what the download buttons offer
    cli = tmp_path / "cli"
    cli.mkdir()
    for name, text in files.items():
        (cli / name).write_text(text)
    paths = [str(cli / name) for name in files]
    argv = ["run", *paths, "--reps", "2", "--seed", "7", "--out", str(cli / "run"), "--workers", "1"]
    assert main([*argv, "--no-progress"]) == 0
    assert (cli / "run" / "summary.csv").read_bytes() == (runs / "tiny" / "summary.csv").read_bytes()


def test_sites_set_to_auto_go_into_the_downloaded_file(page: AppTest) -> None:
    sites = next(s for s in page.selectbox if str(s.key).endswith("|sites"))
    sites.set_value(next(o for o in sites.options if o.startswith("auto"))).run()
    files = page.session_state["checked"].files
    assert "sites: auto\n" in files["demonstrator_2017.yaml"] and "sites: auto\n" in files["baseline.yaml"]


def test_starting_from_an_upload_shows_no_form_until_a_file_is_given(page: AppTest) -> None:
    """(AppTest cannot upload a file; tests/test_explore_form.py checks what an upload may say.)"""
    page.radio(key="start").set_value("an uploaded YAML file").run()
    assert not [w for w in page.number_input if str(w.key).endswith("|population.size")]
    assert any("extends: baseline.yaml" in i.value for i in page.info)
    assert run_button_absent(page)


def run_button_absent(page: AppTest) -> bool:
    return all(b.key != "run" for b in page.button)


def test_explore_refuses_a_bad_port_like_every_bad_input(capsys) -> None:
    assert main(["explore", "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == "command line: --port: must be >= 1, got 0"
