"""Fire-point files, one reader for the layouts offices receive (行动计划 任务15 "人防""技防"结合):

- **NASA FIRMS MODIS** (C6.1): ``latitude,longitude,brightness,scan,track,acq_date,acq_time,
  satellite,confidence,version,bright_t31,frp,daynight`` — confidence 0–100;
- **NASA FIRMS VIIRS** (375 m): the same with ``bright_ti4``/``bright_ti5`` — confidence
  ``low``/``nominal``/``high``; the area-API layout adds an ``instrument`` column and writes the
  confidence ``l``/``n``/``h``.
  In both, ``acq_date`` is the UTC date and ``acq_time`` the UTC time as HHMM. A file re-saved by a
  spreadsheet loses the leading zeros (``603`` = 06:03, ``18`` = 00:18) — still unambiguous, since
  the field is always HHMM — and may write dates as ``6/3/2022``: the day/month order is decided
  for the whole file (a part above 12 decides; else the order under which the file's dates span
  fewer days, as a FIRMS file covers consecutive days; else the file is refused, naming line and
  column). Trailing zeros lost by the spreadsheet do not matter (coordinates are compared as
  decimals).
- **reports** (人工巡查、视频监控、无人机): ``time,lat,lon,source,reporter,note`` (or the Chinese
  headers ``时间,纬度,经度,来源,报告人,备注``) — ``time`` is **Beijing time** ``YYYY-MM-DD HH:MM``,
  ``lat``/``lon`` decimal degrees (WGS-84), ``source`` one of ``manual``/``video``/``drone`` (or
  人工/视频/无人机), ``reporter`` and ``note`` free text (reporter required).

CSV in UTF-8 (with or without BOM) or GBK. Every bad cell is reported with file, line and column and
what was expected; nothing is returned half-read.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lantian.db import to_utc
from lantian.errors import InputError
from lantian.textfiles import read_csv

UTC = dt.timezone.utc
FIRMS = ("latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence")
REPORT = ("time", "lat", "lon", "source", "reporter")
REPORT_ALIASES = {"时间": "time", "纬度": "lat", "经度": "lon", "来源": "source", "报告人": "reporter", "备注": "note"}
REPORT_SOURCES = {"manual": "manual", "人工": "manual", "人工巡查": "manual", "video": "video", "视频": "video",
                  "视频监控": "video", "drone": "drone", "无人机": "drone"}
VIIRS_CONFIDENCE = {"l": "low", "n": "nominal", "h": "high", "low": "low", "nominal": "nominal", "high": "high"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
HHMM = re.compile(r"^\d{1,4}$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


@dataclass(frozen=True)
class Observation:
    """One fire point as read: where, when (aware UTC), what saw it."""
    source: str                   # modis | viirs | manual | video | drone
    satellite: str | None
    observed_at: dt.datetime
    lat: Decimal
    lon: Decimal
    confidence: str | None = None
    brightness: str | None = None
    frp: str | None = None
    daynight: str | None = None
    reporter: str | None = None
    note: str | None = None
    line: int | None = None

    @property
    def satellite_source(self) -> bool:
        return self.source in ("modis", "viirs")

    def confidence_class(self) -> str | None:
        """FIRMS' classes (user guide): MODIS 0–29 low, 30–79 nominal, 80–100 high; VIIRS as written."""
        if self.confidence is None or not self.satellite_source:
            return None
        if self.source == "modis":
            value = int(self.confidence)
            return "low" if value < 30 else "nominal" if value < 80 else "high"
        return self.confidence


@dataclass(frozen=True)
class Batch:
    layout: str                   # modis | viirs | report
    rows: list[Observation]
    notes: list[str]              # how a messy file was read (e.g. "dates read as m/d/yyyy")
    rejected: dict[str, int] = field(default_factory=dict)     # lenient: bad rows by column
    errors: list[str] = field(default_factory=list)            # lenient: the first few messages

    @property
    def read(self) -> int:
        return len(self.rows) + sum(self.rejected.values())


class _Rows:
    """Rows parsed one by one: a bad row refuses the file, or (lenient) is counted and skipped."""

    def __init__(self, lenient: bool):
        self.lenient, self.rows, self.rejected, self.errors = lenient, [], {}, []

    def add(self, parse, *args) -> None:
        try:
            self.rows.append(parse(*args))
        except InputError as exc:
            if not self.lenient:
                raise
            key = f"bad {exc.column or 'row'}"
            self.rejected[key] = self.rejected.get(key, 0) + 1
            if len(self.errors) < 20:
                self.errors.append(str(exc))


def decimal_text(value: Decimal) -> str:
    """The exact decimal without trailing zeros (36.10610 → 36.1061), as stored and compared."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _table(path: Path) -> list[list[str]]:
    return read_csv(path)


def read(path: str | Path, lenient: bool = False) -> Batch:
    """Every row of a FIRMS file (MODIS or VIIRS, any of the layouts above) or a report file.

    ``lenient``: a row with a bad cell is skipped and counted by column (``Batch.rejected``) instead of
    refusing the file; a file that cannot be read as a whole (layout, date order) is refused anyway."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    rows = _table(path)
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError(path, "empty file", expected="a header line")
    header = [h.strip().lower() for h in rows[0]]
    header = [REPORT_ALIASES.get(h, h) for h in header]
    cols = {h: i for i, h in enumerate(header)}
    if all(h in cols for h in FIRMS) and ("brightness" in cols or "bright_ti4" in cols):
        return _firms(path, rows, cols, _Rows(lenient))
    if all(h in cols for h in REPORT):
        return _reports(path, rows, cols, _Rows(lenient))
    raise InputError(path, f"unknown layout (header {', '.join(rows[0])})", line=1,
                     expected="a NASA FIRMS MODIS/VIIRS file (latitude,longitude,brightness|bright_ti4,…,acq_date,"
                              "acq_time,satellite,confidence,…) or a report file (time,lat,lon,source,reporter,note)")


def _cell(row: list[str], cols: dict, name: str) -> str:
    i = cols.get(name)
    return row[i].strip() if i is not None and i < len(row) else ""


def _degrees(path: Path, text: str, line: int, column: str, limit: int) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) > limit:
        raise InputError(path, f"{text!r} is not a {column}", line=line, column=column,
                         expected=f"decimal degrees between -{limit} and {limit}")
    return value


def _optional_number(path: Path, text: str, line: int, column: str) -> str | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InputError(path, f"{text!r} is not a number", line=line, column=column)
    return decimal_text(value)


# --------------------------------------------------------------------------- FIRMS
def _firms(path: Path, rows: list[list[str]], cols: dict, out: _Rows) -> Batch:
    data = [(line, r) for line, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    order, notes = _slash_order(path, [(line, _cell(r, cols, "acq_date")) for line, r in data])
    layout = "modis" if "brightness" in cols else "viirs"
    for line, r in data:
        out.add(_firms_row, path, r, cols, line, layout, order, len(rows[0]))
    if not out.rows and not out.rejected:
        raise InputError(path, "no fire points in the file", expected="rows under the header")
    return Batch(layout, out.rows, notes, out.rejected, out.errors)


def _firms_row(path: Path, r: list[str], cols: dict, line: int, layout: str, order: str | None,
               width: int) -> Observation:
    if len(r) != width:
        raise InputError(path, f"{len(r)} fields where the header has {width}", line=line,
                         expected="one value per column")
    source = layout
    instrument = _cell(r, cols, "instrument").upper()
    if instrument:
        if instrument not in ("MODIS", "VIIRS"):
            raise InputError(path, f"instrument {instrument!r}", line=line, column="instrument",
                             expected="MODIS or VIIRS")
        source = instrument.lower()
    day = _date(path, _cell(r, cols, "acq_date"), line, order)
    hour, minute = _hhmm(path, _cell(r, cols, "acq_time"), line)
    satellite = _cell(r, cols, "satellite")
    if not satellite:
        raise InputError(path, "no satellite", line=line, column="satellite", expected="T, A, N, 1, …")
    daynight = _cell(r, cols, "daynight").upper() or None
    if daynight not in (None, "D", "N"):
        raise InputError(path, f"daynight {daynight!r}", line=line, column="daynight", expected="D or N")
    bright = "brightness" if "brightness" in cols else "bright_ti4"
    return Observation(
        source=source, satellite=satellite[:16],
        observed_at=dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC),
        lat=_degrees(path, _cell(r, cols, "latitude"), line, "latitude", 90),
        lon=_degrees(path, _cell(r, cols, "longitude"), line, "longitude", 180),
        confidence=_confidence(path, _cell(r, cols, "confidence"), line, source),
        brightness=_optional_number(path, _cell(r, cols, bright), line, bright),
        frp=_optional_number(path, _cell(r, cols, "frp"), line, "frp"),
        daynight=daynight, line=line)


def _confidence(path: Path, text: str, line: int, source: str) -> str:
    if source == "modis":
        if text.isascii() and text.isdigit() and 0 <= int(text) <= 100:
            return str(int(text))
        raise InputError(path, f"confidence {text!r}", line=line, column="confidence",
                         expected="0–100 (MODIS)")
    value = VIIRS_CONFIDENCE.get(text.lower())
    if value is None:
        raise InputError(path, f"confidence {text!r}", line=line, column="confidence",
                         expected="low, nominal or high (l, n, h) for VIIRS")
    return value


def _hhmm(path: Path, text: str, line: int) -> tuple[int, int]:
    """FIRMS acq_time: HHMM UTC, leading zeros possibly dropped by a spreadsheet (18 = 00:18)."""
    clock = CLOCK.match(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
    elif HHMM.match(text):
        hour, minute = divmod(int(text), 100)
    else:
        raise InputError(path, f"acq_time {text!r}", line=line, column="acq_time",
                         expected="HHMM in UTC (e.g. 0538, or 538 without the leading zero)")
    if hour > 23 or minute > 59:
        raise InputError(path, f"acq_time {text!r} is not a time of day", line=line, column="acq_time",
                         expected="HHMM in UTC, 0000–2359")
    return hour, minute


def _slash_order(path: Path, cells: list[tuple[int, str]]) -> tuple[str | None, list[str]]:
    """"mdy" or "dmy" for the file's slash dates (None when it has none), or an InputError."""
    slashed = [(line, SLASH_DATE.match(text)) for line, text in cells]
    slashed = [(line, m) for line, m in slashed if m]
    if not slashed:
        return None, []
    first_big = next(((line, m) for line, m in slashed if int(m.group(1)) > 12), None)
    second_big = next(((line, m) for line, m in slashed if int(m.group(2)) > 12), None)
    if first_big and second_big:
        raise InputError(path, f"dates {first_big[1].group(0)} and {second_big[1].group(0)} use different "
                               f"day/month orders", line=second_big[0], column="acq_date", expected="one date format")
    if first_big:
        return "dmy", ["dates read as d/m/yyyy"]
    if second_big:
        return "mdy", ["dates read as m/d/yyyy"]
    spans = {}
    for order in ("mdy", "dmy"):
        try:
            days = {_slash(m, order) for _, m in slashed}
        except ValueError:
            continue
        spans[order] = (max(days) - min(days)).days
    if len(spans) == 2 and spans["mdy"] != spans["dmy"]:
        order = min(spans, key=spans.get)
        return order, [f"dates read as {'m/d/yyyy' if order == 'mdy' else 'd/m/yyyy'} (the file's dates span "
                       f"{spans[order]} days that way, {spans['dmy' if order == 'mdy' else 'mdy']} the other)"]
    if len(spans) == 1:
        order = next(iter(spans))
        return order, [f"dates read as {'m/d/yyyy' if order == 'mdy' else 'd/m/yyyy'}"]
    line, m = slashed[0]
    raise InputError(path, f"{m.group(0)!r}: day and month cannot be told apart in this file", line=line,
                     column="acq_date", expected="YYYY-MM-DD (as FIRMS writes it)")


def _slash(m: re.Match, order: str) -> dt.date:
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    month, day = (a, b) if order == "mdy" else (b, a)
    return dt.date(year, month, day)


def _date(path: Path, text: str, line: int, order: str | None) -> dt.date:
    try:
        if ISO_DATE.match(text):
            return dt.date.fromisoformat(text)
        m = SLASH_DATE.match(text)
        if m and order:
            return _slash(m, order)
    except ValueError:
        pass
    raise InputError(path, f"acq_date {text!r}", line=line, column="acq_date", expected="a date YYYY-MM-DD (UTC)")


# --------------------------------------------------------------------------- reports
def parse_time(text: str) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM[:SS]`` (or with a T) read as Beijing time → aware UTC; None if not such a time."""
    text = text.strip().replace("T", " ").replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            when = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return to_utc(when) if 1900 < when.year < 2200 else None
    return None


def report_source(text: str) -> str | None:
    return REPORT_SOURCES.get(text.strip().lower())


def _reports(path: Path, rows: list[list[str]], cols: dict, out: _Rows) -> Batch:
    for line, r in enumerate(rows[1:], start=2):
        if any(c.strip() for c in r):
            out.add(_report_row, path, r, cols, line)
    if not out.rows and not out.rejected:
        raise InputError(path, "no reports in the file", expected="rows under the header")
    return Batch("report", out.rows, [], out.rejected, out.errors)


def _report_row(path: Path, r: list[str], cols: dict, line: int) -> Observation:
    when = parse_time(_cell(r, cols, "time"))
    if when is None:
        raise InputError(path, f"time {_cell(r, cols, 'time')!r}", line=line, column="time",
                         expected="Beijing time YYYY-MM-DD HH:MM")
    source = report_source(_cell(r, cols, "source"))
    if source is None:
        raise InputError(path, f"source {_cell(r, cols, 'source')!r}", line=line, column="source",
                         expected="manual, video or drone (人工, 视频, 无人机)")
    reporter = _cell(r, cols, "reporter")
    if not reporter:
        raise InputError(path, "no reporter", line=line, column="reporter", expected="who reported the fire")
    return Observation(source=source, satellite=None, observed_at=when,
                       lat=_degrees(path, _cell(r, cols, "lat"), line, "lat", 90),
                       lon=_degrees(path, _cell(r, cols, "lon"), line, "lon", 180),
                       reporter=reporter[:64], note=_cell(r, cols, "note") or None, line=line)
