"""CSV import of live-room sales, catalogue, inventory, fabric, open orders and the rooms' calendar.

Each kind is one module (the rooms' calendar of broadcasts and promotions is
:mod:`~c2m.importing.room_calendar`); :mod:`c2m.importing.import_loop` holds the shared loop
(streaming, row rejection, one transaction per file), :mod:`~c2m.importing.import_result` what
an import did, :mod:`~c2m.importing.reading` the file handling,
:mod:`~c2m.importing.values` the cell parsers and :mod:`~c2m.importing.upsert` the counted,
idempotent writes. Every ``import_*`` function takes ``(paths, engine, *, dry_run, strict,
progress)`` and returns an :class:`ImportResult`.
"""

from c2m.importing.catalog import import_catalog
from c2m.importing.fabric import import_fabric
from c2m.importing.import_result import ImportResult, RowIssue
from c2m.importing.inventory import import_inventory
from c2m.importing.orders import import_orders
from c2m.importing.room_calendar import import_room_calendar
from c2m.importing.sales import import_sales

__all__ = [
    "ImportResult",
    "RowIssue",
    "import_catalog",
    "import_fabric",
    "import_inventory",
    "import_orders",
    "import_room_calendar",
    "import_sales",
]
