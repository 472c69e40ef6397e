"""Dust-fall files, one reader for the forms offices exchange (CSV UTF-8/GBK, or .xlsx):

- county values: ``period,county,value[,yoy_percent]`` — or the published table's layout
  ``level,rank,city,district_county,adcode,…,mean_t_km2_month,yoy_change_pct`` (its period given
  with ``--period``; the city row is recomputed, not imported);
- gravimetric raw data: ``period,point,county,w1_g,w0_g,wc_g,area_cm2,days`` (docs/standards.md §6.2).

Every bad cell is reported with file, line and column; nothing is returned half-read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lantian.errors import InputError
from lantian.textfiles import read_csv
from lantian.standards.dustfall import gravimetric

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SIMPLE = ("period", "county", "value")
PUBLISHED = ("level", "district_county", "adcode", "mean_t_km2_month")
RAW = ("period", "point", "county", "w1_g", "w0_g", "wc_g", "area_cm2", "days")


@dataclass(frozen=True)
class Row:
    period: str
    level: str                # county | point
    code: str                 # county as written (resolved later), or the point code
    county: str               # county as written
    value: Fraction
    yoy_percent: str | None
    line: int


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:        # openpyxl raises several kinds for a file that is not a workbook
            raise InputError(path, f"not an .xlsx workbook ({exc.__class__.__name__})") from None
        sheet = book.worksheets[0]
        return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return read_csv(path)


def _number(path: Path, text: str, line: int, column: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(path, f"{text!r} is not a number", line=line, column=column) from None
    if value < 0:
        raise InputError(path, f"{text} is negative", line=line, column=column, expected="≥ 0")
    return value


def read(path: str | Path, period: str | None = None) -> list[Row]:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    rows = _rows(path)
    if not rows:
        raise InputError(path, "empty file")
    header = [h.strip() for h in rows[0]]
    cols = {h: i for i, h in enumerate(header)}
    if period is not None and not PERIOD.match(period):
        raise InputError(path, f"period {period!r}", expected="YYYY-MM")
    if all(h in cols for h in RAW):
        return _raw(path, rows, cols)
    if all(h in cols for h in SIMPLE):
        return _simple(path, rows, cols)
    if all(h in cols for h in PUBLISHED):
        if period is None:
            raise InputError(path, "the published table has no period column: give --period YYYY-MM")
        return _published(path, rows, cols, period)
    raise InputError(path, f"unknown layout (header {', '.join(header)})", line=1,
                     expected=f"{','.join(SIMPLE)}[,yoy_percent] or {','.join(RAW)} or the published table")


def _period(path: Path, text: str, line: int) -> str:
    text = text.strip()
    if not PERIOD.match(text):
        raise InputError(path, f"{text!r} is not a month", line=line, column="period", expected="YYYY-MM")
    return text


def _simple(path, rows, cols) -> list[Row]:
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        county = r[cols["county"]].strip()
        if not county:
            raise InputError(path, "no county", line=line, column="county")
        yoy = r[cols["yoy_percent"]].strip() if "yoy_percent" in cols and r[cols["yoy_percent"]].strip() else None
        out.append(Row(_period(path, r[cols["period"]], line), "county", county, county,
                       _number(path, r[cols["value"]], line, "value"), yoy, line))
    return out


def _published(path, rows, cols, period) -> list[Row]:
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r) or r[cols["level"]].strip() != "county":
            continue
        code = r[cols["adcode"]].strip() or r[cols["district_county"]].strip()
        yoy = r[cols["yoy_change_pct"]].strip() if "yoy_change_pct" in cols else None
        out.append(Row(period, "county", code, code, _number(path, r[cols["mean_t_km2_month"]], line,
                                                             "mean_t_km2_month"), yoy or None, line))
    return out


def _raw(path, rows, cols) -> list[Row]:
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        nums = {k: _number(path, r[cols[k]], line, k) for k in ("w1_g", "w0_g", "wc_g", "area_cm2", "days")}
        if nums["days"].denominator != 1 or nums["days"] == 0:
            raise InputError(path, f"{r[cols['days']]!r} days", line=line, column="days", expected="a whole number > 0")
        try:
            value = gravimetric(nums["w1_g"], nums["w0_g"], nums["wc_g"], nums["area_cm2"], int(nums["days"]))
        except ValueError as exc:
            raise InputError(path, str(exc), line=line, column="w1_g") from None
        point = r[cols["point"]].strip()
        if not point:
            raise InputError(path, "no monitoring point", line=line, column="point")
        out.append(Row(_period(path, r[cols["period"]], line), "point", point, r[cols["county"]].strip(), value,
                       None, line))
    return out
