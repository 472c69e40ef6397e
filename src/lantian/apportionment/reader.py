"""The one reader of speciated samples for PMF: a concentration file and an uncertainty file of the
same shape — samples × species, the first column the sample (a date, a date and time, or any
label), the first row the species — as CSV (comma, UTF-8 or GBK), TXT (tab-separated, EPA's
layout) or XLSX (the first sheet). Empty, ``NA``/``NaN`` and ``-999`` cells are missing; lines with
nothing in them are skipped (EPA's Baltimore files end with such lines).

The pair is checked as PMF needs it, and a mistake names the file, line and species:
the two files differ in species, order, samples or shape; a cell is not a number; an uncertainty is
missing where the concentration is given, or is zero or negative. Missing concentrations and the
species' signal are not errors here — :mod:`lantian.apportionment.prepare` decides (PMF practice).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from lantian.errors import InputError
from lantian.sheets import decode_text

MISSING = {"", "na", "nan", "n/a", "-999", "-999.0", "null", "none"}
_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class Matrix:
    path: Path
    header: str                     # the first column's name
    species: list[str]
    labels: list[str]
    lines: list[int]                # the file line (or sheet row) of each sample
    values: list[list[float | None]]


@dataclass
class Dataset:
    conc: Matrix
    unc: Matrix
    times: list[dt.datetime] | None     # None when the samples are not dated

    @property
    def species(self) -> list[str]:
        return self.conc.species

    @property
    def samples(self) -> int:
        return len(self.conc.labels)


def _decode(path: Path, raw: bytes) -> str:
    return decode_text(raw, path, "not UTF-8 or GBK text", expected="a CSV/TXT file in UTF-8 or GBK")


def _rows_text(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = _decode(path, path.read_bytes())
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() == ".txt" or first.count("\t") > first.count(",") else ","
    rows = []
    for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        rows.append((n, row))
    return rows


def _rows_xlsx(path: Path) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:                        # openpyxl raises many kinds for a file that is no workbook
        raise InputError(path, f"not an .xlsx workbook ({type(exc).__name__})", expected="samples × species") from None
    sheet = wb[wb.sheetnames[0]]
    rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
    wb.close()
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value).strip()


def read_matrix(path: str | Path) -> Matrix:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file", expected="a CSV, TXT or XLSX file of samples × species")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise InputError(path, f"unknown format {suffix or '(none)'}", expected=".csv, .txt (tab-separated) or .xlsx")
    raw = _rows_xlsx(path) if suffix == ".xlsx" else _rows_text(path)
    rows = [(n, [_cell(c) for c in r]) for n, r in raw]
    rows = [(n, r) for n, r in rows if any(c for c in r)]
    if len(rows) < 2:
        raise InputError(path, "no samples", expected="a header row of species, then one row per sample")
    header_line, header = rows[0]
    while header and header[-1] == "":
        header.pop()
    species = header[1:]
    if not species:
        raise InputError(path, "no species in the header", line=header_line, expected="sample, species 1, species 2, …")
    seen = set()
    for name in species:
        if not name or name in seen:
            raise InputError(path, f"species {name!r} " + ("repeated" if name else "without a name"), line=header_line,
                             expected="one column per species, each named once")
        seen.add(name)
    labels, lines, values = [], [], []
    for n, r in rows[1:]:
        r = r + [""] * (len(header) - len(r))
        if any(c for c in r[len(header):]):
            raise InputError(path, f"{len(r)} cells, the header has {len(header)}", line=n,
                             expected="one value per species")
        if not r[0]:
            raise InputError(path, "no sample label", line=n, column=header[0], expected="a date or label")
        row = []
        for name, cell in zip(species, r[1:len(header)]):
            if cell.lower() in MISSING:
                row.append(None)
            elif _NUMBER.match(cell) and math.isfinite(float(cell)):
                row.append(float(cell))
            else:
                raise InputError(path, f"not a number: {cell!r}", line=n, column=name,
                                 expected="a number, or an empty cell for a missing value")
        labels.append(r[0])
        lines.append(n)
        values.append(row)
    return Matrix(path, header[0], species, labels, lines, values)


def parse_time(label: str) -> dt.datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(label.strip(), fmt)
        except ValueError:
            continue
    return None


def read_pair(conc_path: str | Path, unc_path: str | Path) -> Dataset:
    """The concentration and uncertainty files, checked against each other."""
    conc, unc = read_matrix(conc_path), read_matrix(unc_path)
    if conc.species != unc.species:
        only_c = [s for s in conc.species if s not in unc.species]
        only_u = [s for s in unc.species if s not in conc.species]
        if only_c or only_u:
            raise InputError(unc.path, "the species differ from the concentration file's: "
                             + "; ".join(x for x in (f"only in {conc.path.name}: {', '.join(only_c)}" if only_c else "",
                                                     f"only in {unc.path.name}: {', '.join(only_u)}" if only_u else "") if x),
                             line=unc.lines[0] - 1 if unc.lines else 1, expected="the same species in the same order")
        first = next(i for i, (a, b) in enumerate(zip(conc.species, unc.species)) if a != b)
        raise InputError(unc.path, f"species in another order: column {first + 2} is {unc.species[first]!r}, "
                         f"the concentration file has {conc.species[first]!r}", line=1,
                         expected="the same species in the same order")
    if len(conc.labels) != len(unc.labels):
        raise InputError(unc.path, f"{len(unc.labels)} samples, the concentration file has {len(conc.labels)}",
                         expected="the same shape: samples × species")
    for i, (a, b) in enumerate(zip(conc.labels, unc.labels)):
        if a != b:
            raise InputError(unc.path, f"sample {b!r}, the concentration file has {a!r} here", line=unc.lines[i],
                             column=unc.header, expected="the same samples in the same order")
    for i, (cv, uv) in enumerate(zip(conc.values, unc.values)):
        for name, c, u in zip(conc.species, cv, uv):
            if u is None and c is not None:
                raise InputError(unc.path, f"no uncertainty for {name} in sample {unc.labels[i]}", line=unc.lines[i],
                                 column=name, expected="an uncertainty > 0 for every measured value")
            if u is not None and u <= 0:
                raise InputError(unc.path, f"uncertainty {u:g} for {name} in sample {unc.labels[i]}", line=unc.lines[i],
                                 column=name, expected="an uncertainty > 0")
    times = [parse_time(x) for x in conc.labels]
    return Dataset(conc, unc, times if all(t is not None for t in times) else None)
