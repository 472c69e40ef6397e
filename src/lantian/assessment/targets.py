"""目标 — annual targets per county and city, decomposed from the city's, with who set them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.assessment.models import INDICATORS, Target
from lantian.db import now_utc
from lantian.errors import UsageError


@dataclass(frozen=True)
class Kind:
    """What an indicator's value is: a concentration (> 0), a ratio in percent (0–100), a count of days
    (a whole number 0–366) or an index (> 0)."""
    name: str
    low: Decimal | None
    high: Decimal | None
    low_open: bool = False
    whole: bool = False

    def problem(self, value: Decimal) -> str | None:
        if self.whole and value != value.to_integral_value():
            return "应为整数（天数）"
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return f"应大于{self.low}" if self.low_open else f"应不小于{self.low}"
        if self.high is not None and value > self.high:
            return f"应在{self.low}–{self.high}之间" if self.high == 100 else f"应不大于{self.high}"
        return None

    @property
    def expected(self) -> str:
        return {"concentration": "大于0的浓度（微克/立方米）", "ratio": "0–100之间的百分比",
                "days": "0–366之间的整数天数", "index": "大于0的数值"}[self.name]


CONCENTRATION = Kind("concentration", Decimal(0), Decimal(1000), low_open=True)
RATIO = Kind("ratio", Decimal(0), Decimal(100))
DAYS = Kind("days", Decimal(0), Decimal(366), whole=True)
INDEX = Kind("index", Decimal(0), None, low_open=True)
#: the kind of each known indicator (:data:`lantian.assessment.models.INDICATORS`)
KINDS = {"pm25_mean": CONCENTRATION, "pm10_mean": CONCENTRATION, "o3_8h_p90": CONCENTRATION,
         "good_day_ratio": RATIO, "heavy_days": DAYS, "heavy_day_ratio": RATIO, "composite_index": INDEX,
         "pm25_reduction": RATIO}


def _key(text: str) -> str:
    return re.sub(r"[\s（）()%％/·.。,，_\-]", "", str(text)).replace("微克立方米", "").replace("天", "").lower()


#: the accepted Chinese spellings of an indicator (its label with or without unit, and usual variants) → its name
ALIASES = {**{_key(v): k for k, v in INDICATORS.items()},
           **{_key(re.sub(r"（.*?）", "", v)): k for k, v in INDICATORS.items()},
           _key("PM2.5浓度"): "pm25_mean", _key("PM10浓度"): "pm10_mean", _key("优良天数比率"): "good_day_ratio",
           _key("臭氧浓度"): "o3_8h_p90"}


def indicator_name(text: str) -> str:
    """A known indicator: its name exactly (pm25_mean) or its Chinese label (PM2.5年均浓度, 优良天数比例（%）…)."""
    text = str(text).strip()
    if text in INDICATORS:
        return text
    found = ALIASES.get(_key(text)) if re.search(r"[\u4e00-\u9fff]", text) else None
    if found is None:
        known = "、".join(f"{k}（{v}）" for k, v in INDICATORS.items())
        raise UsageError(f"unknown indicator {text!r}; known: {known}")
    return found


def value_problem(indicator: str, value) -> tuple[Decimal | None, str | None]:
    """(the value as an exact decimal, None) when it is within the indicator's range, else (None, why —
    in Chinese, with what is expected)."""
    kind = KINDS[indicator]
    try:
        number = Decimal(str(value).strip().rstrip("%％"))
    except InvalidOperation:
        return None, f"不是数值，应为{kind.expected}"
    if not number.is_finite():
        return None, f"不是数值，应为{kind.expected}"
    problem = kind.problem(number)
    return (None, f"{problem}（{INDICATORS[indicator]}：{kind.expected}）") if problem else (number, None)


def checked_value(indicator: str, value) -> Decimal:
    """The value as an exact decimal within the indicator's range, or a UsageError saying what is expected."""
    number, problem = value_problem(indicator, value)
    if number is None and problem.startswith("不是数值"):
        raise UsageError(f"target value {value!r} is not a number ({problem})")
    if problem:
        raise UsageError(f"target value {value} is out of range: {problem}")
    return number


def set_target(s: Session, unit: str, year: int, indicator: str, value, *, by: str, parent: int | None = None,
               synthetic: bool = False, note: str | None = None, source: str | None = None) -> Target:
    """Create or change a target of a known indicator, its value in range; the change is audited
    (before/after). Setting the same value and source again changes nothing."""
    if geography.unit(s, unit) is None:
        raise UsageError(f"no county, zone or city {unit!r}")
    if not 1900 < int(year) < 2200:
        raise UsageError(f"year {year} is not a year")
    indicator = indicator_name(indicator)
    text = str(checked_value(indicator, value))
    row = s.scalar(sa.select(Target).where(Target.unit_code == unit, Target.year == year,
                                           Target.indicator == indicator))
    if row is not None and Decimal(row.value) == Decimal(text) and row.source == source and row.note == note \
            and row.parent_id == parent and row.synthetic == synthetic:
        return row
    before = None if row is None else {"value": row.value, "set_by": row.set_by, "source": row.source}
    if row is None:
        row = Target(unit_code=unit, year=year, indicator=indicator, value=text, parent_id=parent,
                     synthetic=synthetic, set_by=by, set_at=now_utc(), note=note, source=source)
        s.add(row)
    else:
        row.value, row.set_by, row.set_at, row.note, row.source = text, by, now_utc(), note, source
        row.parent_id, row.synthetic = parent, synthetic
    s.flush()
    audit.record(s, actor=by, action="set" if before else "create", entity="target",
                 entity_id=f"{unit}/{year}/{indicator}", before=before,
                 after={"value": text, "parent": parent, "synthetic": synthetic, "source": source}, scope_unit=unit)
    return row


def import_rows(s: Session, rows: list, *, by: str, file: str) -> dict:
    """Store the checked rows of a targets file (:mod:`lantian.assessment.targetfile`) in one
    transaction: created, changed, unchanged."""
    out = {"rows": len(rows), "created": 0, "changed": 0, "unchanged": 0}
    for r in rows:
        before = s.scalar(sa.select(Target).where(Target.unit_code == r.unit, Target.year == r.year,
                                                  Target.indicator == r.indicator))
        old = None if before is None else (Decimal(before.value), before.source)
        set_target(s, r.unit, r.year, r.indicator, r.value, by=by, source=r.source,
                   note=before.note if before is not None else None,
                   parent=before.parent_id if before is not None else None)
        out["created" if old is None else ("unchanged" if old == (Decimal(r.value), r.source) else "changed")] += 1
    audit.record(s, actor=by, action="import", entity="targets", entity_id=file[:64], after=out)
    return out


def rows_of(s: Session, year: int | None = None) -> list[dict]:
    """Every target (of ``year``), as the targets file writes them."""
    q = sa.select(Target).order_by(Target.year, Target.unit_code, Target.indicator)
    if year is not None:
        q = q.where(Target.year == year)
    return [{"unit": t.unit_code, "year": t.year, "indicator": t.indicator, "label": INDICATORS.get(t.indicator),
             "value": t.value, "source": t.source, "synthetic": t.synthetic, "set_by": t.set_by,
             "from_city": t.parent_id is not None} for t in s.scalars(q)]


def targets(s: Session, year: int, units: list[str] | None = None) -> dict[str, dict[str, Target]]:
    """unit → indicator → target of ``year``."""
    q = sa.select(Target).where(Target.year == year)
    if units is not None:
        q = q.where(Target.unit_code.in_(units))
    out: dict[str, dict[str, Target]] = {}
    for t in s.scalars(q):
        out.setdefault(t.unit_code, {})[t.indicator] = t
    return out
