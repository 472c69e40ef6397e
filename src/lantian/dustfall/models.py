"""Dust-fall values as records: one per month and county (or monitoring point), with its source."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class DustfallValue(Base):
    __tablename__ = "dustfall_values"
    __table_args__ = (sa.UniqueConstraint("period", "level", "code"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7))                 # YYYY-MM
    level: Mapped[str] = mapped_column(sa.String(8))                  # county | point
    code: Mapped[str] = mapped_column(sa.String(32))                  # adcode, or the point's code
    county_code: Mapped[str | None] = mapped_column(sa.String(32))    # the point's county
    value: Mapped[str] = mapped_column(sa.String(32))                 # t/(km²·30 d), exact text
    yoy_percent: Mapped[str | None] = mapped_column(sa.String(16))    # as published, when given
    source: Mapped[str] = mapped_column(sa.String(255))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: 演示/合成数据: set where the record is made (the demo passes synthetic=True), never read from its text
    synthetic: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
