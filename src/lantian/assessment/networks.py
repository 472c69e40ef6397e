"""考核点位 — which stations make each official figure, day by day.

One question, asked by every figure (ranking, 序时进度, letters, bulletins, the dashboard's county
values): *which stations make unit U's official figure on day D?* :func:`official_stations`
answers it for the workspace's city, its counties and zones at once, as dated spans.

The rule (⚠ a setting, ``[assessment.networks]`` in ``lantian.toml``; defaults shown)::

    [assessment.networks]
    city = ["national"]             # the city's figure: its 国控 points (city assessment points)
    county = ["county"]             # a county's or zone's figure: its 县控 county assessment points …
    county_fallback = ["national"]  # … or, on a day it has none, the 国控 points inside it
    name = "国控点评价城市、县控点评价区县"

对照点 never enter a figure when hj663.toml ``city_aggregation.stations`` is ``non_control`` (the
default, ☑ the ranking rule: 城市点位不含对照点). 省控, 市控, 乡镇 and 微站 stations are shown on the
dashboard, marked, and enter no official figure unless the setting names their network.

Dates: a station counts for day D when the registry's version of it valid at 00:00 (Beijing) of D
is active, placed in the unit and of a network the rule names for it (and, for a county, when the
county has a county point that day or not). An upgrade from 乡镇 to 县控 on 2019-06-01 therefore
changes the figures from 1 June on only; a station added with ``--since`` counts from that day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import pyarrow as pa
import sqlalchemy as sa

from lantian import db, geography
from lantian.errors import UsageError
from lantian.measurements.stations import NETWORKS, StationVersion, network_name, parse_network
from lantian.standards.evaluation import settings
from lantian.workspace import check_keys

SETTINGS_KEY = "assessment.networks"
#: the first and last day an open span stands for (Arrow date32 needs real days)
BEFORE, AFTER = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


@dataclass(frozen=True)
class NetworkRule:
    """Which networks make which figure (⚠ ``[assessment.networks]``)."""
    city: tuple[str, ...] = ("national",)
    county: tuple[str, ...] = ("county",)
    county_fallback: tuple[str, ...] = ("national",)
    name: str = "默认规则：市级以国控点（不含对照点）评价，区县以县控点评价（无县控点的以辖区内国控点评价）"

    def describe(self) -> str:
        names = lambda ns: "、".join(NETWORKS.get(n, n) for n in ns) or "无"
        fallback = f"（无{names(self.county)}点的，以辖区内{names(self.county_fallback)}点评价）" \
            if self.county_fallback else ""
        return f"市级以{names(self.city)}点评价，区县以{names(self.county)}点评价{fallback}；对照点不参与"


DEFAULT_RULE = NetworkRule()


def network_rule(config: Mapping | None, source: str = "lantian.toml") -> NetworkRule:
    """The workspace's rule (``[assessment.networks]``), else :data:`DEFAULT_RULE`."""
    section = (config or {}).get("assessment", {}).get("networks")
    if not section:
        return DEFAULT_RULE
    check_keys(section, {"city", "county", "county_fallback", "name"}, SETTINGS_KEY, source)
    args = {}
    for key in ("city", "county", "county_fallback"):
        if key not in section:
            continue
        value = section[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{source}: [{SETTINGS_KEY}] {key} must be a list of networks "
                             f"({', '.join(NETWORKS)})")
        codes = []
        for v in value:
            code = parse_network(v)
            if code is None:
                raise UsageError(f"{source}: [{SETTINGS_KEY}] {key}: {v!r} is not a network; expected one of "
                                 + ", ".join(f"{n}/{c}" for c, n in NETWORKS.items()))
            codes.append(code)
        args[key] = tuple(codes)
    if not args.get("city", DEFAULT_RULE.city) or not args.get("county", DEFAULT_RULE.county):
        raise UsageError(f"{source}: [{SETTINGS_KEY}] city and county must each name at least one network")
    rule = NetworkRule(**args)
    return NetworkRule(**args, name=str(section.get("name", f"lantian.toml：{rule.describe()}")))


# --------------------------------------------------------------------------- membership

@dataclass(frozen=True)
class Span:
    """``station`` counts for ``unit`` from ``first`` to ``last`` (days, inclusive; None = open)."""
    unit: str
    station: str
    first: dt.date | None
    last: dt.date | None

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return (self.first is None or self.first <= end) and (self.last is None or self.last >= start)


@dataclass
class Membership:
    """Every unit's assessment stations, dated (:func:`official_stations`)."""
    spans: list[Span]
    names: dict[str, str]                          # unit → name
    levels: dict[str, str]                         # unit → city | county | zone (| province-city)
    stations: dict[str, tuple[str, str]]           # station → (name, network) of its latest version
    rule: NetworkRule
    order: list[str] = field(default_factory=list)  # the units, in order (the city first)

    @property
    def units(self) -> dict[str, list[str]]:
        """unit → every station that ever counts for it (the undated view: who to read from the store)."""
        out: dict[str, list[str]] = {u: [] for u in self.order}
        for s in self.spans:
            out.setdefault(s.unit, [])
            if s.station not in out[s.unit]:
                out[s.unit].append(s.station)
        return {u: sorted(v) for u, v in out.items() if v}

    @property
    def city(self) -> str | None:
        """The workspace's city among the units (None for a province's cities)."""
        return next((u for u in self.order if self.levels.get(u) == "city"), None)

    def local(self) -> "Membership":
        """The counties and zones: every unit but the city."""
        return self.without([self.city])

    def only(self, units: Iterable[str]) -> "Membership":
        keep = set(units)
        return Membership([s for s in self.spans if s.unit in keep], self.names, self.levels, self.stations,
                          self.rule, [u for u in self.order if u in keep])

    def without(self, units: Iterable[str]) -> "Membership":
        drop = set(units)
        return self.only(u for u in self.order if u not in drop)

    def table(self) -> pa.Table:
        """One row per span: unit, station, first, last (date32; open ends as 1900-01-01 / 9999-12-31)."""
        return pa.table({"unit": pa.array([s.unit for s in self.spans], pa.string()),
                         "station": pa.array([s.station for s in self.spans], pa.string()),
                         "first": pa.array([s.first or BEFORE for s in self.spans], pa.date32()),
                         "last": pa.array([s.last or AFTER for s in self.spans], pa.date32())})

    def used(self, unit: str, start: dt.date, end: dt.date) -> list[dict]:
        """The stations that count for ``unit`` on some day of ``start``…``end``: code, name, network and,
        when a station counts for part of the period only, the days it counts."""
        out = []
        for s in sorted((s for s in self.spans if s.unit == unit and s.overlaps(start, end)),
                        key=lambda s: (s.station, s.first or BEFORE)):
            name, network = self.stations.get(s.station, (s.station, ""))
            first = s.first if s.first and s.first > start else None
            last = s.last if s.last and s.last < end else None
            out.append({"code": s.station, "name": name, "network": network, "network_name": network_name(network),
                        "from": None if first is None else first.isoformat(),
                        "to": None if last is None else last.isoformat()})
        return out

    def describe(self, unit: str, start: dt.date, end: dt.date) -> str:
        """The stations in words: 「1727A 长治八中（国控）、…」, or 无考核点位."""
        return describe(self.used(unit, start, end))

    def on(self, day: dt.date) -> dict[str, list[str]]:
        """unit → its stations on ``day``."""
        out: dict[str, list[str]] = {}
        for s in self.spans:
            if s.overlaps(day, day):
                out.setdefault(s.unit, []).append(s.station)
        return {u: sorted(v) for u, v in out.items()}


def describe(used: Sequence[dict]) -> str:
    """:meth:`Membership.used` in words."""
    if not used:
        return "无考核点位"
    def cn(iso: str) -> str:
        d = dt.date.fromisoformat(iso)
        return f"{d.year}年{d.month}月{d.day}日"

    parts = []
    for u in used:
        when = ""
        if u["from"] and u["to"]:
            when = f"，{cn(u['from'])}至{cn(u['to'])}"
        elif u["from"]:
            when = f"，{cn(u['from'])}起"
        elif u["to"]:
            when = f"，至{cn(u['to'])}"
        parts.append(f"{u['code']} {u['name']}（{u['network_name']}{when}）")
    return "、".join(parts)


@dataclass(frozen=True)
class _Version:
    station: str
    name: str
    network: str
    control: bool
    active: bool
    unit: str | None
    unit_name: str | None
    province: str | None
    prefecture: str | None
    first: dt.date | None          # first day this version is the one valid at 00:00
    last: dt.date | None


def _first_day(t: dt.datetime | None) -> dt.date | None:
    """The first day whose 00:00 (Beijing) is at or after ``t``."""
    if t is None:
        return None
    b = db.to_beijing(t)
    return b.date() if b.time() == dt.time(0) else b.date() + dt.timedelta(days=1)


def _last_day(t: dt.datetime | None) -> dt.date | None:
    """The last day whose 00:00 (Beijing) is before ``t``."""
    if t is None:
        return None
    b = db.to_beijing(t)
    return b.date() - dt.timedelta(days=1) if b.time() == dt.time(0) else b.date()


def _versions(s, where) -> list[_Version]:
    V = StationVersion
    out = []
    for v in s.scalars(sa.select(V).where(where).order_by(V.code, V.id)):
        first, last = _first_day(v.valid_from), _last_day(v.valid_to)
        if first is not None and last is not None and first > last:
            continue                                   # replaced before the day it took effect
        out.append(_Version(v.code, v.name, v.network, bool(v.control_point), v.status == "active", v.unit_code,
                            v.unit_name, v.province, v.prefecture, first, last))
    return out


def _segments(versions: list[_Version]) -> list[tuple[dt.date | None, dt.date | None]]:
    """The day ranges on which no version starts or ends: the membership is constant within each."""
    cuts = sorted({v.first for v in versions if v.first} | {v.last + dt.timedelta(days=1) for v in versions if v.last})
    bounds = [None, *cuts, None]
    return [(bounds[i], None if bounds[i + 1] is None else bounds[i + 1] - dt.timedelta(days=1))
            for i in range(len(bounds) - 1)]


def _within(v: _Version, first: dt.date | None, last: dt.date | None) -> bool:
    return (v.first is None or (first is not None and v.first <= first)) and \
        (v.last is None or (last is not None and v.last >= last))


def _resolve(versions: list[_Version], group, choose) -> list[Span]:
    """Spans of (group, station) from the versions: on each segment, ``group(v)`` gives the units a
    version may count for and ``choose(unit, candidates)`` the ones that do; consecutive segments merge."""
    spans: dict[tuple[str, str], list[list]] = {}
    exclude_control = settings()["city_aggregation"]["stations"] == "non_control"
    for first, last in _segments(versions):
        by_unit: dict[str, list[_Version]] = {}
        for v in versions:
            if v.active and not (exclude_control and v.control) and _within(v, first, last):
                for unit in group(v):
                    by_unit.setdefault(unit, []).append(v)
        for unit, candidates in by_unit.items():
            for v in choose(unit, candidates):
                runs = spans.setdefault((unit, v.station), [])
                if runs and runs[-1][1] is not None and first is not None \
                        and runs[-1][1] + dt.timedelta(days=1) == first:
                    runs[-1][1] = last
                else:
                    runs.append([first, last])
    return [Span(unit, station, a, b) for (unit, station), runs in sorted(spans.items()) for a, b in runs]


def _networks(candidates: list[_Version], networks: tuple[str, ...]) -> list[_Version]:
    return [v for v in candidates if v.network in networks]


def official_stations(url: str, config: Mapping | None, city: str | None = None) -> Membership:
    """The assessment stations of the city (``city``, default the workspace's city unit) and of each of
    its counties and zones, dated, by the workspace's rule (:func:`network_rule` of ``config``)."""
    rule = network_rule(config)
    with db.session(url) as s:
        city = city or geography.city_code(s, config)
        versions = _versions(s, StationVersion.unit_code.is_not(None))
        units = {u.code: (u.name, u.kind) for u in geography.units(s)}
    latest = {v.station: (v.name, v.network) for v in versions}

    def choose_county(unit, candidates):
        return _networks(candidates, rule.county) or _networks(candidates, rule.county_fallback)

    counties = _resolve(versions, lambda v: [v.unit], choose_county)
    cities = [] if city is None else _resolve(versions, lambda v: [city], lambda unit, cs: _networks(cs, rule.city))
    names = {code: name for code, (name, _) in units.items()}
    for v in versions:
        names.setdefault(v.unit, v.unit_name or v.unit)
    levels = {code: level for code, (_, level) in units.items()}
    if city is not None:
        levels[city] = "city"
    order = ([city] if city is not None else []) + sorted({sp.unit for sp in counties})
    return Membership(cities + counties, names, levels, latest, rule, order)


def province_cities(url: str, config: Mapping | None, province: str) -> Membership:
    """The province's cities (by the registry's 地级行政区) and their assessment stations, dated: the
    city rule (``city`` networks, 对照点 excluded) applied to each."""
    rule = network_rule(config)
    with db.session(url) as s:
        versions = _versions(s, sa.and_(StationVersion.province == province, StationVersion.prefecture.is_not(None)))
    spans = _resolve(versions, lambda v: [v.prefecture], lambda unit, cs: _networks(cs, rule.city))
    order = sorted({sp.unit for sp in spans})
    return Membership(spans, {u: u for u in order}, {u: "city" for u in order},
                      {v.station: (v.name, v.network) for v in versions}, rule, order)


def fixed(units: Mapping[str, Sequence[str]], stations: Mapping[str, tuple[str, str]] | None = None) -> Membership:
    """A membership without dates (unit → stations), e.g. the cities of a CNEMC site list;
    ``stations``: code → (name, network), to name them."""
    spans = [Span(u, st, None, None) for u, ss in units.items() for st in sorted(set(ss))]
    return Membership(spans, {u: u for u in units}, {u: "city" for u in units}, dict(stations or {}),
                      DEFAULT_RULE, list(units))
