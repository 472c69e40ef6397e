"""The one reader of MEIC's national emissions by sector (Zheng et al., Trends in China's
anthropogenic emissions since 2010 as the consequence of clean air actions, ACP 18, 14095–14111,
2018, Fig. 3 data, as distributed by the CEDS repository): ``DATA/inventory/
Fig3_MEIC_detail_Zheng_etal_2018__<POLLUTANT>.csv`` — a title line, the pollutant line, then
``Unit: Tg,Power,Industry,Residential,Transportation,Solvent Use,Agriculture`` and one line per
year (one file carries an empty first column). Read at run time from the data folder."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lantian.errors import InputError
from lantian.datadir import find_data_dir
from lantian.textfiles import read_text

SECTORS = ("Power", "Industry", "Residential", "Transportation", "Solvent Use", "Agriculture")
SECTOR_NAMES = {"Power": "电力", "Industry": "工业", "Residential": "民用", "Transportation": "交通",
                "Solvent Use": "溶剂使用", "Agriculture": "农业"}
#: the inventory's pollutant → MEIC's file name part
POLLUTANT_OF = {"SO2": "SO2", "NOx": "NOx", "CO": "CO", "VOCs": "NMVOC", "NH3": "NH3", "PM10": "PM10",
                "PM2.5": "PM2_5"}
PATTERN = "Fig3_MEIC_detail_Zheng_etal_2018__{}.csv"


@dataclass
class National:
    tonnes: dict[str, dict[int, dict[str, Fraction]]]      # pollutant → year → sector → Tg
    citation: str

    @property
    def years(self) -> list[int]:
        return sorted({y for by_year in self.tonnes.values() for y in by_year})

    def shares(self, pollutant: str | None, year: int) -> dict[str, Fraction] | None:
        row = self.tonnes.get(pollutant or "", {}).get(year)
        if not row:
            return None
        total = sum(row.values(), Fraction(0))
        return {k: (v / total if total else Fraction(0)) for k, v in row.items()}


def _folder(data: Path | None) -> Path:
    return (Path(data) if data else find_data_dir()) / "inventory"


def read_file(path: Path) -> dict[int, dict[str, Fraction]]:
    text = read_text(path)                  # UTF-8 or GBK; a cut or binary file named (docs/limits.md)
    header, out = None, {}
    for line_no, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        while cells and not cells[0]:
            cells.pop(0)
        if not cells:
            continue
        if cells[0].startswith("Unit:"):
            header = cells[1:len(SECTORS) + 1]
            if tuple(header) != SECTORS:
                raise InputError(path, f"sectors {header}", line=line_no, expected=", ".join(SECTORS))
            continue
        if header is None or not cells[0].isdigit():
            continue
        try:
            out[int(cells[0])] = {s: Fraction(cells[1 + i]) for i, s in enumerate(SECTORS)}
        except (ValueError, IndexError):
            raise InputError(path, f"not a year of numbers: {cells!r}", line=line_no,
                             expected="year,Power,Industry,… in Tg") from None
    if header is None or not out:
        raise InputError(path, "no 'Unit: Tg,Power,…' header or no year rows", expected="the MEIC Fig. 3 layout")
    return out


def read(data: Path | None = None) -> National:
    folder = _folder(data)
    tonnes = {}
    for name in POLLUTANT_OF.values():
        path = folder / PATTERN.format(name)
        if path.is_file():
            tonnes[name] = read_file(path)
    if not tonnes:
        raise InputError(folder, "no MEIC files", expected=PATTERN.format("SO2") + " …")
    citation = ("Zheng, B. et al.: Trends in China's anthropogenic emissions since 2010 as the consequence of clean "
                "air actions, Atmos. Chem. Phys., 18, 14095–14111, 2018 (MEIC, 全国分部门)")
    meta = folder / "Fig3_MEIC_detail_Zheng_etal_2018-metadata.csv"
    if meta.is_file():
        rows = list(csv.reader(meta.read_text(encoding="utf-8-sig").splitlines()))
        if len(rows) > 1 and rows[1]:
            citation = rows[1][-1]
    return National(tonnes, citation)
