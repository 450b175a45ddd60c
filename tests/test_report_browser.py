"""The report in a real browser (headless Chromium through Selenium and Debian's chromedriver):
at 800 px (about A4) and 1,400 px the main column never overflows sideways, every figure
loads, and the page logs no console errors. Skipped only when Chromium is not installed
(`.ci/run` installs it)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from chromium_flags import FLAGS
from conftest import ROOT, write_yaml

from sim.cli import main

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
WIDTHS = (800, 1400)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    files = [
        write_yaml(
            folder / f"{name}.yaml",
            {"name": name, "extends": str(ROOT / "scenarios" / f"{name}.yaml"), "population": {"size": 1000}},
        )
        for name in ("baseline", "at_scale", "demonstrator_2017")
    ]
    out = folder / "run"
    argv = ["run", *map(str, files), "--reps", "2", "--days", "120", "--out", str(out)]
    assert main([*argv, "--workers", "1", "--no-progress", "--report"]) == 0
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="ipc-sim-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(browser, page: Path, width: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.get(page.as_uri())


@pytest.mark.parametrize("width", WIDTHS)
def test_the_main_column_does_not_overflow_sideways(browser, page, width):
    _open(browser, page, width)

    main_width = browser.execute_script(
        "const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth];"
    )
    page_width = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"
    )

    assert main_width[0] <= main_width[1], main_width
    assert page_width[0] <= page_width[1], page_width
    assert browser.execute_script("return window.innerWidth") == width


@pytest.mark.parametrize("width", WIDTHS)
def test_every_figure_loads_and_fits(browser, page, width):
    _open(browser, page, width)

    images = browser.execute_script(
        "return [...document.images].map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().right,"
        " document.querySelector('main').getBoundingClientRect().right]);"
    )

    assert len(images) == 4  # forest, monthly, trajectory, costs
    for complete, natural, right, main_right in images:
        assert complete and natural > 0
        assert right <= main_right + 0.5


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_logs_no_console_errors(browser, page, width):
    browser.get_log("browser")  # drop anything from before
    _open(browser, page, width)

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]

    assert errors == []
