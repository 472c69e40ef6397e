"""The one geography service: the workspace's city, its counties, districts and zones — their
codes, names, kinds and polygons. Every room asks here; none queries the units' table itself.

Kinds (GB/T 2260 codes; docs/architecture.md "Geography"):

* ``city`` — the prefecture-level city the workspace serves (长治市, ``140400``);
* ``county`` — a county-level unit: a county (县), a county-level city or a district (区) — GB/T 2260
  gives them one level, and so does the assessment (each ranked on its own);
* ``zone`` — a development zone without a polygon (高新区, 经开区), ``<city code>-<slug>``.

No city code lives in code: the workspace knows its city — ``[workspace] city`` in ``lantian.toml``,
else the city unit its boundaries brought (``lantian import stations --boundaries``), else the city
its counties' codes name (GB/T 2260: a county ``140403`` lies in the city ``140400``). So the same
code serves any city.

The units are stored by the station registry (:mod:`lantian.measurements.stations`, which assigns
stations to them); this module is their public face.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import db
from lantian.measurements.stations import AdminUnit

#: the kinds of unit, as stored (a district is a ``county``: see the module docstring)
KINDS = ("city", "county", "zone")
#: the units a county user, a target, an enterprise or a sub-task may belong to
LOCAL = ("county", "zone")
#: GB/T 2260 province-level divisions by the first two digits of a code (the names the station
#: registry writes in its 省份 column)
PROVINCES = {"11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
             "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
             "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
             "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
             "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
             "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区",
             "82": "澳门特别行政区"}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str                    # city | county | zone
    parent: str | None           # the city of a county or zone
    has_polygon: bool


def _unit(row: AdminUnit) -> Unit:
    return Unit(row.code, row.name, row.level, row.parent_code, bool(row.has_polygon))


def _kinds(kinds: Iterable[str] | None) -> tuple[str, ...] | None:
    if kinds is None:
        return None
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown unit kind {unknown[0]!r}; kinds: {', '.join(KINDS)}")
    return kinds


def _query(kinds: Iterable[str] | None):
    q = sa.select(AdminUnit).order_by(AdminUnit.code)
    kinds = _kinds(kinds)
    return q if kinds is None else q.where(AdminUnit.level.in_(kinds))


def units(s: Session, kinds: Iterable[str] | str | None = None) -> list[Unit]:
    """The workspace's units (of ``kinds``, default all), by code."""
    return [_unit(u) for u in s.scalars(_query(kinds))]


def unit(s: Session, code: str | None) -> Unit | None:
    """The unit ``code``, or None when the workspace has none such."""
    row = s.get(AdminUnit, code) if code else None
    return None if row is None else _unit(row)


def kind_of(s: Session, code: str | None) -> str | None:
    """city | county | zone — what ``code`` is; None for an unknown code."""
    found = unit(s, code)
    return None if found is None else found.kind


def names(s: Session, kinds: Iterable[str] | str | None = None) -> dict[str, str]:
    """code → name (what a page or a letter prints: 潞州区, not 140403)."""
    return {u.code: u.name for u in units(s, kinds)}


def lookup(s: Session, kinds: Iterable[str] | str | None = None) -> dict[str, str]:
    """The accepted spellings of a unit in a file or a command — its code and its name — → its code."""
    out: dict[str, str] = {}
    for u in units(s, kinds):
        out[u.code] = out[u.name] = u.code
    return out


def code_of(s: Session, text: str | None, kinds: Iterable[str] | str | None = None) -> str | None:
    """The code of the unit ``text`` names (by code or name), None when none does."""
    return lookup(s, kinds).get((text or "").strip())


def polygons(s: Session, kinds: Iterable[str] | str = ("county",)) -> list[tuple[str, str, dict]]:
    """(code, name, GeoJSON geometry) of the units of ``kinds`` that have a polygon, by code."""
    q = _query(kinds).where(AdminUnit.geometry.is_not(None))
    return [(u.code, u.name, json.loads(u.geometry)) for u in s.scalars(q)]


#: database url → (the units' marker when the city was derived, the city derived): the city a workspace's
#: units name, kept until they change (:func:`_units_marker`)
_derived: dict[str, tuple[tuple, str | None]] = {}


def city_code(s: Session, config: Mapping | None = None) -> str | None:
    """The workspace's city: ``[workspace] city`` of ``config``, else its one city unit, else the city its
    counties' GB/T 2260 codes name; None for a workspace that knows no unit yet. What the units name is
    derived once per database and kept while its units stay as they were (one aggregate query a call
    tells, across processes: an import of boundaries or a new zone invalidates it)."""
    said = _said(config)
    if said:
        return said
    url, marker = db.url_of(s), _units_marker(s)
    kept = _derived.get(url)
    if kept is not None and kept[0] == marker:
        return kept[1]
    code = _derive_city(s)
    _derived[url] = (marker, code)
    return code


def _said(config: Mapping | None) -> str | None:
    """``[workspace] city`` of the settings, if set."""
    said = ((config or {}).get("workspace") or {}).get("city")
    return str(said) if said else None


def _units_marker(s: Session) -> tuple:
    """What changes when the units do: how many there are and when one last changed (every write of a
    unit stamps ``updated_at``, :mod:`lantian.measurements.stations`)."""
    return tuple(s.execute(sa.select(sa.func.count(), sa.func.max(AdminUnit.updated_at))).one())


def _derive_city(s: Session) -> str | None:
    cities = [u.code for u in units(s, "city")]
    if len(cities) == 1:
        return cities[0]
    parents = {u.parent for u in units(s, LOCAL) if u.parent}
    if len(parents) == 1:
        return parents.pop()
    counties = {u.code[:4] + "00" for u in units(s, "county") if len(u.code) == 6 and u.code.isdigit()}
    return counties.pop() if len(counties) == 1 else None


def province_of(s: Session, config: Mapping | None = None) -> str | None:
    """The workspace's province: ``[workspace] province`` of ``config``, else the GB/T 2260 province its
    city's code names (``140400`` → 山西省); None when the city is not known."""
    said = ((config or {}).get("workspace") or {}).get("province")
    if said:
        return str(said)
    city = city_code(s, config)
    return PROVINCES.get(city[:2]) if city and city[:2].isdigit() else None


def city_name(s: Session, config: Mapping | None = None) -> str | None:
    """The workspace's city's name (长治市), None when it knows no city."""
    found = unit(s, city_code(s, config))
    return found.name if found else None


def city_of(url: str, config: Mapping | None = None) -> str | None:
    """:func:`city_code` of the workspace database at ``url`` (no database read when the settings say it)."""
    said = _said(config)
    if said:
        return said
    with db.session(url) as s:
        return city_code(s)
