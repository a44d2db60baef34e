"""The kinds of file a factory imports, in the one order they can be imported.

One table for every front door: the demo imports the sample files in this order, and the
web page lists the kinds, guesses a file's kind from its header and runs the same function
``c2m import KIND`` runs. The order matters: the catalogue names the SKUs that the stock,
the open orders and the live rooms' sales refer to, so it comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from c2m.importing.catalog import CatalogImporter, import_catalog
from c2m.importing.fabric import FabricImporter, import_fabric
from c2m.importing.import_result import ImportResult
from c2m.importing.inventory import InventoryImporter, import_inventory
from c2m.importing.orders import OrdersImporter, import_orders
from c2m.importing.room_calendar import RoomCalendarImporter, import_room_calendar
from c2m.importing.sales import SalesImporter, import_sales


@dataclass(frozen=True)
class ImportKind:
    """One kind of file: what a person calls it, how it is imported, and a fresh importer
    whose ``columns``/``check_header`` tell whether a header is of this kind."""

    label: str
    run: Callable[..., ImportResult]
    header_checker: Callable[[], Any]


KINDS: dict[str, ImportKind] = {
    "catalog": ImportKind("Catalogue", import_catalog, CatalogImporter),
    "inventory": ImportKind("Inventory", import_inventory, InventoryImporter),
    "fabric": ImportKind("Fabric", import_fabric, FabricImporter),
    "orders": ImportKind("Open orders", import_orders, OrdersImporter),
    "sales": ImportKind("Live-room sales", import_sales, lambda: SalesImporter(room="(any)")),
    "schedule": ImportKind("Room schedule", import_room_calendar, RoomCalendarImporter),
}
