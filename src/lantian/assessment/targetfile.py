"""Annual targets (目标) as a file the office fills in: the template, a strict reader for .xlsx, .xls and
.csv (UTF-8 or GBK) and the export — one row per unit, year and indicator:

| 单位* | 年份* | 指标* | 目标值* | 来源 |

单位 is the city, a county or a zone by name or code; 指标 a known indicator by its name (pm25_mean) or
Chinese label (PM2.5年均浓度); 目标值 within the indicator's range (concentrations > 0, ratios 0–100,
days a whole number); 来源 the document that sets it. English headers (unit, year, indicator, value,
source) are read too. Every bad row is named with its column and what was expected, and nothing is
stored when any row is wrong (:class:`TargetImportError`).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from lantian.assessment.models import INDICATORS
from lantian.assessment.targets import indicator_name, value_problem
from lantian.enterprises import excel as sheetkit
from lantian.enterprises.excel import LedgerImportError, RowError
from lantian.enterprises.kinds import Field, Kind
from lantian.errors import UsageError
from lantian.sheets import header_block, read_sheets

SHEET = "年度目标"
TARGETS = Kind("targets", SHEET, (
    Field("unit", "单位", required=True),
    Field("year", "年份", "int", required=True, low=1901, high=2199),
    Field("indicator", "指标", "choice", tuple(INDICATORS), required=True),
    Field("value", "目标值", "float", required=True),
    Field("source", "来源"),
))
ALIASES = {"unit": "unit", "县区": "unit", "单位名称": "unit", "year": "year", "年度": "year", "indicator": "indicator",
           "指标名称": "indicator", "value": "value", "目标": "value", "source": "source", "目标来源": "source",
           "依据": "source", "文件依据": "source"}


class TargetImportError(LedgerImportError):
    """A targets file with problems: ``errors`` lists every one of them; nothing was imported."""
    subject, nothing = "目标文件", "目标"


@dataclass(frozen=True)
class TargetRow:
    row: int
    unit: str
    year: int
    indicator: str
    value: str
    source: str | None


def _keys() -> dict[str, Field]:
    out = {sheetkit.header_key(f.header): f for f in TARGETS.fields}
    out.update({sheetkit.header_key(k): TARGETS.field(v) for k, v in ALIASES.items()})
    return out


def read(path: str | Path, *, units: Mapping[str, str], name: str | None = None) -> list[TargetRow]:
    """Every row of a targets file, or :class:`TargetImportError`. ``units``: accepted names and codes
    of the city, counties and zones → code."""
    path = Path(path)
    shown = name or path.name
    sheets = [sh for sh in read_sheets(path, shown) if sh.title.strip() != sheetkit.NOTES_SHEET]
    wanted = [sh for sh in sheets if sh.title.strip() == SHEET] or sheets[:1]
    if not wanted:
        raise TargetImportError(shown, [RowError(shown, 1, "", f"找不到工作表「{SHEET}」")])
    sheet = wanted[0]
    title = shown if path.suffix.lower() == ".csv" else sheet.title
    keys = _keys()
    header_row, header, below = header_block(sheet.rows, lambda cell: sheetkit.header_key(cell) in keys)
    errors, rows, seen = [], [], {}
    # header_row is 0 only for an empty sheet, whose header has no cell to refuse: every error is of row 1 then
    columns = sheetkit.header_columns(header, keys, TARGETS.fields,
                                      lambda column, reason: errors.append(RowError(title, header_row or 1, column,
                                                                                    reason)),
                                      missing="缺少必填列，应在表头行加上这一列")
    if errors:
        raise TargetImportError(shown, errors)
    for r, values in below:
        if all(map(sheetkit.is_blank, values)):
            continue
        record, bad, _ = sheetkit.read_cells(TARGETS.fields, columns, values, lambda f, value: _cell(f, value, units),
                                             lambda *problem: errors.append(RowError(title, r, *problem)))
        if bad:
            continue
        number, problem = value_problem(record["indicator"], value_text(values, columns))
        if problem:
            errors.append(RowError(title, r, TARGETS.field("value").header, problem, value_text(values, columns)))
            continue
        key = (record["unit"], record["year"], record["indicator"])
        if key in seen:
            errors.append(RowError(title, r, TARGETS.field("indicator").header,
                                   f"与第 {seen[key]} 行重复（同一单位、年份、指标），每项目标只填一行",
                                   INDICATORS[record["indicator"]]))
            continue
        seen[key] = r
        rows.append(TargetRow(r, record["unit"], record["year"], record["indicator"], str(number),
                              record.get("source")))
    if errors:
        raise TargetImportError(shown, errors)
    return rows


def value_text(values: Sequence[Any], columns: dict[int, Field]) -> str:
    i = next(i for i, f in columns.items() if f.name == "value")
    value = values[i] if i < len(values) else None
    return repr(value) if isinstance(value, float) else sheetkit.fold_width(sheetkit.cell_text(value)).strip()


#: a new workspace has no city or county yet: what to import first (docs/onboarding.md step 2)
NO_UNITS = ("本工作区尚无市和县区，先导入区县边界："
            "lantian import stations 站点.csv --boundaries 区县边界.json")


def _cell(f: Field, value: Any, units: Mapping[str, str]) -> Any:
    if f.name == "unit":
        text = sheetkit.cell_text(value)
        for key in (text, sheetkit.fold_width(text).strip()):
            if key in units:
                return units[key]
        if not units:
            raise sheetkit.BadCell(NO_UNITS)
        shown = "、".join(k for k in units if not k[:1].isdigit())
        raise sheetkit.BadCell(f"不是本市的单位，应为市、县区或园区的名称或代码：{shown}")
    if f.name == "year":
        return sheetkit.parse_cell(TARGETS, f, value, None)
    if f.name == "indicator":
        try:
            return indicator_name(sheetkit.cell_text(value))
        except UsageError:
            raise sheetkit.BadCell("不是已知指标，应为以下之一：" + "、".join(f"{k}（{v}）" for k, v in INDICATORS.items())
                                   ) from None
    if f.name == "value":
        return value
    return sheetkit.cell_text(value)


NOTES = (
    "每行一项目标：单位（市、县区或园区，名称或代码）、年份、指标、目标值、来源（下达目标的文件）。",
    "指标填名称或中文名：" + "；".join(f"{k}（{v}）" for k, v in INDICATORS.items()) + "。",
    "浓度（微克/立方米）应大于0；比例（%）填0–100之间的数值，不带%号；重污染天数填整数。",
    "导入时检查全部行：只要有一处错误，整个文件都不导入，并列出每处错误的行号、列名和原因。",
)


def write(path: str | Path, rows: Iterable[Mapping[str, Any]], *, unit_names: Mapping[str, str] | None = None) -> Path:
    """The targets as .xlsx (or .csv when ``path`` ends so) in the template's layout; no rows: the template."""
    path = Path(path)
    names = unit_names or {}
    records = [{"unit": names.get(r["unit"], r["unit"]), "year": r["year"], "indicator": r["indicator"],
                "value": float(r["value"]), "source": r.get("source")} for r in rows]
    if path.suffix.lower() == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([sheetkit.header_text(f) for f in TARGETS.fields])
        for rec in records:
            writer.writerow([rec["unit"], rec["year"], rec["indicator"], f"{rec['value']:g}", rec["source"] or ""])
        path.write_text(out.getvalue(), encoding="utf-8-sig")
        return path
    wb, notes = sheetkit.one_sheet_workbook(SHEET, TARGETS, records)
    sheetkit.numbered_notes(notes, "年度目标 填写说明", NOTES)
    wb.save(path)
    return path
