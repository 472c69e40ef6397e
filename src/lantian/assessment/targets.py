"""目标 — annual targets per county and city, decomposed from the city's, with who set them."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit
from lantian.assessment.models import Target
from lantian.db import now_utc
from lantian.errors import UsageError


def set_target(s: Session, unit: str, year: int, indicator: str, value, *, by: str, parent: int | None = None,
               synthetic: bool = False, note: str | None = None) -> Target:
    """Create or change a target; the change is audited (before/after)."""
    from lantian.measurements.stations import AdminUnit
    if s.get(AdminUnit, unit) is None:
        raise UsageError(f"no county, zone or city {unit!r}")
    try:
        text = str(Decimal(str(value)))
    except InvalidOperation:
        raise UsageError(f"target value {value!r} is not a number") from None
    row = s.scalar(sa.select(Target).where(Target.unit_code == unit, Target.year == year,
                                           Target.indicator == indicator))
    before = None if row is None else {"value": row.value, "set_by": row.set_by}
    if row is None:
        row = Target(unit_code=unit, year=year, indicator=indicator, value=text, parent_id=parent,
                     synthetic=synthetic, set_by=by, set_at=now_utc(), note=note)
        s.add(row)
    else:
        row.value, row.set_by, row.set_at, row.note = text, by, now_utc(), note
        row.parent_id, row.synthetic = parent, synthetic
    s.flush()
    audit.record(s, actor=by, action="set" if before else "create", entity="target",
                 entity_id=f"{unit}/{year}/{indicator}", before=before,
                 after={"value": text, "parent": parent, "synthetic": synthetic}, scope_unit=unit)
    return row


def targets(s: Session, year: int, units: list[str] | None = None) -> dict[str, dict[str, Target]]:
    """unit → indicator → target of ``year``."""
    q = sa.select(Target).where(Target.year == year)
    if units is not None:
        q = q.where(Target.unit_code.in_(units))
    out: dict[str, dict[str, Target]] = {}
    for t in s.scalars(q):
        out.setdefault(t.unit_code, {})[t.indicator] = t
    return out
