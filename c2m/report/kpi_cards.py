"""Which plan KPIs the report shows as cards, and how a shown number is read back.

Labels, kinds and the number format come from :mod:`c2m.planning.kpi_registry`, so the page,
the CLI and the browser test (which reads the numbers back off the page with
:func:`parse_value`) agree. KPIs the planner stores that are not registered still appear,
under their key, when they are plain numbers.
"""

from __future__ import annotations

import math
from typing import Any

from c2m.planning.kpi_registry import KPI_BY_KEY, KPIS, KpiKind, KpiSpec, spec_for

# Shown inside another card already (the mean of the per-line utilisation card).
HIDDEN = frozenset({"mean_utilisation"})


def parse_value(text: str) -> float:
    """The number behind a formatted value's text (a percentage comes back as a share)."""
    cleaned = text.replace(",", "").replace("\u00a0", " ").strip()
    if cleaned.endswith("%"):
        return float(cleaned.removesuffix("%").strip()) / 100
    return float(cleaned)


def tolerance(kind: KpiKind | str) -> float:
    """How far a shown number may be from the stored one, given its rounding."""
    return (0.0005 if kind == KpiKind.SHARE else 0.005) + 1e-9


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool): what a card can show."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def headline(value: Any) -> float | None:
    """A KPI as one number: per-line dicts (utilisation) become their mean."""
    if is_number(value):
        return float(value)
    if isinstance(value, dict):
        numbers = [float(v) for v in value.values() if is_number(v)]
        return sum(numbers) / len(numbers) if numbers else None
    return None


def shown_kpis(*kpi_dicts: dict[str, Any]) -> list[KpiSpec]:
    """The specs to show for these plans: registered ones present in any, then other numbers."""
    per_line = any(isinstance(k.get("utilisation"), dict) for k in kpi_dicts)
    hidden = HIDDEN if per_line else frozenset()
    present = [
        spec
        for spec in KPIS
        if spec.shown
        and spec.key not in hidden
        and any(headline(kpis.get(spec.key)) is not None for kpis in kpi_dicts)
    ]
    extra = sorted(
        {key for kpis in kpi_dicts for key, value in kpis.items() if is_number(value)}
        - set(KPI_BY_KEY)
    )
    return present + [spec_for(key) for key in extra]
