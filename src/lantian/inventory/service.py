"""What the inventory's pages, API and CLI show and do — and what other rooms read of it.

Who sees what: the city-wide roles (office, admin, departments, inspectors, viewers) the whole
inventory; a county only its own county's rows (another county's: 404); an enterprise only its own
sources. Building or importing an inventory is the city office's (admins too); every build and
import is audited.

Other rooms read the inventory through :func:`baseline`, :func:`city_total` and
:func:`reduction_inputs` (the emergency reduction list): one fact — when a current inventory of
the year exists its numbers are used and named, never beside typed ones.
"""
from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian import audit
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.inventory.models import POLLUTANTS, Inventory, InventoryRow
from lantian.inventory.rows import Row, decimal_text, months_rounded
from lantian.inventory.tables import Tables, load
from lantian.standards.rounding import round_half_even
from lantian.db import url_of
from lantian.emergency.series import read_csv
from lantian.enterprises import service as ledgers
from lantian.errors import InputError
from lantian.inventory import meic
from lantian.inventory.build import build, county_names
from lantian.inventory.tables import plain
from lantian.measurements.facility import FacilityStore

MANAGE = policy.OFFICE
CITY_WIDE = policy.CITY_WIDE


# --------------------------------------------------------------------------- access
def _may_manage(scope: Scope) -> None:
    if scope.who.role not in MANAGE:
        raise Forbidden("排放清单由市大气办编制 (the city office builds and imports the inventory)")


def _visible(scope: Scope, q):
    role = scope.who.role
    if role in CITY_WIDE:
        return q
    if role == "county":
        return q.where(InventoryRow.county_code == scope.unit)
    if role == "enterprise":
        return q.where(InventoryRow.enterprise_id == (scope.who.enterprise_id or -1))
    return q.where(sa.false())


def check_county(scope: Scope, county: str | None) -> None:
    """A county filter outside the caller's scope does not exist (404)."""
    if county and scope.who.role == "county" and county != scope.unit:
        raise NotFound(f"no county {county!r}")


# --------------------------------------------------------------------------- storing
def _store(s: Session, year: int, rows: list[Row], *, origin: str, settings: dict, coverage: dict, actor: str,
           source_file: str | None = None) -> Inventory:
    for old in s.scalars(sa.select(Inventory).where(Inventory.year == year, Inventory.state == "current")):
        old.state = "superseded"
    inv = Inventory(year=year, state="current", origin=origin, source_file=source_file,
                    settings=json.dumps(settings, ensure_ascii=False, default=str),
                    coverage=json.dumps(coverage, ensure_ascii=False), built_by=actor, built_at=now_utc())
    s.add(inv)
    s.flush()
    records = []
    for r in rows:
        months = months_rounded(r.monthly)
        records.append({"inventory_id": inv.id, "sector": r.sector, "county_code": r.county,
                        "enterprise_id": r.enterprise_id, "facility": r.facility, "source": r.source[:255],
                        "pollutant": r.pollutant, "tonnes": decimal_text(sum(months, Fraction(0))),
                        "monthly": json.dumps([decimal_text(m) for m in months]), "method": r.method,
                        "activity": r.activity, "factor": r.factor, "data_source": r.data_source[:255],
                        "uncertainty": r.uncertainty, "attrs": json.dumps(r.attrs, ensure_ascii=False, default=str)})
    for i in range(0, len(records), 2000):
        s.execute(sa.insert(InventoryRow), records[i:i + 2000])
    return inv


def build_inventory(s: Session, scope: Scope, year: int, *, root: Path | None, measurements: Path | None,
                    config: dict | None = None) -> dict:
    """编制 the inventory of ``year`` from the ledgers, registers, fire points and CEMS series; it becomes
    the year's current inventory (the previous one is kept, superseded)."""
    _may_manage(scope)
    if not 1900 < year < 2200:
        raise UsageError(f"year {year}: 1901–2199")
    tables = load(root, config)
    built = build(s, year, tables, measurements, config)
    inv = _store(s, year, built.rows, origin="built", settings=tables.settings(), coverage=built.coverage(),
                 actor=scope.who.username)
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="build", entity="inventory",
                 entity_id=str(inv.id), after={"year": year, "rows": len(built.rows), **built.counts})
    return summary(s, scope, year, tables=tables)


def import_rows(s: Session, scope: Scope, year: int, rows: list[Row], *, source_file: str, root: Path | None = None,
                config: dict | None = None) -> dict:
    """An inventory compiled elsewhere (a consultant's workbook in the export layout) becomes the year's
    current inventory, as it is."""
    _may_manage(scope)
    tables = load(root, config)
    unknown = sorted({r.sector for r in rows} - set(tables.sectors))
    if unknown:
        raise UsageError(f"{source_file}: sector code(s) {', '.join(unknown)} are not in the sector tree "
                         f"(docs/inventory.md; a workspace adds sectors in WORKSPACE/inventory/sectors.toml)")
    inv = _store(s, year, rows, origin="imported", settings={"imported_from": source_file},
                 coverage={"sectors": {}, "counts": {"rows": len(rows)}, "imported": True}, actor=scope.who.username,
                 source_file=source_file)
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="import", entity="inventory",
                 entity_id=str(inv.id), after={"year": year, "rows": len(rows), "file": source_file})
    return summary(s, scope, year, tables=tables)


# --------------------------------------------------------------------------- reading
def current(s: Session, year: int) -> Inventory | None:
    return s.scalar(sa.select(Inventory).where(Inventory.year == year, Inventory.state == "current"))


def years(s: Session) -> list[int]:
    return list(s.scalars(sa.select(Inventory.year).where(Inventory.state == "current").order_by(Inventory.year.desc())))


def year_or_latest(s: Session, asked: int | None, as_of_year: int) -> int:
    """The year asked; else the as-of year if it has an inventory; else the latest year that has one
    (data defaults to where there is data, docs/architecture.md "Time"); else the as-of year."""
    if asked:
        return asked
    found = years(s)
    return as_of_year if as_of_year in found or not found else found[0]


def inventories(s: Session) -> list[dict]:
    """Every inventory kept, newest first, with its row count."""
    counts = dict(s.execute(sa.select(InventoryRow.inventory_id, sa.func.count()).group_by(InventoryRow.inventory_id)).all())
    return [{"id": i.id, "year": i.year, "state": i.state, "origin": i.origin, "label": label(i), "rows": counts.get(i.id, 0),
             "built_by": i.built_by, "built_at": to_beijing(i.built_at).isoformat(timespec="minutes"),
             "source_file": i.source_file}
            for i in s.scalars(sa.select(Inventory).order_by(Inventory.id.desc()))]


def factor_tables(root: Path | None = None, config: dict | None = None) -> dict:
    """The factors, removal efficiencies and parameters in force, each with its source and class."""
    t = load(root, config)
    return {"factors": [{"key": f.key, "label": f.label, "unit": f.unit, "activity": f.activity, "class": f.klass,
                         "verified": f.verified, "source": f.source, "origin": f.origin,
                         "values": {p: (v.text() if hasattr(v, "text") else plain(v)) for p, v in f.values.items()}}
                        for f in t.factors.values()],
            "controls": [{"field": c.field, "pollutants": list(c.pollutants), "values": plain(c.values),
                          "class": c.klass, "source": c.source} for c in t.controls],
            "parameters": [{"name": p.name, "label": p.label, "value": plain(p.value), "unit": p.unit,
                            "class": p.klass, "source": p.source, "overridden": p.overridden}
                           for p in t.parameters.values()],
            "files": list(t.overrides)}


def label(inv: Inventory) -> str:
    """How every number taken from ``inv`` names its source."""
    when = to_beijing(inv.built_at).date().isoformat()
    how = "编制" if inv.origin == "built" else "导入"
    return f"排放清单{inv.year}（第{inv.id}号，{when}{how}）"


def _current_or_404(s: Session, year: int) -> Inventory:
    inv = current(s, year)
    if inv is None:
        raise NotFound(f"no inventory for {year}: build it with `lantian inventory build --year {year}`")
    return inv


def stored_rows(s: Session, scope: Scope, inv: Inventory, *, county: str | None = None, sector: str | None = None,
                pollutant: str | None = None) -> list[InventoryRow]:
    check_county(scope, county)
    q = _visible(scope, sa.select(InventoryRow).where(InventoryRow.inventory_id == inv.id))
    if county:
        q = q.where(InventoryRow.county_code == county)
    if sector:
        q = q.where(sa.or_(InventoryRow.sector == sector, InventoryRow.sector.like(f"{sector}.%")))
    if pollutant:
        q = q.where(InventoryRow.pollutant == pollutant)
    return list(s.scalars(q.order_by(InventoryRow.id)))


def _t(x: Fraction) -> float:
    """Tonnes as shown: three decimals, half even (GB/T 8170)."""
    return float(round_half_even(x, 3))


def summary(s: Session, scope: Scope, year: int, *, county: str | None = None, tables: Tables | None = None,
            root: Path | None = None, config: dict | None = None) -> dict:
    """The year's current inventory as the caller may see it: totals by pollutant, county, sector
    (each level) and month, the share by uncertainty class, the coverage and the label."""
    inv = _current_or_404(s, year)
    tables = tables or load(root, config)
    rows = stored_rows(s, scope, inv, county=county)
    names = _county_names(s)
    total = defaultdict(Fraction)
    by_county = defaultdict(lambda: defaultdict(Fraction))
    by_sector = defaultdict(lambda: defaultdict(Fraction))
    by_month = defaultdict(lambda: [Fraction(0)] * 12)
    by_class = defaultdict(lambda: defaultdict(Fraction))
    for r in rows:
        t = Fraction(r.tonnes)
        total[r.pollutant] += t
        by_county[r.county_code or "—"][r.pollutant] += t
        parts = r.sector.split(".")
        for i in range(1, len(parts) + 1):
            by_sector[".".join(parts[:i])][r.pollutant] += t
        months = by_month[r.pollutant]
        for i, m in enumerate(json.loads(r.monthly)):
            months[i] += Fraction(m)
        by_class[r.pollutant][r.uncertainty] += t
    sectors = []
    for code in sorted(by_sector, key=lambda c: [int(x) for x in c.split(".")]):
        sectors.append({"code": code, "name": tables.sector_name(code), "level": code.count(".") + 1,
                        "tonnes": {p: _t(by_sector[code][p]) for p in POLLUTANTS}})
    counties = [{"code": c, "name": names.get(c, c), "tonnes": {p: _t(v[p]) for p in POLLUTANTS}}
                for c, v in sorted(by_county.items())]
    classes = {p: {k: float(round_half_even(v / total[p] * 100, 1)) if total[p] else 0.0
                   for k, v in sorted(by_class[p].items())} for p in POLLUTANTS}
    return {"year": year, "inventory_id": inv.id, "label": label(inv), "origin": inv.origin,
            "built_at": to_beijing(inv.built_at).isoformat(timespec="minutes"), "built_by": inv.built_by,
            "scope": "city" if scope.city_wide else (scope.unit or "enterprise"), "county": county,
            "rows": len(rows), "pollutants": list(POLLUTANTS), "unit": "t/a",
            "total": {p: _t(total[p]) for p in POLLUTANTS},
            "counties": counties, "sectors": sectors,
            "months": {p: [_t(m) for m in by_month[p]] for p in POLLUTANTS},
            "uncertainty_percent": classes, "coverage": json.loads(inv.coverage),
            "settings": json.loads(inv.settings)}


def row_json(r: InventoryRow, tables: Tables, names: dict) -> dict:
    return {"id": r.id, "sector": r.sector, "sector_path": " / ".join(x.name for x in tables.path(r.sector)),
            "county": r.county_code, "county_name": names.get(r.county_code or "", r.county_code),
            "enterprise_id": r.enterprise_id, "facility": r.facility, "source": r.source, "pollutant": r.pollutant,
            "tonnes": float(Fraction(r.tonnes)), "monthly": [float(Fraction(m)) for m in json.loads(r.monthly)],
            "method": r.method, "activity": r.activity, "factor": r.factor, "data_source": r.data_source,
            "uncertainty": r.uncertainty}


def detail(s: Session, scope: Scope, year: int, *, county: str | None = None, sector: str | None = None,
           pollutant: str | None = None, root: Path | None = None, config: dict | None = None,
           limit: int | None = None) -> dict:
    """The rows behind the numbers, each with its method, activity, factor, source and class."""
    if pollutant and pollutant not in POLLUTANTS:
        raise UsageError(f"pollutant {pollutant!r}: one of {', '.join(POLLUTANTS)}")
    inv = _current_or_404(s, year)
    tables = load(root, config)
    names = _county_names(s)
    rows = stored_rows(s, scope, inv, county=county, sector=sector, pollutant=pollutant)
    rows.sort(key=lambda r: -Fraction(r.tonnes))
    shown = rows if limit is None else rows[:limit]
    return {"year": year, "label": label(inv), "count": len(rows),
            "rows": [row_json(r, tables, names) for r in shown]}


def _county_names(s: Session) -> dict[str, str]:
    return county_names(url_of(s))


# --------------------------------------------------------------------------- other rooms read
def _pollutant(name: str, config: dict | None, root: Path | None = None) -> str:
    """The inventory's pollutant for another room's name (the reduction list's 颗粒物 PM → ⚠ PM10)."""
    if name == "PM":
        return load(root, config).param("emergency_pm")
    return name


def baseline(s: Session, enterprise_id: int, pollutant: str, year: int,
             config: dict | None = None) -> tuple[Fraction, str] | None:
    """An enterprise's emission of ``pollutant`` (t/a) in the year's current inventory, with its source
    label; None when there is no inventory for the year."""
    inv = current(s, year)
    if inv is None:
        return None
    p = _pollutant(pollutant, config)
    values = s.scalars(sa.select(InventoryRow.tonnes).where(InventoryRow.inventory_id == inv.id,
                                                            InventoryRow.enterprise_id == enterprise_id,
                                                            InventoryRow.pollutant == p))
    return sum((Fraction(v) for v in values), Fraction(0)), label(inv)


def city_total(s: Session, pollutant: str, year: int, config: dict | None = None) -> tuple[Fraction, str] | None:
    """The city's total emission of ``pollutant`` (t/a) in the year's current inventory, with its label."""
    inv = current(s, year)
    if inv is None:
        return None
    p = _pollutant(pollutant, config)
    values = s.scalars(sa.select(InventoryRow.tonnes).where(InventoryRow.inventory_id == inv.id,
                                                            InventoryRow.pollutant == p))
    return sum((Fraction(v) for v in values), Fraction(0)), label(inv)


def reduction_inputs(s: Session, year: int, enterprise_ids, pollutants, config: dict | None = None) -> dict | None:
    """Everything the reduction list reads, from the year's current inventory — or None when there is
    none (then the list uses its typed values): each enterprise's baseline and the city totals per
    pollutant, each as (tonnes, source label), and the label."""
    inv = current(s, year)
    if inv is None:
        return None
    name = label(inv)
    mapped = {p: _pollutant(p, config) for p in pollutants}
    sums = defaultdict(Fraction)
    totals = defaultdict(Fraction)
    q = sa.select(InventoryRow.enterprise_id, InventoryRow.pollutant, InventoryRow.tonnes).where(
        InventoryRow.inventory_id == inv.id, InventoryRow.pollutant.in_(set(mapped.values())))
    for eid, pollutant, tonnes in s.execute(q):
        t = Fraction(tonnes)
        totals[pollutant] += t
        if eid is not None:
            sums[(eid, pollutant)] += t
    ids = list(enterprise_ids)
    source = {p: f"{name}：{p}" + (f"（按{mapped[p]}）" if mapped[p] != p else "") for p in pollutants}
    return {"label": name, "inventory_id": inv.id,
            "baselines": {e: {p: (sums[(e, mapped[p])], source[p]) for p in pollutants} for e in ids},
            "totals": {p: (totals[mapped[p]], source[p]) for p in pollutants}}


# --------------------------------------------------------------------------- MEIC
def compare_meic(s: Session, scope: Scope, year: int, *, data: Path | None = None, meic_year: int | None = None,
                 root: Path | None = None, config: dict | None = None) -> dict:
    """The city's sector shares beside MEIC's national shares (Zheng et al., ACP 2018), per pollutant:
    the city's rows mapped to MEIC's six sectors by the sector tree; sources outside MEIC (fugitive
    dust, open burning) are left out of the shares and shown apart."""
    tables = load(root, config)
    national = meic.read(data)
    chosen = meic_year or min(max(national.years), year)
    if chosen not in national.years:
        raise UsageError(f"MEIC covers {min(national.years)}–{max(national.years)}; no {chosen}")
    inv = _current_or_404(s, year)
    rows = stored_rows(s, scope, inv)
    city = defaultdict(lambda: defaultdict(Fraction))
    outside = defaultdict(Fraction)
    for r in rows:
        m = next((x.meic for x in reversed(tables.path(r.sector)) if x.meic is not None), "")
        if m:
            city[r.pollutant][m] += Fraction(r.tonnes)
        else:
            outside[r.pollutant] += Fraction(r.tonnes)
    out = []
    for p in POLLUTANTS:
        nat = national.shares(meic.POLLUTANT_OF.get(p), chosen)
        if nat is None:
            continue
        mine = sum(city[p].values(), Fraction(0))
        sectors = []
        for sector in meic.SECTORS:
            share = city[p][sector] / mine * 100 if mine else None
            sectors.append({"sector": sector, "name": meic.SECTOR_NAMES[sector], "city_t": _t(city[p][sector]),
                            "city_percent": None if share is None else float(round_half_even(share, 1)),
                            "national_percent": float(round_half_even(nat[sector] * 100, 1)),
                            "difference_pp": None if share is None else
                            float(round_half_even(share - nat[sector] * 100, 1))})
        all_t = mine + outside[p]
        out.append({"pollutant": p, "meic_pollutant": meic.POLLUTANT_OF[p], "sectors": sectors,
                    "compared_t": _t(mine), "outside_meic_t": _t(outside[p]),
                    "outside_meic_percent": float(round_half_even(outside[p] / all_t * 100, 1)) if all_t else None})
    return {"year": year, "meic_year": chosen, "label": label(inv), "source": national.citation,
            "note": "MEIC不含扬尘与露天焚烧：这两类不计入比较，单列“MEIC未含”；国家为全国总量占比。",
            "pollutants": out}


# --------------------------------------------------------------------------- CEMS series
def import_series(s: Session, scope: Scope, path: Path, measurements: Path) -> dict:
    """CEMS (and 用电监控) hourly series into the measurement store (``facility,time,metric,value,unit``,
    the facility named ``统一社会信用代码:编号`` — a ledger facility or outlet). A series naming nothing
    in the ledger is refused with its line; nothing is stored then. Importing the same file twice
    changes nothing."""
    import pyarrow.compute as pc

    _may_manage(scope)
    table = read_csv(path)
    codes = {e["credit_code"]: e["id"] for e in ledgers.credit_codes(s)}
    known = {(f.enterprise_id, f.code) for f in ledgers.facts(s, scope.enterprises(s))}
    names = table.column("facility").to_pylist()
    for i, name in enumerate(names):
        credit, _, code = name.partition(":")
        if (codes.get(credit), code) not in known:
            line = _line_of(path, name)
            raise InputError(path, f"facility {name!r} is not in the ledger", line=line, column="facility",
                             expected="统一社会信用代码:设施或排放口编号 of an enterprise in the ledger")
    stored = FacilityStore(measurements).ingest(table)
    if stored.new or stored.changed:                  # the same file again changes nothing, so records nothing
        audit.record(s, actor=scope.who.username, role=scope.who.role, action="import", entity="facility_series",
                     entity_id=path.name, after={**stored.as_dict(), "facilities": sorted(set(names))})
    return {"file": str(path), "facilities": sorted(set(names)),
            "metrics": sorted(set(pc.unique(table.column("metric")).to_pylist())), **stored.as_dict()}


def _line_of(path: Path, name: str) -> int | None:
    """The first line of ``path`` naming ``name`` (for the error message)."""
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if line.split(",", 1)[0].strip() == name:
                return n
    except (OSError, UnicodeDecodeError):
        return None
    return None
