"""Straw-burning fire points as records (行动计划 任务15; docs/standards.md §6.3).

- :class:`Detection` — one fire point as observed: a satellite pixel (NASA FIRMS MODIS/VIIRS) or a
  manual, video or drone report, inside the city, with its county (and township when a township
  layer is given). Its ``fingerprint`` makes re-importing a file a no-op.
- :class:`Case` — one fire (秸秆焚烧火点) after merging the detections of the same fire across
  satellites and passes; dispatched to its county for verification (核查) by a deadline, with the
  finding recorded on it. ``escalated`` is not stored: it is computed against the as-of moment.
- :class:`CountyFigure` — what a county enters per year: cultivated area (for fire points per
  1 000 ha) and straw produced / utilised (秸秆综合利用率 ≥ 90 %).
- :class:`CalendarEntry` — what a county enters by date: rain forecasts (下雨前) and sowing
  windows (播种前).

Coordinates and figures are kept as exact decimal text (as read), times as UTC.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class Case(Base):
    __tablename__ = "fire_cases"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    township: Mapped[str | None] = mapped_column(sa.String(64))
    lat: Mapped[str] = mapped_column(sa.String(16))                   # the first detection's position
    lon: Mapped[str] = mapped_column(sa.String(16))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detections: Mapped[int] = mapped_column(sa.Integer)
    sources: Mapped[str] = mapped_column(sa.String(64))               # comma list: modis,viirs,manual,…
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(16))                 # pending | verified
    finding: Mapped[str | None] = mapped_column(sa.String(16))        # straw | industrial | false_alarm | other
    finding_note: Mapped[str | None] = mapped_column(sa.Text)
    finding_lat: Mapped[str | None] = mapped_column(sa.String(16))
    finding_lon: Mapped[str | None] = mapped_column(sa.String(16))
    found_by: Mapped[str | None] = mapped_column(sa.String(64))
    found_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Detection(Base):
    __tablename__ = "fire_detections"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("fire_cases.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(16))                # modis | viirs | manual | video | drone
    satellite: Mapped[str | None] = mapped_column(sa.String(16))      # FIRMS: T Terra, A Aqua, N Suomi NPP, …
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lat: Mapped[str] = mapped_column(sa.String(16))
    lon: Mapped[str] = mapped_column(sa.String(16))
    county_code: Mapped[str] = mapped_column(sa.String(32))
    township: Mapped[str | None] = mapped_column(sa.String(64))
    confidence: Mapped[str | None] = mapped_column(sa.String(16))     # as in the file: 0–100, or low/nominal/high
    brightness: Mapped[str | None] = mapped_column(sa.String(16))     # K: MODIS brightness, VIIRS bright_ti4
    frp: Mapped[str | None] = mapped_column(sa.String(16))            # fire radiative power, MW
    daynight: Mapped[str | None] = mapped_column(sa.String(1))
    reporter: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)
    synthetic: Mapped[bool] = mapped_column(sa.Boolean)
    source_file: Mapped[str] = mapped_column(sa.String(255))
    source_line: Mapped[int | None] = mapped_column(sa.Integer)
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CountyFigure(Base):
    __tablename__ = "fire_county_figures"
    __table_args__ = (sa.UniqueConstraint("county_code", "year"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.String(32))
    year: Mapped[int] = mapped_column(sa.Integer)
    farmland_ha: Mapped[str | None] = mapped_column(sa.String(32))         # cultivated land, ha (exact text)
    straw_produced_t: Mapped[str | None] = mapped_column(sa.String(32))    # 秸秆可收集量, t
    straw_utilised_t: Mapped[str | None] = mapped_column(sa.String(32))    # 秸秆综合利用量, t
    source: Mapped[str | None] = mapped_column(sa.String(255))
    entered_by: Mapped[str] = mapped_column(sa.String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CalendarEntry(Base):
    __tablename__ = "fire_calendar"
    __table_args__ = (sa.UniqueConstraint("county_code", "kind", "start"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(8))                   # rain | sowing
    start: Mapped[dt.date] = mapped_column(sa.Date)                   # rain: the forecast rain day
    end: Mapped[dt.date] = mapped_column(sa.Date)                     # rain: the same day
    note: Mapped[str | None] = mapped_column(sa.Text)
    entered_by: Mapped[str] = mapped_column(sa.String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
