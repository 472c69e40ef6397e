"""Verification runs of a warning from facility series.

Revision ID: 0012
Revises: 0011
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "alert_verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("facilities", sa.Integer, nullable=False),
        sa.Column("unmatched", sa.Text, nullable=False),
        sa.Column("suspects", sa.Text, nullable=False),
        sa.Column("achieved", sa.Text, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("run_by", sa.String(64), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_alert_verifications_alert", "alert_verifications", ["alert_id"])


def downgrade() -> None:
    op.drop_index("ix_alert_verifications_alert", "alert_verifications")
    op.drop_table("alert_verifications")
