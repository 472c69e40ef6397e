"""Registers (专项台账): generic register rows and the office's zones (polygons).

Revision ID: 0011
Revises: 0010
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "register_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("register", sa.String(64), nullable=False),
        sa.Column("row_key", sa.String(255), nullable=False),
        sa.Column("county", sa.String(32), nullable=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=True),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("register", "row_key"),
    )
    op.create_index("ix_register_rows_register_county", "register_rows", ["register", "county"])
    op.create_table(
        "register_zones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("geojson", sa.Text, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("register_zones")
    op.drop_index("ix_register_rows_register_county", table_name="register_rows")
    op.drop_table("register_rows")
