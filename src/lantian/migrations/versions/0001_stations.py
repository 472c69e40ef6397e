"""Station registry: admin units, stations and their versioned history.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

- ``admin_units``: the city, its counties/districts (with their GeoJSON polygon) and the
  zones without a polygon (高新区, 经开区); codes are adcodes as text, zones
  ``<city adcode>-<slug>`` (``140400-gaoxin``, ``140400-jingkai``).
- ``stations``: one row per station code, mirroring its current (open) version.
- ``station_versions``: the history. A version is valid on ``[valid_from, valid_to)``
  (UTC-aware; ``valid_from`` NULL = since before the registry knew it, ``valid_to`` NULL =
  still current); at most one open version per station (partial unique index).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TS = sa.DateTime(timezone=True)


def _attributes() -> list[sa.Column]:
    """The station attributes shared by ``stations`` (current) and ``station_versions``."""
    return [
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("city", sa.String(64), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("control_point", sa.Boolean(), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("prefecture", sa.String(64), nullable=True),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("county_name", sa.String(64), nullable=True),
        sa.Column("zone_code", sa.String(32), nullable=True),
        sa.Column("zone_name", sa.String(64), nullable=True),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("unit_name", sa.String(64), nullable=True),
        sa.Column("assignment", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", TS, nullable=True),
    ]


def _checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint("assignment IN ('polygon', 'explicit', 'none')", name="assignment"),
        sa.CheckConstraint("status IN ('active', 'stopped')", name="status"),
    ]


def upgrade() -> None:
    op.create_table(
        "admin_units",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(32), nullable=True),
        sa.Column("has_polygon", sa.Boolean(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("level IN ('city', 'county', 'zone')", name="level"),
        sa.ForeignKeyConstraint(["parent_code"], ["admin_units.code"],
                                name="fk_admin_units_parent_code_admin_units"),
        sa.PrimaryKeyConstraint("code", name="pk_admin_units"),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        *_attributes(),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        *_checks("stations"),
        sa.PrimaryKeyConstraint("id", name="pk_stations"),
        sa.UniqueConstraint("code", name="uq_stations_code"),
    )
    op.create_table(
        "station_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        *_attributes(),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        *_checks("station_versions"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                           name="interval"),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"],
                                name="fk_station_versions_station_id_stations"),
        sa.PrimaryKeyConstraint("id", name="pk_station_versions"),
    )
    op.create_index("ix_station_versions_code", "station_versions", ["code", "valid_from"])
    op.create_index("ix_station_versions_unit_code", "station_versions", ["unit_code"])
    op.create_index("uq_station_versions_open", "station_versions", ["station_id"], unique=True,
                    sqlite_where=sa.text("valid_to IS NULL"),
                    postgresql_where=sa.text("valid_to IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_station_versions_open", table_name="station_versions")
    op.drop_index("ix_station_versions_unit_code", table_name="station_versions")
    op.drop_index("ix_station_versions_code", table_name="station_versions")
    op.drop_table("station_versions")
    op.drop_table("stations")
    op.drop_table("admin_units")
