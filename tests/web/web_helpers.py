"""Helpers the web tests share: the test users' password, a login, the CSRF token of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
ROLES = ("merchandiser", "planner", "admin")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Web:
    """One server: its app, database engine, upload folder, and a way to open browsers."""

    app: object
    engine: object
    db_url: str
    upload_dir: Path

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def login(self, name: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        """A client logged in as ``name`` and the CSRF token its forms carry."""
        client = self.client()
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client, csrf_of(client.get("/nights").text)


def write_small_plan(engine, style: str = "TS-01", lots: int = 3) -> int:
    """A current C2M plan of a few lots sewn one after another on the first line, written
    straight into the tables (the page reads stored plans; how they were made is not its
    business). Returns the plan id."""
    import datetime as dt

    from c2m.config import load_config
    from c2m.db import session_scope
    from c2m.models import Lot, LotItem, Plan, PlanOperation, Sku, Style

    line = load_config().lines[0].id
    start = dt.datetime(2026, 11, 30, 8, 0)
    with session_scope(engine) as session:
        session.add(Style(style=style, category="tshirt", sam_minutes=4.5))
        session.add(Sku(sku=f"{style}-BLK-M", style=style, colour="BLK", size="M"))
        plan = Plan(mode="c2m", start=start, horizon_days=7, status="optimal", is_current=True,
                    kpis={"lots": lots, "planned_units": 60 * lots, "fill_rate": 0.97})  # fmt: skip
        session.add(plan)
        session.flush()
        for index in range(lots):
            begin = start + dt.timedelta(days=index, hours=1)
            lot = Lot(plan_id=plan.id, code=f"{style}-L{index}", style=style, colour="BLK",
                      quantity=60, need_date=begin.date() + dt.timedelta(days=3),
                      due=begin + dt.timedelta(days=3), release=begin)  # fmt: skip
            session.add(lot)
            session.flush()
            session.add(LotItem(lot_id=lot.id, sku=f"{style}-BLK-M", quantity=60))
            session.add(PlanOperation(plan_id=plan.id, lot_id=lot.id, step="sew", resource=line,
                                      start=begin, end=begin + dt.timedelta(hours=4),
                                      setup_minutes=15))  # fmt: skip
        return int(plan.id)
