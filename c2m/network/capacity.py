"""A workshop's sewing capacity in SAM-minutes per day, from its calendar and lines.

A line of ``n`` operators at efficiency ``e`` earns ``n x e`` SAM-minutes per working minute
(the planner sews ``SAM x units / (n x e)`` minutes, :mod:`c2m.planning.timing`), so a day's
capacity is that sum over the lines times the regular minutes of the day (shifts on workdays
that are not holidays). Overtime is counted apart, at its cost per SAM-minute, so the
allocation spends it as the workshop's planner would; a run's set-up (style changeover and
learning curve) is charged as an allowance of SAM-minutes per run and workshop
(:func:`setup_allowance`).
"""

from __future__ import annotations

import datetime as dt

from c2m.config import Calendar, FactoryConfig
from c2m.planning.timing import ramp_loss_days
from c2m.planning.working_time import regular_minutes_on


def overtime_minutes(calendar: Calendar, day: dt.date) -> float:
    """Overtime minutes the calendar allows on ``day`` (0 on a day off, as the planner does)."""
    if calendar.overtime is None or regular_minutes_on(calendar, day) == 0:
        return 0.0
    end, begin = calendar.overtime.end, calendar.overtime.start
    return float(end.hour * 60 + end.minute - begin.hour * 60 - begin.minute)


def daily_capacity(
    cfg: FactoryConfig,
    start: dt.date,
    days: int,
    category: str | None = None,
    overtime: bool = False,
) -> list[float]:
    """SAM-minutes per day for ``days`` days from ``start``: all lines, or only those that can
    sew ``category`` (an upper bound for that category alone, since lines are shared); the
    regular shifts' minutes, or with ``overtime`` the overtime window's."""
    rate = sum(
        line.operators * line.efficiency
        for line in cfg.lines
        if category is None or category in line.categories
    )
    minutes = overtime_minutes if overtime else regular_minutes_on
    return [rate * minutes(cfg.calendar, start + dt.timedelta(days=k)) for k in range(days)]


def overtime_cost_per_minute(cfg: FactoryConfig) -> float:
    """CNY per SAM-minute made in overtime: the calendar's cost per line-hour over a mean
    line's SAM-minutes per hour."""
    rates = [line.operators * line.efficiency for line in cfg.lines]
    return cfg.calendar.overtime_cost_per_hour / (60 * sum(rates) / len(rates))


def setup_allowance(cfg: FactoryConfig, category: str, load: float) -> int:
    """SAM-minutes a workshop loses taking on one style run of ``load`` SAM-minutes: a style
    changeover and the learning curve's ramp-up on a typical line that sews the category
    (:mod:`c2m.planning.timing`: the loss grows with the run's work towards ~0.9 days with
    the sample's figures). Without it the allocation fills a workshop to its regular minutes
    and the workshop's own plan, which pays set-ups, runs late."""
    rates = [ln.operators * ln.efficiency for ln in cfg.lines if category in ln.categories]
    if not rates or load <= 0:
        return 0
    rate = sum(rates) / len(rates)
    day = cfg.calendar.regular_hours_per_day * 60
    ramp_days = ramp_loss_days(load / (rate * day), cfg.learning) if day > 0 else 0.0
    return round(rate * (cfg.changeover.style_minutes + ramp_days * day))
