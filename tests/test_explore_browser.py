"""The explorer in a real browser: `ipc-sim explore` on a free port, driven by selenium in
Debian's headless chromium. A planner's path end to end: the page loads from this machine only,
a bad cohort size shows the CLI's message and is fixed, a small batch runs to completion, and
the comparison shows a chart and the downloads. Screenshots at 1,400 and 800 px are kept in
the test's tmp folder (look at them when the page changes).

Skips only when chromium or its driver is not installed (`make browser` installs them).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).is_file() and Path(DRIVER).is_file()):
    pytest.skip(
        "no chromium and chromium-driver (Debian packages; `make browser` installs them)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver")
from chromium_flags import FLAGS  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

START_SECONDS = 30
STEP_SECONDS = 20
RUN_SECONDS = 60  # 2 scenarios x 2 replicates of 1,000 people for 60 days: about 15 s
HEIGHT = 1000
FIELD_ERROR = "//input[@aria-label='Cohort size (people)']"  # its message is right under it
LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on `port` (state 0A), from /proc/net/tcp*."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.fixture
def explorer(tmp_path: Path):
    port = free_port()
    log = open(tmp_path / "explore.log", "w")  # noqa: SIM115 (closed after the server stops)
    server = subprocess.Popen(
        [sys.executable, "-m", "sim", "explore", "--port", str(port), "--runs", str(tmp_path / "runs")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_SECONDS
    while not listening_addresses(port):
        assert server.poll() is None, (tmp_path / "explore.log").read_text()
        assert time.monotonic() < deadline, "the explorer did not start"
        time.sleep(0.2)
    yield port
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="ipc-sim-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size=1400,{HEIGHT}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, seconds: float = STEP_SECONDS):
    return WebDriverWait(driver, seconds, poll_frequency=0.25).until(lambda d: condition(d))


def text_on_page(driver, text: str) -> bool:
    return text in driver.find_element(By.TAG_NAME, "body").text


def type_into(driver, label: str, value: str) -> None:
    """Replace a field's value as a person would: select it all, type, press Enter."""
    box = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]'))
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(value, Keys.ENTER)


def open_tab(driver, title: str) -> None:
    tab = wait(
        driver, lambda d: next(t for t in d.find_elements(By.CSS_SELECTOR, '[role="tab"]') if title in t.text)
    )
    tab.click()


def click_button(driver, text: str) -> None:
    def enabled(d):
        found = [b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip() == text]
        return found[0] if found and found[0].is_enabled() and found[0].is_displayed() else False

    wait(driver, enabled).click()


def screenshots(driver, folder: Path, stem: str, anchor: str) -> list[Path]:
    """The page at 1,400 and 800 px wide, scrolled to the element matching XPath `anchor`."""
    paths = []
    for width in (1400, 800):
        driver.set_window_size(width, HEIGHT)
        time.sleep(1)  # let the layout settle at the new width
        target = driver.find_element(By.XPATH, anchor)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
        time.sleep(0.5)
        path = folder / f"{stem}_{width}px.png"
        assert driver.save_screenshot(str(path))
        paths.append(path)
    driver.set_window_size(1400, HEIGHT)
    return paths


def test_a_planner_sets_up_runs_and_compares_in_a_browser(explorer: int, browser, tmp_path: Path) -> None:
    started = time.monotonic()
    assert listening_addresses(explorer) == {LOOPBACK_HEX}  # this machine only
    url = f"http://127.0.0.1:{explorer}"
    browser.get(url)
    wait(browser, lambda d: text_on_page(d, "The scenario and its baseline pass"), START_SECONDS)

    type_into(browser, "Cohort size (people)", "500")
    wait(browser, lambda d: text_on_page(d, "must be >= 1000, got 500"))
    assert text_on_page(browser, "no run until fixed")
    shots = screenshots(browser, tmp_path, "1_validation", FIELD_ERROR)
    type_into(browser, "Cohort size (people)", "1000")
    wait(browser, lambda d: text_on_page(d, "The scenario and its baseline pass"))
    assert not text_on_page(browser, "must be >= 1000")
    type_into(browser, "Horizon (days)", "60")
    type_into(browser, "Levers start on day", "0")  # demonstrator_2017 starts on day 91
    wait(browser, lambda d: text_on_page(d, "The scenario and its baseline pass"))

    open_tab(browser, "Run")
    type_into(browser, "Replicates", "2")
    type_into(browser, "Processes", "2")
    wait(browser, lambda d: text_on_page(d, "--reps 2") and text_on_page(d, "--workers 2"))
    click_button(browser, "Run")
    wait(browser, lambda d: text_on_page(d, "Finished: open it in the Compare tab"), RUN_SECONDS)

    open_tab(browser, "Compare")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg"))
    wait(browser, lambda d: text_on_page(d, "Download report.html"))
    assert text_on_page(browser, "Download the run folder (.zip)")
    assert text_on_page(browser, "Download the board pack (.docx)")
    shots += screenshots(browser, tmp_path, "2_compare", "//*[contains(text(), 'Costs by payer')]")

    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith((url, "data:", "blob:")) for r in resources)  # offline
    assert all(p.stat().st_size > 10_000 for p in shots)
    print(f"browser test: {time.monotonic() - started:.1f} s; screenshots in {tmp_path}")
