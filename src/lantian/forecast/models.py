"""Forecasts as records: one run per unit and base day (the model, the data window and stations it
was made from, the meteorological file if one was used), its days (D+1 … D+n) with each variable's
value and interval, the primary pollutant and category; the weather bureau's meteorological rows."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lantian.db import Base, UTCDateTime


class ForecastRun(Base):
    """One forecast of one unit, made on ``base_day`` (data up to and including that day)."""
    __tablename__ = "forecast_runs"
    __table_args__ = (sa.Index("ix_forecast_runs_unit_base", "unit_code", "base_day"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(32))
    unit_name: Mapped[str] = mapped_column(sa.String(64))
    base_day: Mapped[dt.date] = mapped_column(sa.Date)              # the last day of data used
    model: Mapped[str] = mapped_column(sa.String(32))                # wls | climatology | …
    data_from: Mapped[dt.date] = mapped_column(sa.Date)              # the window of daily values used
    data_to: Mapped[dt.date] = mapped_column(sa.Date)
    data_days: Mapped[int] = mapped_column(sa.Integer)               # days with a valid AQI in the window
    stations: Mapped[str] = mapped_column(sa.Text)                   # the stations, in words
    met_source: Mapped[str | None] = mapped_column(sa.String(255))   # the met file used, if any
    settings: Mapped[str] = mapped_column(sa.Text)                   # JSON: half-life, ridge, features
    made_by: Mapped[str] = mapped_column(sa.String(64))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ForecastDay(Base):
    """One forecast day of a run: each variable with its 80 % interval (10th–90th percentile)."""
    __tablename__ = "forecast_days"
    __table_args__ = (sa.UniqueConstraint("run_id", "day"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("forecast_runs.id"))
    day: Mapped[dt.date] = mapped_column(sa.Date)
    lead: Mapped[int] = mapped_column(sa.Integer)
    values: Mapped[str] = mapped_column(sa.Text)                     # JSON var → {value, lower, upper, model}
    aqi: Mapped[int | None] = mapped_column(sa.Integer)
    aqi_lower: Mapped[int | None] = mapped_column(sa.Integer)
    aqi_upper: Mapped[int | None] = mapped_column(sa.Integer)
    primary: Mapped[str | None] = mapped_column(sa.String(32))
    category: Mapped[str | None] = mapped_column(sa.String(16))


class MetRow(Base):
    """A day of the weather bureau's meteorological forecast for a unit (re-importing replaces)."""
    __tablename__ = "forecast_met"
    __table_args__ = (sa.UniqueConstraint("unit_code", "day"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(32))
    day: Mapped[dt.date] = mapped_column(sa.Date)
    temperature: Mapped[float | None] = mapped_column(sa.Float)      # °C
    humidity: Mapped[float | None] = mapped_column(sa.Float)         # %
    wind_speed: Mapped[float | None] = mapped_column(sa.Float)       # m/s
    wind_direction: Mapped[float | None] = mapped_column(sa.Float)   # degrees, from
    precipitation: Mapped[float | None] = mapped_column(sa.Float)    # mm
    blh: Mapped[float | None] = mapped_column(sa.Float)              # boundary-layer height, m
    source: Mapped[str] = mapped_column(sa.String(255))
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
