"""Emergency response: the reduction list, baseline and city emissions, warnings issued, the
enterprises under each warning with their measures, acknowledgements.

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reduction_list",
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("protected", sa.Boolean, nullable=False),
        sa.Column("protected_reason", sa.Text, nullable=True),
        sa.Column("own_measures", sa.Text, nullable=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_table(
        "emission_baselines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=False),
        sa.Column("tonnes", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("enterprise_id", "pollutant"),
    )
    op.create_table(
        "emission_totals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=False),
        sa.Column("tonnes", sa.String(32), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("year", "pollutant"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("ruleset", sa.String(8), nullable=False),
        sa.Column("forecast", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("regional", sa.String(8), nullable=True),
        sa.Column("start", TS, nullable=False),
        sa.Column("expected_end", sa.Date, nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("document", sa.String(255), nullable=True),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
    )
    op.create_table(
        "alert_enterprises",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("cut", sa.Text, nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.UniqueConstraint("alert_id", "enterprise_id"),
    )
    op.create_table(
        "alert_county_acks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", TS, nullable=False),
        sa.UniqueConstraint("alert_id", "county_code"),
    )


def downgrade() -> None:
    for table in ("alert_county_acks", "alert_enterprises", "alerts", "emission_totals", "emission_baselines",
                  "reduction_list"):
        op.drop_table(table)
