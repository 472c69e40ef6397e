"""Tables as offices keep them: an .xlsx workbook, a legacy .xls (Excel 97–2003, read with xlrd) or a
.csv (UTF-8 or GBK), as rows of cell values with their spreadsheet row numbers — one way in for every
room's reader (ledgers, registers, the reduction list, targets).

What offices do to a sheet that a strict "headers in row 1" reader refuses, read here:
- a merged cell carries its value into every cell of its range (a header merged over two rows, an
  enterprise name merged down over its facilities);
- a title row (or a few) above the headers — 「长治市工业企业台账（2023年）」 — is skipped: the header
  row is the row among the first ones whose cells name the most known columns (:func:`header_block`);
- a two-row header (a group cell such as 「基本信息」 over its columns, a merged 「序号」) is read as
  one: each column takes the row whose cell names a known column.
The file's kind is told by its first bytes, not its name (a renamed .xls is still read).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lantian.errors import InputError
from lantian import textfiles
from lantian.textfiles import csv_rows

__all__ = ["IGNORED_HEADERS", "Sheet", "header_block", "read_sheets"]

_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: a column offices add that names nothing to store: read past, never an error
IGNORED_HEADERS = ("序号",)
#: how far down a header row is looked for
HEADER_SEARCH_ROWS = 10


@dataclass
class Sheet:
    title: str
    rows: list[tuple[int, list[Any]]]          # (1-based row number, cell values), blank rows kept


def read_sheets(path: str | Path, shown: str | Path | None = None) -> list[Sheet]:
    """Every sheet of ``path`` (a .csv is one sheet named after the file)."""
    path = Path(path)
    shown = shown or path.name
    data = path.read_bytes()
    if data.startswith(_ZIP):
        return _xlsx(path, shown)
    if data.startswith(_OLE2):
        return _xls(data, shown)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise InputError(shown, "无法读取 Excel 文件（既不是 .xlsx 也不是 .xls 格式）",
                         expected=".xlsx 或 .xls 工作簿，或 .csv 文件")
    rows = csv_rows(shown, textfiles.decode_text(data, shown, nul_ok=True))   # NUL named by field
    return [Sheet(Path(str(shown)).stem, [(i, list(r)) for i, r in enumerate(rows, start=1)])]


def _fill_merged(grid: list[list[Any]], ranges) -> None:
    """(first row, last row, first column, last column), 0-based inclusive: every cell takes the first's value."""
    for r0, r1, c0, c1 in ranges:
        if r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else None
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value


def _xlsx(path: Path, shown) -> list[Sheet]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, data_only=True)     # not read-only: merged ranges are needed
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(shown, f"无法读取 Excel 文件（{type(exc).__name__}）", expected=".xlsx 或 .xls 工作簿") from exc
    try:
        sheets = []
        for ws in wb.worksheets:
            grid = [list(values) for values in ws.iter_rows(values_only=True)]
            _fill_merged(grid, [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1)
                                for m in ws.merged_cells.ranges])
            sheets.append(Sheet(ws.title, [(i, row) for i, row in enumerate(grid, start=1)]))
        return sheets
    finally:
        wb.close()


def _xls(data: bytes, shown) -> list[Sheet]:
    """Excel 97–2003 (BIFF): dates made dates by the workbook's date mode, numbers floats, booleans bools."""
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, …
        raise InputError(shown, f"无法读取 .xls 文件（{type(exc).__name__}: {exc}）",
                         expected="Excel 97–2003 工作簿（.xls）") from exc

    def value(cell):
        kind = cell.ctype
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        if kind == xlrd.XL_CELL_DATE:
            moment = xlrd.xldate_as_datetime(cell.value, book.datemode)
            return moment if moment.time() != dt.time() else dt.datetime.combine(moment.date(), dt.time())
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        return cell.value

    sheets = []
    for sh in book.sheets():
        grid = [[value(sh.cell(r, c)) for c in range(sh.ncols)] for r in range(sh.nrows)]
        _fill_merged(grid, [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells])
        sheets.append(Sheet(sh.name, [(i, row) for i, row in enumerate(grid, start=1)]))
    return sheets


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_block(rows: Sequence[tuple[int, list[Any]]], known: Callable[[Any], bool]
                 ) -> tuple[int, list[Any], list[tuple[int, list[Any]]]]:
    """(the row number of the (last) header row, the header cells, the rows below it).

    The header row is the one of the first :data:`HEADER_SEARCH_ROWS` non-blank rows with the most
    cells ``known`` names (the first on a tie; the first non-blank row when none names any); a row
    just above or below it completes it where its own cell names nothing known — a two-row header."""
    filled = [(k, r) for k, (_, r) in enumerate(rows) if not all(map(_blank, r))]
    if not filled:
        return 0, [], []
    window = filled[:HEADER_SEARCH_ROWS]
    scores = [sum(1 for cell in r if not _blank(cell) and known(cell)) for _, r in window]
    best = scores.index(max(scores))
    at, header = window[best][0], list(window[best][1])
    last = at

    def complete(other: list[Any]) -> bool:
        gaps = [c for c, cell in enumerate(other) if not _blank(cell) and known(cell)
                and not (c < len(header) and not _blank(header[c]) and known(header[c]))]
        if not gaps:
            return False
        for c in gaps:
            if c >= len(header):
                header.extend([None] * (c + 1 - len(header)))
            header[c] = other[c]
        return True

    if max(scores) > 0:
        below = at + 1
        if below < len(rows) and complete(rows[below][1]):
            last = below
        above = at - 1
        if above >= 0:
            complete(rows[above][1])
    return rows[last][0], header, list(rows[last + 1:])
