"""The forecast's ``method`` column holds a combination's members (up to 128 characters).

``auto`` may serve the median of its best four models, named with every member
(``combo-median:global+tsb+funnel+seasonal_ma``) so that ``c2m forecast --explain`` can refit
exactly those; 32 characters cut such a name and the explanation failed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 20:45:00
"""

from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forecast_value", schema=None) as batch_op:
        batch_op.alter_column(
            "method",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("forecast_value", schema=None) as batch_op:
        batch_op.alter_column(
            "method",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=128),
            type_=sqlmodel.sql.sqltypes.AutoString(length=32),
            existing_nullable=False,
        )
