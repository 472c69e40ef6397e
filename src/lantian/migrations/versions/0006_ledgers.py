"""Enterprise and facility ledgers, clusters, performance-grade applications and history, and
enterprise edits awaiting approval.

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("county_code", sa.String(32), sa.ForeignKey("admin_units.code"), nullable=True),
        sa.Column("industry", sa.String(32), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("enterprises", sa.Integer, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_table(
        "enterprise_ledgers",
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("industry", sa.String(32), nullable=True),
        sa.Column("address", sa.String(255), nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("grade", sa.String(8), nullable=True),
        sa.Column("emergency_list", sa.Boolean, nullable=False),
        sa.Column("key_unit", sa.Boolean, nullable=False),
        sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attrs", sa.Text, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("enterprise_id", "kind", "code"),
    )
    op.create_table(
        "grade_applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("requested", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("county_grade", sa.String(8), nullable=True),
        sa.Column("county_opinion", sa.Text, nullable=True),
        sa.Column("county_by", sa.String(64), nullable=True),
        sa.Column("county_at", TS, nullable=True),
        sa.Column("city_grade", sa.String(8), nullable=True),
        sa.Column("city_note", sa.Text, nullable=True),
        sa.Column("city_by", sa.String(64), nullable=True),
        sa.Column("city_at", TS, nullable=True),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
    )
    op.create_table(
        "grade_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("grade", sa.String(8), nullable=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("grade_applications.id"), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "ledger_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("ledger_changes", "grade_history", "grade_applications", "facilities", "enterprise_ledgers",
                  "clusters"):
        op.drop_table(table)
