"""The inventory as records: one inventory per build (or import) with its rows — one row per source
and pollutant, the annual tonnes and the twelve months, with the method, activity, factor, data
source and uncertainty class that produced them. One inventory per year is ``current``; a new
build supersedes the old one (kept, never mixed in)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime

POLLUTANTS = ("SO2", "NOx", "CO", "VOCs", "NH3", "PM10", "PM2.5")
STATES = ("current", "superseded")
CLASSES = ("A", "B", "C", "D")


class Inventory(Base):
    __tablename__ = "inventories"
    __table_args__ = (sa.Index("ix_inventories_year_state", "year", "state"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(16))                 # current | superseded
    origin: Mapped[str] = mapped_column(sa.String(16))                # built | imported
    source_file: Mapped[str | None] = mapped_column(sa.String(255))   # the workbook of an imported inventory
    settings: Mapped[str] = mapped_column(sa.Text)                    # JSON: parameters, factor tables used
    coverage: Mapped[str] = mapped_column(sa.Text)                    # JSON: what was covered, what not and why
    built_by: Mapped[str] = mapped_column(sa.String(64))
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InventoryRow(Base):
    """One source's emission of one pollutant in one inventory."""
    __tablename__ = "inventory_rows"
    __table_args__ = (sa.Index("ix_inventory_rows_inventory_pollutant", "inventory_id", "pollutant"),
                      sa.Index("ix_inventory_rows_inventory_county", "inventory_id", "county_code"),
                      sa.Index("ix_inventory_rows_inventory_enterprise", "inventory_id", "enterprise_id"))
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    inventory_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("inventories.id"))
    sector: Mapped[str] = mapped_column(sa.String(16))                # code in the sector tree (sectors.toml)
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer)     # point sources: the ledger's enterprise
    facility: Mapped[str | None] = mapped_column(sa.String(64))       # point sources: the ledger's facility code
    source: Mapped[str] = mapped_column(sa.String(255))               # what emits, as people name it
    pollutant: Mapped[str] = mapped_column(sa.String(8))
    tonnes: Mapped[str] = mapped_column(sa.String(32))                # t/a, decimal text (6 places)
    monthly: Mapped[str] = mapped_column(sa.Text)                     # JSON: 12 decimal texts summing to tonnes
    method: Mapped[str] = mapped_column(sa.Text)
    activity: Mapped[str] = mapped_column(sa.Text)
    factor: Mapped[str] = mapped_column(sa.Text)
    data_source: Mapped[str] = mapped_column(sa.String(255))
    uncertainty: Mapped[str] = mapped_column(sa.String(1))            # A B C D
    attrs: Mapped[str] = mapped_column(sa.Text)                       # JSON: what scenario measures select on
