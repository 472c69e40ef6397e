"""Straw-burning fire points (秸秆焚烧火点): detections, cases, county figures and calendars.

Revision ID: 0009
Revises: 0008
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fire_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("township", sa.String(64), nullable=True),
        sa.Column("lat", sa.String(16), nullable=False),
        sa.Column("lon", sa.String(16), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("detections", sa.Integer, nullable=False),
        sa.Column("sources", sa.String(64), nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("finding", sa.String(16), nullable=True),
        sa.Column("finding_note", sa.Text, nullable=True),
        sa.Column("finding_lat", sa.String(16), nullable=True),
        sa.Column("finding_lon", sa.String(16), nullable=True),
        sa.Column("found_by", sa.String(64), nullable=True),
        sa.Column("found_at", TS, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_fire_cases_county_code", "fire_cases", ["county_code"])
    op.create_index("ix_fire_cases_first_seen", "fire_cases", ["first_seen"])
    op.create_table(
        "fire_detections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("fire_cases.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("satellite", sa.String(16), nullable=True),
        sa.Column("observed_at", TS, nullable=False),
        sa.Column("lat", sa.String(16), nullable=False),
        sa.Column("lon", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("township", sa.String(64), nullable=True),
        sa.Column("confidence", sa.String(16), nullable=True),
        sa.Column("brightness", sa.String(16), nullable=True),
        sa.Column("frp", sa.String(16), nullable=True),
        sa.Column("daynight", sa.String(1), nullable=True),
        sa.Column("reporter", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("source_line", sa.Integer, nullable=True),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_index("ix_fire_detections_case_id", "fire_detections", ["case_id"])
    op.create_table(
        "fire_county_figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("farmland_ha", sa.String(32), nullable=True),
        sa.Column("straw_produced_t", sa.String(32), nullable=True),
        sa.Column("straw_utilised_t", sa.String(32), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", TS, nullable=False),
        sa.UniqueConstraint("county_code", "year"),
    )
    op.create_table(
        "fire_calendar",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", TS, nullable=False),
        sa.UniqueConstraint("county_code", "kind", "start"),
    )


def downgrade() -> None:
    op.drop_table("fire_calendar")
    op.drop_table("fire_county_figures")
    op.drop_index("ix_fire_detections_case_id", table_name="fire_detections")
    op.drop_table("fire_detections")
    op.drop_index("ix_fire_cases_first_seen", table_name="fire_cases")
    op.drop_index("ix_fire_cases_county_code", table_name="fire_cases")
    op.drop_table("fire_cases")
