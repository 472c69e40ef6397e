"""Register rows and zones as records: one generic table for every register (values as JSON text,
typed by the register's definition in ``kinds/``) and the office's polygons (GeoJSON text)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class RegisterRow(Base):
    __tablename__ = "register_rows"
    __table_args__ = (sa.UniqueConstraint("register", "row_key"),
                      sa.Index("ix_register_rows_register_county", "register", "county"))
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    register: Mapped[str] = mapped_column(sa.String(64))
    row_key: Mapped[str] = mapped_column(sa.String(255))             # the key fields' values, joined by " | "
    county: Mapped[str | None] = mapped_column(sa.String(32))         # adcode; None for city-level registers
    department: Mapped[str] = mapped_column(sa.String(64))            # the owning department(s), comma-joined
    enterprise: Mapped[str | None] = mapped_column(sa.String(64))     # credit code the row is about, if any
    values: Mapped[str] = mapped_column(sa.Text)                      # JSON: field name → value (dates ISO)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegisterZone(Base):
    """A polygon the office uploads: 市区规划区, 非道路移动机械排放控制区, 一城四区重点区域, routes…"""
    __tablename__ = "register_zones"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    geojson: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(255))
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
