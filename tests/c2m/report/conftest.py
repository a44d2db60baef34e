"""A small plan builder: writes a realistic plan straight into the tables.

The report must not depend on how the planner makes plans, only on what a stored plan holds,
so these tests build plans by hand: lots of a few styles placed on the sample factory's lines
in working time (an independent, simple placement: no report code is used), with changeovers,
optional late lots, overtime, fabric shortages, a forecast run and live-room history.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from c2m.config import WEEKDAYS, FactoryConfig, load_config
from c2m.db import open_engine, session_scope
from c2m.models import (
    ForecastRun,
    ForecastValue,
    Lot,
    LotItem,
    Plan,
    PlanOperation,
    SalesSignal,
    Sku,
    Style,
)

START = dt.datetime(2026, 11, 30, 8, 0)  # a Monday morning
STYLES = [
    ("TS-01", "tshirt", 4.5),
    ("PO-02", "polo", 13.0),
    ("HD-03", "hoodie", 12.0),
    ("JN-04", "jeans", 14.0),
    ("SH-05", "shirt", 18.0),
    ("DR-06", "dress", 15.0),
]
COLOURS = ["BLACK", "WHITE"]
SIZES = ["S", "M", "L"]


@dataclass
class Built:
    plan_id: int
    operations: int
    changeovers: int
    late_lots: int
    kpis: dict
    op_ids: list[int] = field(default_factory=list)


def _windows(cfg: FactoryConfig, overtime: bool, days: int = 40) -> list[tuple]:
    out = []
    for k in range(days):
        day = START.date() + dt.timedelta(days=k)
        if WEEKDAYS[day.weekday()] not in cfg.calendar.workdays or day in cfg.calendar.holidays:
            continue
        shifts = list(cfg.calendar.shifts)
        if overtime and cfg.calendar.overtime:
            shifts.append(cfg.calendar.overtime)
        for s in shifts:
            out.append((dt.datetime.combine(day, s.start), dt.datetime.combine(day, s.end)))
    return sorted(out)


def _place(windows, earliest: dt.datetime, minutes: float) -> tuple[dt.datetime, dt.datetime]:
    """Start at the first working minute >= earliest, pause outside windows."""
    left = minutes
    start = None
    for a, b in windows:
        if b <= earliest:
            continue
        lo = max(a, earliest)
        if start is None:
            start = lo
        span = (b - lo).total_seconds() / 60
        if span >= left:
            return start, lo + dt.timedelta(minutes=left)
        left -= span
    raise AssertionError("calendar too short for the test plan")


def build_plan(
    engine,
    cfg: FactoryConfig,
    *,
    mode: str = "c2m",
    lots: int = 18,
    late: int = 0,
    overtime: bool = False,
    shortages: bool = False,
    with_signals: bool = True,
    lot_size: int = 60,
    seed: int = 1,
) -> Built:
    rng = random.Random(seed)
    windows = _windows(cfg, overtime)
    with session_scope(engine) as s:
        if s.get(Style, STYLES[0][0]) is None:
            for style, category, sam in STYLES:
                s.add(
                    Style(
                        style=style,
                        category=category,
                        sam_minutes=sam,
                        fabric=f"F-{category}",
                        fabric_per_unit=1.2,
                    )
                )
                for colour in COLOURS:
                    for size in SIZES:
                        s.add(
                            Sku(
                                sku=f"{style}-{colour}-{size}",
                                style=style,
                                colour=colour,
                                size=size,
                            )
                        )
            if with_signals:
                for k in range(1, 29):
                    day = START.date() - dt.timedelta(days=k)
                    for style, _, _ in STYLES:
                        for colour in COLOURS:
                            for size in SIZES:
                                for room in ("R1", "R2"):
                                    s.add(
                                        SalesSignal(
                                            ts=dt.datetime.combine(day, dt.time(20, 0)),
                                            room_id=room,
                                            sku=f"{style}-{colour}-{size}",
                                            clicks=rng.randint(50, 400),
                                            orders=rng.randint(0, 12),
                                            rank=rng.randint(1, 40),
                                        )
                                    )
        run = ForecastRun(origin=START.date() - dt.timedelta(days=1), horizon=14, series=36)
        s.add(run)
        s.flush()
        for style, _, _ in STYLES:
            for colour in COLOURS:
                for size in SIZES:
                    for k in range(14):
                        mean = 5 + rng.random() * 4
                        s.add(
                            ForecastValue(
                                run_id=run.id,
                                sku=f"{style}-{colour}-{size}",
                                ds=START.date() + dt.timedelta(days=k),
                                yhat=mean,
                                q10=mean * 0.5,
                                q50=mean,
                                q80=mean * 1.3,
                                q90=mean * 1.6,
                            )
                        )
        plan = Plan(
            mode=mode,
            start=START,
            horizon_days=14,
            status="feasible",
            objective=12345.0,
            bound=11000.0,
            gap=0.109,
            seconds=3.2,
            forecast_run_id=run.id,
            is_current=True,
        )
        s.add(plan)
        s.flush()
        line_free = {line.id: START for line in cfg.lines}
        line_last: dict[str, tuple[str, str] | None] = {line.id: None for line in cfg.lines}
        cut_free = {"CUT-1": START, "CUT-2": START}
        fin_free = {"FIN-1": START, "FIN-2": START}
        n_ops = n_setups = n_late = 0
        op_ids: list[int] = []
        units = 0
        setup_total = 0
        for i in range(lots):
            style, category, sam = STYLES[i % len(STYLES)]
            colour = COLOURS[(i // len(STYLES)) % 2]
            quantity = lot_size * (1 + i % 3) if mode == "c2m" else lot_size * 6
            units += quantity
            cut = min(cut_free, key=cut_free.get)
            c0, c1 = _place(windows, cut_free[cut], 40 + 0.25 * quantity)
            cut_free[cut] = c1
            eligible = cfg.lines_for(category)
            line = min(eligible, key=lambda ln: line_free[ln.id])
            last = line_last[line.id]
            # a new style costs a changeover plus learning-curve minutes, a colour a thread change
            learning = 30 if last is not None and last[0] != style else 0
            setup = (
                0
                if last is None
                else (90 if last[0] != style else (20 if last[1] != colour else 0))
            ) + learning
            earliest = max(c1 + dt.timedelta(minutes=30), line_free[line.id])
            if setup:
                _, earliest = _place(windows, max(line_free[line.id], START), setup)
                earliest = max(earliest, c1 + dt.timedelta(minutes=30))
            s0, s1 = _place(windows, earliest, quantity * sam / (line.operators * line.efficiency))
            line_free[line.id] = s1
            line_last[line.id] = (style, colour)
            fin = min(fin_free, key=fin_free.get)
            f0, f1 = _place(
                windows, max(fin_free[fin], s1 + dt.timedelta(minutes=30)), 15 + 0.6 * quantity
            )
            fin_free[fin] = f1
            is_late = i >= lots - late
            due = f1 - dt.timedelta(hours=5) if is_late else f1 + dt.timedelta(days=1)
            lot = Lot(
                plan_id=plan.id,
                code=f"{mode}-{style}-{colour}-{i:03d}",
                style=style,
                colour=colour,
                quantity=quantity,
                need_date=due.date(),
                due=due,
                release=START,
                fabric=f"F-{category}",
                fabric_quantity=1.2 * quantity,
                late_minutes=int((f1 - due).total_seconds() // 60) if is_late else 0,
                fixed=i == 0,
            )
            s.add(lot)
            s.flush()
            per = quantity // len(SIZES)
            for k, size in enumerate(SIZES):
                q = per if k < len(SIZES) - 1 else quantity - per * (len(SIZES) - 1)
                s.add(LotItem(lot_id=lot.id, sku=f"{style}-{colour}-{size}", quantity=q))
            for step, resource, a, b, su, learn in (
                ("cut", cut, c0, c1, 0, 0),
                ("sew", line.id, s0, s1, setup, learning),
                ("finish", fin, f0, f1, 0, 0),
            ):
                op = PlanOperation(
                    plan_id=plan.id,
                    lot_id=lot.id,
                    step=step,
                    resource=resource,
                    start=a,
                    end=b,
                    setup_minutes=su,
                    learning_minutes=learn,
                    fixed=i == 0,
                )
                s.add(op)
                s.flush()
                op_ids.append(op.id)
                n_ops += 1
                n_setups += su > 0
                setup_total += su
            n_late += is_late
        kpis = {
            "lots": lots,
            "planned_units": units,
            "mean_lot_size": units / lots if lots else 0.0,
            "changeovers": n_setups,
            "changeover_hours": setup_total / 60,
            "utilisation": {line.id: round(0.4 + 0.07 * k, 4) for k, line in enumerate(cfg.lines)},
            "overtime_hours": 6.5 if overtime else 0.0,
            "fill_rate": 0.9346 if mode == "c2m" else 0.8123,
            "late_lots": n_late,
            "end_inventory_units": 420 if mode == "c2m" else 2650,
        }
        if shortages:
            kpis["fabric_shortages"] = [
                {"fabric": "F-jeans", "short": 84.5, "unit": "m", "lots": ["c2m-JN-04-BLACK-003"]},
                {"fabric": "F-shirt", "short": 12.0, "unit": "m", "lots": []},
            ]
        plan.kpis = kpis
        s.add(plan)
        return Built(int(plan.id), n_ops, n_setups, n_late, kpis, op_ids)


@pytest.fixture
def cfg() -> FactoryConfig:
    return load_config()


@pytest.fixture
def engine(sqlite_url):
    return open_engine(sqlite_url)


class StrictHTML(HTMLParser):
    """Fails on unbalanced tags: html.parser itself accepts almost anything."""

    VOID = frozenset(
        {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr", "area", "base"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.doctype = False
        self.ids: dict[str, int] = {}

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id":
                self.ids[value] = self.ids.get(value, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def check_html(text: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    assert parser.doctype, "no <!DOCTYPE html>"
    assert not parser.problems, parser.problems[:5]
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    duplicated = [k for k, n in parser.ids.items() if n > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    return parser


@pytest.fixture
def valid_html():
    """``valid_html(text)`` asserts the page parses with balanced tags and unique ids."""
    return check_html


@pytest.fixture
def make_plan(engine, cfg):
    """``make_plan(**options)`` writes a plan into the test's database (see build_plan)."""

    def make(**options) -> Built:
        return build_plan(engine, cfg, **options)

    return make


@pytest.fixture
def build():
    """``build(engine, cfg, **options)``: the plan builder for a database of the test's choice."""
    return build_plan
