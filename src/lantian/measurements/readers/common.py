"""What every measurement reader returns, and the helpers they share.

Contract (every reader): a :class:`Readout` whose ``table`` has one row per measured hourly value

=========  ===================================================================================
station    string — the station id as the source names it (the UCI reader prefixes ``uci:``)
time       timestamp[s], naive, Beijing time, HOUR-ENDING label: the mean of 00:00–01:00 is
           stamped 01:00, so 00:00 of day D is the last hour of day D−1 (the CNEMC convention)
pollutant  string — one of ``PM2_5, PM10, SO2, NO2, CO, O3`` (or an extra: ``NOx, NO, TSP``)
value      float64 in the standard unit: µg/m³, CO mg/m³ (converted if the source differs)
unit       string — ``µg/m³`` or ``mg/m³`` (CO)
averaging  string — ``1h``
=========  ===================================================================================

Missing values (empty cells, ``NA``, ``—``…) are simply not stored; they are not rejections.
Negative values are kept: flagging them is the quality checks' job, not the reader's.

Strict mode (the default) raises :class:`~lantian.errors.InputError` at the first problem (the
earliest line; header = line 1; in a spreadsheet the sheet row number, and the sheet is named).
Lenient mode skips bad records and counts them by reason in ``Readout.rejected``: a record is a
row, except for a bad value cell in a wide layout (one row, several pollutants), which rejects
that one cell. Reasons: ``fields``, ``station``, ``time``, ``pollutant``, ``unit``, ``value``,
``duplicate``, and — when the reader is given the registry's keys
(:class:`~lantian.measurements.station_keys.StationKeys`) — ``unknown station`` and ``ambiguous
station`` (a key no registered station has as code or only name; ``Readout.unknown_stations``
lists each key with its values). A station given by its registered name is stored under its code. Problems with the file as a whole (unreadable encoding, missing or ambiguous
columns, an unknown column or an unusable unit in a wide header) raise in both modes. A repeated
key is judged among rows whose key is readable; its first occurrence is kept.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lantian.errors import InputError, UsageError
from lantian.standards.pollutants import POLLUTANTS
from lantian.textfiles import decode_text_noted
from lantian.measurements.station_keys import AMBIGUOUS, EXPECTED, UNKNOWN, resolve_column

# ----------------------------------------------------------------------------------- pollutants

EXTRA_POLLUTANTS: tuple[str, ...] = ("NOx", "NO", "TSP")
ALL_POLLUTANTS: tuple[str, ...] = POLLUTANTS + EXTRA_POLLUTANTS
UG = "µg/m³"
MG = "mg/m³"
STANDARD_UNIT: dict[str, str] = {p: UG for p in ALL_POLLUTANTS} | {"CO": MG}
AVERAGING = "1h"
REASONS = ("fields", "station", "time", "pollutant", "unit", "value", "duplicate")

_POLLUTANT_ALIASES = {
    "PM2_5": ("pm25", "pm2.5", "pm2_5", "细颗粒物", "fsp"),
    "PM10": ("pm10", "可吸入颗粒物", "rsp"),
    "SO2": ("so2", "二氧化硫"),
    "NO2": ("no2", "二氧化氮"),
    "CO": ("co", "一氧化碳"),
    "O3": ("o3", "臭氧"),
    "NOx": ("nox", "氮氧化物"),
    "NO": ("no", "一氧化氮"),
    "TSP": ("tsp", "总悬浮颗粒物"),
}


def _key(text: str) -> str:
    """Comparison key for names: NFKC (full-width → ASCII, subscripts → digits), lower case, without
    spaces, hyphens, the word 浓度 (concentration), and dots/underscores except between digits —
    so ``PM2.5``, ``PM2_5`` and ``pm25`` meet, but ``PM1.0`` does not become ``PM10``."""
    k = unicodedata.normalize("NFKC", str(text)).lower()
    k = re.sub(r"[\s\-·]+", "", k)
    k = k.replace("浓度", "") or k
    k = re.sub(r"2[._]5", "25", k)
    return re.sub(r"(?<!\d)[._]|[._](?!\d)", "", k)


_ALIAS_KEYS: dict[str, str] = {_key(a): p for p, names in _POLLUTANT_ALIASES.items() for a in names}
_ALIAS_KEYS.update({_key(p): p for p in ALL_POLLUTANTS})

ACCEPTED_NAMES = ("PM2.5 (PM2_5, pm25, 细颗粒物), PM10 (可吸入颗粒物), SO2 (二氧化硫), NO2 (二氧化氮), "
                  "CO (一氧化碳), O3 (臭氧), NOx (氮氧化物), NO (一氧化氮), TSP (总悬浮颗粒物)")


def pollutant_name(name: str | None) -> str | None:
    """``'PM2.5'``, ``'pm25'``, ``'PM₂.₅'``, ``'细颗粒物'``, ``'O3_1h'`` → ``'PM2_5'`` / ``'O3'``; None if unknown."""
    if name is None:
        return None
    k = _key(name)
    if k in _ALIAS_KEYS:
        return _ALIAS_KEYS[k]
    m = re.fullmatch(r"(.+?)[._]?1h", k)                   # "O3_1h", "PM2.5-1h"
    if m and m.group(1) in _ALIAS_KEYS:
        return _ALIAS_KEYS[m.group(1)]
    m = re.fullmatch(r"(.+?)\((.+)\)", k)                  # "细颗粒物(PM2.5)"
    if m and m.group(1) in _ALIAS_KEYS and _ALIAS_KEYS[m.group(1)] == _ALIAS_KEYS.get(m.group(2)):
        return _ALIAS_KEYS[m.group(1)]
    return None


# ---------------------------------------------------------------------------------------- units

class UnitProblem(ValueError):
    """A unit that cannot be used: ``str(exc)`` says why."""


_UNIT_KEYS = {"ug/m3": UG, "mg/m3": MG}
_VOLUME = ("ppm", "ppb", "ppbv", "ppmv", "ppt", "pptv")


def unit_name(text: str | None) -> str | None:
    """``'ug/m3'``, ``'μg/m³'``, ``'µg/m3'``, ``'ug m-3'``, ``'微克/立方米'`` → ``'µg/m³'``; the same for
    mg/m³; None for no unit; :class:`UnitProblem` for ppm/ppb (not supported) or anything else."""
    if text is None or not str(text).strip():
        return None
    k = unicodedata.normalize("NFKC", str(text)).lower()        # µ (micro sign) → μ, ³ → 3
    k = re.sub(r"\s+", " ", k).strip()
    k = (k.replace("μ", "u").replace("微克", "ug").replace("毫克", "mg").replace("立方米", "m3")
         .replace("^", "").replace("**", "").replace("每", "/"))
    k = re.sub(r"\s*m-3$", "/m3", k).replace(" ", "")
    k = k.replace("/m³", "/m3")
    if k in _UNIT_KEYS:
        return _UNIT_KEYS[k]
    if k in _VOLUME:
        raise UnitProblem(f"unit {text!r} is not supported: converting a volume mixing ratio to a mass "
                          "concentration needs the temperature and pressure")
    raise UnitProblem(f"unit {text!r} is not a mass concentration")


def conversion(pollutant: str, unit: str | None) -> float:
    """Factor taking a value in ``unit`` (None = already standard) to the pollutant's standard unit."""
    std = STANDARD_UNIT[pollutant]
    if unit is None or unit == std:
        return 1.0
    return 1000.0 if (unit, std) == (MG, UG) else 0.001


def conversion_note(pollutant: str, unit: str, count: int) -> str:
    std = STANDARD_UNIT[pollutant]
    how = "×1000" if conversion(pollutant, unit) > 1 else "÷1000"
    return f"{display(pollutant)} converted from {unit} to {std} ({how}): {count:,} value{'s' * (count != 1)}"


def display(pollutant: str) -> str:
    return "PM2.5" if pollutant == "PM2_5" else pollutant


_UNIT_IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*[(\[（【](?P<unit>[^()\[\]（）【】]*)[)\]）】]\s*$")


def split_header(header: str) -> tuple[str, str | None]:
    """``'CO(mg/m3)'`` → ``('CO', 'mg/m3')``; ``'PM2.5 μg/m³'`` → ``('PM2.5', 'μg/m³')``;
    ``'细颗粒物(PM2.5)'`` → unchanged (the bracket holds a name, not a unit)."""
    h = str(header).strip()
    m = _UNIT_IN_BRACKETS.match(h)
    if m and m.group("name"):
        inner = m.group("unit").strip()
        if pollutant_name(inner) is None:
            return m.group("name").strip(), inner
        return h, None
    parts = h.rsplit(None, 1)
    if len(parts) == 2:
        try:
            if unit_name(parts[1]) is not None:
                return parts[0].strip(), parts[1]
        except UnitProblem:
            if "/" in parts[1] or _key(parts[1]) in _VOLUME:
                return parts[0].strip(), parts[1]
    return h, None


# ---------------------------------------------------------------------------------------- times

_TIME = re.compile(
    r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})(?:日\s*|[ T]+)"
    r"(?P<H>\d{1,2})(?:时|点|:(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.0+)?)?)?(?P<tz>\+08:?00)?$")
TIME_EXPECTED = ("an hourly time like 2019-01-01 01:00, 2019/1/1 1:00, 2019-01-01T01:00:00 "
                 "or a spreadsheet date-time")
TIME_OK, TIME_UNREADABLE, TIME_NOT_ON_HOUR, TIME_NO_DATE, TIME_BAD_HOUR, TIME_24_START = range(6)
TIME_PROBLEMS = {
    TIME_UNREADABLE: "could not be read as a time",
    TIME_NOT_ON_HOUR: "is not on the hour (hourly averages are stamped hh:00)",
    TIME_NO_DATE: "is not a calendar date",
    TIME_BAD_HOUR: "has an hour outside 0–24",
    TIME_24_START: "uses 24:00, which cannot be an hour start (time_label='start')",
}
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def check_time_label(time_label: str) -> None:
    if time_label not in ("end", "start"):
        raise UsageError(f"time_label must be 'end' (hour-ending labels) or 'start' (hour-start), "
                         f"not {time_label!r}")


def days_since_epoch(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (proleptic Gregorian, vectorized)."""
    a = (14 - m) // 12
    yy = y + 4800 - a
    mm = m + 12 * a - 3
    return d + (153 * mm + 2) // 5 + 365 * yy + yy // 4 - yy // 100 + yy // 400 - 32045 - 2440588


def compose_times(y, m, d, hour, minute=None, second=None, *, time_label: str = "end",
                  unreadable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since 1970 of the hour-ENDING label, and a problem code per row (``TIME_OK``…).

    ``hour`` 24 with minute 0 is the end of that day (end labels only); with ``time_label='start'``
    the label is moved one hour later."""
    y, m, d, hour = (np.asarray(v, dtype=np.int64) for v in (y, m, d, hour))
    minute = np.zeros_like(hour) if minute is None else np.asarray(minute, dtype=np.int64)
    second = np.zeros_like(hour) if second is None else np.asarray(second, dtype=np.int64)
    code = np.full(len(y), TIME_OK, dtype=np.int8)
    if unreadable is not None:
        code[unreadable] = TIME_UNREADABLE
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    mdays = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    bad_date = (m < 1) | (m > 12) | (d < 1) | (d > mdays)
    bad_hour = (hour < 0) | (hour > 24) | ((hour == 24) & ((minute != 0) | (second != 0)))
    off_hour = (minute != 0) | (second != 0)
    for mask, c in ((bad_date, TIME_NO_DATE), (bad_hour, TIME_BAD_HOUR), (off_hour, TIME_NOT_ON_HOUR)):
        code[(code == TIME_OK) & mask] = c
    if time_label == "start":
        code[(code == TIME_OK) & (hour == 24)] = TIME_24_START
    ok = code == TIME_OK
    days = days_since_epoch(np.where(ok, y, 1970), np.where(ok, m, 1), np.where(ok, d, 1))
    seconds = days * 86400 + np.where(ok, hour, 0) * 3600
    if time_label == "start":
        seconds = seconds + 3600
    return np.where(ok, seconds, 0), code


def parse_times(strings: pa.Array, *, time_label: str = "end") -> tuple[np.ndarray, np.ndarray]:
    """Vectorized :func:`compose_times` over time texts (null = unreadable)."""
    s = pc.utf8_trim_whitespace(strings)
    parts = pc.extract_regex(pc.fill_null(s, ""), _TIME.pattern)
    unreadable = ~np.asarray(parts.is_valid(), dtype=bool)

    def num(name: str) -> np.ndarray:
        col = pc.struct_field(parts, name)
        col = pc.if_else(pc.equal(col, ""), "0", col)
        return np.asarray(pc.cast(pc.fill_null(col, "0"), pa.int64()))

    return compose_times(num("y"), num("m"), num("d"), num("H"), num("M"), num("S"),
                         time_label=time_label, unreadable=unreadable)


def time_text(seconds: int) -> str:
    return str(np.datetime64(int(seconds), "s")).replace("T", " ")[:16]


# ------------------------------------------------------------------------------------ the result

@dataclass
class Readout:
    """What a reader returns (see the module docstring for the table's columns and conventions).
    ``unknown_stations``: the station keys the registry does not know (or several stations bear
    as their name), each with the values left out for it (lenient reading)."""
    table: pa.Table
    rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    unknown_stations: dict[str, int] = field(default_factory=dict)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


SCHEMA = pa.schema([("station", pa.string()), ("time", pa.timestamp("s")), ("pollutant", pa.string()),
                    ("value", pa.float64()), ("unit", pa.string()), ("averaging", pa.string())])


def make_table(station: pa.Array, seconds: np.ndarray, pcode: np.ndarray, value: np.ndarray) -> pa.Table:
    """The result table, sorted by station, time and pollutant (in :data:`ALL_POLLUTANTS` order)."""
    n = len(seconds)
    names = np.array(ALL_POLLUTANTS, dtype=object)
    units = np.array([STANDARD_UNIT[p] for p in ALL_POLLUTANTS], dtype=object)
    pcode = np.asarray(pcode, dtype=np.int64)
    t = pa.table({"station": pa.array(station, pa.string()),
                  "time": pa.array(np.asarray(seconds, dtype=np.int64), pa.timestamp("s")),
                  "_p": pa.array(pcode), "value": pa.array(np.asarray(value, dtype=np.float64))})
    t = t.take(pc.sort_indices(t, [("station", "ascending"), ("time", "ascending"), ("_p", "ascending")]))
    p = t.column("_p").to_numpy()
    return pa.table({"station": t.column("station"), "time": t.column("time"),
                     "pollutant": pa.array(names[p] if n else [], pa.string()),
                     "value": t.column("value"),
                     "unit": pa.array(units[p] if n else [], pa.string()),
                     "averaging": pa.array([AVERAGING] * n, pa.string())}, schema=SCHEMA)


# ------------------------------------------------------------------------------------- cells

MISSING_MARKERS = ("", "na", "n/a", "nan", "null", "none", "-", "--", "—", "——", "/")
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def clean(arr: pa.Array) -> pa.Array:
    """Trimmed strings, empty → null."""
    if len(arr) == 0:
        return pa.array([], pa.string())
    arr = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def missing_mask(arr: pa.Array) -> np.ndarray:
    listed = np.asarray(pc.fill_null(pc.is_in(pc.utf8_lower(arr), pa.array(MISSING_MARKERS)), False), dtype=bool)
    return listed | np.asarray(arr.is_null(), dtype=bool)


def numbers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values float64 with NaN where not a number, missing mask, bad mask) of cleaned text cells.

    A number too large for float64 (``1`` followed by 400 zeros) overflows to inf: bad, like text
    (docs/limits.md — every number read from a user's file is finite)."""
    missing = missing_mask(arr)
    ok = np.asarray(pc.fill_null(pc.match_substring_regex(arr, NUMBER), False), dtype=bool)
    vals = pc.cast(pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string())), pa.float64())
    vals = np.array(pc.fill_null(vals, np.nan), dtype=np.float64)
    overflow = ok & ~np.isfinite(vals)
    vals[overflow] = np.nan
    bad = (~ok | overflow) & ~missing
    return vals, missing, bad


def number_problem(text: str | None) -> str:
    """Why a cell :func:`numbers` marks bad is not a number, the cell shown short."""
    text = text or ""
    shown = repr(text) if len(text) <= 40 else f"{text[:20]!r}…（{len(text)} 个字符）"
    if re.fullmatch(NUMBER, text.strip()):
        return f"{shown} is too large: not a finite number (数值超出范围)"
    return f"{shown} is not a number"


def int_cells(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values, bad mask) of cells that must hold a whole number (e.g. year, hour)."""
    ok = np.asarray(pc.fill_null(pc.match_substring_regex(arr, r"^\d{1,4}(\.0*)?$"), False), dtype=bool)
    vals = pc.cast(pc.if_else(pa.array(ok), arr, pa.scalar("0")), pa.float64())
    return np.asarray(vals, dtype=np.float64).astype(np.int64), ~ok


# ------------------------------------------------------------------------------------- sources

@dataclass
class Source:
    """Where rows come from, to name them in errors: file, optional sheet, row → line number."""
    path: Path
    sheet: str | None = None
    lines: np.ndarray | None = None                  # line of each data row, if known up front
    line_finder: Callable[[], np.ndarray] | None = None
    header_line: int = 1

    def line(self, row: int) -> int:
        if self.lines is None:
            self.lines = self.line_finder()
        return int(self.lines[row])

    def error(self, message: str, *, row: int | None = None, line: int | None = None,
              column: str | None = None, expected: str | None = None) -> InputError:
        if row is not None:
            line = self.line(row)
        if self.sheet is not None:
            message = f"sheet {self.sheet!r}: {message}"
        return InputError(self.path, message, line=line, column=column, expected=expected)


@dataclass
class RawTable:
    """A file as text cells: the header and one string column per header cell (null = empty)."""
    source: Source
    header: list[str]
    columns: list[pa.Array]
    notes: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def take(self, rows: np.ndarray) -> None:
        idx = pa.array(rows)
        self.columns = [c.take(idx) for c in self.columns]
        if self.source.lines is not None:
            self.source.lines = self.source.lines[rows]


def decode(path: Path, data: bytes) -> tuple[str, str | None]:
    """The text of a CSV file and a note if it was not UTF-8: UTF-8 (with or without BOM), UTF-16 with
    BOM, else GBK/GB18030 (:func:`lantian.textfiles.decode_text_noted`). Anything else is an
    :class:`InputError` naming the first bad line."""
    return decode_text_noted(data, path)


def read_raw(path: str | Path, *, sheet: str | int | None = None, lenient: bool = False) -> RawTable:
    """Any CSV or XLSX file (told by its bytes, not its name) as a :class:`RawTable`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, sheet)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(path, "an old binary .xls workbook: not supported", line=1,
                         expected="an .xlsx workbook or a CSV file")
    if sheet is not None:
        raise UsageError(f"{path}: sheet= is for .xlsx workbooks, this is a CSV file")
    return _read_csv(path, lenient)


def _read_csv(path: Path, lenient: bool) -> RawTable:
    text, note = decode(path, path.read_bytes())
    notes = [note] if note else []
    pos, line = 0, 1
    while True:                                      # header = first non-blank line
        end = text.find("\n", pos)
        raw = text[pos:] if end < 0 else text[pos:end]
        if raw.strip():
            break
        if end < 0:
            raise InputError(path, "empty file: no header", line=1, expected="a header line")
        pos, line = end + 1, line + 1
    header_text = raw.rstrip("\r")
    delim = max((",", "\t", ";"), key=header_text.count) if header_text.count(",") == 0 else ","
    header = [h.strip() for h in next(csv.reader([header_text], delimiter=delim))]
    body = "" if end < 0 else text[end + 1:]
    header_line = line

    def finder() -> np.ndarray:
        return np.array([ln for ln, _ in _records(body, delim, header_line)], dtype=np.int64)

    source = Source(path, line_finder=finder, header_line=header_line)
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values='"' in body),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True))
    except pa.ArrowInvalid:
        pass
    else:
        raw = RawTable(source, header, [c.combine_chunks() for c in table.columns], notes)
        blank = np.ones(raw.num_rows, dtype=bool)
        for c in raw.columns:
            blank &= np.asarray(clean(c).is_null(), dtype=bool)
        if blank.any():                              # rows like ",,,," (spreadsheet leftovers)
            raw.take(np.nonzero(~blank)[0])
        return raw
    # slow path: some record has the wrong number of fields — find it (strict) or skip it (lenient)
    rows, lines, rejected = [], [], 0
    for ln, rec in _records(body, delim, header_line):
        if len(rec) != len(header):
            if not lenient:
                raise source.error(f"{len(rec)} fields where the header has {len(header)}", line=ln,
                                   expected=f"{len(header)} fields separated by {delim!r}")
            rejected += 1
            continue
        rows.append(rec)
        lines.append(ln)
    source.lines = np.array(lines, dtype=np.int64)
    columns = [pa.array([r[j] if r[j] != "" else None for r in rows], pa.string()) for j in range(len(header))]
    return RawTable(source, header, columns, notes, {"fields": rejected} if rejected else {})


def _records(body: str, delim: str, header_line: int):
    """(first line, fields) of each record after the header that has any non-blank field."""
    reader = csv.reader(io.StringIO(body), delimiter=delim)
    prev = header_line
    for rec in reader:
        start, prev = prev + 1, header_line + reader.line_num
        if rec and any(f.strip() for f in rec):
            yield start, rec


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        us = v.microsecond
        v = v.replace(microsecond=0)
        if us >= 500_000:
            v = v + timedelta(seconds=1)
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dtime):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — a corrupt zip or not a workbook at all
        raise InputError(path, f"not a readable .xlsx workbook ({exc})", expected="an .xlsx workbook") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise UsageError(f"{path}: no sheet number {sheet}; sheets: {', '.join(names)}")
            ws = wb.worksheets[sheet]
        else:
            if sheet not in names:
                raise UsageError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(names)}")
            ws = wb[sheet]
        notes = [f"read sheet {ws.title!r} (the workbook has {len(names)} sheets: {', '.join(names)})"] \
            if sheet is None and len(names) > 1 else []
        source = Source(path, sheet=ws.title)
        header, header_line, rows, lines = None, 1, [], []
        for rownum, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            cells = [None if c is None or not c.strip() else c for c in cells]
            if not any(c is not None for c in cells):
                continue
            if header is None:
                while cells and cells[-1] is None:
                    cells.pop()
                header, header_line = [(c or "").strip() for c in cells], rownum
                continue
            rows.append(cells)
            lines.append(rownum)
    finally:
        wb.close()
    if header is None:
        raise source.error("empty sheet: no header", line=1, expected="a header row")
    source.header_line = header_line
    source.lines = np.array(lines, dtype=np.int64)
    width = max([len(header)] + [max((j + 1 for j, c in enumerate(r) if c is not None), default=0) for r in rows])
    header += [""] * (width - len(header))              # values under no header: an unnamed column
    columns = [pa.array([r[j] if j < len(r) else None for r in rows], pa.string()) for j in range(width)]
    return RawTable(source, header, columns, notes)


def find_column(raw: RawTable, what: str, aliases: tuple[str, ...], mapped: str | None,
                required: bool = True) -> int | None:
    """Index of the column for field ``what``: the mapped header if given, else one of ``aliases``."""
    keys = [_key(h) for h in raw.header]
    if mapped is not None:
        hits = [i for i, h in enumerate(raw.header) if h == mapped.strip()] or \
               [i for i, k in enumerate(keys) if k == _key(mapped)]
        wanted = f"a column {mapped!r} (mapped to {what})"
    else:
        akeys = {_key(a) for a in aliases}
        hits = [i for i, k in enumerate(keys) if k in akeys]
        wanted = f"a {what} column (headed {' / '.join(aliases[:4])}…, or say which with mapping)"
    if len(hits) > 1:
        raise raw.source.error(f"{len(hits)} columns could be the {what}: "
                               + ", ".join(repr(raw.header[i]) for i in hits), line=raw.source.header_line,
                               column=raw.header[hits[1]],
                               expected=f"one {what} column (choose with mapping={{'{what}': ...}})")
    if not hits:
        if not required:
            return None
        found = ", ".join(repr(h) for h in raw.header) or "none"
        raise raw.source.error(f"missing column {mapped or what!r}; columns found: {found}",
                               line=raw.source.header_line, column=mapped or what, expected=wanted)
    return hits[0]


# -------------------------------------------------------------------------------------- checks

@dataclass
class _Check:
    reason: str
    mask: np.ndarray
    describe: Callable[[int], tuple[str, str | None, str | None]]   # row → (message, column, expected)
    cell: int | None = None                                           # value column (wide) or None


class Checks:
    """Problems found, by row; :meth:`settle` raises the earliest (strict) or counts them (lenient)."""

    def __init__(self, source: Source, n: int, lenient: bool):
        self.source, self.n, self.lenient = source, n, lenient
        self.items: list[_Check] = []

    def add(self, reason: str, mask: np.ndarray, describe, cell: int | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.items.append(_Check(reason, mask, describe, cell))

    def bad_rows(self) -> np.ndarray:
        bad = np.zeros(self.n, dtype=bool)
        for c in self.items:
            if c.cell is None:
                bad |= c.mask
        return bad

    def _the_others(self, order: list[int], most: int = 8) -> str:
        """The problems after the first, one line per kind: its first place and how many rows it has —
        so a refused file lists every problem, not only the one that stopped it."""
        parts, total = [], 0
        for i, k in enumerate(order):
            rows = np.flatnonzero(self.items[k].mask)[1 if i == 0 else 0:]
            if rows.size == 0:
                continue
            total += int(rows.size)
            if len(parts) < most:
                message, column, _ = self.items[k].describe(int(rows[0]))
                where = f"line {self.source.line(int(rows[0]))}" + (f", column {column}" if column else "")
                parts.append(f"{where}: {message}" + (f" (×{rows.size} rows)" if rows.size > 1 else ""))
        if not parts:
            return ""
        return f"另有 {total} 处问题 ({total} more problem(s) in this file; nothing was imported):\n  " + "\n  ".join(parts)

    def settle(self, rejected: dict[str, int]) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """(bad row mask, bad cell mask per value column); counts into ``rejected`` when lenient."""
        if not self.lenient and self.items:
            order = sorted(range(len(self.items)), key=lambda k: (int(np.argmax(self.items[k].mask)), k))
            c = self.items[order[0]]
            row = int(np.argmax(c.mask))
            message, column, expected = c.describe(row)
            error = self.source.error(message, row=row, column=column, expected=expected)
            error.more = self._the_others(order) or None
            raise error
        bad = np.zeros(self.n, dtype=bool)
        for c in self.items:
            if c.cell is None:
                k = int((c.mask & ~bad).sum())
                if k:
                    rejected[c.reason] = rejected.get(c.reason, 0) + k
                bad |= c.mask
        cells: dict[int, np.ndarray] = {}
        for c in self.items:
            if c.cell is not None:
                prev = cells.get(c.cell, np.zeros(self.n, dtype=bool))
                k = int((c.mask & ~bad & ~prev).sum())
                if k:
                    rejected[c.reason] = rejected.get(c.reason, 0) + k
                cells[c.cell] = prev | c.mask
        return bad, cells


def duplicates(*keys: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of rows whose key repeats an earlier valid row's, index of that earlier row)."""
    n = len(valid)
    idx = np.nonzero(valid)[0]
    dup = np.zeros(n, dtype=bool)
    first = np.full(n, -1, dtype=np.int64)
    if len(idx) < 2:
        return dup, first
    ks = [np.asarray(k)[idx] for k in keys]
    order = np.lexsort([idx] + ks[::-1])
    same = np.ones(len(idx) - 1, dtype=bool)
    for k in ks:
        s = k[order]
        same &= s[1:] == s[:-1]
    rep = np.concatenate([[False], same])
    group_start = np.maximum.accumulate(np.where(~rep, np.arange(len(idx)), 0))
    dup[idx[order[rep]]] = True
    first[idx[order[rep]]] = idx[order[group_start[rep]]]
    return dup, first


def station_check(checks: Checks, stations: pa.Array, column: str) -> None:
    checks.add("station", np.asarray(stations.is_null(), dtype=bool),
               lambda i: ("empty station", column, "a station id or name"))


def registry_check(checks: Checks, stations: pa.Array, column: str, keys, *fallbacks: pa.Array):
    """With the registry's ``keys``: rows whose station no registered station is are problems
    (``unknown station`` / ``ambiguous station``). Returns (the station column, codes where a
    registered name was given; the resolution, None without ``keys``)."""
    if keys is None:
        return stations, None
    found = resolve_column(keys, stations, *fallbacks)
    for reason in (UNKNOWN, AMBIGUOUS):
        checks.add(reason, found.bad(reason), lambda i: (keys.problem(stations[i].as_py()), column, EXPECTED))
    return pc.if_else(found.codes.is_valid(), found.codes, stations), found


def unknown_values(stations: pa.Array, found, values_per_row: np.ndarray) -> dict[str, int]:
    """Per key the registry does not accept: the values its rows held (left out)."""
    if found is None:
        return {}
    out: dict[str, int] = {}
    rows = np.nonzero(found.reasons != None)[0]                  # noqa: E711 — elementwise
    for key, n in zip(stations.take(pa.array(rows, pa.int64())).to_pylist(), values_per_row[rows].tolist()):
        out[key] = out.get(key, 0) + int(n)
    return out


def renamed_note(found) -> list[str]:
    if found is None or not found.renamed:
        return []
    pairs = ", ".join(f"{k} → {c}" for k, c in sorted(found.renamed.items()))
    return [f"stations given by name, stored under their codes: {pairs}"]


def time_check(checks: Checks, code: np.ndarray, texts: pa.Array | None,
               column: str | Callable[[int], str], expected: Callable[[str], str] | None = None) -> None:
    def describe(i: int):
        shown = texts[i].as_py() if texts is not None else None
        what = f"time {shown!r}" if shown is not None else "empty time"
        col = column(i) if callable(column) else column
        return f"{what} {TIME_PROBLEMS[int(code[i])]}", col, expected(col) if expected else TIME_EXPECTED
    checks.add("time", code != TIME_OK, describe)


def station_ids(stations: pa.Array) -> np.ndarray:
    """Integer id per row for keys (null → -1)."""
    enc = pc.dictionary_encode(stations)
    return np.asarray(pc.fill_null(enc.indices, -1), dtype=np.int64)


@dataclass
class ValueColumn:
    """One pollutant's column in a wide layout."""
    header: str
    pollutant: str
    unit: str | None        # as given (normalised), None = standard unit assumed
    cells: pa.Array         # cleaned text


def assemble_wide(source: Source, stations: pa.Array, station_column: str, seconds: np.ndarray,
                  code: np.ndarray, time_texts: pa.Array | None, time_column: str | Callable[[int], str],
                  columns: list[ValueColumn], *, lenient: bool, rejected: dict[str, int],
                  notes: list[str], time_expected: Callable[[str], str] | None = None,
                  keys=None, fallbacks: tuple = (), unknown: dict[str, int] | None = None) -> pa.Table:
    """Validate and melt a wide layout (station, time, one column per pollutant) into the result
    (``keys``: the registry's, to refuse or count unknown stations into ``unknown``; a key that
    does not resolve is tried as the same row of each of ``fallbacks``)."""
    n = len(seconds)
    checks = Checks(source, n, lenient)
    station_check(checks, stations, station_column)
    given = stations
    stations, found = registry_check(checks, stations, station_column, keys, *fallbacks)
    notes += renamed_note(found)
    time_check(checks, code, time_texts, time_column, time_expected)
    sid = station_ids(stations)
    dup, first = duplicates(sid, seconds, valid=~checks.bad_rows())
    checks.add("duplicate", dup, lambda i: (
        f"station {stations[i].as_py()!r} at {time_text(seconds[i])} already on line {source.line(int(first[i]))}",
        time_column(i) if callable(time_column) else time_column, "each (station, time) once"))
    parsed = []
    for j, col in enumerate(columns):
        vals, missing, bad = numbers(col.cells)
        checks.add("value", bad, (lambda c: lambda i: (number_problem(c.cells[i].as_py()), c.header,
                                                       "a number or an empty cell / NA"))(col), cell=j)
        parsed.append((vals, missing))
    bad_rows, bad_cells = checks.settle(rejected)
    if unknown is not None:
        present = sum((~missing).astype(np.int64) for _, missing in parsed) if parsed else np.zeros(n, np.int64)
        for key, k in unknown_values(given, found, present).items():
            unknown[key] = unknown.get(key, 0) + k
    parts = []
    for j, (col, (vals, missing)) in enumerate(zip(columns, parsed)):
        keep = ~bad_rows & ~missing & ~bad_cells.get(j, np.zeros(n, dtype=bool))
        factor = conversion(col.pollutant, col.unit)
        k = int(keep.sum())
        if factor != 1.0 and k:
            notes.append(conversion_note(col.pollutant, col.unit, k))
        parts.append((np.nonzero(keep)[0], ALL_POLLUTANTS.index(col.pollutant), vals[keep] * factor))
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    pcode = np.concatenate([np.full(len(p[0]), p[1]) for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    value = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    return make_table(stations.take(pa.array(rows, pa.int64())), seconds[rows], pcode, value)
