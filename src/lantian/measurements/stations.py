"""The station registry: codes, names, coordinates, network, control-point flag, county — with history.

Tables (migration ``0001``): ``admin_units`` (city, counties with their polygon, zones
without one), ``stations`` (one row per code: its current attributes) and
``station_versions`` (the history; a version is valid on ``[valid_from, valid_to)``).

Rules
-----
- **Versions.** Every change — moved coordinates, a new name, stopping, an explicit
  assignment — closes the open version at ``when`` and opens a new one from ``when``;
  nothing is overwritten, so a station that moved or stopped keeps its history and
  :func:`station_at` / :func:`list_stations` (``on=``) answer with the version valid then.
  ``valid_from`` NULL means "since before the registry knew it": the CNEMC list says nothing
  about when a station opened, so an import creates first versions with ``valid_from``
  NULL unless ``effective=`` is given. Changes found by a later import start at
  ``effective`` (default: now).
- **Times** are stored UTC-aware (see :mod:`lantian.db`); a naive datetime passed in is
  Beijing time, a ``date`` is 00:00 Beijing on that day.
- **County.** A station with coordinates is assigned by point in polygon to the county-level
  unit (``admin_units.level == 'county'`` with a polygon) that contains it
  (``assignment='polygon'``, ``county_code``/``county_name``). :func:`assign_zone` sets an
  explicit unit — typically a zone without polygon (高新区 ``140400-gaoxin``, 经开区
  ``140400-jingkai``), or a county when the polygon is wrong near a border — in
  ``zone_code``/``zone_name`` (``assignment='explicit'``). The explicit unit overrides the
  polygon and is kept by later imports and moves until cleared (``assign_zone(code, None)``).
  ``unit_code``/``unit_name`` hold the unit the station counts for (the explicit one, else
  the polygon's); ``county_code`` always keeps the polygon's answer, for information.
  ``list_stations(county=…)`` filters on the unit the station counts for.
- **Network.** Every version names the station's network (站点类别): ``national`` 国控, ``provincial``
  省控, ``city`` 市控, ``county`` 县控, ``township`` 乡镇, ``sensor`` 微站/小型站 (:data:`NETWORKS`),
  besides the control-point flag (对照点). It is dated like every attribute: an upgrade
  (``edit_station(code, network="county", when=…)``) closes the version and opens one from its
  date, so a figure of an earlier day still sees the old network. Which networks make which
  official figure is the assessment's rule (:mod:`lantian.assessment.networks`), not the registry's.
  A CNEMC list has no network column: every station in it is ``national``; an office's own list
  names each row's network in a column ``站点类别`` or ``network`` (Chinese or English names).
- **Audit.** Every change made here — an import, an added, edited, stopped or reassigned
  station — is written to the audit log (:mod:`lantian.audit`) with the state before and after.
- **Import.** :func:`import_stations` reads a CNEMC station list (``NewSiteList`` in UTF-8 or
  the original GBK, ``changzhi_stations.csv``, ``shanxi_stations.csv``: same 8 columns,
  encoding detected: UTF-8 (with or without BOM), else GB18030 ⊇ GBK). Idempotent: an
  unchanged row changes nothing. A station absent from the file is left as it is (files
  may be subsets); a stopped station stays stopped. Atomic: the file is parsed completely
  before anything is written, in one transaction.
- **Bad input.** A missing column → :class:`InputError` at line 1 naming the column. A
  malformed coordinate, control flag, empty code/name or a duplicate code → InputError with
  the line and column: the import is refused (nothing written). Blank or ``-`` coordinates
  are not errors: stored as unknown (no county) and listed in ``ImportSummary.problems``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tomllib
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lantian import audit, db
from lantian.db import Base, UTCDateTime, now_utc, to_utc
from lantian.errors import InputError, UsageError
from lantian.measurements.geo import Area, Boundaries, geometry_polygons, load_geojson
from lantian.textfiles import GBK_NOTE, decode_text_noted

__all__ = [
    "AdminUnit", "ImportSummary", "Station", "StationNotFound", "StationRecord", "StationVersion",
    "COLUMNS", "NETWORKS", "NETWORK_COLUMNS", "ZONES", "network_name", "parse_network", "add_station", "add_zone", "assign_zone", "edit_station", "history",
    "import_stations", "list_stations", "list_units", "load_boundaries", "read_station_list",
    "station_at", "stop_station",
]


# =========================================================================== tables
class AdminUnit(Base):
    __tablename__ = "admin_units"
    __table_args__ = (sa.CheckConstraint("level IN ('city', 'county', 'zone')", name="level"),)

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[str] = mapped_column(sa.String(16))
    parent_code: Mapped[str | None] = mapped_column(sa.String(32), sa.ForeignKey("admin_units.code"))
    has_polygon: Mapped[bool] = mapped_column(sa.Boolean)
    geometry: Mapped[str | None] = mapped_column(sa.Text)   # GeoJSON geometry (Polygon/MultiPolygon)
    source: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class _Attributes:
    """Columns shared by the current row and the versions."""
    name: Mapped[str] = mapped_column(sa.String(128))
    city: Mapped[str | None] = mapped_column(sa.String(64))
    lon: Mapped[float | None] = mapped_column(sa.Double)
    lat: Mapped[float | None] = mapped_column(sa.Double)
    control_point: Mapped[bool] = mapped_column(sa.Boolean)
    network: Mapped[str] = mapped_column(sa.String(16))
    province: Mapped[str | None] = mapped_column(sa.String(64))
    prefecture: Mapped[str | None] = mapped_column(sa.String(64))
    county_code: Mapped[str | None] = mapped_column(sa.String(32))
    county_name: Mapped[str | None] = mapped_column(sa.String(64))
    zone_code: Mapped[str | None] = mapped_column(sa.String(32))
    zone_name: Mapped[str | None] = mapped_column(sa.String(64))
    unit_code: Mapped[str | None] = mapped_column(sa.String(32))
    unit_name: Mapped[str | None] = mapped_column(sa.String(64))
    assignment: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


#: network code → its Chinese name (站点类别)
NETWORKS = {"national": "国控", "provincial": "省控", "city": "市控", "county": "县控", "township": "乡镇",
            "sensor": "微站"}
#: the names a registry file or a command may use for a network
_NETWORK_NAMES = {**{k: k for k in NETWORKS}, **{v: k for k, v in NETWORKS.items()},
                  "国控点": "national", "国家": "national", "国家站": "national", "省控点": "provincial",
                  "市控点": "city", "县控点": "county", "乡镇站": "township", "乡镇点": "township",
                  "小型站": "sensor", "微型站": "sensor", "微站/小型站": "sensor", "micro": "sensor"}
#: the registry-file columns that may hold the network
NETWORK_COLUMNS = ("站点类别", "network")
NETWORK_CHECK = "network IN (" + ", ".join(f"'{k}'" for k in NETWORKS) + ")"


def parse_network(text: str | None) -> str | None:
    """``national`` for 国控/national/…, None when the text names no network."""
    key = (text or "").strip()
    return _NETWORK_NAMES.get(key) or _NETWORK_NAMES.get(key.lower())


def network_name(code: str | None) -> str:
    """国控, 县控, … (the code itself when unknown)."""
    return NETWORKS.get(code or "", code or "—")


def _network_expected() -> str:
    return ", ".join(f"{v}/{k}" for k, v in NETWORKS.items())


def _checks() -> tuple:
    return (sa.CheckConstraint("assignment IN ('polygon', 'explicit', 'none')", name="assignment"),
            sa.CheckConstraint("status IN ('active', 'stopped')", name="status"),
            sa.CheckConstraint(NETWORK_CHECK, name="network"))


class Station(_Attributes, Base):
    __tablename__ = "stations"
    __table_args__ = _checks()

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StationVersion(_Attributes, Base):
    __tablename__ = "station_versions"
    __table_args__ = (
        *_checks(),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="interval"),
        sa.Index("ix_station_versions_code", "code", "valid_from"),
        sa.Index("ix_station_versions_unit_code", "unit_code"),
        sa.Index("uq_station_versions_open", "station_id", unique=True,
                 sqlite_where=sa.text("valid_to IS NULL"), postgresql_where=sa.text("valid_to IS NULL")),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("stations.id"))
    code: Mapped[str] = mapped_column(sa.String(16))
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.String(255))


#: the attributes a registry file (or an edit) sets
ATTRS = ("name", "city", "lon", "lat", "control_point", "network", "province", "prefecture")
#: the attributes the registry derives (assignment) or decides (status)
DERIVED = ("county_code", "county_name", "zone_code", "zone_name", "unit_code", "unit_name",
           "assignment", "status")
STATE = ATTRS + DERIVED

_CITIES = tomllib.loads((Path(__file__).with_name("cities.toml")).read_text(encoding="utf-8"))
#: Zones without a polygon, created with their city's boundaries: ``<city adcode>-<slug>`` (``cities.toml``).
ZONES: dict[str, tuple[tuple[str, str], ...]] = {city: tuple(zones.items()) for city, zones in _CITIES["zones"].items()}
#: Names of parent cities that a DataV ``…_full.json`` names only by adcode (``cities.toml``).
CITY_NAMES: dict[str, str] = dict(_CITIES["names"])
_LEVELS = {"district": "county", "county": "county", "city": "city"}


# =========================================================================== records
@dataclass(frozen=True)
class StationRecord:
    """One version of a station, detached from the database (times aware UTC)."""
    code: str
    name: str
    city: str | None
    lon: float | None
    lat: float | None
    control_point: bool
    network: str
    province: str | None
    prefecture: str | None
    county_code: str | None
    county_name: str | None
    zone_code: str | None
    zone_name: str | None
    unit_code: str | None
    unit_name: str | None
    assignment: str
    status: str
    valid_from: dt.datetime | None
    valid_to: dt.datetime | None = None
    recorded_at: dt.datetime | None = None
    changed_by: str | None = None
    reason: str | None = None
    source: str | None = None

    @classmethod
    def of(cls, row: StationVersion) -> "StationRecord":
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


@dataclass
class ImportSummary:
    """What an import did. Counts are over the file's rows; the assignment counts describe the
    resulting versions (so a repeated import reports the same ones)."""
    file: str
    encoding: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    assigned_by_polygon: int = 0
    assigned_explicitly: int = 0
    unassigned: int = 0
    problems: list[str] = field(default_factory=list)


class StationNotFound(UsageError):
    """No station with this code in the registry."""


# =========================================================================== reading files
#: field → CNEMC column header
COLUMNS = {
    "code": "监测点编码", "name": "监测点名称", "city": "城市", "lon": "经度", "lat": "纬度",
    "control_point": "对照点", "province": "省级行政区", "prefecture": "地级行政区",
}
_UNKNOWN = {"", "-", "—", "--", "NA", "N/A", "null", "NULL", "None"}
_FLAGS = {"y": True, "n": False, "是": True, "否": False, "1": True, "0": False,
          "true": True, "false": False, "yes": True, "no": False}


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM optional), else GB18030 (a superset of GBK/GB2312)."""
    text, note = decode_text_noted(raw, path)
    return text, ("gb18030" if note == GBK_NOTE else "utf-16" if note else "utf-8")


def _coordinate(path, line, column, text, lo, hi, what) -> float | None:
    if text in _UNKNOWN:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InputError(path, f"bad {what} {text!r}", line=line, column=column,
                         expected=f"decimal degrees between {lo} and {hi}, or blank / '-' if unknown")
    return value


def read_station_list(path: str | Path) -> tuple[list[dict], str, list[str]]:
    """Parse a station list: (rows as dicts of :data:`COLUMNS` fields, ``network`` and ``line``), encoding, notes.

    The CNEMC columns are required; a column ``站点类别`` or ``network`` (:data:`NETWORK_COLUMNS`) names
    each row's network (国控/national, 乡镇/township, …); without it every row is ``national``.

    Raises :class:`InputError` on a missing column (line 1), a malformed value or a duplicate code.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(path, "file not found") from exc
    text, encoding = _decode(path, raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError(path, "empty file: no header", line=1, expected=",".join(COLUMNS.values()))
    header = [h.strip().lstrip("\ufeff") for h in header]
    index = {}
    for fname, col in COLUMNS.items():
        if col not in header:
            raise InputError(path, f"missing column {col}", line=1, column=col,
                             expected="a CNEMC station list header: " + ",".join(COLUMNS.values()))
        index[fname] = header.index(col)
    network_col = next((c for c in NETWORK_COLUMNS if c in header), None)
    rows, notes, seen = [], [], {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * (len(header) - len(cells))
        get = {f: cells[i] for f, i in index.items()}
        code = get["code"]
        if not code:
            raise InputError(path, "empty station code", line=line, column=COLUMNS["code"], expected="a code like 1727A")
        if code in seen:
            raise InputError(path, f"station {code} appears twice (first on line {seen[code]})",
                             line=line, column=COLUMNS["code"], expected="one row per station")
        seen[code] = line
        if not get["name"]:
            raise InputError(path, f"station {code} has no name", line=line, column=COLUMNS["name"])
        lon = _coordinate(path, line, COLUMNS["lon"], get["lon"], -180.0, 180.0, "longitude")
        lat = _coordinate(path, line, COLUMNS["lat"], get["lat"], -90.0, 90.0, "latitude")
        if lon is None or lat is None:
            notes.append(f"{path.name}, line {line}: station {code} has no coordinates "
                         "(stored as unknown, no county)")
            lon = lat = None
        flag = _FLAGS.get(get["control_point"].lower())
        if flag is None:
            raise InputError(path, f"bad control-point flag {get['control_point']!r}", line=line,
                             column=COLUMNS["control_point"], expected="Y or N")
        network = "national"                  # a CNEMC list is the national network's
        if network_col is not None:
            cell = cells[header.index(network_col)]
            network = parse_network(cell)
            if network is None:
                raise InputError(path, f"station {code}: {'no' if not cell else 'unknown'} network {cell!r}",
                                 line=line, column=network_col, expected=f"one of {_network_expected()}")
        rows.append({
            "line": line, "code": code, "name": get["name"], "city": get["city"] or None,
            "lon": lon, "lat": lat, "control_point": flag, "network": network,
            "province": get["province"] or None, "prefecture": get["prefecture"] or None,
        })
    return rows, encoding, notes


# =========================================================================== internals
def _polygons(s: Session) -> Boundaries:
    units = s.scalars(select(AdminUnit).where(AdminUnit.level == "county", AdminUnit.geometry.is_not(None)))
    return Boundaries(Area(u.code, u.name, geometry_polygons(json.loads(u.geometry), (u.code, u.name)))
                      for u in units)


def _derive(attrs: dict, polygons: Boundaries, zone: tuple[str, str] | None, status: str) -> dict:
    """The full state of a version: the given attributes plus assignment and status."""
    hit = polygons.assign(attrs.get("lon"), attrs.get("lat"))
    county_code, county_name = hit if hit else (None, None)
    zone_code, zone_name = zone if zone else (None, None)
    if zone_code:
        unit, assignment = (zone_code, zone_name), "explicit"
    elif county_code:
        unit, assignment = (county_code, county_name), "polygon"
    else:
        unit, assignment = (None, None), "none"
    return {**{k: attrs.get(k) for k in ATTRS}, "county_code": county_code, "county_name": county_name,
            "zone_code": zone_code, "zone_name": zone_name, "unit_code": unit[0], "unit_name": unit[1],
            "assignment": assignment, "status": status}


def _state(obj) -> dict:
    return {k: getattr(obj, k) for k in STATE}


def _open_version(s: Session, station: Station) -> StationVersion:
    return s.scalars(select(StationVersion).where(StationVersion.station_id == station.id,
                                                  StationVersion.valid_to.is_(None))).one()


def _new_version(s: Session, station: Station, state: dict, valid_from, changed_by, reason, source, now):
    version = StationVersion(station_id=station.id, code=station.code, valid_from=valid_from, valid_to=None,
                             recorded_at=now, changed_by=changed_by, reason=reason, source=source, **state)
    s.add(version)
    for k, v in state.items():
        setattr(station, k, v)
    station.valid_from = valid_from
    station.updated_at = now
    return version


def _change(s: Session, station: Station, state: dict, when: dt.datetime, changed_by, reason, source, now):
    """Close the open version at ``when`` and open one with ``state`` (no-op if nothing changes)."""
    current = _open_version(s, station)
    if _state(current) == state:
        return current, False
    if current.valid_from is not None and when < current.valid_from:
        raise UsageError(f"station {station.code}: a change at {db.to_beijing(when):%Y-%m-%d %H:%M} (Beijing) is "
                         f"before its current version (from {db.to_beijing(current.valid_from):%Y-%m-%d %H:%M}); "
                         "changes are recorded in time order")
    current.valid_to = when
    s.flush()  # the open-version index allows one open version per station
    return _new_version(s, station, state, when, changed_by, reason, source, now), True


def _station(s: Session, code: str) -> Station:
    station = s.scalars(select(Station).where(Station.code == code)).one_or_none()
    if station is None:
        raise StationNotFound(f"no station {code!r} in the registry")
    return station


def _zone_of(version) -> tuple[str, str] | None:
    return (version.zone_code, version.zone_name) if version.zone_code else None


def _when(when) -> dt.datetime:
    return to_utc(when) if when is not None else now_utc()


# =========================================================================== boundaries
def load_boundaries(url, path: str | Path, *, changed_by: str = "cli") -> list[str]:
    """Store the areas of a DataV GeoJSON as admin units (upsert); the codes stored.

    Districts/counties become ``county`` units with their polygon; ``city`` features become
    city units. The parent city of the counties is created if absent (named from
    :data:`CITY_NAMES`), with its zones without polygon (:data:`ZONES`). Station assignments
    are recomputed on the next import or edit.
    """
    areas = load_geojson(path)
    db.upgrade(url)
    with db.session(url) as s:
        return _store_areas(s, areas, Path(path).name)


def _store_areas(s: Session, areas: list[Area], source: str) -> list[str]:
    now = now_utc()
    stored = []
    existing = {u.code: u for u in s.scalars(select(AdminUnit))}

    def upsert(code, name, level, parent, geometry):
        unit = existing.get(code)
        if unit is None:
            unit = existing[code] = AdminUnit(code=code)
            s.add(unit)
        unit.name, unit.level, unit.parent_code = name, level, parent
        unit.has_polygon = geometry is not None
        unit.geometry = json.dumps(geometry, ensure_ascii=False, separators=(",", ":")) if geometry else None
        unit.source, unit.updated_at = source, now
        stored.append(code)

    parents = {a.parent_code for a in areas if _LEVELS.get(a.level or "district") == "county" and a.parent_code}
    for parent in sorted(parents):
        if parent not in existing:
            upsert(parent, CITY_NAMES.get(parent, parent), "city", None, None)
        for zcode, zname in ZONES.get(parent, ()):
            if zcode not in existing:
                upsert(zcode, zname, "zone", parent, None)
    s.flush()
    for a in areas:
        level = _LEVELS.get(a.level or "district")
        if level is None:
            raise InputError(source, f"{a.name} ({a.code}) has level {a.level!r}", expected="district or city features")
        parent = a.parent_code if a.parent_code in existing else None
        upsert(a.code, a.name, level, parent, a.geometry)
    return stored


def add_zone(url, code: str, name: str, parent_code: str | None = None) -> None:
    """Add (or rename) a unit without polygon, e.g. a development zone."""
    db.upgrade(url)
    with db.session(url) as s:
        unit = s.get(AdminUnit, code) or AdminUnit(code=code)
        unit.name, unit.level, unit.parent_code, unit.has_polygon = name, "zone", parent_code, False
        unit.updated_at = now_utc()
        s.add(unit)


def list_units(url, level: str | None = None) -> list[tuple[str, str, str, str | None, bool]]:
    """Admin units as (code, name, level, parent_code, has_polygon), by code."""
    with db.session(url) as s:
        q = select(AdminUnit).order_by(AdminUnit.code)
        if level:
            q = q.where(AdminUnit.level == level)
        return [(u.code, u.name, u.level, u.parent_code, u.has_polygon) for u in s.scalars(q)]


# =========================================================================== import
def import_stations(url, path: str | Path, boundaries: str | Path | None = None, changed_by: str = "cli",
                    *, effective: dt.datetime | dt.date | None = None) -> ImportSummary:
    """Load a CNEMC station list into the registry (migrating the database first).

    ``boundaries``: a DataV GeoJSON loaded first (:func:`load_boundaries`); assignment uses
    every county polygon stored so far. ``effective``: when the file's changes take effect
    (default: now; new stations then get an unknown start, see the module notes).
    """
    path = Path(path)
    rows, encoding, notes = read_station_list(path)
    areas = load_geojson(boundaries) if boundaries is not None else None
    summary = ImportSummary(file=str(path), encoding=encoding, rows=len(rows), problems=list(notes))
    db.upgrade(url)
    now = now_utc()
    when = to_utc(effective) if effective is not None else now
    first_from = to_utc(effective) if effective is not None else None
    reason, source = f"导入{path.name}", path.name[:255]
    with db.session(url) as s:
        if areas is not None:
            _store_areas(s, areas, Path(boundaries).name)
            s.flush()
        polygons = _polygons(s)
        current = {st.code: st for st in s.scalars(select(Station))}
        opened = {v.station_id: v for v in s.scalars(select(StationVersion).where(StationVersion.valid_to.is_(None)))}
        fresh: list[tuple[Station, dict]] = []
        moved: dict[str, tuple] = {}                       # code → (unit, how) of a station whose unit changed
        for row in rows:
            station = current.get(row["code"])
            if station is None:
                state = _derive(row, polygons, None, "active")
                station = Station(code=row["code"], created_at=now, updated_at=now, valid_from=first_from, **state)
                s.add(station)
                fresh.append((station, state))
                summary.added += 1
            else:
                version = opened[station.id]
                state = _derive(row, polygons, _zone_of(version), version.status)
                if _state(version) == state:
                    summary.unchanged += 1
                else:
                    if version.unit_code != state["unit_code"]:
                        moved[station.code] = (state["unit_code"], state["assignment"])
                    _change(s, station, state, when, changed_by, reason, source, now)
                    summary.updated += 1
            summary.assigned_by_polygon += state["assignment"] == "polygon"
            summary.assigned_explicitly += state["assignment"] == "explicit"
            summary.unassigned += state["assignment"] == "none"
        s.flush()
        for station, state in fresh:
            _new_version(s, station, state, first_from, changed_by, reason, source, now)
        if summary.added or summary.updated:
            assigned = {st.code: (state["unit_code"], state["assignment"]) for st, state in fresh
                        if state["unit_code"]}               # which county/zone each new station counts for
            assigned.update(moved)
            audit.record(s, actor=changed_by, action="import", entity="station_registry", entity_id=path.name[:128],
                         after={"file": path.name, "added": summary.added, "updated": summary.updated,
                                "assignments": dict(sorted(assigned.items())),
                                "effective": None if effective is None else str(effective),
                                "networks": dict(sorted(Counter(r["network"] for r in rows).items()))})
    return summary


# =========================================================================== edits
def add_station(url, code: str, name: str, lon: float | None = None, lat: float | None = None, *,
                network: str, city: str | None = None, control_point: bool = False, province: str | None = None,
                prefecture: str | None = None, zone_code: str | None = None,
                when: dt.datetime | dt.date | None = None, changed_by: str = "cli",
                reason: str | None = None) -> StationRecord:
    """Add a new station of ``network`` (国控/national, 乡镇/township, …), valid from ``when`` (default
    now — give the day it started measuring when its past data is to count); county by polygon
    unless ``zone_code``."""
    attrs = _checked({"name": name, "city": city, "lon": lon, "lat": lat, "control_point": control_point,
                      "network": network, "province": province, "prefecture": prefecture})
    now, start = now_utc(), _when(when)
    with db.session(url) as s:
        if s.scalars(select(Station).where(Station.code == code)).one_or_none() is not None:
            raise UsageError(f"station {code!r} already exists: edit it instead")
        zone = _unit(s, zone_code) if zone_code else None
        state = _derive(attrs, _polygons(s), zone, "active")
        station = Station(code=code, created_at=now, updated_at=now, valid_from=start, **state)
        s.add(station)
        s.flush()
        version = _new_version(s, station, state, start, changed_by, reason or "新增", None, now)
        _audit(s, "add", version, None, state, changed_by)
        return StationRecord.of(version)


def _audit(s: Session, action: str, version: StationVersion, before: dict | None, after: dict, actor: str) -> None:
    """The change in the audit log: the attributes that changed, before and after, and from when."""
    keys = [k for k in STATE if before is None or before.get(k) != after.get(k)]
    audit.record(s, actor=actor, action=action, entity="station", entity_id=version.code,
                 before=None if before is None else {k: before.get(k) for k in keys},
                 after={**{k: after.get(k) for k in keys},
                        "valid_from": None if version.valid_from is None else version.valid_from.isoformat(),
                        "reason": version.reason},
                 scope_unit=after.get("unit_code"))


def _checked(changes: dict) -> dict:
    unknown = set(changes) - set(ATTRS) - {"status"}
    if unknown:
        raise UsageError(f"cannot edit {', '.join(sorted(unknown))}: editable are {', '.join(ATTRS)}, status")
    out = dict(changes)
    for key, lo, hi in (("lon", -180, 180), ("lat", -90, 90)):
        if out.get(key) is not None:
            v = float(out[key])
            if not (math.isfinite(v) and lo <= v <= hi):
                raise UsageError(f"{key} {out[key]!r} is not between {lo} and {hi}")
            out[key] = v
    if "name" in out and not (out["name"] or "").strip():
        raise UsageError("a station needs a name")
    if "control_point" in out:
        out["control_point"] = bool(out["control_point"])
    if "status" in out and out["status"] not in ("active", "stopped"):
        raise UsageError("status is 'active' or 'stopped'")
    if "network" in out:
        network = parse_network(out["network"])
        if network is None:
            raise UsageError(f"network {out['network']!r} is not one of {_network_expected()}")
        out["network"] = network
    return out


def _unit(s: Session, code: str) -> tuple[str, str]:
    unit = s.get(AdminUnit, code)
    if unit is None or unit.level == "city":
        known = ", ".join(f"{u.code} {u.name}" for u in s.scalars(
            select(AdminUnit).where(AdminUnit.level != "city").order_by(AdminUnit.code)))
        raise UsageError(f"no county or zone {code!r} (known: {known or 'none — load boundaries first'})")
    return unit.code, unit.name


def edit_station(url, code: str, *, reason: str | None = None, when: dt.datetime | dt.date | None = None,
                 changed_by: str = "cli", **changes) -> StationRecord:
    """Change attributes (``name``, ``city``, ``lon``, ``lat``, ``control_point``, ``network``,
    ``province``, ``prefecture``, ``status``) from ``when`` (default now): a new version — an upgrade
    from 乡镇 to 县控 counts from its date on only; the county is recomputed from the polygons (an
    explicit assignment stays). Nothing changes → no version."""
    changes = _checked(changes)
    now, at = now_utc(), _when(when)
    with db.session(url) as s:
        station = _station(s, code)
        current = _open_version(s, station)
        attrs = {**{k: getattr(current, k) for k in ATTRS}, **changes}
        state = _derive(attrs, _polygons(s), _zone_of(current), changes.get("status", current.status))
        before = _state(current)
        version, changed = _change(s, station, state, at, changed_by, reason, None, now)
        if changed:
            _audit(s, "edit", version, before, state, changed_by)
        return StationRecord.of(version)


def stop_station(url, code: str, when: dt.datetime | dt.date, reason: str, changed_by: str = "cli") -> StationRecord:
    """The station stops at ``when``: its open version closes, a 'stopped' version opens."""
    with db.session(url) as s:
        if _open_version(s, _station(s, code)).status == "stopped":
            raise UsageError(f"station {code} is already stopped")
    return edit_station(url, code, status="stopped", when=when, reason=reason, changed_by=changed_by)


def assign_zone(url, code: str, zone_code: str | None, *, when: dt.datetime | dt.date | None = None,
                reason: str | None = None, changed_by: str = "cli") -> StationRecord:
    """Assign the station explicitly to a unit (a zone such as ``140400-gaoxin``, or a county),
    overriding the polygon from ``when`` (default now); ``zone_code=None`` returns it to the polygon."""
    now, at = now_utc(), _when(when)
    with db.session(url) as s:
        station = _station(s, code)
        zone = _unit(s, zone_code) if zone_code else None
        current = _open_version(s, station)
        state = _derive({k: getattr(current, k) for k in ATTRS}, _polygons(s), zone, current.status)
        before = _state(current)
        version, changed = _change(s, station, state, at, changed_by,
                                   reason or (f"指定归属{zone[1]}" if zone else "按坐标归属区县"), None, now)
        if changed:
            _audit(s, "assign", version, before, state, changed_by)
        return StationRecord.of(version)


# =========================================================================== queries
def _valid_at(t: dt.datetime):
    V = StationVersion
    return sa.and_(sa.or_(V.valid_from.is_(None), V.valid_from <= t), sa.or_(V.valid_to.is_(None), V.valid_to > t))


def list_stations(url, county: str | None = None, on: dt.datetime | dt.date | None = None,
                  include_stopped: bool = False) -> list[StationRecord]:
    """Stations as they were at ``on`` (default: now, the open versions), by code.

    ``county``: the code or name of the unit the stations count for (a county, or a zone for
    explicitly assigned stations). ``on`` as a date means 00:00 Beijing that day.
    """
    V = StationVersion
    q = select(V).order_by(V.code)
    q = q.where(V.valid_to.is_(None)) if on is None else q.where(_valid_at(to_utc(on)))
    if county is not None:
        q = q.where(sa.or_(V.unit_code == str(county), V.unit_name == str(county)))
    if not include_stopped:
        q = q.where(V.status == "active")
    with db.session(url) as s:
        return [StationRecord.of(v) for v in s.scalars(q)]


def station_at(url, code: str, when: dt.datetime | dt.date) -> StationRecord | None:
    """The version of ``code`` valid at ``when`` (None if the registry has none then, e.g. before it was added)."""
    V = StationVersion
    with db.session(url) as s:
        _station(s, code)
        v = s.scalars(select(V).where(V.code == code, _valid_at(to_utc(when)))).one_or_none()
        return StationRecord.of(v) if v is not None else None


def history(url, code: str) -> list[StationRecord]:
    """Every version of ``code``, oldest first."""
    V = StationVersion
    with db.session(url) as s:
        _station(s, code)
        return [StationRecord.of(v) for v in s.scalars(select(V).where(V.code == code).order_by(V.id))]


def codes(rows: Iterable[StationRecord]) -> list[str]:
    return [r.code for r in rows]
