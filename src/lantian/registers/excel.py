"""A register as a spreadsheet: the template to fill in (.xlsx with a 说明 sheet, drop-downs and header
notes — the ledgers' layout, :mod:`lantian.enterprises.excel`), a strict reader for .xlsx and .csv,
and the export (same layout: an export re-imports unchanged).

The reader checks every row and returns the whole batch or raises :class:`RegisterImportError`
naming, for each problem, the file (sheet), the row, the column by its Chinese header and what was
expected — nothing is stored when any row is wrong. Checks that need the database (the county a
user may write, a child row's parent) are made by the service and reported the same way.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from openpyxl.styles import Font

from lantian.enterprises import excel as ledger_excel
from lantian.enterprises.excel import LedgerImportError, RowError
from lantian.enterprises.kinds import Field, Kind
from lantian.registers.kinds import FORMAT_TEXT, FORMATS, Register
from lantian.registers.kinds import registers
from lantian.registers.settings import parse_hours
from lantian.sheets import header_block, read_sheets

NOTES_SHEET = ledger_excel.NOTES_SHEET
_DATETIME = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$")


class RegisterImportError(LedgerImportError):
    """A file with problems: ``errors`` lists every one of them; nothing was imported."""


@dataclass
class Batch:
    register: str
    sheet: str
    records: list[tuple[int, dict[str, Any]]] = dataclass_field(default_factory=list)   # (row number, values)
    columns: dict[str, str] = dataclass_field(default_factory=dict)                     # field → header as written


def kind_of(reg: Register) -> Kind:
    """The template's columns: the typed fields (derived facts are not typed in)."""
    return Kind(reg.id, reg.label, reg.fields)


# ----------------------------------------------------------------------------- writing
def write_template(path: str | Path, reg: Register, *, counties: Sequence[str] = ()) -> None:
    write_rows(path, reg, [], counties=counties)


def write_rows(path: str | Path, reg: Register, records: Iterable[Mapping[str, Any]], *,
               counties: Sequence[str] = ()) -> None:
    """The register as .xlsx (or .csv when ``path`` ends so), in the template's layout."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        path.write_text(csv_text(reg, records), encoding="utf-8-sig")
        return
    wb, notes = ledger_excel.one_sheet_workbook(_sheet_title(reg), kind_of(reg), records, counties)
    _notes(notes, reg, list(counties))
    wb.save(path)


def csv_text(reg: Register, records: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([ledger_excel.header_text(f) for f in reg.fields])
    for r in records:
        writer.writerow(["" if r.get(f.name) is None else ledger_excel.cell_text(r[f.name]) for f in reg.fields])
    return out.getvalue()


def _sheet_title(reg: Register) -> str:
    return reg.label[:31]


def describe(reg: Register, f: Field, counties: Sequence[str] = ()) -> str:
    fmt = reg.format_of(f.name)
    if fmt:
        return ("必填；" if f.required else "选填；") + FORMAT_TEXT[fmt]
    if reg.parent_field == f.name:
        return ("必填；" if f.required else "选填；") + f"「{_parent_label(reg)}」中已登记的编号"
    return ledger_excel.describe_field(f, counties)


def _parent_label(reg: Register) -> str:
    return registers()[reg.parent].label if reg.parent else ""


def _notes(ws, reg: Register, counties: list[str]) -> None:
    ws["A1"] = f"{reg.label} 填写说明"
    ws["A1"].font = Font(bold=True, size=14)
    lines = [f"依据：{reg.clause}" if reg.clause else f"依据：{reg.tasks_text}",
             f"工作表「{_sheet_title(reg)}」每行登记一条；第 1 行是表头，请勿修改；表头末尾带 * 的列为必填。",
             "按「" + "、".join(reg.field(k).label for k in reg.key) + "」识别一行：再次导入同一行即更新。",
             "导入时检查全部行：只要有一处错误，整个文件都不导入，并列出每处错误的行号、列名和原因。",
             "也可导入同样表头的 CSV 文件（UTF-8 或 GBK）。"]
    if reg.parent:
        lines.append(f"「{reg.field(reg.parent_field).label}」须是「{_parent_label(reg)}」中已登记的编号；"
                     "所在县区随所属记录。")
    if counties and reg.county == "row":
        lines.append("「所在县区」从下拉列表选择：" + "、".join(counties) + "。")
    for n, line in enumerate(lines, start=1):
        ws.cell(row=2 + n, column=1, value=f"{n}. {line}")
    row = len(lines) + 4
    for col, title in enumerate(("列（表头）", "填写要求"), start=1):
        ws.cell(row=row, column=col, value=title).font = Font(bold=True)
    for f in reg.fields:
        row += 1
        ws.cell(row=row, column=1, value=ledger_excel.header_text(f))
        ws.cell(row=row, column=2, value=describe(reg, f, counties))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 90


# ----------------------------------------------------------------------------- reading
def read(path: str | Path, reg: Register, *, counties: Mapping[str, str] | None = None,
         name: str | None = None) -> Batch:
    """Typed records of a filled template (.xlsx), a .csv with the same headers, or the register as an
    office keeps it (:mod:`lantian.sheets`: a title row above the headers, merged header cells, a legacy
    .xls), or ``RegisterImportError`` listing every problem. ``name`` is the file name shown in errors."""
    path = Path(path)
    shown = name or path.name
    sheets = [sh for sh in read_sheets(path, shown) if sh.title.strip() != NOTES_SHEET]
    if path.suffix.lower() == ".csv":
        title, sheet = shown, sheets[0]
    else:
        wanted = [sh for sh in sheets if ledger_excel.fold_width(sh.title.strip()) ==
                  ledger_excel.fold_width(_sheet_title(reg))]
        if not wanted and len(sheets) == 1:
            wanted = sheets
        if not wanted:
            raise RegisterImportError(shown, [RowError(shown, 1, "", f"找不到工作表「{_sheet_title(reg)}」，"
                                                                     "应使用本台账的模板")])
        title, sheet = wanted[0].title, wanted[0]
    keys = {ledger_excel.header_key(f.header) for f in reg.fields} | {ledger_excel.header_key(f.label)
                                                                     for f in reg.fields}
    header_row, header, body = header_block(sheet.rows, lambda cell: ledger_excel.header_key(cell) in keys)
    reader = _Reader(reg, title, counties)
    reader.header_row = header_row or 1
    reader.run(header, body)
    if reader.errors:
        raise RegisterImportError(shown, reader.errors)
    return reader.batch


class _Reader:
    def __init__(self, reg: Register, sheet: str, counties: Mapping[str, str] | None):
        self.reg, self.sheet, self.counties = reg, sheet, counties
        self.kind = kind_of(reg)
        self.errors: list[RowError] = []
        self.batch = Batch(reg.id, sheet)
        self.keys: dict[tuple, int] = {}
        self.header_row = 1

    def error(self, row: int, column: str, reason: str, value: Any = None) -> None:
        self.errors.append(RowError(self.sheet, row, column, reason, value))

    def run(self, header: Sequence[Any], body: list[tuple[int, Sequence[Any]]]) -> None:
        columns = self.header(header)
        if self.errors:
            return
        for r, values in body:
            if all(map(ledger_excel.is_blank, values)):
                continue
            self.row(r, columns, values, header)

    def header(self, header: Sequence[Any]) -> dict[int, Field]:
        by_key = {ledger_excel.header_key(f.header): f for f in self.reg.fields} | \
                 {ledger_excel.header_key(f.label): f for f in self.reg.fields}
        columns = ledger_excel.header_columns(header, by_key, self.reg.fields,
                                              lambda column, reason: self.error(self.header_row, column, reason),
                                              missing=f"缺少必填列，应在第 {self.header_row} 行加上这一列的表头")
        for i, f in columns.items():
            self.batch.columns[f.name] = str(header[i]).strip()
        return columns

    def row(self, r: int, columns: dict[int, Field], values: Sequence[Any], header: Sequence[Any]) -> None:
        record, bad, _ = ledger_excel.read_cells(self.reg.fields, columns, values, self.cell,
                                                 lambda *problem: self.error(r, *problem), header)
        key = tuple(record[k] for k in self.reg.key)
        if not bad and None not in key:
            if key in self.keys:
                first = self.reg.field(self.reg.key[0])
                self.error(r, first.header, f"与第 {self.keys[key]} 行重复（" +
                           "、".join(self.reg.field(k).label for k in self.reg.key) + "相同），每条只应登记一次",
                           " | ".join(map(str, key)))
                return
            self.keys[key] = r
        self.batch.records.append((r, record))

    def cell(self, f: Field, value: Any) -> Any:
        if f.name == "county" and self.reg.county == "row":
            return ledger_excel.parse_county(value, self.counties)
        fmt = self.reg.format_of(f.name)
        if fmt == "datetime":
            return _datetime_text(value)
        if fmt == "hours":
            text = ledger_excel.fold_width(ledger_excel.cell_text(value)).replace("，", ",").replace(" ", "")
            if not FORMATS["hours"].match(text):
                raise ledger_excel.BadCell("不是时段，应为 " + FORMAT_TEXT["hours"])
            try:
                parse_hours(text)
            except ValueError:
                raise ledger_excel.BadCell("时刻超出范围，应为 " + FORMAT_TEXT["hours"]) from None
            return text
        if "统一社会信用代码" in f.label:
            code = ledger_excel.parse_credit_code(value)
            if problem := ledger_excel.credit_code_problem(code):
                raise ledger_excel.BadCell(problem)
            return code
        return ledger_excel.parse_cell(self.kind, f, value, self.counties)


def _datetime_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        raise ledger_excel.BadCell("缺少时刻，应为 " + FORMAT_TEXT["datetime"])
    m = _DATETIME.match(ledger_excel.fold_width(str(value)).strip())
    if m:
        try:
            moment = datetime(*(int(x) for x in m.groups()))
            return moment.strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    raise ledger_excel.BadCell("不是有效的日期时间，应为 " + FORMAT_TEXT["datetime"])
