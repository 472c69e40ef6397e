"""The city dashboard (首页): one day's AQI per station and per county, and the last 30 days.

What it shows
-------------
- Each station's HJ 663 daily values and daily AQI (:func:`lantian.measurements.series.station_daily`),
  control points (对照点) included and marked.
- Each county's (or zone's) daily value: the mean of its assessment stations' daily values on that
  day — the stations :func:`lantian.assessment.networks.official_stations` names, dated (县控 points,
  else the 国控 points inside it; 对照点 excluded) — by docs/standards.md §8 ⚠ ``city_aggregation``
  (``mean_of_station_daily_values``, ``min_valid_stations``), rounded by GB/T 8170, the AQI
  recomputed from the means — exactly :func:`lantian.measurements.series.area_daily` over those
  stations (the tests hold the two equal on every county-day).
- Every other station (省控, 市控, 乡镇, 微站 …) is shown with its own AQI, marked by its network and
  ``official: false``; it never enters a county's value.
- The category (级别, 类别, colour) of HJ 633 Table 2 (2012) / Table 1 (2026) for the rule set
  in force on the day (:func:`lantian.standards.rulesets.ruleset_for`).

Scope: ``stations`` are the stations the caller may see, already scoped by role; nothing
here widens it — counties are formed only from the stations passed in.

Time: with no ``day``, the latest day ≤ ``as_of`` on which any of the stations has a valid
daily AQI (docs/architecture.md "Time": data pages default to the latest date that has data).

Speed: the daily table of a set of stations is computed once for their whole stored period
and cached per (store, manifest version, stations and their county membership); any day is
then answered from the cache with dictionary look-ups. A new import (new manifest version)
or a changed assignment makes a new key.
"""
from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

import duckdb
import ibis
import pyarrow as pa

from lantian.measurements import aqi as vaqi
from lantian.measurements.arith import half_even_div
from lantian.measurements.daily import DAY0, daily_aqi
from lantian.measurements.series import station_daily
from lantian.measurements.store import Store
from lantian.standards.aqi import category
from lantian.standards.evaluation import settings
from lantian.standards.rulesets import SWITCH_2026, ruleset_for
from lantian.assessment.networks import DEFAULT_RULE
from lantian.measurements.stations import network_name

__all__ = ["dashboard", "clear_cache", "SERIES_DAYS"]

#: length of the trend series, days ending at the shown day
SERIES_DAYS = 30
#: cached station sets (a city user, each county user, …)
CACHE_SIZE = 64

_AREA_COLUMNS = ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "O3_1h_max")
_METHODS = {
    "mean_of_station_daily_values": ("区县值为所辖评价点日均值的算术平均（对照点不参与），再按均值计算AQI",
                                     "county value = mean of its stations' daily values (control points "
                                     "excluded), AQI computed from the means"),
    "daily_mean_of_city_hourly": ("区县值为所辖评价点小时值均值的日均值（对照点不参与），再计算AQI",
                                  "county value = daily mean of the hourly means of its stations (control "
                                  "points excluded), AQI computed from it"),
}


# =========================================================================== cache
@dataclass(frozen=True)
class _Daily:
    """The daily values of one set of stations over their whole stored period."""
    days: list[date]                                   # days with a valid AQI at any station, sorted
    stations: dict[str, dict[date, tuple]]             # code → day → (aqi, primary, pm25)
    units: dict[str, dict[date, tuple]]                # unit → day → (aqi, primary, pm25, n_valid)
    method: str
    seconds: float                                     # time the computation took


_cache: "OrderedDict[tuple, _Daily]" = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached daily table (tests; after a store is replaced wholesale)."""
    with _lock:
        _cache.clear()


#: a span of a station counting for a unit: (unit, code, first day, last day) as day numbers
_Span = tuple[str, str, int, int]
_OPEN = (-(10 ** 6), 10 ** 7)


def _day(d: date | None, default: int) -> int:
    return default if d is None else (d - DAY_EPOCH).days


DAY_EPOCH = date(1970, 1, 1)


def _spans(stations: list[Any], members) -> tuple[_Span, ...]:
    """The county (zone) spans of the visible ``stations``: from ``members`` (a
    :class:`~lantian.assessment.networks.Membership`, dated) when given, else the default rule on the
    stations' own records, undated — the units of the visible stations only, never the city."""
    codes = {s.code for s in stations}
    units = {getattr(s, "unit_code", None) for s in stations} - {None}
    if members is None:
        non_control = settings()["city_aggregation"]["stations"] == "non_control"
        found = []
        for unit in sorted(units):
            mine = [s for s in stations if s.unit_code == unit and getattr(s, "status", "active") == "active"
                    and not (non_control and s.control_point)]
            pick = [s for s in mine if getattr(s, "network", "national") in DEFAULT_RULE.county] or \
                [s for s in mine if getattr(s, "network", "national") in DEFAULT_RULE.county_fallback]
            found += [(unit, s.code, *_OPEN) for s in pick]
        return tuple(sorted(found))
    return tuple(sorted((sp.unit, sp.station, _day(sp.first, _OPEN[0]), _day(sp.last, _OPEN[1]))
                        for sp in members.spans if sp.unit in units and sp.station in codes))


def _members(stations: Iterable[Any], spans: tuple[_Span, ...] = ()) -> dict[str, tuple[str, ...]]:
    """unit code → the codes of every station that counts for it on some day (each visible unit listed)."""
    out: dict[str, set[str]] = {getattr(st, "unit_code"): set() for st in stations
                                if getattr(st, "unit_code", None) is not None}
    for unit, code, *_ in spans:
        out.setdefault(unit, set()).add(code)
    return {u: tuple(sorted(c)) for u, c in sorted(out.items())}


def _on(spans: tuple[_Span, ...], unit: str | None, day: date) -> list[str]:
    """The codes counting for ``unit`` (any unit when None) on ``day``."""
    n = (day - DAY_EPOCH).days
    return sorted({code for u, code, a, b in spans if (unit is None or u == unit) and a <= n <= b})


def _stored_period(store: Store, codes: list[str]) -> tuple[date, date] | None:
    """First and last day (hour-ending labels: 00:00 belongs to the day before) of the stations' values."""
    files = store.files()
    if not files or not codes:
        return None
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        lo, hi = con.execute(
            f"SELECT min(time), max(time) FROM read_parquet({[str(f) for f in files]!r}, hive_partitioning = true) "
            "WHERE station IN (SELECT unnest(?))", [list(codes)]).fetchone()
    finally:
        con.close()
    if lo is None:
        return None
    return (lo - timedelta(hours=1)).date(), (hi - timedelta(hours=1)).date()


def _unit_days(days: pa.Table, names: list[str], spans: tuple[_Span, ...], con) -> pa.Table:
    """Every unit's daily values in one query: :func:`lantian.measurements.daily.area_days`
    grouped by unit as well as day (same sums, counts, GB/T 8170 rounding, ``min_valid_stations``
    and :func:`~lantian.measurements.daily.daily_aqi`), so one compiled expression serves all units;
    a station enters a unit's day only on the days its span covers."""
    index = {u: i for i, u in enumerate(names)}
    p = ibis.memtable(pa.table({"u": pa.array([index[u] for u, *_ in spans], pa.int64()),
                                "member": pa.array([c for _, c, *_ in spans], pa.string()),
                                "first": pa.array([a for *_, a, _ in spans], pa.int64()),
                                "last": pa.array([b for *_, b in spans], pa.int64())}))
    t = ibis.memtable(days.drop_columns(["date"]))
    d = t.join(p, (t.station == p.member) & (t.day >= p["first"]) & (t.day <= p["last"]))
    d = d.select("u", "day", "s", *_AREA_COLUMNS)
    aggs = {}
    for c in _AREA_COLUMNS:
        aggs[f"sum_{c}"] = d[c].sum()
        aggs[f"n_{c}"] = d[c].count()
    a = d.group_by(["u", "day"]).aggregate(n_stations=d.s.nunique(), **aggs)
    need = settings()["city_aggregation"]["min_valid_stations"]
    a = a.mutate(**{c: ibis.ifelse(a[f"n_{c}"] >= need, half_even_div(a[f"sum_{c}"], a[f"n_{c}"]), vaqi.NULL_INT)
                    for c in _AREA_COLUMNS})
    out = daily_aqi(a).drop(*[f"sum_{c}" for c in _AREA_COLUMNS])
    return con.to_pyarrow(out.order_by(["u", "day"]))


def _compute(store: Store, codes: tuple[str, ...], members: dict[str, tuple[str, ...]], spans, con) -> _Daily:
    t0 = time.perf_counter()
    method = settings()["city_aggregation"]["daily_means"]
    period = _stored_period(store, list(codes))
    stations: dict[str, dict[date, tuple]] = {c: {} for c in codes}
    units: dict[str, dict[date, tuple]] = {u: {} for u in members}
    if period is None:
        return _Daily([], stations, units, method, time.perf_counter() - t0)
    series = station_daily(store, list(codes), period[0], period[1], con)
    t = series.table
    valid: set[date] = set()
    for code, day, a, primary, pm25 in zip(t.column("station").to_pylist(), t.column("date").to_pylist(),
                                           t.column("AQI").to_pylist(), t.column("primary").to_pylist(),
                                           t.column("PM2_5").to_pylist()):
        if code not in stations:
            continue
        if a is not None or pm25 is not None:
            stations[code][day] = (a, primary, pm25)
        if a is not None:
            valid.add(day)
    if spans:
        names = list(members)
        u = _unit_days(t, names, spans, con)
        # n_valid: the unit's stations that day with a valid daily AQI
        for ui, day, a, primary, pm25 in zip(u.column("u").to_pylist(), u.column("day").to_pylist(),
                                             u.column("AQI").to_pylist(), u.column("primary").to_pylist(),
                                             u.column("PM2_5").to_pylist()):
            d = date.fromordinal(DAY0 + day)
            unit = names[ui]
            n_valid = sum(1 for c in _on(spans, unit, d) if stations[c].get(d, (None,))[0] is not None)
            if a is not None or pm25 is not None:
                units[unit][d] = (a, primary, pm25, n_valid)
    return _Daily(sorted(valid), stations, units, method, time.perf_counter() - t0)


def _daily(store: Store, stations: list[Any], spans: tuple[_Span, ...], con) -> _Daily:
    codes = tuple(sorted({s.code for s in stations}))
    members = _members(stations, spans)
    key = (str(store.root.resolve()), store.manifest().get("version", 0), codes, spans)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        value = _compute(store, codes, members, spans, con)
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return value


# =========================================================================== answer
def _category(value: int | None, day: date) -> dict:
    cat = category(value, ruleset_for(day).aqi_version) if value is not None else None
    if cat is None:
        return {"level": None, "category": "无数据", "colour": "#bfbfbf"}
    return {"level": cat.level, "category": cat.name, "colour": cat.hex}


def _rule(day: date, method: str, networks: str) -> str:
    """The rule behind the page's numbers, in Chinese (the page's reader is an official)."""
    rs = ruleset_for(day)
    std = "HJ 633—2012" if rs.aqi_version == 2012 else "HJ 633—2026"
    evaluation = rs.evaluation.replace("HJ663-", "HJ 663—")
    zh, _ = _METHODS.get(method, (f"区县值：{method}（对照点不参与）", ""))
    switch = f"（{SWITCH_2026:%Y-%m-%d}起按HJ 633—2026）" if rs.aqi_version == 2012 else ""
    return (f"日AQI按{std}计算{switch}，日均值按{evaluation}；{zh}。评价点位：{networks}；"
            "其他站点（省控、市控、乡镇、微站）仅展示，不参与区县评价。")


def dashboard(store: Store, stations: list, day: date | None, con, as_of: date | None = None,
              members=None) -> dict:
    """The dashboard of ``day`` (None: the latest day ≤ ``as_of`` with a valid daily AQI) for ``stations``.

    ``stations``: :class:`~lantian.measurements.stations.StationRecord` (or objects with ``code``,
    ``name``, ``control_point``, ``network``, ``unit_code``, ``unit_name``) the caller may see.
    ``members``: the workspace's assessment stations (:func:`lantian.assessment.networks.official_stations`,
    dated) that form the county values; without it, the default rule on the stations' own records.
    ``con``: the Ibis backend (:func:`lantian.measurements.engine.connect`). ``as_of``: the
    workspace's as-of date (default today). Returns a JSON-serialisable dict (see the module notes
    and ``tests/monitoring/test_dashboard.py``); values of a day without data are ``None``.
    """
    as_of = as_of or date.today()
    stations = list(stations)
    spans = _spans(stations, members)
    daily = _daily(store, stations, spans, con)
    i = bisect.bisect_right(daily.days, as_of)
    latest = daily.days[i - 1] if i else None
    first = daily.days[0] if daily.days and daily.days[0] <= as_of else None
    shown = day or latest or as_of
    previous = shown - timedelta(days=1)

    official = set(_on(spans, None, shown))
    if members is not None:                         # the city's own points count too, for the city's figure
        official |= {sp.station for sp in members.spans if sp.overlaps(shown, shown)}
    rows = []
    for st in sorted(stations, key=lambda s: (getattr(s, "unit_code", None) or "~", s.code)):
        today = daily.stations.get(st.code, {}).get(shown, (None, None, None))
        before = daily.stations.get(st.code, {}).get(previous, (None, None, None))
        rows.append({"code": st.code, "name": st.name,
                     "county_code": getattr(st, "unit_code", None), "county_name": getattr(st, "unit_name", None),
                     "control_point": bool(st.control_point), "network": getattr(st, "network", None),
                     "network_name": network_name(getattr(st, "network", None)), "official": st.code in official,
                     "aqi": today[0], "aqi_previous": before[0], **_category(today[0], shown),
                     "primary": today[1], "pm25": today[2]})

    names: dict[str, str] = {}
    for st in stations:
        if getattr(st, "unit_code", None) is not None:
            names.setdefault(st.unit_code, getattr(st, "unit_name", None) or st.unit_code)
    members_of = _members(stations, spans)
    counties = []
    for unit in members_of:
        today = daily.units.get(unit, {}).get(shown, (None, None, None, 0))
        before = daily.units.get(unit, {}).get(previous, (None, None, None, 0))
        on_day = _on(spans, unit, shown)
        counties.append({"code": unit, "name": names[unit], "aqi": today[0], "aqi_previous": before[0],
                         **_category(today[0], shown), "primary": today[1], "pm25": today[2],
                         "n_stations": len(on_day), "n_valid": today[3], "stations": on_day})

    dates = [shown - timedelta(days=k) for k in range(SERIES_DAYS - 1, -1, -1)]
    series = {"dates": [d.isoformat() for d in dates],
              "counties": {unit: [daily.units.get(unit, {}).get(d, (None,))[0] for d in dates] for unit in members_of}}
    iso = lambda d: d.isoformat() if d else None
    return {"date": shown.isoformat(), "previous": previous.isoformat(), "latest": iso(latest), "first": iso(first),
            "as_of": as_of.isoformat(), "ruleset": ruleset_for(shown).id, "method": daily.method,
            "stations": rows, "counties": counties, "series": series,
            "rule": _rule(shown, daily.method, (members.rule if members is not None else DEFAULT_RULE).describe())}
