"""Sand-dust days (沙尘天气影响日), city-wide or per unit.

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "sand_dust_days",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("admin_units.code"), nullable=True),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("basis", sa.Text, nullable=True),
        sa.UniqueConstraint("day", "unit_code"),
    )


def downgrade() -> None:
    op.drop_table("sand_dust_days")
