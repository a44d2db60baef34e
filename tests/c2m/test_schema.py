"""Schema versions (Alembic): new databases start at head, old ones upgrade, wrong ones stop.

Each test runs on SQLite and PostgreSQL (``db_url``). The previous release's schema is what
``create_all`` made before migrations existed, so "upgrading the previous release" means:
build a database that way, fill it, and let c2m take it over.
"""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session, SQLModel, func, select
from typer.testing import CliRunner

from c2m.db import get_engine, open_engine, session_scope
from c2m.importing import import_sales
from c2m.models import Plan, SalesSignal, Sku, Style
from c2m.replan import ReplanOptions, replan
from c2m.schema import BASELINE, head, state, upgrade
from cli import app
from tests import worlds as world

runner = CliRunner()


# The tables revision 0002 added (the web page's users); a pre-migration database lacks them.
WEB_TABLES = {"app_user", "web_session", "import_upload"}
# The columns later revisions added to baseline tables (0003: the plan's network workshop).
ADDED_COLUMNS = (("plan", "workshop"),)


def _previous_release(url: str) -> None:
    """A database as c2m made it before migrations (create_all, no version), with data."""
    raw = create_engine(url)
    baseline = [t for name, t in SQLModel.metadata.tables.items() if name not in WEB_TABLES]
    SQLModel.metadata.create_all(raw, tables=baseline)
    with raw.begin() as connection:
        for table, column in ADDED_COLUMNS:
            connection.execute(text(f'ALTER TABLE "{table}" DROP COLUMN {column}'))
    with Session(raw) as session:
        session.add(Style(style="OLD", category="tshirt", fabric="F-TS1", fabric_per_unit=0.4))
        session.add(Sku(sku="OLD-BLK-M", style="OLD", colour="BLK", size="M"))
        session.add(
            SalesSignal(ts=dt.datetime(2026, 11, 2, 20), room_id="R1", sku="OLD-BLK-M", orders=3)
        )
        session.commit()
    assert "alembic_version" not in inspect(raw).get_table_names()
    raw.dispose()


def test_a_new_database_starts_at_the_newest_version(db_url):
    assert state(get_engine(db_url)).current is None
    open_engine(db_url)
    found = state(get_engine(db_url))
    assert found.current == head() and found.up_to_date


def test_the_migrations_build_exactly_the_models_schema(db_url):
    """An autogenerate diff after `c2m db upgrade` on an empty database must be empty: a model
    change without its revision fails here."""
    result = runner.invoke(app, ["--db", db_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_the_previous_release_upgrades_with_its_data_and_still_imports_and_plans(db_url, tmp_path):
    _previous_release(db_url)
    before = runner.invoke(app, ["--db", db_url, "db", "current", "--json"])
    assert '"current": null' in before.output
    result = runner.invoke(app, ["--db", db_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert state(get_engine(db_url)).current == head()
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        assert session.exec(select(Sku.sku)).all() == ["OLD-BLK-M"]
        assert session.exec(select(func.sum(SalesSignal.orders))).one() == 3

    path = tmp_path / "sales.csv"
    path.write_text("date,room_id,sku,clicks,carts,orders\n2026-11-03,R2,OLD-BLK-M,40,3,2\n")
    assert import_sales([path], engine).rows_imported == 1

    world.seed_replan_world(db_url, days=28)
    options = ReplanOptions(
        now=world.NOW, horizon_days=3, time_limit=1, forecast_method="moving_average"
    )
    outcome = replan(engine, world.replan_config(), options)
    assert outcome.exit_code == 0 and outcome.plan_id is not None
    with session_scope(engine) as session:
        assert session.get(Plan, outcome.plan_id).is_current


def test_a_pre_migration_database_is_refused_until_upgraded(db_url):
    """A nightly cron job must not change a schema behind everyone's back: the next command
    says what to do, changes nothing, and `c2m db upgrade` then brings it to the newest."""
    _previous_release(db_url)
    result = runner.invoke(app, ["--db", db_url, "plans", "--json"])
    assert result.exit_code == 1, result.output
    assert "predates schema versions" in result.output and "c2m db upgrade" in result.output
    assert "Traceback" not in result.output
    assert state(get_engine(db_url)).current is None
    assert runner.invoke(app, ["--db", db_url, "db", "upgrade"]).exit_code == 0
    assert state(get_engine(db_url)).current == head() != BASELINE


def test_a_database_older_than_the_code_is_refused_then_upgraded_with_its_data(db_url):
    """A database at the baseline (0001, before the web page's tables) with data in it."""
    engine = get_engine(db_url)
    upgrade(engine, db_url, BASELINE)
    with session_scope(engine) as session:
        session.add(Style(style="OLD", category="tshirt", fabric="F-TS1", fabric_per_unit=0.4))
    get_engine.cache_clear()
    for args in (["plans"], ["init"]):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 1, result.output
        assert f"schema version {BASELINE}, older than this c2m-planner" in result.output
    assert runner.invoke(app, ["--db", db_url, "db", "upgrade"]).exit_code == 0
    with session_scope(open_engine(db_url)) as session:
        assert session.exec(select(Style.style)).all() == ["OLD"]
    assert state(get_engine(db_url)).current == head()


def _set_version(url: str, revision: str) -> None:
    open_engine(url)
    with get_engine(url).begin() as connection:
        connection.execute(text("update alembic_version set version_num = :v"), {"v": revision})


def test_a_database_newer_than_the_code_is_refused_with_one_sentence(db_url):
    _set_version(db_url, "9999")
    get_engine.cache_clear()
    for args in (["plans"], ["db", "upgrade"], ["init"]):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 1, result.output
        assert "schema version 9999, newer than this c2m-planner" in result.output
        assert "Traceback" not in result.output


def test_db_current_says_where_the_database_stands(db_url):
    result = runner.invoke(app, ["--db", db_url, "db", "current"])
    assert result.exit_code == 0 and "a new database" in result.output
    open_engine(db_url)
    result = runner.invoke(app, ["--db", db_url, "db", "current"])
    assert f"schema {head()}; this c2m needs {head()}: up to date" in result.output
