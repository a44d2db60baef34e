"""The web page in a real browser: headless Chromium driven by Selenium against a real
uvicorn server on 127.0.0.1.

A merchandiser's morning and a planner's look, end to end: log in, upload the sample exports
(the messy GBK one included), see the messy file's rejected row with its line number, import,
then (after the night's replan) see the plan page's Gantt drawn and download the work orders.
Skips, saying why, only when no Chromium (or chromedriver) can be found.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from web_helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[2] / "c2m" / "data" / "sample_data"
UPLOADS = [
    SAMPLE / "catalog.csv",
    SAMPLE / "fabric.csv",
    SAMPLE / "inventory.csv",
    SAMPLE / "orders.csv",
    SAMPLE / "schedule.csv",
    SAMPLE / "sales.csv",
    SAMPLE / "messy" / "douyin_export_gbk.csv",
]


def _find(names, extra: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in extra if Path(p).exists()), None)


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    binary = _find(
        ("chromium", "chromium-browser", "google-chrome"),
        ("/usr/bin/chromium", "/usr/lib/chromium/chromium"),
    )
    driver_path = _find(("chromedriver",), ("/usr/bin/chromedriver",))
    if binary is None or driver_path is None:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1366,2400",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(sqlite_web):
    """uvicorn serving the test's app on a free port of 127.0.0.1, in a thread."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(sqlite_web.app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        if not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", sqlite_web
    running.should_exit = True
    thread.join()


GANTT_READY = """
const g = document.getElementById('gantt');
return document.readyState === 'complete' && !!g && !!g._fullLayout &&
  !!g.querySelector('.main-svg') && g.querySelectorAll('.barlayer .trace .point').length;
"""

FETCH = """
const done = arguments[arguments.length - 1];
fetch(arguments[0])
  .then(r => r.text().then(t => done([r.status, t])))
  .catch(e => done([0, String(e)]));
"""


def test_upload_import_and_plan_in_headless_chromium(browser, server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from c2m.config import load_config
    from c2m.replan import ReplanOptions, replan

    base, web = server
    browser.get(f"{base}/imports")  # not logged in: the login page, then back here
    browser.find_element(By.ID, "name").send_keys("planner")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith("/imports"))

    browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in UPLOADS))
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, 300).until(lambda d: d.find_elements(By.ID, "commit"))
    rejected = browser.find_elements(By.CSS_SELECTOR, "table.rejected-rows tbody tr")
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rejected]
    assert ["douyin_export_gbk.csv", "8", "orders"] in [c[:3] for c in cells], cells
    browser.find_element(By.ID, "commit").click()
    WebDriverWait(browser, 300).until(lambda d: d.find_elements(By.ID, "to-history"))
    imported = browser.find_elements(By.CSS_SELECTOR, "table.counts tbody tr")
    assert len(imported) == len(UPLOADS)

    # the night: cron's replan, on the uploaded data
    options = ReplanOptions(now=dt.datetime(2026, 11, 24, 6, 0), time_limit=2.0, horizon_days=7)
    outcome = replan(web.engine, load_config(), options)
    assert outcome.exit_code == 0

    browser.get(f"{base}/plan")
    WebDriverWait(browser, 120).until(lambda d: d.execute_script(GANTT_READY))
    bars = browser.execute_script(
        "return document.querySelectorAll('#gantt .barlayer .trace .point').length"
    )
    assert bars > 0
    link = browser.find_element(By.ID, "download-csv").get_attribute("href")
    status, body = browser.execute_async_script(FETCH, link)
    assert status == 200
    header, *rows = body.strip().splitlines()
    columns = header.lstrip("\ufeff").split(",")
    assert columns[:3] == ["line", "step", "date"] and "lot_id" in columns
    assert rows, "the work orders are empty"
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    browser.save_screenshot(str(tmp_path / "plan.png"))
