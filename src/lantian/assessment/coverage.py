"""数据覆盖 — what a figure's data covers: the last day with data, the valid days of the period, and
whether they meet the validity minimums.

The rule (GB 3095—2012 表4, HJ 663—2013 §…, the same in GB 3095 2026 Table 4 ✅): a year's statistics
need ≥ 324 valid daily values and ≥ 27 in every month (≥ 25 in February), pollutant by pollutant
(``[validity]`` of ``standards/tables/hj663.toml``). A document's period — a month, a year to date, a
quarter — is held to the same minimum month by month: each calendar month in it must keep its
minimum, and a month the period covers only in part (the running month of a year to date) fails as
soon as it has missed more days than the standard allows that month (31 − 27 = 4 in a 31-day
month). A whole year also needs its 324 days. A unit without any valid day has no figure at all.

:func:`coverage` gives one :class:`Coverage` per unit from its daily values (the table
:func:`lantian.assessment.statistics.area_daily_units` gives); its :meth:`Coverage.text` and
:meth:`Coverage.problem` are the words the documents print (数据截至…；有效…天 / 数据不完整：…).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from lantian.standards import period as ref
from lantian.standards.evaluation import settings
from lantian.standards.pollutants import DISPLAY, POLLUTANTS
from lantian.errors import UsageError

#: the daily columns whose valid days are counted, with the names an official reads
ITEMS = {ref.COLUMNS[p]: DISPLAY[p] for p in POLLUTANTS}
RULE = "GB 3095—2012表4、HJ 663：每月有效日均值不少于27天（2月不少于25天），全年不少于324天"


def cn_day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _span(start: dt.date, end: dt.date) -> str:
    if start.year == end.year:
        return f"{start.month}月{start.day}日—{end.month}月{end.day}日"
    return f"{cn_day(start)}—{cn_day(end)}"


@dataclass
class Coverage:
    """The data behind one unit's figure for ``start``…``end``."""
    unit: str
    start: dt.date
    end: dt.date
    valid_days: int                     # the fewest valid daily values among the six pollutants
    aqi_days: int                       # days with a valid daily AQI
    last_day: dt.date | None            # the last day (≤ end) with a valid daily AQI
    short: list[dict] = field(default_factory=list)   # months below their minimum

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def complete(self) -> bool:
        return self.aqi_days > 0 and not self.short

    def text(self) -> str:
        """数据截至2023年6月30日；1月1日—7月31日共212天，有效181天."""
        if not self.aqi_days:
            return f"{_span(self.start, self.end)}无有效监测数据"
        return (f"数据截至{cn_day(self.last_day)}；{_span(self.start, self.end)}共{self.days}天，"
                f"有效{self.valid_days}天")

    def problem(self) -> str | None:
        """Why the data falls short, in words (None when it does not)."""
        if not self.aqi_days:
            return f"{_span(self.start, self.end)}无有效监测数据"
        if not self.short:
            return None
        worst: dict[tuple, tuple[int, int]] = {}          # (year, month) → (fewest valid days, needed)
        for s in self.short:
            key = (s["year"], s["month"] or 0)
            worst[key] = min(worst.get(key, (s["valid"], s["needed"])), (s["valid"], s["needed"]))
        parts = [f"{y}年{m}月有效{v}天（应不少于{n}天）" if m else f"{y}年全年有效{v}天（应不少于{n}天）"
                 for (y, m), (v, n) in sorted(worst.items(), key=lambda kv: (kv[0][0], kv[0][1] or 13))]
        return f"{'，'.join(parts)}，数据截至{cn_day(self.last_day)}"

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
                "valid_days": self.valid_days, "aqi_days": self.aqi_days,
                "last_day": None if self.last_day is None else self.last_day.isoformat(),
                "complete": self.complete, "short": self.short, "text": self.text(), "problem": self.problem()}


def _months(start: dt.date, end: dt.date):
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        dim = calendar.monthrange(y, m)[1]
        first, last = max(start, dt.date(y, m, 1)), min(end, dt.date(y, m, dim))
        yield y, m, (last - first).days + 1, dim
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def required(y: int, m: int, part: int, dim: int) -> int:
    """Valid days month ``y-m`` needs when the period covers ``part`` of its ``dim`` days: its minimum
    (27, February 25) less nothing when whole; when in part, all but the days it may still miss."""
    return max(0, part - (dim - ref.month_minimum(y, m)))


def coverage(daily: pa.Table, units: Iterable[str], start: dt.date, end: dt.date) -> dict[str, Coverage]:
    """Each unit's :class:`Coverage` over ``start``…``end`` from its daily values (columns ``unit``,
    ``date``, the six pollutants' daily values and ``AQI``; null = invalid)."""
    units = list(units)
    t = daily.select(["unit", "date", "AQI", *ITEMS])
    t = t.filter(pc.and_(pc.greater_equal(t.column("date"), pa.scalar(start, pa.date32())),
                         pc.less_equal(t.column("date"), pa.scalar(end, pa.date32()))))
    t = t.filter(pc.is_in(t.column("unit"), value_set=pa.array(units, pa.string())))
    ym = pc.add(pc.multiply(pc.year(t.column("date")), 100), pc.month(t.column("date")))
    t = t.append_column("ym", ym)
    counts = t.group_by(["unit", "ym"]).aggregate([(c, "count") for c in ("AQI", *ITEMS)]).to_pylist()
    last = t.filter(pc.is_valid(t.column("AQI"))).group_by("unit").aggregate([("date", "max")]).to_pylist()
    last_day = {r["unit"]: r["date_max"] for r in last}
    by = {(r["unit"], r["ym"]): r for r in counts}
    whole_year = start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31)
    out = {}
    for u in units:
        totals = dict.fromkeys(("AQI", *ITEMS), 0)
        short = []
        for y, m, part, dim in _months(start, end):
            row = by.get((u, y * 100 + m), {})
            need = required(y, m, part, dim)
            for c in ("AQI", *ITEMS):
                n = row.get(f"{c}_count", 0) or 0
                totals[c] += n
                if c != "AQI" and n < need:
                    short.append({"year": y, "month": m, "pollutant": ITEMS[c], "valid": n, "needed": need})
        if whole_year:
            need = settings()["validity"]["annual_min_days"]
            short += [{"year": start.year, "month": None, "pollutant": ITEMS[c], "valid": totals[c],
                       "needed": need} for c in ITEMS if totals[c] < need]
        out[u] = Coverage(u, start, end, min(totals[c] for c in ITEMS), totals["AQI"], last_day.get(u), short)
    return out


def note(problems: Iterable[tuple[str, str | None]]) -> str | None:
    """数据不完整：潞州区2023年7月有效0天（应不少于27天），数据截至…（rule）。 — the sentence a document prints at
    its top, from (unit name, :meth:`Coverage.problem`) pairs (None when no unit has a problem)."""
    parts = [f"{name}{problem}" for name, problem in problems if problem]
    if not parts:
        return None
    return ("数据不完整：" + "；".join(parts) + f"（{RULE}）。标注“※”的数据未达到有效性要求，仅供参考，"
            "不作为考核依据。")


def refuse_incomplete(rows, strict: bool, what: str) -> str | None:
    """:func:`note` of ``rows`` — (name, row) pairs whose row has ``complete``, ``valid_days`` and
    ``coverage_problem`` (a ranking or progress row) — of the rows that print a figure: a unit without
    any valid day prints none (its row says 无有效监测数据). With ``strict`` an incomplete one is a
    :class:`UsageError` naming the reason (the command exits with code 2 and produces nothing)."""
    text = note((name, row["coverage_problem"]) for name, row in rows
                if not row.get("complete") and row.get("valid_days"))      # a unit without data prints no figure
    if text and strict:
        raise UsageError(f"--strict: {what} not produced — {text}")
    return text
