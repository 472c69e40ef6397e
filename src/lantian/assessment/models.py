"""Targets (目标) per unit and year, and warning letters (预警通知函) as records."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime

#: the indicators a target may set: name → Chinese label (what lantian.assessment.targets checks them by)
INDICATORS = {"pm25_mean": "PM2.5年均浓度（微克/立方米）", "pm10_mean": "PM10年均浓度（微克/立方米）",
              "o3_8h_p90": "臭氧日最大8小时平均第90百分位数（微克/立方米）", "good_day_ratio": "优良天数比例（%）",
              "heavy_days": "重污染天数（天）", "heavy_day_ratio": "重度及以上污染天数比率（%）",
              "composite_index": "综合指数", "pm25_reduction": "PM2.5浓度下降比例（%）"}


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (sa.UniqueConstraint("unit_code", "year", "indicator"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    year: Mapped[int] = mapped_column(sa.Integer)
    indicator: Mapped[str] = mapped_column(sa.String(32))
    value: Mapped[str] = mapped_column(sa.String(32))          # exact decimal text
    parent_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("targets.id"))
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    set_by: Mapped[str] = mapped_column(sa.String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.String(255))   # 目标来源: the document that sets it


class Letter(Base):
    """预警通知函 or 约谈建议: drafted from the numbers, issued, received, rectified (with evidence)."""
    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))           # warning | interview
    unit_code: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    assessed_on: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16))         # draft | issued | received | rectified
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    numbers: Mapped[str] = mapped_column(sa.Text)              # JSON: the figures and the verdict
    document: Mapped[str | None] = mapped_column(sa.String(255))   # .docx path inside the workspace
    rectification_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: 演示/合成数据: set where the record is made (the demo passes synthetic=True), never read from its text
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class SandDustDay(Base):
    """沙尘天气影响日: a day marked sand-dust affected, city-wide (unit NULL) or for one unit."""
    __tablename__ = "sand_dust_days"
    __table_args__ = (sa.UniqueConstraint("day", "unit_code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    unit_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    marked_by: Mapped[str] = mapped_column(sa.String(64))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    basis: Mapped[str | None] = mapped_column(sa.Text)      # e.g. the CNEMC sand-dust notice
