"""The application calls the commands make, imported on first use: the one lazy place.

The :mod:`c2m` modules pull in SQLModel, pandas, statsmodels, OR-Tools and plotly. Imported at
the top of every command module, they would make ``c2m --help`` and every usage error wait for
all of them: measured when the CLI was split, 10 to 18 s instead of 1 to 2 s (busy 2 cores). So
the command modules import this facade, ``from c2m_cli import api``, and call
``api.plan_and_store``; each name's module loads the first time a command touches it. Everything
light (Typer, Rich, :mod:`c2m.errors`, :mod:`c2m.modes`) is imported at the top as usual.

A module of :mod:`c2m` renamed or split: change its line in ``_HOME`` (and the matching import
for type checkers below), nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and editors
    from c2m.clock import use_zone
    from c2m.config import LOCAL_NAME, discover_config, load_config, write_config_template
    from c2m.db import database_url, get_engine, guarded, open_engine, session_scope, shown_url
    from c2m.demo import run_demo
    from c2m.export import export_plan
    from c2m.forecast_explain import explain_forecast
    from c2m.forecasts import run_backtest, run_forecast
    from c2m.importing import (
        import_catalog,
        import_fabric,
        import_inventory,
        import_orders,
        import_room_calendar,
        import_sales,
    )
    from c2m.importing.factory_options import factory_options
    from c2m.network.engine import EngineOptions
    from c2m.network.plan import plan_network_file
    from c2m.network.replan import replan_network_file
    from c2m.network.view import compare_networks
    from c2m.planning.kpi_registry import KPI_BY_KEY, comparison_rows, summary_rows
    from c2m.planning.problem_file import check_problem_path, write_problem
    from c2m.planning.publish import plan_and_store
    from c2m.planning.show import compare_plans, schedule_rows
    from c2m.planning.stored import list_plans
    from c2m.planning.unknown import skipped_message
    from c2m.replan import ReplanOptions, list_runs, replan
    from c2m.report import write_plan_report
    from c2m.sample import generate
    from c2m.schema import state as schema_state
    from c2m.schema import upgrade as schema_upgrade
    from c2m.simulation import SimulationOptions, simulate
    from c2m.simulation.output import write_outputs

# name -> the module of c2m that defines it (or the module and its own name for the thing)
_HOME: dict[str, str | tuple[str, str]] = {
    "use_zone": "c2m.clock",
    "LOCAL_NAME": "c2m.config",
    "discover_config": "c2m.config",
    "write_config_template": "c2m.config",
    "get_engine": "c2m.db",
    "guarded": "c2m.db",
    "shown_url": "c2m.db",
    "skipped_message": "c2m.planning.unknown",
    "schema_state": ("c2m.schema", "state"),
    "schema_upgrade": ("c2m.schema", "upgrade"),
    "load_config": "c2m.config",
    "database_url": "c2m.db",
    "open_engine": "c2m.db",
    "session_scope": "c2m.db",
    "run_demo": "c2m.demo",
    "export_plan": "c2m.export",
    "explain_forecast": "c2m.forecast_explain",
    "run_backtest": "c2m.forecasts",
    "run_forecast": "c2m.forecasts",
    "factory_options": "c2m.importing.factory_options",
    "EngineOptions": "c2m.network.engine",
    "plan_network_file": "c2m.network.plan",
    "replan_network_file": "c2m.network.replan",
    "compare_networks": "c2m.network.view",
    "import_catalog": "c2m.importing",
    "import_fabric": "c2m.importing",
    "import_inventory": "c2m.importing",
    "import_orders": "c2m.importing",
    "import_sales": "c2m.importing",
    "import_room_calendar": "c2m.importing",
    "KPI_BY_KEY": "c2m.planning.kpi_registry",
    "comparison_rows": "c2m.planning.kpi_registry",
    "summary_rows": "c2m.planning.kpi_registry",
    "plan_and_store": "c2m.planning.publish",
    "check_problem_path": "c2m.planning.problem_file",
    "write_problem": "c2m.planning.problem_file",
    "list_plans": "c2m.planning.stored",
    "compare_plans": "c2m.planning.show",
    "schedule_rows": "c2m.planning.show",
    "ReplanOptions": "c2m.replan",
    "list_runs": "c2m.replan",
    "replan": "c2m.replan",
    "write_plan_report": "c2m.report",
    "generate": "c2m.sample",
    "SimulationOptions": "c2m.simulation",
    "simulate": "c2m.simulation",
    "write_outputs": "c2m.simulation.output",
}

__all__ = [
    "KPI_BY_KEY",
    "LOCAL_NAME",
    "EngineOptions",
    "ReplanOptions",
    "SimulationOptions",
    "check_problem_path",
    "compare_networks",
    "compare_plans",
    "comparison_rows",
    "database_url",
    "discover_config",
    "explain_forecast",
    "export_plan",
    "factory_options",
    "generate",
    "get_engine",
    "guarded",
    "import_catalog",
    "import_fabric",
    "import_inventory",
    "import_orders",
    "import_room_calendar",
    "import_sales",
    "list_plans",
    "list_runs",
    "load_config",
    "open_engine",
    "plan_and_store",
    "plan_network_file",
    "replan",
    "replan_network_file",
    "run_backtest",
    "run_demo",
    "run_forecast",
    "schedule_rows",
    "schema_state",
    "schema_upgrade",
    "session_scope",
    "shown_url",
    "simulate",
    "skipped_message",
    "summary_rows",
    "use_zone",
    "write_config_template",
    "write_outputs",
    "write_plan_report",
    "write_problem",
]


def __getattr__(name: str) -> Any:
    """Imports ``name``'s module on first use and keeps the name here for the next call."""
    try:
        home = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module, attribute = home if isinstance(home, tuple) else (home, name)
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
