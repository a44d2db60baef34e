"""``c2m import sales`` end to end, as a merchandiser runs it: a real process, real files."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from c2m.db import open_engine
from c2m.importing import import_sales
from c2m.importing.values import parse_timestamp
from c2m.models import ImportBatch, SalesSignal
from cli import app

ISSUE_KEYS = {
    "files",
    "rows_read",
    "rows_imported",
    "rows_updated",
    "rows_unchanged",
    "rows_skipped",
    "rows_rejected",
    "errors",
}

MESSY_GBK = (
    "抖音电商罗盘-商品明细\n"
    "时间,直播间,款号,颜色,尺码,商品点击,加购数,成交件数,排名,价格,主播\n"
    '2026/11/3,抖音1号,HM2401,黑色,M,"1,234", 56 ,1.2万,1,￥59.90,小美\n'
    "2026/11/3,抖音1号,HM2401,黑色,L,80,9,-3,,59.9,小美\n"
    "2026-11-03 20:15:00,快手2号,HM2401,白色,S,12,3,2,,59.9,\n"
    "\n"
    "合计,,,,,1326,68,12002,,,\n"
)


def c2m(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_messy_gbk_file_with_chinese_headers_through_the_cli(db_url, tmp_path):
    path = tmp_path / "douyin_export.csv"
    path.write_bytes(MESSY_GBK.encode("gbk"))
    run = c2m("--db", db_url, "import", "sales", str(path), "--json", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    assert report.keys() >= ISSUE_KEYS
    assert report["files"] == [str(path)]
    assert report["rows_read"] == 5
    assert (report["rows_imported"], report["rows_skipped"], report["rows_rejected"]) == (2, 2, 1)
    [error] = report["errors"]
    assert error == {
        "file": str(path),
        "line": 4,
        "field": "orders",
        "message": error["message"],
    }
    assert "negative" in error["message"]
    assert sorted(report["new_skus"]) == ["HM2401-白色-S", "HM2401-黑色-M"]

    again = c2m("--db", db_url, "import", "sales", str(path), "--json", cwd=tmp_path)
    report = json.loads(again.stdout)
    assert (report["rows_imported"], report["rows_unchanged"]) == (0, 2)


def test_human_output_and_exit_codes(tmp_path):
    """In-process (Typer's runner) for speed; the same app object the console script runs."""
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    runner = CliRunner()
    good = tmp_path / "good.csv"
    good.write_text("date,room_id,sku,clicks,carts,orders\n2026-11-03,R1,A,3,1,1\n")
    run = runner.invoke(app, ["--db", url, "import", "sales", str(good)])
    assert run.exit_code == 0, run.stderr
    assert "1 new" in run.stdout and "new SKUs" in run.stdout

    junk = tmp_path / "junk.csv"
    junk.write_text("foo,bar\n1,2\n")
    run = runner.invoke(app, ["--db", url, "import", "sales", str(junk)])
    assert run.exit_code == 1
    assert "found columns: foo, bar" in run.stderr and "expected:" in run.stderr
    assert "Traceback" not in run.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("date,room_id,sku,clicks,carts,orders\n2026-11-03,R1,A,3,1,1\nx,R1,B,1,1,1\n")
    run = runner.invoke(app, ["--db", url, "import", "sales", str(bad)])
    assert run.exit_code == 2
    assert "line 3, date" in run.stderr

    dry = runner.invoke(app, ["--db", url, "import", "sales", str(good), "--dry-run", "--json"])
    assert json.loads(dry.stdout)["dry_run"] is True


def _big_sales_file(path: Path, rows: int) -> None:
    with path.open("w") as handle:
        handle.write("date,room_id,sku,clicks,carts,orders,rank,price\n")
        for i in range(rows):
            handle.write(f"2026-11-{1 + i % 28:02d},R{i % 4},S{i},9,3,1,,59.9\n")


def test_killed_mid_file_leaves_nothing_half_written(tmp_path):
    """SIGKILL (no chance to clean up) while the file is being written: nothing stays."""
    db = tmp_path / "c2m.db"
    url = f"sqlite:///{db}"
    path = tmp_path / "big.csv"
    # Big enough that a loaded machine still catches the import mid-file (200k rows once
    # finished between two polls on a shared 2-core box).
    _big_sales_file(path, 600_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", url, "import", "sales", str(path)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = Path(f"{db}-wal")
    deadline = time.monotonic() + 60
    try:
        # Uncommitted pages spill into the WAL once the page cache fills: the import is then
        # well into the file, with rows written but not committed.
        while time.monotonic() < deadline and process.poll() is None:
            if wal.exists() and wal.stat().st_size > 1_000_000:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(SalesSignal)).scalar_one() == 0
        assert connection.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    engine.dispose()
    # The database is intact, and importing again simply works.
    small = tmp_path / "small.csv"
    _big_sales_file(small, 10)
    assert import_sales([small], open_engine(url)).rows_imported == 10


SHIPPED_MESSY = Path(__file__).resolve().parents[3] / "c2m" / "data" / "sample_data" / "messy"


@pytest.mark.skipif(
    not (SHIPPED_MESSY / "douyin_export_gbk.csv").exists(), reason="sample data not generated"
)
def test_shipped_messy_export_reads_exactly_as_expected(db_url, tmp_path):
    """The sample world's messy Douyin export (GBK) gives the values its generator meant."""
    engine = open_engine(db_url)
    result = import_sales([SHIPPED_MESSY / "douyin_export_gbk.csv"], engine)
    assert result.rows_rejected == 1 and result.rows_skipped == 2
    with engine.connect() as connection:
        stored = {
            (r.ts, r.room_id, r.sku): (r.clicks, r.carts, r.orders, r.rank, r.price)
            for r in connection.execute(select(SalesSignal.__table__))
        }
    with (SHIPPED_MESSY / "douyin_export_expected.csv").open(encoding="utf-8") as handle:
        expected = {
            (parse_timestamp(r["date"]), r["room_id"], r["sku"]): (
                int(r["clicks"]),
                int(r["carts"]),
                int(r["orders"]),
                int(r["rank"]),
                float(r["price"]),
            )
            for r in csv.DictReader(handle)
        }
    assert stored == expected


def test_killed_mid_file_on_postgresql_leaves_nothing(postgres_url, tmp_path):
    """The same rule on PostgreSQL: the server rolls back the dead client's transaction."""
    path = tmp_path / "big.csv"
    # Big enough that a loaded machine still catches the import mid-file (200k rows once
    # finished between two polls on a shared 2-core box).
    _big_sales_file(path, 600_000)
    name = f"c2m_kill_{os.getpid()}_{int(time.time())}"
    url = f"{postgres_url}&application_name={name}"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", url, "import", "sales", str(path)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = create_engine(postgres_url)
    probe = text(
        "select count(*) from pg_stat_activity where application_name = :name "
        "and backend_xid is not null and query ilike '%c2m_stage_sales_signal%'"
    )
    deadline = time.monotonic() + 60
    try:
        # Sales rows are being written: the import has reached its staging table.
        while time.monotonic() < deadline and process.poll() is None:
            with watcher.connect() as connection:
                if connection.execute(probe, {"name": name}).scalar_one():
                    break
            time.sleep(0.05)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    with watcher.connect() as connection:
        assert connection.execute(select(func.count()).select_from(SalesSignal)).scalar_one() == 0
        assert connection.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0
    watcher.dispose()
