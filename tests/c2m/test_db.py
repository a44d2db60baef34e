"""The database layer: the schema creates itself, natural keys hold, transactions are whole."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from c2m.db import database_url, open_engine, session_scope
from c2m.models import SalesSignal, Sku


def test_url_defaults_and_normalisation(monkeypatch):
    monkeypatch.delenv("C2M_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///c2m.db"
    monkeypatch.setenv("C2M_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_natural_keys_are_enforced_by_the_database(db_url):
    engine = open_engine(db_url)
    ts = dt.datetime(2026, 11, 3, 20, 15)
    with session_scope(engine) as session:
        session.add(SalesSignal(ts=ts, room_id="R1", sku="A-RED-M", clicks=5))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(SalesSignal(ts=ts, room_id="R1", sku="A-RED-M", clicks=7))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Sku(sku="A-RED-M", style="A", colour="RED", size="M"))
        session.add(Sku(sku="A-RED-M2", style="A", colour="RED", size="M"))


def test_failed_transaction_leaves_nothing(db_url):
    engine = open_engine(db_url)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Sku(sku="B-BLUE-L", style="B", colour="BLUE", size="L"))
        session.flush()
        raise RuntimeError("crash mid-transaction")
    with session_scope(engine) as session:
        assert session.exec(select(Sku)).all() == []
