"""Gate-record files (门禁记录) and road-check/OBD files, one reader each.

Gate records — CSV (UTF-8 or GBK) or .xlsx, one row per vehicle entry; the header may use the
English keys or the Chinese names (``lantian gates template`` writes an example):

=================  ==================  ========  ==================================================
key                中文列名             required  accepted values
=================  ==================  ========  ==================================================
enterprise         企业                 yes       统一社会信用代码 or the ledger name (CLI import only;
                                                 a gate pushing records is bound to its enterprise)
plate              号牌号码             yes       e.g. 晋DA1234, 晋D·A1234, 晋DD12345 (新能源), 晋D1234挂
plate_colour       号牌颜色             no        黄 蓝 绿 黄绿 白 黑 (…色 accepted)
vin                车辆识别代号          no        17 characters, no I O Q
vehicle_type       车辆类型             yes       重型货车 重型半挂牵引车 中型货车 轻型货车 微型货车 非道路移动机械
                                                 客车 其他 (also N3 N2 N1, 重型自卸货车 …)
fuel               燃料类型             yes       柴油 天然气 (LNG CNG 燃气) 汽油 混合动力 电 (纯电动) 氢 (燃料电池)
emission_standard  排放阶段             yes       国一…国六 in any spelling: 国Ⅵ 国6 国六 VI 国六b; 新能源 (电动);
                                                 未知 when the gate could not identify it
time_in            进厂时间             yes       YYYY-MM-DD HH:MM[:SS], Beijing time (or ISO 8601 with offset)
time_out           出厂时间             no        as time_in, not before it
goods              货物名称             no        text
tonnage            运输量（吨）          no        a number ≥ 0
list_number        随车清单编号          no        text
licence_number     行驶证编号            no        text
=================  ==================  ========  ==================================================

These are the fields the issue names for HJ 1321-2023 (《重点行业移动源监管与核查技术指南》); its own
field table was not found in the sources available here, so no field beyond these is assumed.

Road checks and OBD inspections — CSV or .xlsx with ``kind`` (路检 / OBD), ``plate``, ``time``,
``outcome`` (合格/pass, 不合格/fail) and optional ``vin``, ``county``, ``location``, ``enterprise``,
``finding`` (Chinese headers 类型 号牌号码 检查时间 结果 车辆识别代号 县区 地点 企业 问题).

Every bad cell is reported with file, line and column and what was expected; nothing is returned
half-read.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lantian.db import to_utc
from lantian.errors import InputError
from lantian.vehicles.rules import FUELS, NEW_ENERGY, STAGES, UNKNOWN, VEHICLE_TYPES
from lantian.textfiles import read_csv

#: (key, 中文列名, required)
FIELDS = (("enterprise", "企业", True), ("plate", "号牌号码", True), ("plate_colour", "号牌颜色", False),
          ("vin", "车辆识别代号", False), ("vehicle_type", "车辆类型", True), ("fuel", "燃料类型", True),
          ("emission_standard", "排放阶段", True), ("time_in", "进厂时间", True), ("time_out", "出厂时间", False),
          ("goods", "货物名称", False), ("tonnage", "运输量（吨）", False), ("list_number", "随车清单编号", False),
          ("licence_number", "行驶证编号", False))
HEADER_ALIASES = {label: key for key, label, _ in FIELDS} | {"运输量": "tonnage", "运输量(吨)": "tonnage",
                                                          "车牌号": "plate", "车牌号码": "plate", "VIN": "vin",
                                                          "排放标准": "emission_standard", "燃料种类": "fuel"}
CHECK_FIELDS = (("kind", "类型", True), ("plate", "号牌号码", True), ("time", "检查时间", True),
                ("outcome", "结果", True), ("vin", "车辆识别代号", False), ("county", "县区", False),
                ("location", "地点", False), ("enterprise", "企业", False), ("finding", "问题", False))
CHECK_ALIASES = {label: key for key, label, _ in CHECK_FIELDS} | {"车牌号": "plate", "VIN": "vin"}

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(rf"^[{PROVINCES}][A-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}挂)$")
VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
COLOURS = ("黄", "蓝", "绿", "黄绿", "白", "黑")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6}
_FUEL_ALIASES = {"柴油": "柴油", "天然气": "天然气", "燃气": "天然气", "LNG": "天然气", "CNG": "天然气",
                 "液化天然气": "天然气", "压缩天然气": "天然气", "汽油": "汽油", "混合动力": "混合动力",
                 "油电混合": "混合动力", "插电式混合动力": "混合动力", "HEV": "混合动力", "PHEV": "混合动力",
                 "电": "电", "纯电": "电", "纯电动": "电", "电动": "电", "BEV": "电", "氢": "氢", "氢燃料": "氢",
                 "燃料电池": "氢", "FCEV": "氢"}
_NEW_ENERGY_WORDS = {"新能源", "电动", "纯电", "纯电动", "零排放"}
_UNKNOWN_WORDS = {"未知", "不详", "无", "-", "—"}
_TYPE_ALIASES = {"N3": "重型货车", "N2": "中型货车", "N1": "轻型货车", "牵引车": "重型半挂牵引车",
                 "半挂牵引车": "重型半挂牵引车", "重型牵引车": "重型半挂牵引车", "非道路": "非道路移动机械"}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
KINDS = {"路检": "roadcheck", "路检路查": "roadcheck", "roadcheck": "roadcheck", "road": "roadcheck",
         "OBD": "obd", "obd": "obd", "OBD检查": "obd", "OBD检测": "obd"}
OUTCOMES = {"合格": "pass", "通过": "pass", "pass": "pass", "不合格": "fail", "超标": "fail", "fail": "fail"}


@dataclass(frozen=True)
class GateRow:
    enterprise: str | None
    plate: str
    plate_colour: str | None
    vin: str | None
    vehicle_type: str
    fuel: str
    emission_standard: str
    time_in: dt.datetime              # aware UTC
    time_out: dt.datetime | None
    goods: str | None
    tonnage: str | None               # exact decimal text
    list_number: str | None
    licence_number: str | None
    line: int


@dataclass(frozen=True)
class CheckRow:
    kind: str                         # roadcheck | obd
    plate: str
    time: dt.datetime
    outcome: str                      # pass | fail
    vin: str | None
    county: str | None
    location: str | None
    enterprise: str | None
    finding: str | None
    line: int


# --------------------------------------------------------------------------- cells
def plate(text: str) -> str | None:
    """The plate without separators and in capitals, or None when it is not a Chinese plate."""
    value = re.sub(r"[\s·•.\-]", "", text or "").upper()
    return value if PLATE.match(value) else None


def standard(text: str) -> str | None:
    """国一…国六 in any usual spelling (国Ⅵ 国6 国六 VI 国六b China VI), 新能源, 未知; None otherwise."""
    t = re.sub(r"\s", "", text or "")
    if t in _NEW_ENERGY_WORDS:
        return NEW_ENERGY
    if t in _UNKNOWN_WORDS or not t:
        return UNKNOWN
    t = t.upper().removeprefix("CHINA").removeprefix("国").removesuffix("排放").removesuffix("标准")
    t = re.sub(r"[AB]$", "", t) if len(t) > 1 else t          # 国六a / 国六b: one stage here
    stage = _CN.get(t) or _ROMAN.get(t) or (int(t) if re.fullmatch(r"[1-6]", t) else None)
    return None if stage is None else {v: k for k, v in STAGES.items()}[stage]


def fuel(text: str) -> str | None:
    t = re.sub(r"\s", "", text or "")
    return _FUEL_ALIASES.get(t) or _FUEL_ALIASES.get(t.upper())


def vehicle_type(text: str) -> str | None:
    t = re.sub(r"\s", "", text or "")
    if t in VEHICLE_TYPES:
        return t
    if t.upper() in _TYPE_ALIASES or t in _TYPE_ALIASES:
        return _TYPE_ALIASES.get(t.upper()) or _TYPE_ALIASES[t]
    for size in ("重型", "中型", "轻型", "微型"):
        if t.startswith(size) and ("货" in t or "牵引" in t):
            return "重型半挂牵引车" if "牵引" in t else f"{size}货车"
    return None


def beijing_time(text: str) -> dt.datetime | None:
    """A time as written (naive = Beijing, 北京时间), as aware UTC; None when it is not a time."""
    t = (text or "").strip()
    value = None
    for fmt in _TIME_FORMATS:
        try:
            value = dt.datetime.strptime(t, fmt)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = dt.datetime.fromisoformat(t)
        except ValueError:
            return None
        if "T" not in t and value.tzinfo is None:
            return None
    if not 1990 <= value.year <= 2100:
        return None
    return to_utc(value)


def _text(values: dict, key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def parse_record(values: dict, *, file: str | Path, line: int, enterprise_required: bool = True) -> GateRow:
    """One gate record from its cells (a CSV row or a pushed JSON object); InputError on the first bad cell."""
    def fail(column, message, expected=None):
        raise InputError(file, message, line=line, column=column, expected=expected)

    for key, _, _ in FIELDS:
        if "\x00" in _text(values, key):
            fail(key, "a NUL character", "text")
    for key, _, required in FIELDS:
        if required and not _text(values, key) and (key != "enterprise" or enterprise_required):
            fail(key, "missing", "a value")
    p = plate(_text(values, "plate"))
    if p is None:
        fail("plate", f"{_text(values, 'plate')!r} is not a plate number", "号牌号码 such as 晋DA1234 or 晋DD12345")
    colour = _text(values, "plate_colour").removesuffix("色") or None
    if colour is not None and colour not in COLOURS:
        fail("plate_colour", f"{colour!r} is not a plate colour", " ".join(COLOURS))
    vin = _text(values, "vin").upper() or None
    if vin is not None and not VIN.match(vin):
        fail("vin", f"{vin!r} is not a VIN", "17 characters of A–Z (no I, O, Q) and 0–9")
    kind = vehicle_type(_text(values, "vehicle_type"))
    if kind is None:
        fail("vehicle_type", f"{_text(values, 'vehicle_type')!r} is not a vehicle type", " ".join(VEHICLE_TYPES))
    f = fuel(_text(values, "fuel"))
    if f is None:
        fail("fuel", f"{_text(values, 'fuel')!r} is not a fuel", " ".join(FUELS))
    std = standard(_text(values, "emission_standard"))
    if std is None:
        fail("emission_standard", f"{_text(values, 'emission_standard')!r} is not an emission standard",
             "国一…国六 (国Ⅵ, 国6, VI), 新能源 or 未知")
    if f in ("电", "氢") and std not in (NEW_ENERGY, UNKNOWN):
        fail("emission_standard", f"a {f} vehicle with {std}", "新能源 for electric and hydrogen vehicles")
    if f in ("电", "氢"):
        std = NEW_ENERGY
    if std == NEW_ENERGY and f not in ("电", "氢", "混合动力"):
        fail("emission_standard", f"新能源 with fuel {f}", "a 国 stage for a combustion engine")
    time_in = beijing_time(_text(values, "time_in"))
    if time_in is None:
        fail("time_in", f"{_text(values, 'time_in')!r} is not a time", "YYYY-MM-DD HH:MM[:SS] (Beijing time)")
    time_out = None
    if _text(values, "time_out"):
        time_out = beijing_time(_text(values, "time_out"))
        if time_out is None:
            fail("time_out", f"{_text(values, 'time_out')!r} is not a time", "YYYY-MM-DD HH:MM[:SS] (Beijing time)")
        if time_out < time_in:
            fail("time_out", "before the time in", "出厂时间 not before 进厂时间")
    tonnage = None
    if _text(values, "tonnage"):
        try:
            amount = Decimal(_text(values, "tonnage"))
        except InvalidOperation:
            fail("tonnage", f"{_text(values, 'tonnage')!r} is not a number", "tonnes ≥ 0")
        if not amount.is_finite() or not 0 <= amount <= 1000 or len(str(amount)) > 16:
            fail("tonnage", f"{_text(values, 'tonnage')} is not a tonnage", "tonnes 0–1000, at most 16 characters")
        tonnage = str(amount)
    for key, size in (("goods", 64), ("list_number", 64), ("licence_number", 64), ("enterprise", 128)):
        if len(_text(values, key)) > size:
            fail(key, "too long", f"at most {size} characters")
    return GateRow(_text(values, "enterprise") or None, p, colour, vin, kind, f, std, time_in, time_out,
                   _text(values, "goods") or None, tonnage, _text(values, "list_number") or None,
                   _text(values, "licence_number") or None, line)


# --------------------------------------------------------------------------- files
def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:        # openpyxl raises several kinds for a file that is not a workbook
            raise InputError(path, f"not an .xlsx workbook ({exc.__class__.__name__})") from None
        return [["" if c is None else (c.strftime("%Y-%m-%d %H:%M:%S") if isinstance(c, dt.datetime) else str(c))
                 for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    return read_csv(path)


def _columns(path: Path, rows, fields, aliases) -> dict[str, int]:
    if not rows:
        raise InputError(path, "empty file")
    cols = {}
    for i, h in enumerate(rows[0]):
        key = aliases.get(h.strip(), h.strip())
        cols.setdefault(key, i)
    missing = [k for k, _, required in fields if required and k not in cols]
    if missing:
        raise InputError(path, f"no column {', '.join(missing)}", line=1,
                         expected="the header " + ",".join(k for k, _, _ in fields))
    return cols


def _cells(row: list[str], cols: dict[str, int]) -> dict[str, str]:
    return {k: (row[i] if i < len(row) else "") for k, i in cols.items()}


def read(path: str | Path) -> list[GateRow]:
    """Every gate record of the file, validated (see the module docstring for the layout)."""
    path = Path(path)
    rows = _rows(path)
    cols = _columns(path, rows, FIELDS, HEADER_ALIASES)
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if any(c.strip() for c in r):
            out.append(parse_record(_cells(r, cols), file=path, line=line))
    return out


def read_checks(path: str | Path) -> list[CheckRow]:
    """Road checks (路检路查) and OBD inspections, validated."""
    path = Path(path)
    rows = _rows(path)
    cols = _columns(path, rows, CHECK_FIELDS, CHECK_ALIASES)
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        c = _cells(r, cols)
        kind = KINDS.get(c["kind"].strip())
        if kind is None:
            raise InputError(path, f"{c['kind']!r} is not a check kind", line=line, column="kind", expected="路检 or OBD")
        p = plate(c["plate"])
        if p is None:
            raise InputError(path, f"{c['plate']!r} is not a plate number", line=line, column="plate",
                             expected="号牌号码 such as 晋DA1234")
        t = beijing_time(c["time"])
        if t is None:
            raise InputError(path, f"{c['time']!r} is not a time", line=line, column="time",
                             expected="YYYY-MM-DD HH:MM[:SS] (Beijing time)")
        outcome = OUTCOMES.get(c["outcome"].strip())
        if outcome is None:
            raise InputError(path, f"{c['outcome']!r} is not an outcome", line=line, column="outcome",
                             expected="合格 or 不合格 (pass / fail)")
        vin = c.get("vin", "").strip().upper() or None
        if vin is not None and not VIN.match(vin):
            raise InputError(path, f"{vin!r} is not a VIN", line=line, column="vin",
                             expected="17 characters of A–Z (no I, O, Q) and 0–9")
        opt = {k: (c.get(k) or "").strip() or None for k in ("county", "location", "enterprise", "finding")}
        out.append(CheckRow(kind, p, t, outcome, vin, opt["county"], opt["location"], opt["enterprise"],
                            opt["finding"], line))
    return out


def template_text() -> str:
    """The gate-record CSV layout with two example rows (synthetic)."""
    header = ",".join(k for k, _, _ in FIELDS)
    rows = ["91140400MA0LT00011,晋DA1234,黄,LZZ5BLSJ8KD123456,重型货车,柴油,国五,2023-06-29 08:15,2023-06-29 09:02,"
            "熟料,32.5,QD20230629001,XS140400001",
            "91140400MA0LT00011,晋DD12345,绿,,重型半挂牵引车,电,新能源,2023-06-29 08:40,,煤炭,35,,"]
    return "\n".join([header] + rows) + "\n"


def layout_text() -> str:
    """The columns, one a line: key, 中文列名, required."""
    return "\n".join(f"{k} · {label} · {'必填' if required else '选填'}" for k, label, required in FIELDS)


def checks_template_text() -> str:
    return ("kind,plate,time,outcome,vin,county,location,enterprise,finding\n"
            "路检,晋DA1234,2023-06-29 10:30,不合格,,潞州区,长治北收费站,,尾气排放超标（林格曼1级）\n"
            "OBD,晋DA1234,2023-06-29 10:40,合格,LZZ5BLSJ8KD123456,潞州区,长治北收费站,,\n")
