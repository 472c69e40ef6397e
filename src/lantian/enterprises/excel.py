"""The ledger (台账) as an Excel workbook: a template to fill in, a strict reader, and an export.

Layout: a first sheet "说明" (how to fill it in), then one sheet per kind — 企业, 产业集群, then each
facility kind by its label. Row 1 holds the Chinese headers (``Field.header``); required ones end
in "*" (the reader accepts a header with or without the mark, with full- or half-width brackets).

The reader checks every row and either returns the whole batch or raises ``LedgerImportError``
listing every problem — never a partial batch.

Unified social credit codes (统一社会信用代码) must pass the GB 32100-2015 check digit. There is no
exception for demo data: synthetic enterprises must be given codes with a correct check digit
(``credit_code_check_char`` computes it), and the caller marks them as synthetic elsewhere.

The sheet helpers — ``lay_out_sheet``, ``fill_sheet``, ``DropDownLists``, ``describe_field``,
``header_text``/``header_key``, ``cell_text``, ``fold_width``, ``is_blank``, ``parse_county``,
``BadCell`` — are public: the registers room (``lantian.registers.excel``) builds its sheets
with them.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lantian.enterprises.kinds import CLUSTER, ENTERPRISE, FACILITY_KINDS, Field, Kind
from lantian.errors import InputError
from lantian.limits import cell_limit
from lantian.sheets import read_sheets, header_block, IGNORED_HEADERS

__all__ = [
    "NOTES_SHEET", "SHEET_KINDS", "LedgerBatch", "LedgerImportError", "RowError",
    "credit_code_check_char", "credit_code_problem", "read_workbook", "write_template",
    "write_workbook",
]

NOTES_SHEET = "说明"
REQUIRED_MARK = "*"
#: the data sheets, in workbook order
SHEET_KINDS: tuple[Kind, ...] = (ENTERPRISE, CLUSTER, *FACILITY_KINDS.values())

_DATE_FORMAT = "yyyy-mm-dd"
_TEXT_FORMAT = "@"
_BOOL_WORDS = {"是": True, "Y": True, "YES": True, "TRUE": True, "1": True,
               "否": False, "N": False, "NO": False, "FALSE": False, "0": False}
_SUMMARY_SHOWN = 5
_INLINE_LIST_LIMIT = 255          # Excel's limit on an inline validation list ("a,b,c")
_LIST_COLUMN = 8                  # long drop-down lists live on the notes sheet from column H on


# ---------------------------------------------------------------- errors and the result

@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int                       # the Excel row number (1 = header row)
    column: str                    # the Chinese header ("" for a whole sheet)
    reason: str
    value: Any = None

    def __str__(self) -> str:
        where = f"「{self.sheet}」第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」"
        shown = "" if self.value is None else f"（填写的是：{self.value}）"
        return f"{where}：{self.reason}{shown}"


class LedgerImportError(InputError):
    """A workbook with problems: ``errors`` lists every one of them; nothing was imported. Files of other
    kinds (targets, the reduction list) name themselves by ``subject`` and what was not imported by ``nothing``."""
    subject, nothing = "台账", "数据"

    def __init__(self, file: str | Path, errors: Sequence[RowError]):
        self.errors: list[RowError] = list(errors)
        super().__init__(file, _summary(self.errors, self.subject, self.nothing))


def _summary(errors: Sequence[RowError], subject: str, nothing: str) -> str:
    shown = "；".join(str(e) for e in errors[:_SUMMARY_SHOWN])
    more = f"；另有 {len(errors) - _SUMMARY_SHOWN} 处" if len(errors) > _SUMMARY_SHOWN else ""
    return f"{subject}有 {len(errors)} 处错误，未导入任何{nothing}：{shown}{more}"


@dataclass
class LedgerBatch:
    enterprises: list[dict] = dataclass_field(default_factory=list)
    clusters: list[dict] = dataclass_field(default_factory=list)
    facilities: list[dict] = dataclass_field(default_factory=list)
    rows: int = 0


# ---------------------------------------------------------------- unified social credit codes

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"       # GB 32100-2015: no I, O, Z, S, V
_CODE_VALUES = {c: i for i, c in enumerate(_CODE_CHARS)}
_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    if len(first17) != 17 or any(c not in _CODE_VALUES for c in first17):
        raise ValueError(f"not 17 characters of the GB 32100-2015 set: {first17!r}")
    total = sum(_CODE_VALUES[c] * w for c, w in zip(first17, _CODE_WEIGHTS))
    return _CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code (in Chinese), or None if it is."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，这里是 {len(code)} 位"
    bad = sorted({c for c in code if c not in _CODE_VALUES})
    if bad:
        return (f"统一社会信用代码含非法字符「{'、'.join(bad)}」，应只用数字和"
                f"除 I、O、Z、S、V 以外的大写字母")
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不符（按 GB 32100-2015 计算），请核对是否抄错"
    return None


# ---------------------------------------------------------------- text normalisation

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Full-width ASCII (１２３，ＡＢＣ，（）) to half-width; Chinese text is left alone."""
    return text.translate(_FULLWIDTH)


def header_key(text: str) -> str:
    key = re.sub(r"\s+", "", fold_width(str(text)))
    return key.strip(REQUIRED_MARK)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---------------------------------------------------------------- typing one cell

class BadCell(Exception):
    """A cell that cannot be read; ``reason`` is shown to the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_FACILITY_SET = frozenset(FACILITY_KINDS.values())
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")


def _number_text(value: str) -> str:
    return re.sub(r"[\s,]", "", fold_width(value))


def _range_text(f: Field) -> str:
    if f.low is not None and f.high is not None:
        return f"{f.low:g} 至 {f.high:g} 之间"
    if f.low is not None:
        return f"不小于 {f.low:g}"
    return f"不大于 {f.high:g}"


def _check_range(f: Field, number: float) -> None:
    if (f.low is not None and number < f.low) or (f.high is not None and number > f.high):
        unit = f"（{f.unit}）" if f.unit else ""
        raise BadCell(f"超出范围，应为{_range_text(f)}的数值{unit}")


def _parse_float(f: Field, value: Any) -> float:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(_number_text(value)):
        number = float(_number_text(value))
    else:
        raise BadCell("不是数值，应填数字" + (f"（单位：{f.unit}）" if f.unit else ""))
    if not math.isfinite(number):
        raise BadCell("不是有限的数值，应填数字")
    _check_range(f, number)
    return number


def _parse_int(f: Field, value: Any) -> int:
    if isinstance(value, str) and _INTEGER.fullmatch(_number_text(value)):
        digits = _number_text(value).lstrip("+-").lstrip("0")
        if len(digits) > 18:                   # past int64 (and Python's 4,300-digit int() limit)
            raise BadCell(f"数值过大（{len(digits)} 位），应填整数" + (f"（单位：{f.unit}）" if f.unit else ""))
        number = int(_number_text(value))
    else:
        as_float = _parse_float(f, value)
        if not as_float.is_integer():
            raise BadCell("不是整数，应填整数")
        if abs(as_float) >= 2 ** 63:
            raise BadCell("数值过大，应填整数")
        number = int(as_float)
    _check_range(f, number)
    return number


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = fold_width(str(value)).strip().upper()
    if word in _BOOL_WORDS:
        return _BOOL_WORDS[word]
    raise BadCell("应填「是」或「否」（也可填 Y/N、TRUE/FALSE、1/0）")


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DATE.fullmatch(fold_width(value).strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
    raise BadCell("不是有效日期，应为 YYYY-MM-DD 格式的日期（如 2021-06-30）")


def _parse_choice(f: Field, value: Any) -> str:
    wanted = fold_width(cell_text(value)).strip().casefold()
    for choice in f.choices:
        if fold_width(choice).casefold() == wanted:
            return choice
    raise BadCell(f"不是可选值，应为以下之一：{'、'.join(f.choices)}")


def parse_credit_code(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadCell("统一社会信用代码被 Excel 存成了数字（可能丢失位数），应把该列设为文本后重新填写")
    return re.sub(r"\s+", "", fold_width(str(value))).upper()


def parse_county(value: Any, counties: Mapping[str, str] | None) -> str:
    text = cell_text(value)
    if counties is None:
        return text
    for key in (text, fold_width(text).strip()):
        if key in counties:
            return counties[key]
    if not counties:
        raise BadCell("本工作区尚未导入县区（县区边界），无法识别县区：请先导入站点与县区边界"
                      "（lantian import stations 站点.csv --boundaries 边界.json）")
    names = [k for k in counties if not k.isdigit()] or list(counties)
    shown = "、".join(names[:20]) + ("等" if len(names) > 20 else "")
    raise BadCell(f"不是本地区的县区，应为以下之一（名称或行政区划代码）：{shown}")


def parse_cell(kind: Kind, f: Field, value: Any, counties: Mapping[str, str] | None) -> Any:
    if f.name == "county":
        return parse_county(value, counties)
    if (kind is ENTERPRISE and f.name == "credit_code") or (kind in _FACILITY_SET and f.name == "enterprise"):
        code = parse_credit_code(value)
        if kind is ENTERPRISE and (problem := credit_code_problem(code)):
            raise BadCell(problem)
        return code
    if kind in _FACILITY_SET and f.name == "code":
        return _within_limit(kind, f, fold_width(cell_text(value)).strip())
    match f.type:
        case "int":
            return _parse_int(f, value)
        case "float":
            return _parse_float(f, value)
        case "bool":
            return _parse_bool(value)
        case "date":
            return _parse_date(value)
        case "choice":
            return _parse_choice(f, value)
    return _within_limit(kind, f, cell_text(value))


def _within_limit(kind: Kind, f: Field, text: str) -> str:
    """A text cell within its field's limit (docs/limits.md): the column it is stored in, else
    :data:`lantian.limits.CELL_TEXT_CHARS` — named with its row and column like any bad cell."""
    limit = cell_limit(kind.name if kind is ENTERPRISE else "facility" if kind in _FACILITY_SET else None, f.name)
    if len(text) > limit:
        raise BadCell(f"太长：最多 {limit:,} 个字符，这里有 {len(text):,} 个")
    if "\x00" in text:
        raise BadCell("含有 NUL 字节（\\x00），应为纯文本")
    return text


# ---------------------------------------------------------------- reading

_KIND_BY_SHEET = {fold_width(k.label): k for k in SHEET_KINDS}


#: the reason given for a filled cell under no header
UNHEADED = "该列没有表头，数据无法归属，应补上表头或删去该列数据"


def header_columns(header: Sequence[Any], keys: Mapping[str, Field], fields: Sequence[Field],
                   error: Callable[[str, str], None], *, missing: str) -> dict[int, Field]:
    """A one-sheet file's columns (column index → field), read from its header row by each cell's
    :func:`header_key` (blank cells and 序号 skipped). An unknown or repeated header and a missing
    required column are each reported as ``error(column, reason)``; ``missing`` is the reason for
    the last. A header with no cell at all (an empty file or sheet) is one error naming the
    columns expected, not one per missing column."""
    columns: dict[int, Field] = {}
    if all(is_blank(cell) for cell in header):
        error("", "文件为空，未找到表头行；应有以下列：" + "、".join(f.header for f in fields if f.required)
              + " (empty file: no header row)")
        return columns
    for i, cell in enumerate(header):
        if is_blank(cell) or header_key(cell) == "序号":
            continue
        f = keys.get(header_key(cell))
        if f is None:
            error(str(cell).strip(), "未知的表头，应为以下之一：" + "、".join(header_text(x) for x in fields))
        elif f in columns.values():
            error(str(cell).strip(), "表头重复，每列只应出现一次")
        else:
            columns[i] = f
    for f in fields:
        if f.required and f not in columns.values():
            error(f.header, missing)
    return columns


def read_cells(fields: Sequence[Field], columns: Mapping[int, Field], values: Sequence[Any],
               cell: Callable[[Field, Any], Any], error: Callable[..., None],
               header: Sequence[Any] | None = None) -> tuple[dict[str, Any], bool, set[str]]:
    """One data row of a one-sheet file: (the record, field name → value typed by ``cell`` or None;
    whether any cell was refused; the fields whose cell ``cell`` refused). An empty required cell and a
    refused one (:class:`BadCell`) are each reported as ``error(column, reason[, value])``; with the
    ``header``, so is a filled cell under no header (第 N 列)."""
    record: dict[str, Any] = {f.name: None for f in fields}
    bad, unread = False, set()
    if header is not None:
        for i, value in enumerate(values):
            if i not in columns and not is_blank(value) and (i >= len(header) or is_blank(header[i])):
                error(f"第 {i + 1} 列", UNHEADED, value)
                bad = True
    for i, f in columns.items():
        value = values[i] if i < len(values) else None
        if is_blank(value):
            if f.required:
                error(f.header, "必填项为空，应填写" + f.label)
                bad = True
            continue
        try:
            record[f.name] = cell(f, value)
        except BadCell as exc:
            error(f.header, exc.reason, value)
            bad = True
            unread.add(f.name)
    return record, bad, unread


def read_workbook(path: str | Path, *, counties: Mapping[str, str] | None = None,
                  known_enterprises: set[str] | frozenset[str] = frozenset(), name: str | None = None) -> LedgerBatch:
    """Read a filled template (or an export, or a ledger as an office keeps it: a title row above the
    headers, merged header cells, a legacy .xls — :mod:`lantian.sheets`) into typed records, or raise
    ``LedgerImportError``.

    ``counties`` maps the accepted county names and adcodes to the adcode that is stored;
    ``known_enterprises`` are credit codes already in the ledger, which facilities may name
    without the enterprise being in this file's 企业 sheet; ``name`` is the file name shown in errors.
    """
    shown = name or Path(path).name
    try:
        sheets = read_sheets(path, shown)
    except InputError as exc:
        raise InputError(shown, exc.message, line=exc.line, column=exc.column,        # the user's file name,
                         expected=exc.expected or ".xlsx 或 .xls 工作簿") from exc     # never a server path
    reader = _Reader(counties, known_enterprises)
    for position, sheet in enumerate(sheets):
        reader.read_sheet(position, sheet)
    reader.check_references()
    if reader.errors:
        raise LedgerImportError(shown, reader.sorted_errors())
    return reader.batch


def _keys(kind: Kind) -> dict[str, Field]:
    return {header_key(f.header): f for f in kind.fields} | {header_key(f.label): f for f in kind.fields}


def _guess_kind(sheet) -> Kind | None:
    """A sheet named otherwise (「Sheet1」, 「2023年台账」): the kind whose headers it shows most (two at least)."""
    best, score = None, 1
    for kind in SHEET_KINDS:
        keys = _keys(kind)
        _, header, _ = header_block(sheet.rows, lambda cell, keys=keys: header_key(cell) in keys)
        found = sum(1 for cell in header if not is_blank(cell) and header_key(cell) in keys)
        if found > score:
            best, score = kind, found
    return best


@dataclass
class _Sheet:
    title: str
    position: int
    kind: Kind
    columns: dict[int, Field]                       # 0-based column index → field

    def column_of(self, name: str) -> int:
        return next((i for i, f in self.columns.items() if f.name == name), -1)


class _Reader:
    def __init__(self, counties: Mapping[str, str] | None, known_enterprises: Iterable[str]):
        self.counties = counties
        self.known = {parse_credit_code(c) for c in known_enterprises}
        self.batch = LedgerBatch()
        self.errors: list[tuple[int, int, int, RowError]] = []
        self.enterprise_rows: dict[str, int] = {}
        self.facility_rows: dict[tuple[str, str, str], int] = {}
        self.references: list[tuple[_Sheet, int, str]] = []

    def error(self, sheet: _Sheet | tuple[str, int], row: int, column: int, header: str,
              reason: str, value: Any = None) -> None:
        title, position = (sheet.title, sheet.position) if isinstance(sheet, _Sheet) else sheet
        self.errors.append((position, row, column, RowError(title, row, header, reason, value)))

    def sorted_errors(self) -> list[RowError]:
        return [e for *_, e in sorted(self.errors, key=lambda t: t[:3])]

    # -- one sheet

    def read_sheet(self, position: int, sheet: Any) -> None:
        title = sheet.title.strip()
        if title == NOTES_SHEET:
            return
        kind = _KIND_BY_SHEET.get(fold_width(title)) or _guess_kind(sheet)
        if kind is None:
            if all(is_blank(v) for _, values in sheet.rows for v in values):
                return
            known = "、".join([NOTES_SHEET, *(k.label for k in SHEET_KINDS)])
            self.error((sheet.title, position), 1, -1, "", f"未知的工作表，工作表名应为以下之一：{known}")
            return
        keys = _keys(kind)
        header_row, header, below = header_block(sheet.rows, lambda cell: header_key(cell) in keys)
        ignored = {i for i, c in enumerate(header) if not is_blank(c) and header_key(c) in IGNORED_HEADERS}
        header = [None if i in ignored else c for i, c in enumerate(header)]
        body = [(r, [None if i in ignored else v for i, v in enumerate(values)]) for r, values in below
                if not all(map(is_blank, values))]
        if not header or (all(map(is_blank, header)) and not body):
            return
        self.header_row = header_row
        sheet_ = _Sheet(sheet.title, position, kind, self.read_header(sheet.title, position, kind, header))
        self.check_unheaded(sheet_, header, body)
        for r, values in body:
            self.batch.rows += 1
            self.read_row(sheet_, r, values)

    def read_header(self, title: str, position: int, kind: Kind, header: Sequence[Any]) -> dict[int, Field]:
        by_key = _keys(kind)
        row = getattr(self, "header_row", 1)
        columns: dict[int, Field] = {}
        for i, cell in enumerate(header):
            if is_blank(cell):
                continue
            f = by_key.get(header_key(cell))
            if f is None:
                expected = "、".join(f.header for f in kind.fields)
                self.error((title, position), row, i, str(cell).strip(),
                           f"未知的表头，「{kind.label}」表的表头应为以下之一：{expected}")
            elif f in columns.values():
                self.error((title, position), row, i, str(cell).strip(), "表头重复，每列只应出现一次")
            else:
                columns[i] = f
        for f in kind.fields:
            if f.required and f not in columns.values():
                self.error((title, position), row, len(header), f.header,
                           f"缺少必填列，应在第 {row} 行加上这一列的表头")
        return columns

    def check_unheaded(self, sheet: _Sheet, header: Sequence[Any], body: list[tuple[int, Sequence[Any]]]) -> None:
        reported: set[int] = set()
        for r, values in body:
            for i, value in enumerate(values):
                if i in sheet.columns or i in reported or is_blank(value):
                    continue
                if i < len(header) and not is_blank(header[i]):
                    continue          # an unknown header, already reported
                reported.add(i)
                self.error(sheet, r, i, f"第 {get_column_letter(i + 1)} 列", UNHEADED, value)

    def read_row(self, sheet: _Sheet, r: int, values: Sequence[Any]) -> None:
        kind = sheet.kind
        record: dict[str, Any] = {f.name: None for f in kind.fields}
        for i, f in sheet.columns.items():
            value = values[i] if i < len(values) else None
            if is_blank(value):
                if f.required:
                    self.error(sheet, r, i, f.header, "必填项为空，应填写" + f.label)
                continue
            try:
                record[f.name] = parse_cell(kind, f, value, self.counties)
            except BadCell as bad:
                self.error(sheet, r, i, f.header, bad.reason, value)
        if kind is ENTERPRISE:
            self.note_enterprise(sheet, r, record)
            self.batch.enterprises.append(record)
        elif kind is CLUSTER:
            self.batch.clusters.append(record)
        else:
            self.note_facility(sheet, r, record)
            self.batch.facilities.append({"kind": kind.name, **record})

    # rows with errors still take part in the duplicate and reference checks: every problem is listed
    def note_enterprise(self, sheet: _Sheet, r: int, record: dict[str, Any]) -> None:
        code = record["credit_code"]
        if code is None:
            return
        if code in self.enterprise_rows:
            f = ENTERPRISE.field("credit_code")
            self.error(sheet, r, sheet.column_of("credit_code"), f.header,
                       f"统一社会信用代码与第 {self.enterprise_rows[code]} 行重复，每家企业只应登记一次", code)
        else:
            self.enterprise_rows[code] = r

    def note_facility(self, sheet: _Sheet, r: int, record: dict[str, Any]) -> None:
        enterprise, code = record["enterprise"], record["code"]
        if enterprise is not None:
            self.references.append((sheet, r, enterprise))
        if enterprise is None or code is None:
            return
        key = (sheet.kind.name, enterprise, code)
        if key in self.facility_rows:
            f = sheet.kind.field("code")
            self.error(sheet, r, sheet.column_of("code"), f.header,
                       f"设施编号与第 {self.facility_rows[key]} 行重复，同一企业的{sheet.kind.label}编号应唯一", code)
        else:
            self.facility_rows[key] = r

    # -- across sheets

    def check_references(self) -> None:
        for sheet, r, code in self.references:
            if code in self.enterprise_rows or code in self.known:
                continue
            reason = credit_code_problem(code) or "该企业不在「企业」表中，也未在系统中登记，应先在「企业」表登记该企业"
            f = sheet.kind.field("enterprise")
            self.error(sheet, r, sheet.column_of("enterprise"), f.header, reason, code)


# ---------------------------------------------------------------- writing

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def write_template(path: str | Path, *, counties: Sequence[str] = ()) -> None:
    """An empty ledger workbook with headers, drop-downs and the filling-in notes."""
    _new_workbook(counties).save(path)


def write_workbook(path: str | Path, enterprises: Iterable[Mapping[str, Any]],
                   facilities: Iterable[Mapping[str, Any]], clusters: Iterable[Mapping[str, Any]] = (),
                   *, counties: Sequence[str] = ()) -> None:
    """Export the ledger in the template's layout, so that the file re-imports unchanged.

    Each facility names its kind in ``kind``; keys that are not fields of a kind are ignored.
    """
    wb = _new_workbook(counties)
    by_kind: dict[str, list[Mapping[str, Any]]] = {name: [] for name in FACILITY_KINDS}
    for facility in facilities:
        if facility.get("kind") not in by_kind:
            raise ValueError(f"unknown facility kind {facility.get('kind')!r}")
        by_kind[facility["kind"]].append(facility)
    fill_sheet(wb[ENTERPRISE.label], ENTERPRISE, enterprises)
    fill_sheet(wb[CLUSTER.label], CLUSTER, clusters)
    for name, kind in FACILITY_KINDS.items():
        fill_sheet(wb[kind.label], kind, by_kind[name])
    wb.save(path)


def header_text(f: Field) -> str:
    return f.header + (REQUIRED_MARK if f.required else "")


def describe_field(f: Field, counties: Sequence[str] = ()) -> str:
    """What a column takes, in Chinese: for the header comment and the notes sheet."""
    if f.name == "county":
        what = "从下拉列表选择县区（也可填行政区划代码）" if counties else "县区名称或行政区划代码"
    elif f.name in ("credit_code", "enterprise"):
        what = "18 位统一社会信用代码（GB 32100-2015，校验位须正确）"
    elif f.type == "choice":
        what = "从下拉列表选择：" + "、".join(f.choices)
    elif f.type == "bool":
        what = "是 / 否"
    elif f.type == "date":
        what = "日期，格式 YYYY-MM-DD"
    elif f.type in ("int", "float"):
        what = "整数" if f.type == "int" else "数值"
        if f.low is not None or f.high is not None:
            what += "，" + _range_text(f)
        if f.unit:
            what += f"，单位：{f.unit}"
    else:
        what = "文本"
    return ("必填；" if f.required else "选填；") + what


class DropDownLists:
    """Drop-down lists too long to inline go into columns of the notes sheet."""

    def __init__(self, notes: Worksheet):
        self.notes = notes
        self.placed: dict[tuple[str, ...], str] = {}

    def formula(self, values: Sequence[str]) -> str:
        inline = ",".join(values)
        if len(inline) + 2 <= _INLINE_LIST_LIMIT:
            return f'"{inline}"'
        key = tuple(values)
        if key not in self.placed:
            col = get_column_letter(_LIST_COLUMN + len(self.placed))
            self.notes[f"{col}1"] = "下拉选项"
            for i, value in enumerate(values, start=2):
                self.notes[f"{col}{i}"] = value
            self.placed[key] = f"{quote_sheetname(self.notes.title)}!${col}$2:${col}${len(values) + 1}"
        return self.placed[key]


def one_sheet_workbook(title: str, kind: Kind, records: Iterable[Mapping[str, Any]],
                       counties: Sequence[str] = ()) -> tuple[Workbook, Worksheet]:
    """A one-sheet file's workbook in the template's layout: the notes sheet first, then the sheet
    ``title`` with the kind's headers, drop-downs and the ``records``; (the workbook, its notes sheet)."""
    wb = Workbook()
    notes = wb.active
    notes.title = NOTES_SHEET
    lists = DropDownLists(notes)
    ws = wb.create_sheet(title)
    lay_out_sheet(ws, kind, list(counties), lists)
    fill_sheet(ws, kind, records)
    return wb, notes


def numbered_notes(notes: Worksheet, title: str, lines: Sequence[str]) -> None:
    """A notes sheet's 填写说明: the title (bold) and the numbered lines from row 3."""
    notes["A1"] = title
    notes["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(lines, start=3):
        notes.cell(row=i, column=1, value=f"{i - 2}. {line}")
    notes.column_dimensions["A"].width = 110


def _new_workbook(counties: Sequence[str]) -> Workbook:
    wb = Workbook()
    notes = wb.active
    notes.title = NOTES_SHEET
    lists = DropDownLists(notes)
    for kind in SHEET_KINDS:
        lay_out_sheet(wb.create_sheet(kind.label), kind, list(counties), lists)
    _write_notes(notes, list(counties))
    return wb


def lay_out_sheet(ws: Worksheet, kind: Kind, counties: list[str], lists: DropDownLists) -> None:
    for i, f in enumerate(kind.fields, start=1):
        col = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=header_text(f))
        cell.font = Font(bold=f.required)
        cell.fill = _REQUIRED_FILL if f.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        comment = Comment(describe_field(f, counties), "蓝天")
        comment.width, comment.height = 240, 90
        cell.comment = comment
        ws.column_dimensions[col].width = _width_for(f)
        if f.type == "date":
            ws.column_dimensions[col].number_format = _DATE_FORMAT
        elif f.type == "str":  # keeps 18-digit codes and leading zeros from turning into numbers
            ws.column_dimensions[col].number_format = _TEXT_FORMAT
        validation = _validation(f, counties, lists)
        if validation is not None:
            validation.add(f"{col}2:{col}1048576")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(kind.fields))}1"


def _width_for(f: Field) -> float:
    longest = max([_display_width(header_text(f)), *(_display_width(c) for c in f.choices)])
    if f.name in ("credit_code", "enterprise"):
        longest = max(longest, 20)
    return min(max(longest + 3, 10), 40)


def _validation(f: Field, counties: list[str], lists: DropDownLists) -> DataValidation | None:
    if f.name == "county":
        if not counties:
            return None
        dv = DataValidation(type="list", formula1=lists.formula(counties), allow_blank=True,
                            errorStyle="warning")   # adcodes are accepted too
    elif f.type == "choice":
        dv = DataValidation(type="list", formula1=lists.formula(f.choices), allow_blank=True)
    elif f.type == "bool":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True, errorStyle="warning")
    elif f.type in ("int", "float") and (f.low is not None or f.high is not None):
        dv = _number_validation(f)
    else:
        return None
    dv.showErrorMessage = True
    dv.errorTitle = "填写有误"
    dv.error = describe_field(f, counties)[:250]
    return dv


def _number_validation(f: Field) -> DataValidation:
    kind = "whole" if f.type == "int" else "decimal"
    if f.low is not None and f.high is not None:
        return DataValidation(type=kind, operator="between", formula1=f"{f.low:g}", formula2=f"{f.high:g}",
                              allow_blank=True, errorStyle="warning")
    bound, operator = (f.low, "greaterThanOrEqual") if f.low is not None else (f.high, "lessThanOrEqual")
    return DataValidation(type=kind, operator=operator, formula1=f"{bound:g}", allow_blank=True,
                          errorStyle="warning")


_NOTES = (
    "每个工作表登记一类台账：「企业」登记企业，「产业集群」登记集群，其余各表按设施类型登记（锅炉、工业炉窑……）。用不到的表留空即可。",
    "第 1 行是表头，请勿修改；表头末尾带 * 的列为必填。表头上的批注说明该列应填什么。",
    "每个设施行的「企业统一社会信用代码」须与「企业」表中的某家企业相同，或该企业已在系统中登记。",
    "同一企业的同类设施，设施编号不得重复；同一文件中同一企业只登记一次。",
    "统一社会信用代码为 18 位，按 GB 32100-2015 核对末位校验码；演示或虚构数据也须使用校验码正确的代码。",
    "日期填 YYYY-MM-DD（如 2021-06-30），也可直接使用 Excel 日期。",
    "「是/否」列填「是」或「否」（也接受 Y/N、TRUE/FALSE、1/0）。",
    "数值列只填数字，单位见表头括号；全角数字和前后空格会自动规范。",
    "导入时检查全部行：只要有一处错误，整个文件都不导入，并列出每处错误的工作表、行号、列名和原因。",
)


def _write_notes(ws: Worksheet, counties: list[str]) -> None:
    ws["A1"] = "企业与设施台账 填写说明"
    ws["A1"].font = Font(bold=True, size=14)
    lines = list(_NOTES)
    if counties:
        lines.append("「所在县区」从下拉列表选择：" + "、".join(counties) + "。")
    row = 3
    for n, line in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=f"{n}. {line}")
        row += 1
    row += 1
    for col, title in enumerate(("工作表", "列（表头）", "填写要求"), start=1):
        ws.cell(row=row, column=col, value=title).font = Font(bold=True)
    for kind in SHEET_KINDS:
        for f in kind.fields:
            row += 1
            ws.cell(row=row, column=1, value=kind.label)
            ws.cell(row=row, column=2, value=header_text(f))
            ws.cell(row=row, column=3, value=describe_field(f, counties))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 80


def fill_sheet(ws: Worksheet, kind: Kind, records: Iterable[Mapping[str, Any]]) -> None:
    widths = {i: ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(kind.fields) + 1)}
    for r, record in enumerate(records, start=2):
        for i, f in enumerate(kind.fields, start=1):
            value = _cell_value(f, record.get(f.name))
            if value is None:
                continue
            cell = ws.cell(row=r, column=i, value=value)
            if isinstance(value, str):
                cell.data_type = "s"        # a name starting with "=" is text, not a formula
                cell.number_format = _TEXT_FORMAT
            elif isinstance(value, date):
                cell.number_format = _DATE_FORMAT
            widths[i] = max(widths[i], min(_display_width(cell_text(value)) + 2, 50))
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = width


def _cell_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and f.type == "date":
        return value.date()
    if isinstance(value, (int, float, date)):
        return value
    return str(value)
