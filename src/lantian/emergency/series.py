"""Hourly facility series checked during a warning: 用电监控 (electricity monitoring) and CEMS.

The layout is long, one row per facility, hour and metric::

    facility  string       the facility (enterprise, outlet or metered site) id
    time      timestamp[s] hour-ending label, Beijing time (naive; 01:00 covers 00:00–01:00)
    metric    string       one of METRICS, or CEMS_RAW (flow and concentrations, for the inventory)
    value     float64      never null: a missing hour (gap) is simply absent
    unit      string       the metric's unit (kW, kg/h)

The CSV is the same five columns, ``facility,time,metric,value,unit``. :func:`grid` lays the long
table out as a dense metric × facility × hour array (NaN = gap) for vectorised checks.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.errors import InputError
from lantian.textfiles import decode_text

# 用电监控 — electricity monitoring of production lines and of treatment (治污) lines
POWER = ("production_kw", "treatment_kw")
# CEMS — continuous emission monitoring at an outlet
EMISSIONS = ("so2_kgh", "nox_kgh", "pm_kgh")
METRICS = POWER + EMISSIONS
# CEMS flow (标干流量) and concentrations, from which the emission inventory computes rates (HJ 75—2017)
CEMS_RAW = ("flow_m3h", "so2_mgm3", "nox_mgm3", "pm_mgm3")
READABLE = METRICS + CEMS_RAW
UNITS = {"production_kw": "kW", "treatment_kw": "kW", "so2_kgh": "kg/h", "nox_kgh": "kg/h", "pm_kgh": "kg/h",
         "flow_m3h": "m3/h", "so2_mgm3": "mg/m3", "nox_mgm3": "mg/m3", "pm_mgm3": "mg/m3"}
COLUMNS = ("facility", "time", "metric", "value", "unit")
SCHEMA = pa.schema([("facility", pa.string()), ("time", pa.timestamp("s")), ("metric", pa.string()),
                    ("value", pa.float64()), ("unit", pa.string())])

_TIME = (r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
         r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_BEIJING = ("+08:00", "+0800")
TIME_FORMAT = "%Y-%m-%d %H:%M"
EPOCH = datetime(1970, 1, 1)


# ---------------------------------------------------------------- reading

def read_csv(path: str | Path) -> pa.Table:
    """The facility series in ``path`` (``facility,time,metric,value,unit``), in file order.

    Blank values are gaps and are left out. Anything else that is wrong raises
    :class:`InputError` naming the line and the field: an unknown metric, a time that is not an
    hour-ending label in Beijing time, a value that is not a number, a negative value (power and
    emission rates are never below zero), a unit that is not the metric's, or the same
    (facility, time, metric) twice.
    """
    path = Path(path)
    header, lines, fields = _records(path)
    cols = {name: pa.array(fields[header.index(name)], pa.string()) for name in COLUMNS}
    facility = pc.utf8_trim_whitespace(cols["facility"])
    metric = pc.utf8_trim_whitespace(cols["metric"])
    text_value = pc.utf8_trim_whitespace(cols["value"])
    unit = pc.utf8_trim_whitespace(cols["unit"])
    seconds, time_problem = _parse_times(pc.utf8_trim_whitespace(cols["time"]))
    gap = pc.equal(text_value, "").to_numpy(zero_copy_only=False)
    numeric = pc.match_substring_regex(text_value, _NUMBER).to_numpy(zero_copy_only=False)
    value = np.full(len(lines), np.nan)
    value[numeric] = pc.cast(pc.filter(text_value, pa.array(numeric)), pa.float64()).to_numpy()
    number = numeric & np.isfinite(value)
    known = pc.is_in(metric, pa.array(READABLE)).to_numpy(zero_copy_only=False)
    expected_unit = pc.take(pa.array([UNITS[m] for m in READABLE]),
                            pc.index_in(metric, pa.array(READABLE)))
    unit_ok = pc.or_kleene(pc.equal(unit, ""), pc.equal(pc.utf8_lower(unit), pc.utf8_lower(expected_unit)))
    unit_ok = unit_ok.fill_null(True).to_numpy(zero_copy_only=False)

    checks = [
        (pc.equal(facility, "").to_numpy(zero_copy_only=False), "facility", lambda i: "no facility id",
         "a facility id"),
        (time_problem != "", "time", lambda i: f"{time_problem[i]}: {cols['time'][i].as_py()!r}",
         "an hour-ending label YYYY-MM-DD HH:00, Beijing time"),
        (~known, "metric", lambda i: f"unknown metric {metric[i].as_py()!r}", ", ".join(READABLE)),
        (~gap & ~number, "value", lambda i: f"not a number: {text_value[i].as_py()!r}",
         "a number, or an empty cell for a gap"),
        (~gap & number & (value < 0), "value", lambda i: f"negative {metric[i].as_py()}: {value[i]:g}",
         "a value ≥ 0"),
        (known & ~unit_ok, "unit", lambda i: f"unit {unit[i].as_py()!r} for {metric[i].as_py()}",
         "kW for power, kg/h for emission rates, m3/h for flow, mg/m3 for concentrations, or empty"),
    ]
    ok = ~np.logical_or.reduce([bad for bad, *_ in checks])
    first_copy = _duplicates(facility, seconds, metric, ok)
    checks.append((first_copy >= 0, "facility,time,metric",
                   lambda i: f"{facility[i].as_py()} {metric[i].as_py()} at {_label(seconds[i])} "
                             f"repeats line {lines[first_copy[i]]}",
                   "one value per facility, time and metric"))
    _raise_first(path, lines, checks)

    keep = pa.array(~gap)
    return pa.table({
        "facility": facility.filter(keep),
        "time": pa.array(seconds, pa.timestamp("s")).filter(keep),
        "metric": metric.filter(keep),
        "value": pa.array(value, pa.float64()).filter(keep),
        "unit": expected_unit.filter(keep),
    }, schema=SCHEMA)


def _records(path: Path) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, line number of each data row, and the fields column by column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    text = _decode(path, raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = None
    lines: list[int] = []
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if header is None:
                header = [h.strip().lower() for h in row]
                _check_header(path, reader.line_num, header)
                continue
            if len(row) != len(header):
                raise InputError(path, f"{len(row)} fields, the header has {len(header)}",
                                 line=reader.line_num, expected=",".join(header))
            lines.append(reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        raise InputError(path, f"not a readable CSV: {exc}", line=reader.line_num) from None
    if header is None:
        raise InputError(path, "empty file", line=1, expected=",".join(COLUMNS))
    fields = [list(col) for col in zip(*rows)] if rows else [[] for _ in header]
    return header, lines, fields


def _decode(path: Path, raw: bytes) -> str:
    return decode_text(raw, path)      # exports from Chinese office software are often GBK


def _check_header(path: Path, line: int, header: list[str]) -> None:
    for name in COLUMNS:
        if name not in header:
            raise InputError(path, f"no column {name!r}", line=line, column=name, expected=",".join(COLUMNS))
    repeated = [h for h in set(header) if header.count(h) > 1 and h in COLUMNS]
    if repeated:
        raise InputError(path, f"column {repeated[0]!r} appears twice", line=line, column=repeated[0])


def _parse_times(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since 1970 (Beijing wall clock) and, per row, what is wrong with it ('' = fine).

    ``24:00`` is accepted as 00:00 of the next day; a zone, if given, must be Beijing's (+08:00).
    """
    parts = pc.extract_regex(text, _TIME)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    date = parts.field("date").fill_null("1970-01-01")

    def number(strings: pa.Array, default: str) -> np.ndarray:
        return pc.cast(pc.if_else(pc.equal(strings.fill_null(""), ""), default, strings.fill_null("")),
                       pa.int64()).to_numpy()

    y = number(pc.utf8_slice_codeunits(date, 0, 4), "1970")
    m = number(pc.utf8_slice_codeunits(date, 5, 7), "1")
    d = number(pc.utf8_slice_codeunits(date, 8, 10), "1")
    hour, minute, second = (number(parts.field(k), "0") for k in ("hour", "minute", "second"))
    zone = parts.field("zone").fill_null("").to_numpy(zero_copy_only=False).astype(str)

    month = (y - 1970) * 12 + np.clip(m, 1, 12) - 1
    first = month.astype("datetime64[M]").astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    date_ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= length)
    clock_ok = ((hour <= 23) | ((hour == 24) & (minute == 0) & (second == 0))) & (minute <= 59) & (second <= 59)
    on_hour = (minute == 0) & (second == 0)
    zone_ok = np.isin(zone, ("",) + _BEIJING)
    problem = np.select([~matched, ~date_ok, ~clock_ok, ~on_hour, ~zone_ok],
                        ["not a time", "no such date", "no such time of day", "not on the hour", "not Beijing time"],
                        "")
    seconds = (first.astype(np.int64) + d - 1) * 86400 + hour * 3600
    return np.where(problem == "", seconds, 0).astype(np.int64), problem


def _duplicates(facility: pa.Array, seconds: np.ndarray, metric: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Per row, the row index of an earlier row with the same key (-1: none, or not checked)."""
    first = np.full(len(seconds), -1, dtype=np.int64)
    rows = np.nonzero(ok)[0]
    if len(rows) < 2:
        return first
    fac = pc.dictionary_encode(facility.take(pa.array(rows))).indices.to_numpy()
    met = pc.dictionary_encode(metric.take(pa.array(rows))).indices.to_numpy()
    sec = seconds[rows]
    order = np.lexsort((rows, sec, met, fac))
    same = (np.diff(fac[order]) == 0) & (np.diff(met[order]) == 0) & (np.diff(sec[order]) == 0)
    if not same.any():
        return first
    group_start = np.maximum.accumulate(np.where(np.r_[True, ~same], np.arange(len(order)), 0))
    later = np.nonzero(np.r_[False, same])[0]
    first[rows[order[later]]] = rows[order[group_start[later]]]
    return first


def _raise_first(path: Path, lines: list[int], checks) -> None:
    """Raise for the earliest bad row; on one row, the first check in order."""
    best = None
    for rank, (bad, column, message, expected) in enumerate(checks):
        hits = np.nonzero(bad)[0]
        if len(hits) and (best is None or hits[0] < best[0]):
            best = (int(hits[0]), rank)
    if best is None:
        return
    row, rank = best
    _, column, message, expected = checks[rank]
    raise InputError(path, message(row), line=lines[row], column=column, expected=expected)


def _label(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=int(seconds))).strftime(TIME_FORMAT)


# ---------------------------------------------------------------- writing

def write_csv(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` (the layout above) as ``facility,time,metric,value,unit``; values round-trip exactly."""
    path = Path(path)
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"the table has no column {missing[0]!r}")
    seconds = pc.cast(table.column("time").cast(pa.timestamp("s")), pa.int64()).to_numpy()
    stamps = (seconds.astype("datetime64[s]")).astype(str)
    times = [s[:10] + " " + s[11:16] for s in stamps]
    values = table.column("value").to_pylist()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(zip(table.column("facility").to_pylist(), times, table.column("metric").to_pylist(),
                             ["" if v is None else repr(float(v)) for v in values],
                             table.column("unit").to_pylist()))
    return path


# ---------------------------------------------------------------- layout

@dataclass
class Grid:
    """A dense metric × facility × hour array of a long table; NaN is a gap."""
    facilities: list[str]
    metrics: tuple[str, ...]
    start: datetime                  # the first hour-ending label
    values: np.ndarray               # float64, len(metrics) × len(facilities) × n_hours

    @property
    def n_hours(self) -> int:
        return self.values.shape[2]

    def hour_of(self, label: datetime) -> int:
        """Index of the hour-ending ``label`` (may fall outside the grid)."""
        return int((label - self.start).total_seconds() // 3600)

    def metric(self, name: str) -> np.ndarray:
        return self.values[self.metrics.index(name)]

    @property
    def times(self) -> np.ndarray:
        return np.datetime64(self.start, "h") + np.arange(self.n_hours)


def grid(table: pa.Table, start: datetime, end: datetime, facilities: list[str] | None = None,
         metrics: tuple[str, ...] = METRICS) -> Grid:
    """The hours labelled ``start`` … ``end`` (inclusive) of ``table`` as a :class:`Grid`."""
    names = list(facilities) if facilities is not None else sorted(pc.unique(table.column("facility")).to_pylist())
    n_hours = int((end - start).total_seconds() // 3600) + 1
    values = np.full((len(metrics), len(names), max(n_hours, 0)), np.nan)
    if not len(table) or not names or n_hours <= 0:
        return Grid(names, tuple(metrics), start, values)
    f = pc.index_in(table.column("facility"), pa.array(names, pa.string())).fill_null(-1).to_numpy()
    m = pc.index_in(table.column("metric"), pa.array(metrics, pa.string())).fill_null(-1).to_numpy()
    seconds = pc.cast(table.column("time").cast(pa.timestamp("s")), pa.int64()).to_numpy()
    h = (seconds - int((start - EPOCH).total_seconds())) // 3600
    v = table.column("value").to_numpy()
    inside = (f >= 0) & (m >= 0) & (h >= 0) & (h < n_hours)
    values[m[inside], f[inside], h[inside]] = v[inside]
    return Grid(names, tuple(metrics), start, values)
