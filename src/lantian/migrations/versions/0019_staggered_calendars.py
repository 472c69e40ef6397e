"""Issued 秋冬季错峰生产 calendars with each enterprise's line, delivery and acknowledgement (task 21).

Revision ID: 0019
Revises: 0018
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: Union[str, Sequence[str], None] = "0018"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "staggered_calendars",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("planning_area", sa.String(128)),
        sa.Column("doc_number", sa.String(64)),
        sa.Column("document", sa.String(255)),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staggered_enterprises",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("staggered_calendars.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("county_code", sa.String(32)),
        sa.Column("grade", sa.String(8)),
        sa.Column("applied_grade", sa.String(8)),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("planning_area", sa.Boolean),
        sa.Column("received_by", sa.String(64)),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("calendar_id", "enterprise_id"),
    )


def downgrade() -> None:
    op.drop_table("staggered_enterprises")
    op.drop_table("staggered_calendars")
