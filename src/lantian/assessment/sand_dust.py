"""沙尘 — marking days as sand-dust affected; statistics deduct them where the national reports do
(PM10, PM2.5 and the composite index) and keep them elsewhere (good-day and heavy-pollution ratios)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit
from lantian.assessment.models import SandDustDay
from lantian.db import now_utc


def mark(s: Session, day: dt.date, *, unit: str | None = None, by: str, basis: str | None = None) -> SandDustDay:
    row = s.scalar(sa.select(SandDustDay).where(SandDustDay.day == day, SandDustDay.unit_code.is_(None)
                                                if unit is None else SandDustDay.unit_code == unit))
    if row is not None:
        return row
    row = SandDustDay(day=day, unit_code=unit, marked_by=by, marked_at=now_utc(), basis=basis)
    s.add(row)
    s.flush()
    audit.record(s, actor=by, action="mark", entity="sand_dust_day", entity_id=f"{day}/{unit or 'city'}",
                 after={"basis": basis}, scope_unit=unit)
    return row


def unmark(s: Session, day: dt.date, *, unit: str | None = None, by: str) -> bool:
    row = s.scalar(sa.select(SandDustDay).where(SandDustDay.day == day, SandDustDay.unit_code.is_(None)
                                                if unit is None else SandDustDay.unit_code == unit))
    if row is None:
        return False
    s.delete(row)
    audit.record(s, actor=by, action="unmark", entity="sand_dust_day", entity_id=f"{day}/{unit or 'city'}",
                 before={"basis": row.basis}, scope_unit=unit)
    return True


def days_by_unit(s: Session, units: list[str], start: dt.date, end: dt.date) -> dict[str, list[dt.date]]:
    """unit → its sand-dust days in [start, end] (city-wide marks apply to every unit)."""
    rows = s.scalars(sa.select(SandDustDay).where(SandDustDay.day >= start, SandDustDay.day <= end)).all()
    out = {u: [] for u in units}
    for r in rows:
        for u in units:
            if r.unit_code is None or r.unit_code == u:
                out[u].append(r.day)
    return out
