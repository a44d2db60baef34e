"""Uploads call the CLI's import: the dry run and the import give ``c2m import --json``'s
counts on the same files; the import commits exactly the checked bytes; nothing is lost
when a replan runs meanwhile."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from c2m.models import ImportBatch, SalesSignal
from c2m.replan.lock import lock_for
from cli import app as cli_app

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "c2m" / "data" / "sample_data"
# In the order a merchandiser imports them: the catalogue first, the messy GBK export last.
FILES = [
    ("catalog", SAMPLE / "catalog.csv"),
    ("fabric", SAMPLE / "fabric.csv"),
    ("inventory", SAMPLE / "inventory.csv"),
    ("orders", SAMPLE / "orders.csv"),
    ("schedule", SAMPLE / "schedule.csv"),
    ("sales", SAMPLE / "messy" / "douyin_export_gbk.csv"),
]
COUNTS = (
    "rows_read",
    "rows_imported",
    "rows_updated",
    "rows_unchanged",
    "rows_skipped",
    "rows_rejected",
)


def _cli_import(db_url: str, kind: str, path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli_app, ["--db", db_url, "import", kind, str(path), "--json", *extra]
    )
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.stdout)


def _comparable(result: dict) -> dict:
    """What must be equal between the CLI and the web: counts, and each problem's place."""
    return {
        **{key: result[key] for key in COUNTS},
        "errors": [(e["line"], e["field"], e["message"]) for e in result["errors"]],
        "warnings": [(w["line"], w["field"], w["message"]) for w in result["warnings"]],
        "new_rooms": result["new_rooms"],
        "new_skus": result["new_skus"],
    }


def _table_counts(page: str) -> dict[str, list[int]]:
    """The counts table of a dry-run or import page: file -> the six numbers."""
    rows = re.findall(r'<tr data-file="([^"]+)">(.*?)</tr>', page, re.S)
    return {
        name: [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', cells)]
        for name, cells in rows
    }


def _upload(client, csrf, files, kind="auto"):
    handles = [("files", (path.name, path.read_bytes(), "text/csv")) for _kind, path in files]
    return client.post("/imports/check", data={"csrf_token": csrf, "kind": kind}, files=handles)


def _commit_form(page: str, csrf: str) -> dict:
    form = re.search(r'<form method="post" action="/imports/commit".*?</form>', page, re.S)
    assert form, page[-800:]
    fields: dict[str, list[str]] = {"csrf_token": [csrf]}
    for name, value in re.findall(r'name="(sha256|name|kind|room)" value="([^"]*)"', form.group(0)):
        fields.setdefault(name, []).append(value)
    return fields


def test_dry_run_then_import_gives_the_clis_counts(web, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli_dry = f"sqlite:///{tmp_path / 'cli-dry.db'}"
    cli_url = f"sqlite:///{tmp_path / 'cli.db'}"
    client, csrf = web.login("merchandiser")

    checked = _upload(client, csrf, FILES)
    assert checked.status_code == 200, checked.text[-2000:]
    kinds = re.findall(r'name="kind" value="([a-z]+)"', checked.text)
    assert kinds == [kind for kind, _path in FILES]  # guessed from the headers
    shown = _table_counts(checked.text)
    for kind, path in FILES:  # a dry run of every file on the empty database
        expected = _cli_import(cli_dry, kind, path, "--dry-run")
        assert shown[path.name] == [expected[key] for key in COUNTS], path.name
    assert "line" in checked.text and 'class="num line">8<' in checked.text  # the messy row
    with web.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ImportBatch)).scalar() == 0

    done = client.post("/imports/commit", data=_commit_form(checked.text, csrf))
    assert done.status_code == 200, done.text[-2000:]
    imported = _table_counts(done.text)
    for kind, path in FILES:  # the imports, one after the other, as the CLI runs them
        expected = _cli_import(cli_url, kind, path)
        assert imported[path.name] == [expected[key] for key in COUNTS], path.name
    with web.engine.connect() as connection:
        signals = connection.execute(select(func.count()).select_from(SalesSignal)).scalar()
    assert signals == expected["rows_imported"]

    history = client.get("/imports").text
    assert history.count("<td>merchandiser</td>") == len(FILES)
    assert "douyin_export_gbk.csv" in history


def test_the_web_run_equals_the_cli_run_problem_for_problem(sqlite_web, tmp_path):
    """The messy GBK export: the same rejected lines, fields, messages and warnings."""
    from c2m_web import imports

    path = SAMPLE / "messy" / "douyin_export_gbk.csv"
    expected = _cli_import(f"sqlite:///{tmp_path / 'cli.db'}", "sales", path, "--dry-run")
    got = imports.run(sqlite_web.engine, "sales", path, path.name, dry_run=True)
    assert _comparable(got) == _comparable(expected)
    assert got["errors"] and all(e["file"] == path.name for e in got["errors"])


def test_a_file_changed_after_its_dry_run_is_not_imported(web):
    client, csrf = web.login("merchandiser")
    path = SAMPLE / "orders.csv"
    checked = _upload(client, csrf, [("orders", path)])
    form = _commit_form(checked.text, csrf)
    kept = web.upload_dir / form["sha256"][0] / path.name
    kept.write_bytes(kept.read_bytes() + b"PO-EVIL,TS-01-BLK-M,2026-12-24,999\n")
    response = client.post("/imports/commit", data=form)
    assert response.status_code == 409
    assert "changed since the dry run; nothing was imported" in response.text
    again = client.post("/imports/commit", data=form)  # and it stays refused
    assert again.status_code == 409
    with web.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ImportBatch)).scalar() == 0


def test_an_import_is_committed_once(web):
    client, csrf = web.login("merchandiser")
    checked = _upload(client, csrf, [("orders", SAMPLE / "orders.csv")])
    form = _commit_form(checked.text, csrf)
    assert client.post("/imports/commit", data=form).status_code == 200
    second = client.post("/imports/commit", data=form)
    assert second.status_code == 409 and "no longer waiting" in second.text
    with web.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ImportBatch)).scalar() == 1


def test_an_upload_while_a_replan_holds_its_lock_and_reads_loses_no_rows(web, tmp_path):
    """The replan's lock and its open reading transaction neither block nor lose an import."""
    path = SAMPLE / "sales.csv"
    expected = _cli_import(f"sqlite:///{tmp_path / 'cli.db'}", "sales", path)
    client, csrf = web.login("merchandiser")
    lock = lock_for(web.engine)
    lock.acquire()
    reader = web.engine.connect()
    try:
        transaction = reader.begin()
        before = reader.execute(select(func.count()).select_from(SalesSignal)).scalar()
        checked = _upload(client, csrf, [("sales", path)])
        done = client.post("/imports/commit", data=_commit_form(checked.text, csrf))
        assert done.status_code == 200
        transaction.rollback()
    finally:
        reader.close()
        lock.release()
    with web.engine.connect() as connection:
        signals = connection.execute(select(func.count()).select_from(SalesSignal)).scalar()
    assert before == 0 and signals == expected["rows_imported"] > 30000


@pytest.mark.slow
def test_uploads_during_a_real_replan_lose_no_rows(sqlite_web, tmp_path):
    """A real ``replan`` (forecast, CP-SAT, publish) runs while the sales are re-imported."""
    from c2m.config import load_config
    from c2m.replan import ReplanOptions, replan

    web = sqlite_web
    client, csrf = web.login("planner")
    first = [f for f in FILES if f[0] != "sales"] + [("sales", SAMPLE / "sales.csv")]
    checked = _upload(client, csrf, first)
    assert client.post("/imports/commit", data=_commit_form(checked.text, csrf)).status_code == 200
    with web.engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(SalesSignal)).scalar()
    outcome: dict = {}

    def night() -> None:
        now = dt.datetime(2026, 11, 24, 6, 0)  # the morning after the sample's last day
        options = ReplanOptions(now=now, time_limit=2.0, horizon_days=7)
        outcome["run"] = replan(web.engine, load_config(), options)

    thread = threading.Thread(target=night)
    thread.start()
    messy = SAMPLE / "messy" / "douyin_export_gbk.csv"
    expected = _cli_import(f"sqlite:///{tmp_path / 'cli.db'}", "sales", messy)
    checked = _upload(client, csrf, [("sales", messy)])
    done = client.post("/imports/commit", data=_commit_form(checked.text, csrf))
    thread.join()
    assert done.status_code == 200
    assert outcome["run"].exit_code == 0 and outcome["run"].plan_id is not None
    with web.engine.connect() as connection:
        after = connection.execute(select(func.count()).select_from(SalesSignal)).scalar()
    assert after == before + expected["rows_imported"]
    assert f"<td>{outcome['run'].run_id}</td>" in client.get("/nights").text


def test_a_catalogue_upload_is_checked_against_the_factory_as_the_cli_does(sqlite_web, tmp_path):
    """A category no line sews is named in the web's dry run exactly as `c2m import catalog`."""
    from c2m.config import load_config
    from c2m_web import imports

    path = tmp_path / "catalog.csv"
    path.write_text(
        "sku,style,colour,size,name,category\n"
        "SW1-BLK-M,SW1,BLK,M,泳衣,swimsuit\nSW1-BLK-L,SW1,BLK,L,泳衣,swimsuit\n",
        encoding="utf-8",
    )
    expected = _cli_import(f"sqlite:///{tmp_path / 'cli.db'}", "catalog", path, "--dry-run")
    got = imports.run(
        sqlite_web.engine, "catalog", path, path.name, dry_run=True, config=load_config()
    )
    assert _comparable(got) == _comparable(expected)
    assert any(
        "no configured line can sew 'swimsuit'" in w[2] for w in _comparable(got)["warnings"]
    )
