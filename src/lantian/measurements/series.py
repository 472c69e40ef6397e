"""Queries the later rooms use: hourly and daily series of stations, counties and the city, with coverage.

Daily values follow HJ 663 (:mod:`lantian.measurements.daily`); an area's value is formed from
its evaluation stations (对照点 excluded) as configured (docs/standards.md §8, recorded in ``method``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ibis
import numpy as np
import pyarrow as pa

from lantian.measurements.arith import SCALE
from lantian.measurements.daily import area_days, station_days
from lantian.measurements.frame import _codes
from lantian.measurements.store import HourlySeries, Store
from lantian.standards.evaluation import settings
from lantian.standards.pollutants import POLLUTANTS



@dataclass
class Grid:
    stations: list[str]
    t0: int
    n_hours: int
    table: pa.Table          # s, t, one int64 column per pollutant (× SCALE), null = missing


def grid_of(hourly: pa.Table, start: datetime, end: datetime, stations: list[str] | None = None) -> Grid:
    """The filled station × hour grid of a long hourly table, from ``start`` to ``end`` (labels)."""
    names = sorted(set(stations or []) | set(pa.compute.unique(hourly.column("station")).to_pylist()))
    t0 = int(start.timestamp() // 3600) if start.tzinfo else int((start - datetime(1970, 1, 1)).total_seconds() // 3600)
    t1 = int((end - datetime(1970, 1, 1)).total_seconds() // 3600)
    n = t1 - t0 + 1
    S = len(names)
    secs = pa.compute.cast(hourly.column("time").cast(pa.timestamp("s")), pa.int64()).to_numpy()
    ti = secs // 3600 - t0
    si = _codes(hourly.column("station"), np.array(names, dtype=object))
    values = np.rint(hourly.column("value").to_numpy() * SCALE).astype(np.int64)
    pcodes = _codes(hourly.column("pollutant"), np.array(sorted(POLLUTANTS), dtype=object))
    pol = np.array(sorted(POLLUTANTS), dtype=object)[pcodes] if len(pcodes) else np.array([], dtype=object)
    cols = {"s": pa.array(np.repeat(np.arange(S, dtype=np.int32), n)),
            "t": pa.array(np.tile(np.arange(t0, t0 + n, dtype=np.int64), S))}
    for p in POLLUTANTS:
        grid = np.zeros(S * n, dtype=np.int64)
        mask = np.ones(S * n, dtype=bool)
        sel = (pol == p) & (ti >= 0) & (ti < n)
        pos = si[sel] * n + ti[sel]
        grid[pos] = values[sel]
        mask[pos] = False
        cols[p] = pa.array(grid, mask=mask)
    return Grid(names, t0, n, pa.table(cols))


def grid_expr(hourly, stations: list[str], start: datetime, end: datetime, mask: int):
    """The grid of :func:`grid_of` as an engine expression over the store's long table
    (:meth:`Store.table`), the quality rule's ``mask`` applied: on Spark the values never leave
    the cluster. Stored values carry at most three decimals, so × SCALE rounds exactly."""
    names = sorted(set(stations))
    t0 = int((start - datetime(1970, 1, 1)).total_seconds() // 3600)
    n = int((end - start).total_seconds() // 3600) + 1
    h = hourly.filter(hourly.station.isin(names), hourly.time >= start, hourly.time <= end,
                      (hourly.flag & mask) == 0)
    h = h.select("station", "pollutant", t=(h.time.epoch_seconds() // 3600).cast("int64"),
                 v=(h.value * SCALE).round().cast("int64"))
    null = ibis.null().cast("int64")
    wide = h.group_by(["station", "t"]).aggregate(
        **{p: ibis.ifelse(h.pollutant == p, h.v, null).max() for p in POLLUTANTS})
    codes = ibis.memtable(pa.table({"station": names, "s": pa.array(range(len(names)), pa.int32())}))
    hours = ibis.memtable(pa.table({"t": pa.array(range(t0, t0 + n), pa.int64())}))
    full = codes.cross_join(hours)
    return full.left_join(wide, ["station", "t"]).select(full.s, full.t, *[wide[p] for p in POLLUTANTS])


def _engine_days(store: Store, stations: list[str], first: datetime, last: datetime, con,
                 exclude: list[str] | None):
    """Station-days computed where the store is read (:func:`grid_expr`), with the excluded count."""
    mask, rule = store.exclusion_mask(exclude)
    hourly = store.table(con, start=first, end=last)
    if hourly is None:
        return None, 0, rule
    dropped = hourly.filter(hourly.station.isin(sorted(set(stations))), hourly.time >= first,
                            hourly.time <= last, (hourly.flag & mask) != 0).count()
    return station_days(grid_expr(hourly, stations, first, last, mask)), int(con.execute(dropped)), rule


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    """Hour-ending labels of whole days: start 01:00 … end+1 00:00."""
    return datetime(start.year, start.month, start.day, 1), datetime(end.year, end.month, end.day) + timedelta(days=1)


@dataclass
class DailySeries:
    table: pa.Table              # one row per station (or area) and day; n_* columns are the coverage
    excluded_hours: int          # hourly values the quality rule excluded
    rule: list[str]
    method: str


def station_daily(store: Store, stations: list[str], start: date, end: date, con,
                  exclude: list[str] | None = None) -> DailySeries:
    """HJ 663 daily values of each station, with the hours counted and what the quality rule excluded."""
    first, last = _period(start, end)
    days, excluded, rule, names = _station_days(store, stations, first, last, con, exclude)
    days = con.to_pyarrow(days.order_by(["s", "day"]))
    codes = pa.array(names, pa.string())
    days = days.append_column("station", pa.compute.take(codes, days.column("s")))
    days = days.append_column("date", pa.compute.cast(pa.compute.multiply(days.column("day"), 86400)
                                                      .cast(pa.timestamp("s")), pa.date32()))
    return DailySeries(days, excluded, rule, "station")


def area_daily(store: Store, stations: list[str], start: date, end: date, con,
               exclude: list[str] | None = None) -> DailySeries:
    """An area's (county's, city's) daily values from its evaluation stations ``stations``."""
    first, last = _period(start, end)
    days, excluded, rule, names = _station_days(store, stations, first, last, con, exclude)
    area = con.to_pyarrow(area_days(days, list(range(len(names)))).order_by("day"))
    area = area.append_column("date", pa.compute.cast(pa.compute.multiply(area.column("day"), 86400)
                                                      .cast(pa.timestamp("s")), pa.date32()))
    method = settings()["city_aggregation"]["daily_means"]
    return DailySeries(area, excluded, rule, method)


def _station_days(store: Store, stations: list[str], first: datetime, last: datetime, con,
                  exclude: list[str] | None):
    """The station-days expression of ``stations`` (coded by their sorted order), the values the
    quality rule excluded and the rule, the store read by the engine (an empty store: an empty grid)."""
    days, excluded, rule = _engine_days(store, stations, first, last, con, exclude)
    if days is not None:
        return days, excluded, rule, sorted(set(stations))
    hourly: HourlySeries = store.hourly(stations=stations, start=first, end=last, exclude=exclude)
    grid = grid_of(hourly.table, first, last, stations)
    return station_days(ibis.memtable(grid.table)), hourly.excluded, hourly.rule, grid.stations
