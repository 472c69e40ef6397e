"""The ledgers as records: each enterprise's ledger facts (beside its identity in ``enterprises``),
its facilities of every kind (kind-specific fields as JSON, defined in :mod:`kinds`), industrial
clusters, performance-grade applications and history, and enterprise edits awaiting approval."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class Cluster(Base):
    """产业集群 with its 一群一策 classification."""
    __tablename__ = "clusters"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128), unique=True)
    county_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    industry: Mapped[str] = mapped_column(sa.String(32))
    strategy: Mapped[str] = mapped_column(sa.String(16))
    enterprises: Mapped[int | None] = mapped_column(sa.Integer)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class Ledger(Base):
    """The ledger facts of one enterprise (its name, credit code and county are in ``enterprises``)."""
    __tablename__ = "enterprise_ledgers"
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"), primary_key=True)
    industry: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(255))
    lon: Mapped[float | None] = mapped_column(sa.Float)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    grade: Mapped[str | None] = mapped_column(sa.String(8))            # A B C D 引领性; None = 未评级
    emergency_list: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    key_unit: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    cluster_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("clusters.id"))
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Facility(Base):
    __tablename__ = "facilities"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "kind", "code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(8))                  # 在用 停用 已拆除
    attrs: Mapped[str] = mapped_column(sa.Text)                        # JSON: the kind's other fields
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GradeApplication(Base):
    """绩效分级申报: the enterprise applies, the county reviews, the city approves or adjusts."""
    __tablename__ = "grade_applications"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    requested: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.Text)
    # submitted → reviewed (county recommends) → approved/adjusted (city); the county may return it
    # (returned), the city may reject it (rejected)
    state: Mapped[str] = mapped_column(sa.String(16))
    county_grade: Mapped[str | None] = mapped_column(sa.String(8))     # the grade the county recommends
    county_opinion: Mapped[str | None] = mapped_column(sa.Text)
    county_by: Mapped[str | None] = mapped_column(sa.String(64))
    county_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    city_grade: Mapped[str | None] = mapped_column(sa.String(8))
    city_note: Mapped[str | None] = mapped_column(sa.Text)
    city_by: Mapped[str | None] = mapped_column(sa.String(64))
    city_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GradeChange(Base):
    """One entry of an enterprise's grade history."""
    __tablename__ = "grade_history"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    grade: Mapped[str | None] = mapped_column(sa.String(8))
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    application_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("grade_applications.id"))
    decided_by: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LedgerChange(Base):
    """An enterprise user's edit of its own ledger, applied only when its county approves it."""
    __tablename__ = "ledger_changes"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    facility_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("facilities.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    payload: Mapped[str] = mapped_column(sa.Text)                      # JSON: field → new value
    state: Mapped[str] = mapped_column(sa.String(16))                  # pending approved rejected
    submitted_by: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
