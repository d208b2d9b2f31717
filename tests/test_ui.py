"""The Dagster UI in a real browser: `python -m pipeline ui` (what `make ui` runs: code server, webserver and
daemon) on a project configuration of its own, driven by headless Chromium.

A data team opens the UI, sees the asset graph in its groups, the blocking checks, the daily schedule and the
inbox sensor (both running by default); the sensor publishes the inbox, and a file dropped there later; "Materialize
all" publishes without releasing; the release job, launched from its page, writes a release.
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
    project = tmp_path_factory.mktemp("ui_project")
    shutil.copytree(ROOT / "data" / "articles", project / "inbox")
    (project / "newsledger.yaml").write_text("articles: inbox\nwarehouse: wh\n")
    wh = project / "wh"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "NEWSLEDGER_STATE_DIR"}
    env.update(DAGSTER_HOME=str(ROOT), NEWSLEDGER_CONFIG=str(project / "newsledger.yaml"))
    log = open(project / "ui.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "ui", "--port", str(port)],
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
                    raise AssertionError("the UI did not come up:\n" + (project / "ui.log").read_text()[-4000:])
                time.sleep(1)
        print(f"UI up in {time.monotonic() - started:.1f} s")
        yield {"base": base, "warehouse": wh, "inbox": project / "inbox", "state": project}
    finally:
        os.kill(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the UI stops its processes and exits
        try:
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()


def _runs(base: str) -> list[dict]:
    res = _graphql(base, "{ runsOrError { ... on Runs { results { runId status jobName tags { key value } } } } }")
    return res["data"]["runsOrError"]["results"]


def _wait_for_new_run(base: str, seen: set[str], timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [r for r in _runs(base) if r["runId"] not in seen]
        if new and new[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return new[0]
        time.sleep(2)
    raise AssertionError(f"no new run finished within {timeout} s: {_runs(base)[:3]}")


def _published_articles(wh: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(wh / "parquet" / "articles.parquet").num_rows
    except OSError:
        return -1


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


def test_asset_graph_groups_checks_schedule_and_sensor_are_visible(dagster_ui, browser):
    base = dagster_ui["base"]
    browser.get(f"{base}/assets")
    _wait_for_text(browser, ["articles", "figures", "events", "actors", "places", "mentions", "quarantine", "warehouse", "release"])
    browser.get(f"{base}/asset-groups")
    _wait_for_text(browser, ["ingest", "extract", "publish", "release"])
    browser.save_screenshot(str(dagster_ui["state"] / "assets.png"))

    browser.get(f"{base}/assets/figures?view=checks")
    _wait_for_text(browser, ["pandera_figures"])

    browser.get(f"{base}/automation")
    _wait_for_text(browser, ["daily_newsledger", "articles_folder_sensor"])
    browser.save_screenshot(str(dagster_ui["state"] / "automation.png"))
    # Both run by default: the next test sees the sensor publish the inbox without anybody starting it.


def test_the_inbox_sensor_publishes_a_dropped_file_within_two_minutes(dagster_ui, browser):
    wh, inbox, base = dagster_ui["warehouse"], dagster_ui["inbox"], dagster_ui["base"]
    deadline = time.monotonic() + 300  # the sensor's first tick publishes the inbox as found
    while _published_articles(wh) != 2 and time.monotonic() < deadline:
        time.sleep(2)
    assert _published_articles(wh) == 2, _runs(base)[:3]
    while any(r["status"] not in ("SUCCESS", "FAILURE", "CANCELED") for r in _runs(base)):
        time.sleep(1)
    (inbox / "dropped.txt").write_text("date 2020-02-05\n\nMore than 7,000 people fled Ariha on Tuesday, the United Nations said.\n")
    dropped = time.monotonic()
    while _published_articles(wh) != 3 and time.monotonic() - dropped < 120:
        time.sleep(1)
    latency = time.monotonic() - dropped
    print(f"file dropped in the inbox -> published: {latency:.1f} s")
    assert _published_articles(wh) == 3, f"not published within 120 s: {_runs(base)[:3]}"
    browser.get(f"{base}/runs")
    _wait_for_text(browser, ["articles_folder_sensor"])


def _click(browser, xpath: str, timeout: float = 90) -> None:
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            WebDriverWait(browser, 30).until(EC.element_to_be_clickable((By.XPATH, xpath))).click()
            return
        except (StaleElementReferenceException, TimeoutException):
            time.sleep(1)  # the page re-renders while it loads; find the button again
    raise AssertionError(f"no clickable {xpath}")


def test_materialize_all_from_the_ui_publishes_and_does_not_release(dagster_ui, browser):
    base = dagster_ui["base"]
    seen = {r["runId"] for r in _runs(base)}
    browser.get(f"{base}/asset-groups")
    # the two release assets are left out, as the UI cannot materialise them
    import pipeline.defs as d

    n_materialisable = len(d.newsledger_job().asset_layer.executable_asset_keys)  # every asset but the release's
    _wait_for_text(browser, ["ingest", "extract", "publish", "release", f"Materialize all ({n_materialisable})"])
    clicked = time.monotonic()
    _click(browser, "//button[starts-with(normalize-space(.), 'Materialize all')]")
    run = _wait_for_new_run(base, seen, timeout=600)
    print(f"UI Materialize all on the sample: {time.monotonic() - clicked:.1f} s from the click to the end of the run")
    browser.save_screenshot(str(dagster_ui["state"] / "after_run.png"))
    assert run["status"] == "SUCCESS", run
    assert (dagster_ui["warehouse"] / "newsledger.duckdb").exists()
    # every article of the inbox (the sample, and the file the sensor test dropped when it ran first)
    assert _published_articles(dagster_ui["warehouse"]) == len(list(dagster_ui["inbox"].glob("*.txt")))
    assert not (dagster_ui["warehouse"] / "releases").exists(), "Materialize all must not release"


def test_the_release_job_is_launched_from_its_page(dagster_ui, browser):
    base = dagster_ui["base"]
    deadline = time.monotonic() + 300  # something published (by the sensor's first run, if alone), nothing running
    while time.monotonic() < deadline and (_published_articles(dagster_ui["warehouse"]) < 2 or any(
            r["status"] not in ("SUCCESS", "FAILURE", "CANCELED") for r in _runs(base))):
        time.sleep(2)
    seen = {r["runId"] for r in _runs(base)}
    browser.get(f"{base}/locations/newsledger/jobs/newsledger_release/playground")
    _wait_for_text(browser, ["newsledger_release"])
    browser.save_screenshot(str(dagster_ui["state"] / "release_launchpad.png"))
    _click(browser, "//button[contains(translate(normalize-space(.), 'LAUNCHRUN', 'launchrun'), 'launch run')]")
    run = _wait_for_new_run(base, seen, timeout=600)
    assert run["status"] == "SUCCESS" and run["jobName"] == "newsledger_release", run
    releases = [p for p in (dagster_ui["warehouse"] / "releases").iterdir() if not p.name.startswith(".") and p.name != "full"]
    assert len(releases) == 1 and (releases[0] / "manifest.json").is_file()
