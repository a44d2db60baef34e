"""SKUs that sell but are not in the catalogue yet: planned without, named, never a stop.

A live room lists a new product in the evening; the catalogue export that describes it
(style, fabric, sewing minutes) often comes days later. Until then nothing can be made of
it — no style, no fabric, no line — but stopping the whole night's plan for it blocked
every other SKU as well. So the planner sets such SKUs aside and names them (``skipped_skus``
in the plan's JSON and KPIs, ``c2m runs``, the report); once the catalogue has them, the next
plan includes them. ``strict`` keeps the old stop for a planner who wants it.
"""

from __future__ import annotations

import dataclasses

from c2m.errors import DataError
from c2m.planning.inputs import PlanningInputs
from c2m.planning.netting import normalise_forecast


def unknown_skus(inputs: PlanningInputs) -> list[str]:
    """SKUs the forecast or an open order names that the catalogue does not, sorted."""
    forecast = normalise_forecast(inputs.forecast)
    named = set(forecast["sku"]) | {order.sku for order in inputs.open_orders}
    return sorted(named - set(inputs.skus))


def set_aside_unknown(inputs: PlanningInputs, strict: bool) -> tuple[PlanningInputs, list[str]]:
    """``inputs`` without the forecast rows and orders of unknown SKUs, and those SKUs.

    ``strict``: raise :class:`DataError` naming the first instead (exit 65), as before.
    """
    unknown = unknown_skus(inputs)
    if not unknown:
        return inputs, []
    if strict:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise DataError(
            f"SKU {unknown[0]!r} sells but is not in the catalogue{more}; import the catalogue, "
            "or plan without --strict to set it aside"
        )
    skip = set(unknown)
    forecast = inputs.forecast
    column = "sku" if "sku" in forecast.columns else "unique_id"  # as normalise_forecast reads
    kept = forecast[~forecast[column].astype(str).isin(skip)].reset_index(drop=True)
    orders = [order for order in inputs.open_orders if order.sku not in skip]
    return dataclasses.replace(inputs, forecast=kept, open_orders=orders), unknown


def skipped_message(skipped: list[str]) -> str:
    """The warning a planner reads: which SKUs, and what makes them plannable."""
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    shown = ", ".join(skipped[:10]) + more
    return (
        f"{len(skipped)} SKU(s) not in the catalogue were left out of the plan: {shown}; "
        "import the catalogue to plan them"
    )
