"""The monthly dust-fall bulletin (月度降尘通报) and task 14's trigger.

Counties are ranked by their monthly value ascending, ties sharing a rank, with the city's
max/min/mean over the counties (docs/standards.md §6.2; as Changzhi publishes). A county above the threshold
(7.0 t/(km²·月) ⚠, ``[dustfall] threshold``) gets a 降尘专项整治 sub-task under the plan's task 14,
opened once per county and month.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.accounts import policy
from lantian.db import now_utc, url_of
from lantian.dustfall import reader
from lantian.dustfall.models import DustfallValue
from lantian.errors import InputError, NotFound, UsageError
from lantian.standards.dustfall import published, ranks
from lantian.standards.rounding import round_half_even
from lantian.accounts.scope import Scope
from lantian.plan import service as plan

THRESHOLD = Fraction(7)      # ⚠ Shanxi's 2021–2022 autumn–winter limit; 9.0 in the 2018–2020 plans
CAMPAIGN_DAYS = 30           # ⚠ the special campaign's due date after the bulletin month


def threshold(config: dict | None) -> Fraction:
    value = (config or {}).get("dustfall", {}).get("threshold")
    return THRESHOLD if value is None else Fraction(str(value))


def _counties(s: Session) -> dict[str, str]:
    return geography.lookup(s, geography.LOCAL)


def _scope(s: Session, scope, actor: str | None):
    """The caller's scope; None is lantian's own work (the demo, a bulletin's check), the office's as ``actor``."""
    return scope if scope is not None else Scope.office(url_of(s), actor or "system")


def import_file(s: Session, path: Path, *, period: str | None, actor: str | None = None, config: dict | None = None,
                scope=None, synthetic: bool = False) -> dict:
    """Import county values (or raw gravimetric data → point values → the county's mean of its
    points); replace that month's values; open the campaigns — the city office (``scope``, the policy's
    ``write`` in ``dustfall``). All or nothing; audited. ``synthetic``: the file is demo data
    (演示/合成数据), and every value from it says so."""
    scope = _scope(s, scope, actor)
    policy.require(scope, "write", "dustfall", refusal="降尘数据由市大气办导入 (the city office imports dust fall)")
    actor = scope.who.username
    rows = reader.read(path, period)
    counties = _counties(s)
    resolved = []
    for r in rows:
        code = counties.get(r.county)
        if code is None:
            raise InputError(path, f"unknown county {r.county!r}", line=r.line, column="county",
                             expected="a county name or adcode of the workspace")
        resolved.append((r, code))
    now = now_utc()
    months = sorted({r.period for r, _ in resolved})
    for month in months:
        s.execute(sa.delete(DustfallValue).where(DustfallValue.period == month))
    points: dict[tuple[str, str], list[Fraction]] = {}
    for r, county in resolved:
        code = county if r.level == "county" else r.code
        s.add(DustfallValue(period=r.period, level=r.level, code=code, county_code=county, value=str(r.value),
                            yoy_percent=r.yoy_percent, source=path.name, imported_by=actor, imported_at=now,
                            synthetic=synthetic))
        if r.level == "point":
            points.setdefault((r.period, county), []).append(r.value)
    for (month, county), values in points.items():     # the county's value: the mean of its points
        s.add(DustfallValue(period=month, level="county", code=county, county_code=county,
                            value=str(sum(values) / len(values)), source=f"{path.name}（{len(values)}个点位均值）",
                            imported_by=actor, imported_at=now, synthetic=synthetic))
    s.flush()
    opened = []
    for month in months:
        opened += open_campaigns(s, month, config)
    audit.record(s, actor=actor, action="import", entity="dustfall", entity_id=",".join(months),
                 after={"rows": len(rows), "file": path.name, "campaigns": opened,
                        **({"synthetic": True} if synthetic else {})})
    return {"months": months, "rows": len(rows), "campaigns": opened}


def values_in(s: Session, period: str) -> int:
    """How many dust-fall values (counties and points) the month ``YYYY-MM`` has."""
    return int(s.scalar(sa.select(sa.func.count()).select_from(DustfallValue)
                        .where(DustfallValue.period == period)) or 0)


class NoMonth(UsageError, NotFound):
    """A well-formed month with no dust fall imported: the API answers 404 (no such bulletin)."""


def bulletin(s: Session, period: str, config: dict | None = None, *, scope=None) -> dict:
    """The month's county table: rank (ties shared), value, year-on-year, flag; city max/min/mean. The
    bulletin is published: every role that reads ``dustfall`` reads all of it (a county its rank among
    the others); ``scope`` None is lantian's own work (the monthly bulletin)."""
    scope = _scope(s, scope, "bulletin")
    if not policy.may(scope, "read", "dustfall"):
        raise NotFound("no such bulletin")
    rows = list(s.scalars(sa.select(DustfallValue).where(DustfallValue.period == period,
                                                         DustfallValue.level == "county")))
    if not rows:
        raise NoMonth(f"no dust fall for {period}: lantian dustfall import FILE")
    limit = threshold(config)
    values = [Fraction(r.value) for r in rows]
    rank = ranks(values)
    year, month = (int(x) for x in period.split("-"))
    before = {r.code: Fraction(r.value) for r in s.scalars(sa.select(DustfallValue).where(
        DustfallValue.period == f"{year - 1}-{month:02d}", DustfallValue.level == "county"))}
    names = _names(s)
    table = []
    for r, v, k in sorted(zip(rows, values, rank), key=lambda x: (x[2], x[0].code)):
        yoy = r.yoy_percent
        if yoy is None and r.code in before and before[r.code]:
            yoy = str(round_half_even((v - before[r.code]) / before[r.code] * 100, 1))
        table.append({"rank": k, "county": r.code, "name": names.get(r.code, r.code), "value": float(published(v)),
                      "yoy_percent": None if yoy is None else float(yoy), "above": published(v) > limit,
                      "source": r.source, "synthetic": bool(r.synthetic)})
    shown = [published(v) for v in values]
    return {"period": period, "threshold": float(limit), "counties": table,
            "city": {"max": float(max(shown)), "min": float(min(shown)),
                     "mean": float(round_half_even(sum(shown) / len(shown), 1))},
            "above": [t["name"] for t in table if t["above"]]}


def _names(s: Session) -> dict[str, str]:
    return geography.names(s)


def open_campaigns(s: Session, period: str, config: dict | None = None) -> list[str]:
    """A 降尘专项整治 sub-task of the plan's dust-fall task (task 14 of the seed: the task the dust-fall
    citation is bound to) for each county above the threshold (once per month); synthetic when the
    value that opens it is."""
    limit = threshold(config)
    names = _names(s)
    year, month = (int(x) for x in period.split("-"))
    task = plan.task_measured_by(s, "dustfall", dt.date(year, month, 28))
    if task is None:
        return []                                   # no plan, or none with the dust-fall clause
    office = Scope.office(url_of(s), "dustfall")
    due = dt.date(year + month // 12, month % 12 + 1, 1) + dt.timedelta(days=CAMPAIGN_DAYS - 1)
    opened = []
    for r in s.scalars(sa.select(DustfallValue).where(DustfallValue.period == period, DustfallValue.level == "county")):
        value = published(Fraction(r.value))
        if value <= limit:
            continue
        title = f"{names.get(r.code, r.code)}{period}降尘{float(value):g}吨/月·平方公里，高于{float(limit):g}：开展降尘专项整治"
        if plan.has_milestone(s, task.id, title):
            continue
        plan.add_milestone(s, office, task.id, title, due=due, owner_kind="county", owner_code=r.code,
                           indicator="dustfall", params={"unit": r.code}, synthetic=bool(r.synthetic))
        opened.append(names.get(r.code, r.code))
    return opened


def latest(s: Session, county: str) -> tuple[str, Fraction] | None:
    """The county's latest month and value."""
    r = s.scalar(sa.select(DustfallValue).where(DustfallValue.level == "county", DustfallValue.code == county)
                 .order_by(DustfallValue.period.desc()).limit(1))
    return None if r is None else (r.period, Fraction(r.value))
