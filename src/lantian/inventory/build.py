"""编制 — one inventory from what the workspace holds: the ledgers (with their CEMS series), the
registers and the fire points, through those rooms' services. Returns the rows and the coverage —
what each source group used and what it could not use, and why."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lantian.inventory import area, burning, point
from lantian.inventory.cems import MeasuredMonths
from lantian.inventory.rows import Note, Row
from lantian.inventory.tables import Tables
from lantian.accounts.scope import Scope
from lantian.db import url_of
from lantian.enterprises import service as ledgers


@dataclass
class Built:
    year: int
    rows: list[Row]
    notes: list[Note]
    counts: dict[str, int]
    tables: Tables

    def coverage(self) -> dict:
        """Per first-level sector: rows made and the notes; sectors with neither are not covered."""
        out = {}
        for code, sector in sorted(self.tables.sectors.items(), key=lambda kv: [int(x) for x in kv[0].split(".")]):
            if sector.level != 1:
                continue
            made = sum(1 for r in self.rows if r.sector.split(".")[0] == code)
            notes = [n.as_dict() for n in self.notes if n.sector.split(".")[0] == code]
            out[code] = {"name": sector.name, "rows": made, "notes": notes,
                         "status": "covered" if made and not notes else "partial" if made else "not covered"}
        return {"sectors": out, "counts": self.counts}


def county_names(url: str) -> dict[str, str]:
    """The workspace's counties and zones, code → name (the geography)."""
    return dict(Scope.office(url, "inventory").units())


def build(s, year: int, tables: Tables, measurements: Path | None, config: dict | None = None) -> Built:
    url = url_of(s)
    names = county_names(url)
    office = Scope.office(url, "inventory")
    facts = ledgers.facts(s, office.enterprises(s))
    codes = {e["credit_code"]: e["id"] for e in ledgers.credit_codes(s)}
    measured = MeasuredMonths.load(measurements, year, facts, codes, tables) if measurements else MeasuredMonths.none()
    rows, notes = point.facility_rows(facts, year, tables, measured)
    reg = area.Registers(s)
    for collect in (area.residential, area.vehicles, area.nonroad, area.construction, area.roads, area.bare_land,
                    area.catering, area.agriculture):
        made, why = collect(reg, year, tables, names)
        rows += made
        notes += why
    made, why = area.solvents(reg, year, tables, names, codes)
    rows += made
    notes += why
    made, why = burning.straw_rows(burning.fire_points(s, url, year, config), year, tables, names)
    rows += made
    notes += why
    for code in ("8", "9"):
        notes.append(Note(code, tables.sector_name(code), "lantian尚无该类源的台账（未覆盖）"))
    counts = {"facilities": len({(r.enterprise_id, r.facility) for r in rows if r.facility}),
              "cems_series": len(measured.series), "rows": len(rows)}
    return Built(year, rows, notes, counts, tables)
