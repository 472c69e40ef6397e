"""Diesel trucks and gates (门禁): gate systems with their token hash, gate records, freight
profiles (行动计划 任务11), road checks (路检路查) and OBD inspections, violation resolutions.

Revision ID: 0010
Revises: 0009
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gate_systems",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=True),
        sa.Column("token_issued_at", TS, nullable=True),
        sa.Column("last_seen", TS, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "gate_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("record_key", sa.String(64), nullable=False, unique=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("plate_colour", sa.String(8), nullable=True),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("vehicle_type", sa.String(32), nullable=False),
        sa.Column("fuel", sa.String(8), nullable=False),
        sa.Column("emission_standard", sa.String(8), nullable=False),
        sa.Column("time_in", TS, nullable=False),
        sa.Column("time_out", TS, nullable=True),
        sa.Column("goods", sa.String(64), nullable=True),
        sa.Column("tonnage", sa.String(16), nullable=True),
        sa.Column("list_number", sa.String(64), nullable=True),
        sa.Column("licence_number", sa.String(64), nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_index("ix_gate_records_enterprise_time", "gate_records", ["enterprise_id", "time_in"])
    op.create_index("ix_gate_records_plate", "gate_records", ["plate"])
    op.create_table(
        "vehicle_freight_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("freight_tonnes", sa.String(32), nullable=False),
        sa.Column("rail_siding_open_date", sa.Date, nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("enterprise_id", "year"),
    )
    op.create_table(
        "road_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_key", sa.String(64), nullable=False, unique=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("location", sa.String(128), nullable=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("finding", sa.Text, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_index("ix_road_checks_plate", "road_checks", ["plate"])
    op.create_table(
        "obd_inspections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_key", sa.String(64), nullable=False, unique=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("inspected_at", TS, nullable=False),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("location", sa.String(128), nullable=True),
        sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("finding", sa.Text, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_index("ix_obd_inspections_plate", "obd_inspections", ["plate"])
    op.create_table(
        "gate_violation_resolutions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("gate_record_id", sa.Integer, sa.ForeignKey("gate_records.id"), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=False),
        sa.Column("resolved_at", TS, nullable=False),
        sa.UniqueConstraint("gate_record_id", "rule"),
    )


def downgrade() -> None:
    op.drop_table("gate_violation_resolutions")
    op.drop_index("ix_obd_inspections_plate", "obd_inspections")
    op.drop_table("obd_inspections")
    op.drop_index("ix_road_checks_plate", "road_checks")
    op.drop_table("road_checks")
    op.drop_table("vehicle_freight_profiles")
    op.drop_index("ix_gate_records_plate", "gate_records")
    op.drop_index("ix_gate_records_enterprise_time", "gate_records")
    op.drop_table("gate_records")
    op.drop_table("gate_systems")
