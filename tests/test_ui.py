"""The Dagster UI in a real browser: `dagster dev` on the project's definitions, driven by headless Chromium.

A researcher opens the UI, sees the asset graph (every table and the writer), the blocking checks, the daily
schedule and the articles-folder sensor, and launches "Materialize all"; the run publishes the warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def _graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory):
    state = tmp_path_factory.mktemp("ui_state")
    wh = tmp_path_factory.mktemp("ui_warehouse")
    port = _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(ROOT),
        NEWSLEDGER_STATE_DIR=str(state),
        NEWSLEDGER_ARTICLES=str(ROOT / "data" / "articles"),
        NEWSLEDGER_WAREHOUSE=str(wh),
    )
    dagster = Path(sys.executable).with_name("dagster")
    log = open(state / "dagster_dev.log", "w")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-m", "pipeline.defs", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                _get(f"{base}/server_info")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AssertionError("dagster dev did not come up:\n" + (state / "dagster_dev.log").read_text()[-4000:])
                time.sleep(1)
        yield {"base": base, "warehouse": wh, "state": state}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed (make test installs them with apt-get as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1600,1000", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait_for_text(driver, words: list[str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = driver.find_element("tag name", "body").text
        if all(w in body for w in words):
            return body
        time.sleep(1)
    raise AssertionError(f"page never showed {words}; it showed:\n{body[:3000]}")


def test_asset_graph_checks_schedule_and_sensor_are_visible(dagster_ui, browser):
    base = dagster_ui["base"]
    browser.get(f"{base}/assets")
    _wait_for_text(browser, ["articles", "figures", "events", "actors", "places", "mentions", "quarantine", "warehouse"])
    browser.save_screenshot(str(dagster_ui["state"] / "assets.png"))

    browser.get(f"{base}/assets/figures?view=checks")
    _wait_for_text(browser, ["pandera_figures"])

    browser.get(f"{base}/automation")
    _wait_for_text(browser, ["daily_newsledger", "articles_folder_sensor"])
    browser.save_screenshot(str(dagster_ui["state"] / "automation.png"))


def test_materialize_all_from_the_ui_publishes_the_warehouse(dagster_ui, browser):
    from selenium.webdriver.common.by import By

    base = dagster_ui["base"]
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base}/asset-groups")
    xpath = "//button[starts-with(normalize-space(.), 'Materialize all')]"
    clicked = False
    deadline = time.monotonic() + 90
    while not clicked and time.monotonic() < deadline:
        try:
            WebDriverWait(browser, 30).until(EC.element_to_be_clickable((By.XPATH, xpath))).click()
            clicked = True
        except (StaleElementReferenceException, TimeoutException):
            time.sleep(1)  # the graph re-renders while it loads; find the button again
    assert clicked, "no clickable 'Materialize all' button on the asset graph"

    status = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        res = _graphql(base, "{ runsOrError { ... on Runs { results { runId status } } } }")
        runs = res["data"]["runsOrError"]["results"]
        if runs:
            status = runs[0]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
        time.sleep(3)
    browser.save_screenshot(str(dagster_ui["state"] / "after_run.png"))
    assert status == "SUCCESS", f"run launched from the UI ended {status}"
    assert (dagster_ui["warehouse"] / "newsledger.duckdb").exists()
    assert (dagster_ui["warehouse"] / "parquet" / "figures.parquet").exists()
