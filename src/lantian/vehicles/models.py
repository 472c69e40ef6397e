"""Gate systems (门禁) and what they record, freight profiles (行动计划 任务11), road checks (路检路查) and
OBD inspections (任务23), and the resolutions of violations.

Times are stored in UTC (``UTCDateTime``) and shown in Beijing time; tonnes are exact decimal text.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class GateSystem(Base):
    """An enterprise's gate system (one per enterprise) with the hash of its push token."""
    __tablename__ = "gate_systems"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    token_hash: Mapped[str | None] = mapped_column(sa.String(128))       # sha256 hex; the token is shown once
    token_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)   # last push or import received
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GateRecord(Base):
    """One vehicle's entry (and exit) at an enterprise's gate (HJ 1321-2023 门禁记录, fields as the issue names)."""
    __tablename__ = "gate_records"
    __table_args__ = (sa.Index("ix_gate_records_enterprise_time", "enterprise_id", "time_in"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    record_key: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 of enterprise, plate, time in
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)        # 号牌号码, normalised (no ·)
    plate_colour: Mapped[str | None] = mapped_column(sa.String(8))       # 号牌颜色
    vin: Mapped[str | None] = mapped_column(sa.String(17))                # 车辆识别代号
    vehicle_type: Mapped[str] = mapped_column(sa.String(32))              # 车辆类型
    fuel: Mapped[str] = mapped_column(sa.String(8))                       # 燃料类型
    emission_standard: Mapped[str] = mapped_column(sa.String(8))          # 国一…国六, 新能源, 未知
    time_in: Mapped[dt.datetime] = mapped_column(UTCDateTime)             # 进厂时间
    time_out: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)     # 出厂时间
    goods: Mapped[str | None] = mapped_column(sa.String(64))              # 货物名称
    tonnage: Mapped[str | None] = mapped_column(sa.String(16))            # 运输量（吨）
    list_number: Mapped[str | None] = mapped_column(sa.String(64))        # 随车清单编号
    licence_number: Mapped[str | None] = mapped_column(sa.String(64))     # 行驶证编号
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    source: Mapped[str] = mapped_column(sa.String(255))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FreightProfile(Base):
    """An enterprise's annual freight volume and its rail siding (任务11: ≥150万吨 → 铁路专用线)."""
    __tablename__ = "vehicle_freight_profiles"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "year"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    year: Mapped[int] = mapped_column(sa.Integer)
    freight_tonnes: Mapped[str] = mapped_column(sa.String(32))           # t/a, exact decimal text
    rail_siding_open_date: Mapped[dt.date | None] = mapped_column(sa.Date)   # None: not open
    mode: Mapped[str] = mapped_column(sa.String(16))                      # 公路 铁路 皮带 公铁联运 …
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RoadCheck(Base):
    """A road check (路检路查) of a vehicle with its outcome (任务23)."""
    __tablename__ = "road_checks"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    location: Mapped[str | None] = mapped_column(sa.String(128))
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    outcome: Mapped[str] = mapped_column(sa.String(8))                    # pass | fail
    finding: Mapped[str | None] = mapped_column(sa.Text)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    source: Mapped[str] = mapped_column(sa.String(255))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ObdInspection(Base):
    """An OBD inspection (车载诊断系统检查) of a vehicle with its outcome (任务23)."""
    __tablename__ = "obd_inspections"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)
    vin: Mapped[str | None] = mapped_column(sa.String(17))
    inspected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    location: Mapped[str | None] = mapped_column(sa.String(128))
    enterprise_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("enterprises.id"))
    outcome: Mapped[str] = mapped_column(sa.String(8))                    # pass | fail
    finding: Mapped[str | None] = mapped_column(sa.Text)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    source: Mapped[str] = mapped_column(sa.String(255))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Resolution(Base):
    """A violation dealt with (处理): the record and the rule, with who, when and a note."""
    __tablename__ = "gate_violation_resolutions"
    __table_args__ = (sa.UniqueConstraint("gate_record_id", "rule"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    gate_record_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("gate_records.id"))
    rule: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text)
    resolved_by: Mapped[str] = mapped_column(sa.String(64))
    resolved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
