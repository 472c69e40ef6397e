"""Dust-fall values per month and county or point.

Revision ID: 0008
Revises: 0007
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "dustfall_values",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("yoy_percent", sa.String(16), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("period", "level", "code"),
    )


def downgrade() -> None:
    op.drop_table("dustfall_values")
