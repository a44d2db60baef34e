"""The ``c2m`` command line: the entry point, and the table of contents of its commands.

The commands live in :mod:`c2m_cli`, one module per noun; this file names each command and
puts it in its place in the app (the order here is the order of ``c2m --help``). No business
logic lives here or there: :mod:`c2m` does the work and never prints.
"""

from __future__ import annotations

from c2m_cli import admin, forecast, imports, plan, replan, report, sample, simulate
from c2m_cli.app import app, main, sub_app
from c2m_web.commands import add_commands as add_web_commands

__all__ = ["app", "main"]

app.command("init")(admin.init)
app.command("check-config")(admin.check_config)
db_app = sub_app("Schema versions: `c2m db current` shows, `c2m db upgrade` migrates.")
app.add_typer(db_app, name="db")
db_app.command("current")(admin.db_current)
db_app.command("upgrade")(admin.db_upgrade)

import_app = sub_app(
    "Import CSV exports: live-room sales, catalogue, inventory, fabric, orders, room schedule."
)
app.add_typer(import_app, name="import")
import_app.command("sales")(imports.import_sales_command)
import_app.command("catalog")(imports.import_catalog_command)
import_app.command("inventory")(imports.import_inventory_command)
import_app.command("fabric")(imports.import_fabric_command)
import_app.command("orders")(imports.import_orders_command)
import_app.command("rooms")(imports.import_rooms_command)
# The rooms' calendar was first called `schedule`, which reads like a production schedule;
# scripts and cron lines written with it keep working.
import_app.command("schedule", hidden=True)(imports.import_rooms_command)

app.command("replan")(replan.replan_command)
app.command("runs")(replan.runs_command)
app.command("sample")(sample.sample_command)
app.command("simulate")(simulate.simulate_command)
app.command("forecast")(forecast.forecast_command)
app.command("backtest")(forecast.backtest_command)
app.command("plan")(plan.plan_command)
app.command("plans")(plan.plans_command)
app.command("show")(plan.show_command)
app.command("compare")(plan.compare_command)
app.command("export")(plan.export_command)
app.command("demo")(sample.demo_command)
app.command("report")(report.report_command)
add_web_commands(app, sub_app)  # serve, user add|list|remove: the web face's commands

if __name__ == "__main__":
    main()
