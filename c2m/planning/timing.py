"""How long each step of a lot takes, and what a change of style costs on a sewing line.

Sewing minutes of a lot on a line are ``SAM x quantity / (operators x efficiency)``, the
line's steady output. A **new style** does not run at steady output: operators learn it. We
use the exponential learning curve ``e(t) = 1 - (1 - s0) exp(-k t)`` (share of steady
efficiency after ``t`` working days on the style), with ``s0 = learning.start_efficiency``
and ``k`` such that ``e(days_to_steady) = steady_share``. A lot of ``W`` steady working days
then takes ``T`` days with ``T - a (1 - exp(-k T)) = W``, ``a = (1 - s0) / k``; the loss
``T - W`` rises with ``W`` towards ``a`` (about 0.9 days with the sample's figures), so a
50-piece lot can lose as much time again as it needs, while a 2000-piece lot barely notices.

**How the loss enters the schedule**: as part of the sequence-dependent changeover *into a
different style*. CP-SAT's setups are exact, so the solver sees the true cost of every
sequence: running two colours of one style back to back costs a thread change only
(``colour_minutes``) and no new ramp-up, while alternating styles pays ``style_minutes`` or
``category_minutes`` plus the ramp-up every time. The ramp-up of a class is computed for the
class's typical (mean) lot work on that line, which is exact for a style that runs as one lot
and slightly low for a run of several lots of one style (the loss is concave in the work);
it is charged as line time before the lot, which is the same line time the slower start
costs. A line whose current set-up is unknown (class 0) pays ``style_minutes`` plus the
ramp-up for its first lot, so a fresh plan cannot dodge the learning curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from c2m.config import FactoryConfig, Learning, SewingLine

UNKNOWN = 0  # setup class of a line whose current style is not known


def learning_rate(cfg: Learning) -> float:
    """``k`` per working day so that efficiency reaches ``steady_share`` on ``days_to_steady``."""
    gap0 = 1 - cfg.start_efficiency
    gap1 = 1 - cfg.steady_share
    if gap0 <= 0:
        return math.inf
    if gap1 >= gap0:  # already steady enough on day one
        return math.inf
    return math.log(gap0 / gap1) / cfg.days_to_steady


def ramp_loss_days(work_days: float, cfg: Learning) -> float:
    """Extra working days a lot of ``work_days`` steady days needs on a new style."""
    k = learning_rate(cfg)
    if work_days <= 0 or math.isinf(k):
        return 0.0
    a = (1 - cfg.start_efficiency) / k
    t = work_days + a  # Newton on f(T) = T - a(1 - e^{-kT}) - W, from above (convex, so safe)
    for _ in range(50):
        f = t - a * (1 - math.exp(-k * t)) - work_days
        df = 1 - a * k * math.exp(-k * t)
        step = f / df if df > 1e-12 else 0.0
        t -= step
        if abs(step) < 1e-9:
            break
    return max(t - work_days, 0.0)


def sew_minutes(
    sam: float, quantity: int, line: SewingLine, colours: int, cfg: FactoryConfig
) -> int:
    """Steady sewing minutes on ``line`` (plus colour changes inside a multi-colour lot)."""
    minutes = sam * quantity / (line.operators * line.efficiency)
    minutes += max(colours - 1, 0) * cfg.changeover.colour_minutes
    return max(1, math.ceil(minutes))


def station_minutes(per_lot: float, per_unit: float, quantity: int) -> int:
    return max(1, math.ceil(per_lot + per_unit * quantity))


@dataclass(frozen=True)
class SetupClass:
    """A changeover class: what a line is set up for."""

    style: str | None
    colour: str | None
    category: str | None


def changeover_minutes(a: SetupClass, b: SetupClass, cfg: FactoryConfig) -> int:
    """Pure changeover from ``a`` to ``b`` (no learning): category > style > colour."""
    co = cfg.changeover
    if a == b:
        return 0
    if a.style is None:
        return math.ceil(co.style_minutes)
    if a.category != b.category:
        return math.ceil(co.category_minutes)
    if a.style != b.style:
        return math.ceil(co.style_minutes)
    return math.ceil(co.colour_minutes)


def setup_matrix(
    classes: Sequence[SetupClass],
    ramp: Mapping[int, int],
    cfg: FactoryConfig,
    base: np.ndarray | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Class x class setup minutes of one line: changeover plus the ramp-up of a new style.

    ``ramp[b]``: ramp-up minutes of class ``b`` on this line (its typical lot). ``base``:
    the line-independent :func:`changeover_matrix`, when the caller already has it (a
    thousand classes on sixty lines is sixty million entries: numpy, not loops).
    """
    if base is None:
        base = changeover_matrix(classes, cfg)
    styles = _codes([c.style for c in classes])
    extra = np.zeros(len(classes), dtype=np.int64)
    for j, minutes in ramp.items():
        extra[j] = minutes
    new_style = (styles[:, None] != styles[None, :]) & (styles[None, :] >= 0)
    matrix = base + np.where(new_style, extra[None, :], 0)
    return tuple(map(tuple, matrix.tolist()))


def changeover_matrix(classes: Sequence[SetupClass], cfg: FactoryConfig) -> np.ndarray:
    """:func:`changeover_minutes` for every pair of classes, vectorised."""
    co = cfg.changeover
    style = _codes([c.style for c in classes])
    colour = _codes([c.colour for c in classes])
    category = _codes([c.category for c in classes])
    same = (
        (style[:, None] == style[None, :])
        & (colour[:, None] == colour[None, :])
        & (category[:, None] == category[None, :])
    )
    minutes = np.where(
        style[:, None] < 0,
        math.ceil(co.style_minutes),
        np.where(
            category[:, None] != category[None, :],
            math.ceil(co.category_minutes),
            np.where(
                style[:, None] != style[None, :],
                math.ceil(co.style_minutes),
                math.ceil(co.colour_minutes),
            ),
        ),
    )
    return np.where(same, 0, minutes).astype(np.int64)


def _codes(values: Sequence[str | None]) -> np.ndarray:
    """Integer codes of the values, -1 for None (equal values, equal codes)."""
    index: dict[str, int] = {}
    return np.array(
        [-1 if v is None else index.setdefault(v, len(index)) for v in values], dtype=np.int64
    )


def day_minutes(cfg: FactoryConfig) -> float:
    """Regular working minutes in a day: the unit the learning curve counts in."""
    return cfg.calendar.regular_hours_per_day * 60
