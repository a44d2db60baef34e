"""The plan and nights pages: the report's figures, the work orders, the downloads (equal to
``c2m export``), and "replan now" through the cron lock."""

from __future__ import annotations

import csv
import io
import threading
import zipfile

from sqlmodel import select
from web_helpers import write_small_plan

from c2m.config import load_config
from c2m.db import session_scope
from c2m.export import work_orders
from c2m.models import ReplanRun
from c2m.replan.lock import lock_for


def test_the_plan_page_shows_kpis_gantt_load_and_work_orders(web):
    plan_id = write_small_plan(web.engine)
    client, _csrf = web.login("merchandiser")
    page = client.get("/plan").text
    assert f"Plan {plan_id} · c2m" in page
    assert 'id="gantt"' in page and "Plotly.newPlot" in page and 'id="load"' in page
    assert '<script src="/plotly.min.js"></script>' in page
    assert "97.0" in page  # the stored fill rate, as the report formats it
    assert page.count("<td>TS-01-L") == 3
    assert 'id="download-csv"' not in page  # downloads are for planners
    line = load_config().lines[0].id
    one_day = client.get(f"/plan?plan_id={plan_id}&line={line}&day=2026-12-01").text
    assert one_day.count("<td>TS-01-L") == 1
    assert "is not a date" in client.get("/plan?day=yesterday").text
    assert client.get("/plan?plan_id=999").status_code == 404
    script = client.get("/plotly.min.js")
    assert script.status_code == 200 and len(script.content) > 1_000_000


def test_the_page_without_a_plan_says_how_to_get_one(web):
    client, _csrf = web.login("planner")
    page = client.get("/plan")
    assert page.status_code == 200 and "There is no plan yet" in page.text


def test_a_style_holding_markup_is_escaped_on_the_plan_page(web):
    write_small_plan(web.engine, style="<script>x</script>")
    client, _csrf = web.login("planner")
    page = client.get("/plan").text
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_planners_download_what_c2m_export_writes(web, tmp_path):
    plan_id = write_small_plan(web.engine)
    client, _csrf = web.login("planner")
    page = client.get("/plan").text
    assert 'id="download-csv"' in page
    got = client.get(f"/plan/{plan_id}/work_orders.csv")
    assert got.status_code == 200
    assert "attachment" in got.headers["content-disposition"]
    with session_scope(web.engine) as session:
        expected = work_orders(session, plan_id, load_config())
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["lot_id"] for r in rows] == [r["lot_id"] for r in expected]
    assert sum(int(r["quantity"]) for r in rows) == 180
    xlsx = client.get(f"/plan/{plan_id}/work_orders.xlsx")
    assert xlsx.status_code == 200
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()
    report = client.get(f"/plan/{plan_id}/report.html")
    assert report.status_code == 200 and "Gantt by line" in report.text
    assert client.get(f"/plan/{plan_id}/work_orders.pdf").status_code == 400


def test_replan_now_says_busy_while_crons_replan_holds_the_lock(web):
    client, csrf = web.login("planner")
    lock = lock_for(web.engine)
    lock.acquire()
    try:
        response = client.post("/nights/replan", data={"csrf_token": csrf})
    finally:
        lock.release()
    assert response.status_code == 409
    assert "busy: another replan is running" in response.text
    with session_scope(web.engine) as session:
        runs = session.exec(select(ReplanRun)).all()
    assert [(r.status, r.plan_id) for r in runs] == [("busy", None)]


def test_replan_now_runs_crons_replan_and_the_nights_page_lists_it(web):
    client, csrf = web.login("planner")
    response = client.post("/nights/replan", data={"csrf_token": csrf})
    assert response.status_code == 202
    assert "replan run 1 started" in response.text
    for thread in threading.enumerate():
        if thread.name == "c2m-replan":
            thread.join()
    with session_scope(web.engine) as session:
        (run,) = session.exec(select(ReplanRun)).all()
    assert run.status == "failed"  # an empty database: nothing to forecast
    page = client.get("/nights").text
    assert "<td>failed</td>" in page and run.message.split(";")[0][:30] in page


def test_the_nights_page_shows_a_runs_warnings_escaped(web):
    """What a replan warned of stays with its run: a planner reads it the next morning."""
    with session_scope(web.engine) as session:
        session.add(
            ReplanRun(
                status="published",
                exit_code=0,
                message="plan 3 published",
                phases={"warnings": ["SKU <b>X</b> is not in the catalogue"]},
            )
        )
    client, _ = web.login("merchandiser")
    page = client.get("/nights").text
    assert "warning: SKU &lt;b&gt;X&lt;/b&gt; is not in the catalogue" in page
