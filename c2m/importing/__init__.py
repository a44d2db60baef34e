"""CSV import of live-room sales, catalogue, inventory, fabric and open orders.

Each kind is one module; :mod:`c2m.importing.base` holds the shared loop (streaming, row
rejection, one transaction per file), :mod:`~c2m.importing.reading` the file handling and
:mod:`~c2m.importing.values` the cell parsers.
"""

from c2m.importing.result import ImportResult, RowIssue
from c2m.importing.sales import import_sales

__all__ = ["ImportResult", "RowIssue", "import_sales"]
