"""What an import needs to know of the factory, the same for every face (CLI and web page).

A catalogue import names the categories no configured line can sew, and a sales import warns
about dates far outside the stored history; both read the factory config. Kept here so the
web page's upload checks a file exactly as ``c2m import`` does.
"""

from __future__ import annotations

from typing import Any

from c2m.config import FactoryConfig


def factory_options(kind: str, cfg: FactoryConfig) -> dict[str, Any]:
    """The importer's keyword options that come from the factory config, for ``kind``."""
    if kind == "catalog":
        return {"sewable": {category for line in cfg.lines for category in line.categories}}
    if kind == "sales":
        return {"margin_days": cfg.guards.import_margin_days}
    return {}
