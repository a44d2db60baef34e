"""Alembic's environment: run migrations on the connection :mod:`c2m.schema` hands over.

There is no ``alembic.ini``: :func:`c2m.schema.alembic_config` builds the configuration in
code and passes an open connection in ``config.attributes["connection"]``, so the engine
(its URL, SQLite pragmas, PostgreSQL search path) is exactly the one the command uses.
SQLite cannot alter most columns in place; ``render_as_batch`` makes Alembic copy the table
instead, so one revision runs on both databases.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from c2m import models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("c2m migrations run through c2m.schema (c2m db upgrade), not bare alembic")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
