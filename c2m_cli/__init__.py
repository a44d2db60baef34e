"""The commands of the ``c2m`` command line, one module per noun.

``cli.py`` (the console-script entry point) assembles them into one Typer app. Here live the
faces of the commands only: parsing (``options``), the app and its one error handler (``app``),
Rich output (``render``, with the plan, forecast and simulation tables in ``render_plan``,
``render_forecast`` and ``render_simulation``) and the application calls, imported on first
use (``api``). Business logic stays in :mod:`c2m`, which never prints.
"""
