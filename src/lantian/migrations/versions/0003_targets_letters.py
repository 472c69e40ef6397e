"""Targets per unit and year; warning letters as records.

Revision ID: 0003
Revises: 0002
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("admin_units.code"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(32), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("targets.id"), nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("unit_code", "year", "indicator"),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("admin_units.code"), nullable=False),
        sa.Column("assessed_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("numbers", sa.Text, nullable=False),
        sa.Column("document", sa.String(255), nullable=True),
        sa.Column("rectification_due", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("issued_at", TS, nullable=True),
        sa.Column("received_at", TS, nullable=True),
        sa.Column("rectified_at", TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("letters")
    op.drop_table("targets")
