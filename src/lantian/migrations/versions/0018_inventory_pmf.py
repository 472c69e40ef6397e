"""The emission inventory (inventories, their rows) and PMF runs.

Revision ID: 0018
Revises: 0012
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "inventories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("source_file", sa.String(255), nullable=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("coverage", sa.Text, nullable=False),
        sa.Column("built_by", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inventories_year_state", "inventories", ["year", "state"])
    op.create_table(
        "inventory_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inventory_id", sa.Integer, sa.ForeignKey("inventories.id"), nullable=False),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("enterprise_id", sa.Integer, nullable=True),
        sa.Column("facility", sa.String(64), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=False),
        sa.Column("tonnes", sa.String(32), nullable=False),
        sa.Column("monthly", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("activity", sa.Text, nullable=False),
        sa.Column("factor", sa.Text, nullable=False),
        sa.Column("data_source", sa.String(255), nullable=False),
        sa.Column("uncertainty", sa.String(1), nullable=False),
        sa.Column("attrs", sa.Text, nullable=False),
    )
    op.create_index("ix_inventory_rows_inventory_pollutant", "inventory_rows", ["inventory_id", "pollutant"])
    op.create_index("ix_inventory_rows_inventory_county", "inventory_rows", ["inventory_id", "county_code"])
    op.create_index("ix_inventory_rows_inventory_enterprise", "inventory_rows", ["inventory_id", "enterprise_id"])
    op.create_table(
        "pmf_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("conc_file", sa.String(255), nullable=False),
        sa.Column("conc_sha256", sa.String(64), nullable=False),
        sa.Column("unc_file", sa.String(255), nullable=False),
        sa.Column("unc_sha256", sa.String(64), nullable=False),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("esat_version", sa.String(32), nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("species", sa.Integer, nullable=False),
        sa.Column("factors", sa.Integer, nullable=False),
        sa.Column("q_robust", sa.String(32), nullable=False),
        sa.Column("q_true", sa.String(32), nullable=False),
        sa.Column("q_expected", sa.String(32), nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("names", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pmf_runs")
    op.drop_index("ix_inventory_rows_inventory_enterprise", "inventory_rows")
    op.drop_index("ix_inventory_rows_inventory_county", "inventory_rows")
    op.drop_index("ix_inventory_rows_inventory_pollutant", "inventory_rows")
    op.drop_table("inventory_rows")
    op.drop_index("ix_inventories_year_state", "inventories")
    op.drop_table("inventories")
