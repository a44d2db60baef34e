"""The plan report in a real browser: headless Chromium driven by Selenium.

Serves nothing: opens the file:// page, waits for the charts, and checks what a planner
would see: no JavaScript errors, one Gantt bar per operation the database holds for the
plan, the KPI numbers equal to the stored ones, a page that fits a phone's width. It skips,
saying why, only when no Chromium (or chromedriver) can be found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from c2m.db import session_scope
from c2m.models import Plan, PlanOperation
from c2m.planning.kpi_registry import KPI_BY_KEY
from c2m.report import write_plan_report
from c2m.report.kpi_cards import headline, parse_value, tolerance

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)


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

    binary = _find(BROWSERS, ("/usr/bin/chromium", "/usr/lib/chromium/chromium"))
    driver_path = _find(DRIVERS, ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"))
    if binary is None or driver_path is None:
        pytest.skip(
            "no headless browser: install Debian's chromium and chromium-driver "
            "(.ci/run does this with apt-get)"
        )
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
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


CHARTS_READY = """
const plots = document.querySelectorAll('.js-plotly-plot');
return document.readyState === 'complete' && plots.length === arguments[0] &&
  Array.from(plots).every(p => p._fullLayout && p.querySelector('.main-svg'));
"""

GANTT_FACTS = """
const g = document.getElementById('gantt');
const out = {operation: [], changeover: 0};
for (const t of g.data) {
  const kind = t.meta && t.meta.kind;
  if (kind === 'operation') for (const c of t.customdata) out.operation.push(c[0]);
  if (kind === 'changeover') out.changeover += t.x.length;
}
out.drawn = g.querySelectorAll('.barlayer .trace .point').length;
return out;
"""

KPI_TEXT = """
return Array.from(document.querySelectorAll('span[data-plan][data-kpi]')).map(
  e => [Number(e.dataset.plan), e.dataset.kpi, e.firstChild.textContent]);
"""


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_report_in_headless_chromium(browser, engine, cfg, make_plan, tmp_path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    make_plan(mode="batch", lots=5)
    built = make_plan(mode="c2m", lots=30, late=3, overtime=True, shortages=True)
    page = write_plan_report(engine, cfg, tmp_path / "report.html", built.plan_id).path
    with session_scope(engine) as session:
        stored_ops = session.exec(
            select(PlanOperation.id).where(PlanOperation.plan_id == built.plan_id)
        ).all()
        plans = {p.id: dict(p.kpis) for p in session.exec(select(Plan)).all()}

    browser.get(page.resolve().as_uri())
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(CHARTS_READY, 3))

    gantt = browser.execute_script(GANTT_FACTS)
    assert sorted(gantt["operation"]) == sorted(stored_ops)
    assert gantt["changeover"] == built.changeovers
    assert gantt["drawn"] == len(stored_ops) + built.changeovers

    seen = 0
    for plan_id, key, text in browser.execute_script(KPI_TEXT):
        spec = KPI_BY_KEY.get(key)
        stored = headline(plans[plan_id].get(key))
        if spec is None or stored is None:
            continue
        assert abs(parse_value(text) - stored) <= tolerance(spec.kind), (plan_id, key, text)
        seen += 1
    assert seen >= 2 * 8  # both plans' KPIs are on the page

    # zoom the Gantt to the plan's first day with its button, switch the forecast's style
    browser.find_element(By.CSS_SELECTOR, "#gantt .updatemenu-button").click()
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script(
            "return document.getElementById('gantt').layout.xaxis.range[0]"
        ).startswith("2026-11-30 08:00")
    )
    browser.execute_script(
        "const f = document.getElementById('forecast');"
        "const b = f.layout.updatemenus[0].buttons[1];"
        "return Plotly.update(f, b.args[0]);"
    )
    browser.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000

    browser.set_window_size(390, 844)  # a phone: the charts resize, tables scroll inside
    overflow = "return document.documentElement.scrollWidth - window.innerWidth;"
    try:
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(overflow) <= 1)
    except TimeoutException:
        pytest.fail(f"the page is {browser.execute_script(overflow)}px wider than a phone")
    browser.save_screenshot(str(tmp_path / "report-phone.png"))
    assert _severe(browser) == []
