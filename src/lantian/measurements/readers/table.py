"""Generic readers for tables people and vendors export: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030;
comma, tab or semicolon) and XLSX workbooks (first sheet unless ``sheet=``; header = first
non-empty row; errors give the sheet row number and name the sheet).

Two layouts:

- **long** (:func:`read_long`): one value per row — ``station, time, pollutant, value[, unit]``.
- **wide** (:func:`read_wide`): one row per station-hour — ``station, time`` and one column per
  pollutant, headed ``PM2.5``, ``PM2_5``, ``pm25``, ``细颗粒物``, ``CO(mg/m3)``, ``一氧化碳 mg/m³``…
  (a unit in brackets or after a space applies to the whole column).

Headers are found by name (``station``/``站点``…, ``time``/``时间``…, ``pollutant``/``污染物``…,
``value``/``浓度``…, ``unit``/``单位``); ``mapping`` names them for vendor exports, e.g.
``mapping={"station": "监测点位", "time": "监测时间", "value": "小时浓度"}``.

Times: ``2019-01-01 01:00``, ``2019/1/1 1:00``, ``2019-01-01T01:00:00``, ``2019年1月1日 1时``,
spreadsheet date-time cells; ``24:00`` is the end of that day. ``time_label="end"`` (default)
means the file stamps each hourly mean with the hour it ends, like CNEMC; ``"start"`` means it
stamps the hour it starts, and one hour is added (so the result is always hour-ending).

Units: µg/m³ and mg/m³ in any usual spelling (ug/m3, μg/m³, µg/m3, 微克/立方米, mg/m3…).
Values are converted to the standard unit (µg/m³; CO mg/m³): CO given in µg/m³ ÷1000, other
pollutants given in mg/m³ ×1000, each with a note. ppm/ppb (needs temperature and pressure) and
anything that is not a mass concentration are refused. No unit at all = the standard unit,
with a note.

Missing values (empty, NA, N/A, null, -, —) are not stored and not rejections; negative values
are kept (flagged later by the quality checks). A repeated (station, time, pollutant) is an error
(strict) or a ``duplicate`` rejection (lenient; the first occurrence is kept).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.errors import UsageError
from lantian.measurements.readers.common import (
    ACCEPTED_NAMES, ALL_POLLUTANTS, MG, STANDARD_UNIT, UG, Checks, RawTable, Readout, UnitProblem, ValueColumn,
    _key, assemble_wide, check_time_label, find_column, clean, conversion, conversion_note, display, duplicates,
    make_table, number_problem, numbers, parse_times, pollutant_name, read_raw, registry_check, renamed_note, split_header,
    station_check, station_ids, time_check, time_text, unit_name, unknown_values)

SOURCE = "table"
FIELDS = ("station", "time", "pollutant", "value", "unit")
ALIASES: dict[str, tuple[str, ...]] = {
    "station": ("station", "station_code", "station_id", "station_name", "site", "site_code", "site_id",
                "site_name", "站点", "站点编码", "站点代码", "站点名称", "监测点", "监测站点", "点位", "点位名称",
                "测点", "站名"),
    "time": ("time", "datetime", "date_time", "timestamp", "时间", "日期时间", "监测时间", "采样时间",
             "数据时间"),
    "pollutant": ("pollutant", "parameter", "item", "species", "污染物", "监测项目", "项目", "因子",
                  "监测因子", "污染物名称"),
    "value": ("value", "concentration", "conc", "浓度", "值", "数值", "监测值", "浓度值"),
    "unit": ("unit", "units", "单位"),
}
_ASSUMED = "µg/m³ (CO mg/m³)"
#: wide-layout columns that are not hourly concentrations: skipped, with a note
_NOT_CONCENTRATIONS = re.compile(
    r"i?aqi.*|.*指数|.*(24h|8h|24小时|8小时).*|首要污染物|primary.*|.*(等级|级别|类别)|quality.*|"
    r"level|category|城市|city|区县|county|district|province|省份?|地区|region|经度|纬度|"
    r"lon|lat|lng|longitude|latitude")


def _check_mapping(mapping: dict[str, str] | None, allowed: tuple[str, ...], pollutants: bool) -> dict:
    mapping = dict(mapping or {})
    for k, v in mapping.items():
        if k not in allowed and not (pollutants and pollutant_name(k)):
            extra = " or a pollutant name" if pollutants else ""
            raise UsageError(f"mapping key {k!r} is not one of {', '.join(allowed)}{extra}")
        if not isinstance(v, str) or not v.strip():
            raise UsageError(f"mapping[{k!r}] must be a column header, not {v!r}")
    return mapping


def _empty(raw: RawTable, lenient: bool, rejected: dict[str, int], notes: list[str]) -> Readout:
    if not lenient and not rejected:
        raise raw.source.error("no data rows", line=raw.source.header_line + 1,
                               expected="data rows after the header")
    return Readout(make_table(pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64),
                              np.zeros(0)), rejected, notes, SOURCE)


def read_long(path: str | Path, *, mapping: dict[str, str] | None = None, lenient: bool = False,
              time_label: str = "end", sheet: str | int | None = None, stations=None) -> Readout:
    """Read a long table (one value per row: station, time, pollutant, value[, unit]).

    ``mapping`` maps our field names (station, time, pollutant, value, unit) to the file's headers.
    Strict by default (the first problem raises :class:`~lantian.errors.InputError` with file,
    line, column and what was expected); ``lenient=True`` skips bad rows and counts them by reason.
    ``stations``: the registry's :class:`~lantian.measurements.station_keys.StationKeys` — a
    station it does not know is a problem like any other, a registered name is stored as its code."""
    check_time_label(time_label)
    mapping = _check_mapping(mapping, FIELDS, pollutants=False)
    keys = stations
    raw = read_raw(path, sheet=sheet, lenient=lenient)
    src = raw.source
    rejected, notes = dict(raw.rejected), list(raw.notes)
    idx = {f: _find(raw, f, mapping) for f in FIELDS}
    head = {f: (raw.header[i] if i is not None else f) for f, i in idx.items()}
    n = raw.num_rows
    if n == 0:
        return _empty(raw, lenient, rejected, notes)
    checks = Checks(src, n, lenient)

    given = clean(raw.columns[idx["station"]])
    station_check(checks, given, head["station"])
    stations, found = registry_check(checks, given, head["station"], keys)
    notes += renamed_note(found)

    times = clean(raw.columns[idx["time"]])
    seconds, code = parse_times(times, time_label=time_label)
    time_check(checks, code, times, head["time"])

    pols = clean(raw.columns[idx["pollutant"]])
    enc = pc.dictionary_encode(pols)
    names = enc.dictionary.to_pylist()
    codes = np.array([ALL_POLLUTANTS.index(p) if (p := pollutant_name(s)) else -1 for s in names] + [-1])
    pidx = np.asarray(pc.fill_null(enc.indices, len(names)), dtype=np.int64)
    pcode = codes[pidx]
    checks.add("pollutant", pcode < 0, lambda i: (
        f"unknown pollutant {pols[i].as_py()!r}" if pols[i].is_valid else "empty pollutant",
        head["pollutant"], "one of " + ACCEPTED_NAMES))

    key_ok = ~checks.bad_rows()
    dup, first = duplicates(station_ids(stations), seconds, pcode, valid=key_ok)

    # units: one verdict per distinct spelling, then per row (label: 0 = µg/m³, 1 = mg/m³, -1 = none)
    labels = (UG, MG)
    label = np.full(n, -1, dtype=np.int64)
    if idx["unit"] is not None:
        units = clean(raw.columns[idx["unit"]])
        uenc = pc.dictionary_encode(units)
        verdicts: list[str | None | UnitProblem] = []
        for u in uenc.dictionary.to_pylist():
            try:
                verdicts.append(unit_name(u))
            except UnitProblem as exc:
                verdicts.append(exc)
        uidx = np.asarray(pc.fill_null(uenc.indices, len(verdicts)), dtype=np.int64)
        verdicts.append(None)                                   # an empty unit cell
        bad_unit = np.array([isinstance(v, UnitProblem) for v in verdicts])[uidx]
        label = np.array([labels.index(v) if isinstance(v, str) else -1 for v in verdicts])[uidx]
        checks.add("unit", bad_unit & (pcode >= 0), lambda i: (
            f"{verdicts[uidx[i]]} (pollutant {display(ALL_POLLUTANTS[pcode[i]])})", head["unit"],
            f"{STANDARD_UNIT[ALL_POLLUTANTS[pcode[i]]]} (or µg/m³ / mg/m³, converted)"))
        no_unit = int(((uidx == len(verdicts) - 1) & (pcode >= 0)).sum())
        if no_unit:
            notes.append(f"{no_unit:,} row{'s' * (no_unit != 1)} without a unit: taken as {_ASSUMED}")
    else:
        notes.append(f"no unit column: values taken as {_ASSUMED}")
    factor = np.ones(n)
    for p, name in enumerate(ALL_POLLUTANTS):
        for u, lab in enumerate(labels):
            factor[(pcode == p) & (label == u)] = conversion(name, lab)

    values, missing, bad_value = numbers(clean(raw.columns[idx["value"]]))
    checks.add("value", bad_value, lambda i: (
        number_problem(raw.columns[idx['value']][i].as_py()), head["value"],
        "a number or an empty cell / NA"))
    checks.add("duplicate", dup, lambda i: (
        f"{stations[i].as_py()} {time_text(seconds[i])} {display(ALL_POLLUTANTS[pcode[i]])} "
        f"is already on line {src.line(int(first[i]))}", head["time"],
        "each (station, time, pollutant) once"))

    bad, _ = checks.settle(rejected)
    unknown = unknown_values(given, found, (~missing).astype(np.int64))
    keep = ~bad & ~missing
    for p, name in enumerate(ALL_POLLUTANTS):
        for u, lab in enumerate(labels):
            k = int((keep & (pcode == p) & (label == u)).sum())
            if k and lab != STANDARD_UNIT[name]:
                notes.append(conversion_note(name, lab, k))
    if time_label == "start":
        notes.append("times read as hour-START labels and moved one hour later (hour-ending)")
    rows = np.nonzero(keep)[0]
    table = make_table(stations.take(pa.array(rows, pa.int64())), seconds[rows], pcode[rows],
                       values[rows] * factor[rows])
    return Readout(table, rejected, notes, SOURCE, unknown)


def _find(raw: RawTable, what: str, mapping: dict[str, str]) -> int | None:
    return find_column(raw, what, ALIASES[what], mapping.get(what), required=what != "unit")


def read_wide(path: str | Path, *, mapping: dict[str, str] | None = None, lenient: bool = False,
              time_label: str = "end", sheet: str | int | None = None, stations=None) -> Readout:
    """Read a wide table: station, time, and one column per pollutant (unit optional in the header).

    ``mapping`` maps ``station``, ``time`` and pollutant names to the file's headers; when it names
    any pollutant, only the pollutant columns it names are read and the others are ignored.
    Without that, every other column must be a pollutant, except columns that are clearly not
    hourly concentrations (AQI, *_24h, O3_8h, 首要污染物, 质量等级, city, lon/lat…), which are
    skipped with a note. Strict / lenient as in :func:`read_long` (a bad cell rejects one value);
    ``stations`` as there."""
    check_time_label(time_label)
    keys = stations
    mapping = _check_mapping(mapping, ("station", "time"), pollutants=True)
    raw = read_raw(path, sheet=sheet, lenient=lenient)
    src = raw.source
    rejected, notes = dict(raw.rejected), list(raw.notes)
    si, ti = _find(raw, "station", mapping), _find(raw, "time", mapping)
    chosen = {k: v for k, v in mapping.items() if k not in ("station", "time")}
    hl = src.header_line
    plan: list[tuple[int, str, str | None]] = []               # (column, pollutant, unit text)
    ignored: list[str] = []
    if chosen:
        for k, header in chosen.items():
            j = _find_header(raw, header, k)
            name, unit = split_header(raw.header[j])
            plan.append((j, pollutant_name(k), unit))
    else:
        station_keys = {_key(a) for a in ALIASES["station"] + ALIASES["time"]}
        for j, h in enumerate(raw.header):
            if j in (si, ti):
                continue
            name, unit = split_header(h)
            p = pollutant_name(name)
            if p is not None:
                plan.append((j, p, unit))
            elif not h or _NOT_CONCENTRATIONS.fullmatch(_key(name)) or _key(name) in station_keys:
                ignored.append(h or f"#{j + 1}")
            else:
                raise src.error(f"unknown pollutant column {h!r}", line=hl, column=h or f"#{j + 1}",
                                expected="a pollutant: " + ACCEPTED_NAMES + "; or map only the columns "
                                         "to read, e.g. mapping={'PM2_5': '<header>'}")
    seen: dict[str, int] = {}
    columns: list[ValueColumn] = []
    assumed: list[str] = []
    for j, p, unit_text in plan:
        if p in seen:
            raise src.error(f"columns {raw.header[seen[p]]!r} and {raw.header[j]!r} are both "
                            f"{display(p)}", line=hl, column=raw.header[j],
                            expected="one column per pollutant")
        seen[p] = j
        try:
            unit = unit_name(unit_text)
        except UnitProblem as exc:
            raise src.error(f"{exc} (column of {display(p)})", line=hl, column=raw.header[j],
                            expected=f"{STANDARD_UNIT[p]} (or µg/m³ / mg/m³, converted)") from None
        if unit is None:
            assumed.append(display(p))
        columns.append(ValueColumn(raw.header[j], p, unit, clean(raw.columns[j])))
    if not columns:
        found = ", ".join(repr(h) for h in raw.header)
        raise src.error(f"no pollutant columns; columns found: {found}", line=hl,
                        expected="columns such as PM2.5, PM10, SO2, NO2, CO, O3")
    if ignored:
        notes.append("columns ignored (not hourly concentrations): " + ", ".join(ignored))
    if assumed:
        notes.append(f"no unit in the header of {', '.join(assumed)}: taken as {_ASSUMED}")
    if raw.num_rows == 0:
        return _empty(raw, lenient, rejected, notes)
    stations = clean(raw.columns[si])
    times = clean(raw.columns[ti])
    seconds, code = parse_times(times, time_label=time_label)
    unknown: dict[str, int] = {}
    table = assemble_wide(src, stations, raw.header[si], seconds, code, times, raw.header[ti], columns,
                          lenient=lenient, rejected=rejected, notes=notes, keys=keys, unknown=unknown)
    if time_label == "start":
        notes.append("times read as hour-START labels and moved one hour later (hour-ending)")
    return Readout(table, rejected, notes, SOURCE, unknown)


def _find_header(raw: RawTable, header: str, what: str) -> int:
    return find_column(raw, what, (), header)
