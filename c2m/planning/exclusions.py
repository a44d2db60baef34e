"""SKUs a plan leaves out, by name, instead of stopping: those no configured line can sew.

A catalogue with a hoodie in a shop without hoodie lines used to stop the whole plan at the
scheduling step. The floor can still make everything else, so the planner takes such SKUs out
of its inputs (forecast, open orders, stock) and the plan names them with the reason, in its
JSON (``kpis.excluded_skus``), the report and the replan's run. The key and reason are distinct
from SKUs missing from the catalogue, which :mod:`c2m.planning.db_inputs` reports itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from c2m.config import FactoryConfig
from c2m.planning.inputs import PlanningInputs

#: the ``reason`` of an SKU left out because no configured line sews its category
NO_LINE = "no_line_sews_category"


def without_unsewable(
    inputs: PlanningInputs, cfg: FactoryConfig
) -> tuple[PlanningInputs, list[dict[str, Any]]]:
    """``inputs`` without the SKUs whose style's category no line sews, and those SKUs as
    ``{"sku", "style", "category", "reason"}`` records (sorted by SKU). Fixed lots stay: they
    are on the floor already."""
    sewable = {category for line in cfg.lines for category in line.categories}
    out = []
    for sku, info in sorted(inputs.skus.items()):
        style = inputs.styles.get(info.style)
        if style is not None and style.category not in sewable:
            out.append(
                {"sku": sku, "style": info.style, "category": style.category, "reason": NO_LINE}
            )
    if not out:
        return inputs, []
    gone = {record["sku"] for record in out}
    forecast = inputs.forecast
    column = "unique_id" if "unique_id" in forecast.columns else "sku"
    kept = dataclasses.replace(
        inputs,
        skus={s: i for s, i in inputs.skus.items() if s not in gone},
        forecast=forecast[~forecast[column].isin(gone)].reset_index(drop=True),
        on_hand={s: q for s, q in inputs.on_hand.items() if s not in gone},
        open_orders=[o for o in inputs.open_orders if o.sku not in gone],
    )
    return kept, out
