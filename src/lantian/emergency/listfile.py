"""The emergency reduction list (应急减排清单, plan task 22) as a file: the template to fill in, a strict
reader for .xlsx, .xls and .csv (UTF-8 or GBK), and the export — in the same layout, so that an export
re-imports unchanged.

One row per enterprise and pollutant:

| 统一社会信用代码* | 企业名称* | 县区* | 行业* | 绩效等级 | 污染物 | 基准排放量（吨/年） | 数据来源 | 纳入清单* |

An enterprise may take several rows (one per pollutant: SO2, NOx, PM, VOCs); its name, county,
industry, grade and 纳入清单 must then agree. A row without a pollutant only names the enterprise (and
whether it is on the list). The reader checks every row and returns all of them, or raises
:class:`ListImportError` naming, for each problem, the row, the column by its Chinese header and what
was expected — nothing is stored when any row is wrong.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from lantian.emergency.models import POLLUTANTS
from lantian.enterprises import excel as sheetkit
from lantian.enterprises.excel import LedgerImportError, RowError
from lantian.enterprises.kinds import GRADES, INDUSTRIES, Field, Kind
from lantian.sheets import header_block, read_sheets

SHEET = "应急减排清单"
UNRATED = "未评级"

#: the columns, in file order (``Field.header`` is what the file shows)
LIST = Kind("reduction_list", SHEET, (
    Field("credit_code", "统一社会信用代码", required=True),
    Field("name", "企业名称", required=True),
    Field("county", "县区", required=True),
    Field("industry", "行业", "choice", INDUSTRIES, required=True),
    Field("grade", "绩效等级", "choice", (*GRADES, UNRATED)),
    Field("pollutant", "污染物", "choice", POLLUTANTS),
    Field("tonnes", "基准排放量", "float", unit="吨/年", low=0),
    Field("source", "数据来源"),
    Field("listed", "纳入清单", "bool", required=True),
))
#: other spellings offices use for a column
ALIASES = {"所在县区": "county", "县（市、区）": "county", "绩效分级": "grade",
           "排放量（吨/年）": "tonnes", "年排放量（吨）": "tonnes", "纳入应急减排清单": "listed",
           "是否纳入清单": "listed"}
#: pollutant spellings → the stored name
POLLUTANT_NAMES = {"SO2": "SO2", "SO₂": "SO2", "二氧化硫": "SO2", "NOX": "NOx", "NOₓ": "NOx", "氮氧化物": "NOx",
                   "PM": "PM", "颗粒物": "PM", "烟粉尘": "PM", "VOCS": "VOCs", "挥发性有机物": "VOCs"}
#: the columns an enterprise's rows must agree on
SAME = ("name", "county", "industry", "grade", "listed")


class ListImportError(LedgerImportError):
    """A list file with problems: ``errors`` lists every one of them; nothing was imported."""
    subject = "应急减排清单"


@dataclass(frozen=True)
class ListRow:
    row: int
    credit_code: str
    name: str
    county: str                      # adcode
    industry: str
    grade: str | None                # None: 未评级
    pollutant: str | None
    tonnes: str | None               # exact decimal text, t/a
    source: str | None
    listed: bool

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def pollutant_name(text: str) -> str | None:
    """SO2/NOx/PM/VOCs from any usual spelling (二氧化硫, nox, 颗粒物…), None when none."""
    key = sheetkit.fold_width(str(text)).strip().replace(" ", "")
    return POLLUTANT_NAMES.get(key.upper()) or POLLUTANT_NAMES.get(key)


def _keys() -> dict[str, Field]:
    out = {sheetkit.header_key(f.header): f for f in LIST.fields}
    out.update({sheetkit.header_key(k): LIST.field(v) for k, v in ALIASES.items()})
    return out


def _tonnes(value: Any) -> str:
    if isinstance(value, bool):
        raise sheetkit.BadCell("不是数值，应填吨/年")
    text = repr(value) if isinstance(value, float) else sheetkit.fold_width(str(value)).replace(",", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise sheetkit.BadCell("不是数值，应填排放量（吨/年），如 1250.5") from None
    if not number.is_finite() or number < 0:
        raise sheetkit.BadCell("应为不小于 0 的数值（吨/年）")
    return format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")


class _Reader:
    def __init__(self, sheet: str, counties: Mapping[str, str] | None):
        self.sheet, self.counties = sheet, counties
        self.errors: list[RowError] = []
        self.rows: list[ListRow] = []
        self.first: dict[str, tuple[int, dict]] = {}
        self.pairs: dict[tuple[str, str], int] = {}

    def error(self, row: int, column: str, reason: str, value: Any = None) -> None:
        self.errors.append(RowError(self.sheet, row, column, reason, value))

    def header(self, row: int, header: Sequence[Any]) -> dict[int, Field]:
        return sheetkit.header_columns(header, _keys(), LIST.fields,
                                       lambda column, reason: self.error(row, column, reason),
                                       missing=f"缺少必填列，应在第 {row} 行加上这一列的表头")

    def cell(self, f: Field, value: Any) -> Any:
        if f.name == "credit_code":
            code = sheetkit.parse_credit_code(value)
            if problem := sheetkit.credit_code_problem(code):
                raise sheetkit.BadCell(problem)
            return code
        if f.name == "county":
            return sheetkit.parse_county(value, self.counties)
        if f.name == "pollutant":
            found = pollutant_name(sheetkit.cell_text(value))
            if found is None:
                raise sheetkit.BadCell("不是可选的污染物，应为 SO2、NOx、PM、VOCs 之一（也可写二氧化硫、氮氧化物、颗粒物、挥发性有机物）")
            return found
        if f.name == "tonnes":
            return _tonnes(value)
        if f.name == "grade":
            grade = sheetkit.parse_cell(LIST, f, value, None)
            return None if grade == UNRATED else grade
        if f.name in ("name", "source"):
            return sheetkit.cell_text(value)
        return sheetkit.parse_cell(LIST, f, value, None)

    def row(self, r: int, columns: dict[int, Field], values: Sequence[Any], header: Sequence[Any]) -> None:
        record, bad, unread = sheetkit.read_cells(LIST.fields, columns, values, self.cell,
                                                  lambda *problem: self.error(r, *problem), header)
        if record["pollutant"] is not None:
            for name in ("tonnes", "source"):
                if record[name] is None and name not in unread:
                    self.error(r, LIST.field(name).header, f"填了污染物，应同时填写{LIST.field(name).label}")
                    bad = True
        elif record["tonnes"] is not None and "pollutant" not in unread:
            self.error(r, LIST.field("pollutant").header, "填了基准排放量，应写明是哪种污染物（SO2、NOx、PM、VOCs）")
            bad = True
        code = record["credit_code"]
        if code is not None:
            self.agree(r, code, record)
            if record["pollutant"] is not None:
                key = (code, record["pollutant"])
                if key in self.pairs:
                    self.error(r, LIST.field("pollutant").header, f"与第 {self.pairs[key]} 行重复（同一企业同一污染物），"
                                                                  "每家企业每种污染物只填一行", record["pollutant"])
                    bad = True
                else:
                    self.pairs[key] = r
        if not bad:
            self.rows.append(ListRow(row=r, **record))

    def agree(self, r: int, code: str, record: dict) -> None:
        if code not in self.first:
            self.first[code] = (r, record)
            return
        first_row, first = self.first[code]
        for name in SAME:
            if record[name] is not None and first[name] is not None and record[name] != first[name]:
                f = LIST.field(name)
                shown = "未评级" if name == "grade" and record[name] is None else record[name]
                self.error(r, f.header, f"与第 {first_row} 行同一企业的{f.label}不一致（那里是"
                                        f"「{sheetkit.cell_text(first[name])}」），同一企业各行应相同", shown)


def read(path: str | Path, *, counties: Mapping[str, str] | None = None, name: str | None = None) -> list[ListRow]:
    """Every row of a filled template, an export, or a list as an office keeps it (.xlsx, .xls, .csv;
    a title row above the headers and merged header cells are read), or :class:`ListImportError`."""
    path = Path(path)
    shown = name or path.name
    sheets = [sh for sh in read_sheets(path, shown) if sh.title.strip() != sheetkit.NOTES_SHEET]
    wanted = [sh for sh in sheets if sheetkit.fold_width(sh.title.strip()) == SHEET] or sheets[:1]
    if not wanted:
        raise ListImportError(shown, [RowError(shown, 1, "", f"找不到工作表「{SHEET}」，应使用应急减排清单模板")])
    sheet = wanted[0]
    keys = _keys()
    header_row, header, below = header_block(sheet.rows, lambda cell: sheetkit.header_key(cell) in keys)
    reader = _Reader(sheet.title if path.suffix.lower() != ".csv" else shown, counties)
    columns = reader.header(header_row or 1, header)
    if not reader.errors:
        for r, values in below:
            if not all(map(sheetkit.is_blank, values)):
                reader.row(r, columns, values, header)
    if reader.errors:
        raise ListImportError(shown, reader.errors)
    return reader.rows


# ----------------------------------------------------------------------------- writing
def _record(row: Mapping[str, Any], county_names: Mapping[str, str]) -> dict:
    tonnes = row.get("tonnes")
    return {"credit_code": row["credit_code"], "name": row["name"],
            "county": county_names.get(row["county"], row["county"]), "industry": row.get("industry"),
            "grade": row.get("grade") or UNRATED, "pollutant": row.get("pollutant"),
            "tonnes": None if tonnes is None else float(Decimal(str(tonnes))), "source": row.get("source"),
            "listed": bool(row.get("listed"))}


def decimal_text(value: Fraction) -> str:
    """An exact decimal of a baseline (they come from decimals: the denominator divides a power of ten)."""
    number = Decimal(value.numerator) / Decimal(value.denominator)
    return format(number.normalize(), "f")


def write(path: str | Path, rows: Iterable[Mapping[str, Any]], *, counties: Sequence[str] = (),
          county_names: Mapping[str, str] | None = None) -> Path:
    """The list as .xlsx (or .csv when ``path`` ends so) in the template's layout; no rows: the template."""
    path = Path(path)
    records = [_record(r, county_names or {}) for r in rows]
    if path.suffix.lower() == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([sheetkit.header_text(f) for f in LIST.fields])
        for rec in records:
            writer.writerow(["" if rec[f.name] is None else sheetkit.cell_text(rec[f.name]) if f.name != "tonnes"
                             else _number(rec[f.name]) for f in LIST.fields])
        path.write_text(out.getvalue(), encoding="utf-8-sig")
        return path
    wb, notes = sheetkit.one_sheet_workbook(SHEET, LIST, records, counties)
    sheetkit.numbered_notes(notes, "应急减排清单 填写说明", NOTES)
    wb.save(path)
    return path


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return format(Decimal(repr(value)).normalize(), "f")


NOTES = (
    "每行填一家企业的一种污染物：SO2、NOx、PM（颗粒物）、VOCs；同一企业可填多行，企业名称、县区、行业、绩效等级、纳入清单须一致。",
    "只填企业、不填污染物的行，只登记企业和是否纳入清单。",
    "统一社会信用代码 18 位，按 GB 32100-2015 核对校验位；清单中的企业若尚未登记，导入时按本表新建（企业台账中的其他信息不受影响）。",
    "基准排放量填年排放量（吨/年），并在「数据来源」写明出处（排污许可、排放清单、在线监测……）。",
    "「纳入清单」填 是/否：与企业台账的「纳入应急减排清单」是同一项，改一处即两处都改。",
    "绩效等级：A、B、C、D、引领性，或「未评级」。",
    "导入时检查全部行：只要有一处错误，整个文件都不导入，并列出每处错误的行号、列名和原因。",
    "县区用户导入的清单为「待确认」的建议（只能包含本县区企业），由市大气办确认后生效。",
)
