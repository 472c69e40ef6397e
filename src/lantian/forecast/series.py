"""The daily values a forecast is made from: each unit's official daily values (the assessment
room's :func:`~lantian.assessment.statistics.area_daily_units` — HJ 663 daily means of the unit's
assessment stations, the AQI by HJ 633 — so a forecast and its verification speak of the same
figure the rankings use), as one pandas frame per unit on a complete calendar."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from lantian.errors import UsageError
from lantian.assessment.networks import fixed, official_stations
from lantian.assessment.statistics import area_daily_units

#: forecast variable → column of the daily table
COLUMNS = {"aqi": "AQI", "pm25": "PM2_5", "pm10": "PM10", "o3_8h": "O3_8h_max"}
LOOKBACK_DAYS = 4 * 366          # the history a forecast may use
LOOKBACK_PAD = 40                # days read before a pooled fit's first row (its trailing 30-day mean)


@dataclass
class Units:
    """The units a forecast can be made for, their stations and names."""
    membership: object               # lantian.assessment.networks.Membership
    names: dict[str, str]
    order: list[str]
    city: str | None = None
    stations_text: dict[str, str] = field(default_factory=dict)


def resolve(url: str, config, unit: str, stations: list[str] | None = None) -> Units:
    """The workspace's city and counties (official stations, dated: ``official_stations``); or, with
    ``stations``, one unit made of those stations (a city of the national feed, UCI Beijing …)."""
    if stations:
        m = fixed({unit: stations})
        return Units(m, {unit: unit}, [unit], None, {unit: "、".join(sorted(stations))})
    m = official_stations(url, config)
    known = m.units
    if unit not in known:
        have = ", ".join(f"{u} {m.names.get(u, u)}" for u in m.order if u in known)
        raise UsageError(f"unit {unit!r} has no assessment stations in this workspace (units with stations: "
                         f"{have or 'none'}; or give --stations CODE,CODE for a unit of your own)")
    order = [u for u in m.order if u in known]
    return Units(m, dict(m.names), order, m.order[0] if m.order else None)


def load(store, con, units: Units, start: dt.date, end: dt.date) -> dict[str, pd.DataFrame]:
    """unit → frame indexed by every day ``start``…``end`` (NaN where no valid value), columns
    aqi, pm25, pm10, o3_8h (float) and primary (text).

    Only the days the store may hold a value for are read (:func:`held_spans`: its months, a margin
    either side), one :func:`area_daily_units` call per run of them; the other days of the calendar
    have no hourly value, so their daily values are missing whether read or not (the frames equal
    one read of the whole window: ``tests/forecast/test_load.py``)."""
    spans = held_spans(store, start, end)
    parts = [area_daily_units(store, units.membership, a, b, con).table.select(["unit", "date", *COLUMNS.values(), "primary"])
             for a, b in spans]
    t = (pa.concat_tables(parts) if parts else None)
    index = pd.date_range(start, end, freq="D")
    groups = {}
    if t is not None and t.num_rows:
        t = t.to_pandas()
        t["date"] = pd.to_datetime(t["date"])
        groups = {u: g for u, g in t.groupby("unit", sort=False)}
    out = {}
    for unit in units.order:
        part = groups.get(unit)
        frame = pd.DataFrame(index=index)
        if part is None or not len(part):
            for var in COLUMNS:
                frame[var] = np.nan
            frame["primary"] = None
        else:
            part = part.set_index("date").sort_index()
            for var, col in COLUMNS.items():
                frame[var] = part[col].astype(float).reindex(index)
            frame["primary"] = part["primary"].reindex(index)
        out[unit] = frame
    return out


#: days read either side of the store's months (a day's hours end at 00:00 of the next day)
HELD_MARGIN = 2


def held_spans(store, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The runs of days within ``start``…``end`` the store may hold an hourly value for: each month
    it holds (:meth:`Store.months`, every source), ``HELD_MARGIN`` days either side, joined when they
    touch. A store without months: the whole window (read as before)."""
    months = store.months()
    if not months:
        return [(start, end)]
    runs: list[list[dt.date]] = []
    for y, m in months:
        a = dt.date(y, m, 1) - dt.timedelta(days=HELD_MARGIN)
        b = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1) + dt.timedelta(days=HELD_MARGIN)
        if runs and a <= runs[-1][1] + dt.timedelta(days=1):
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    return [(max(a, start), min(b, end)) for a, b in runs if b >= start and a <= end]


def until(frame: pd.DataFrame, day: dt.date, days_after: int = 0) -> pd.DataFrame:
    """The frame with every value after ``day`` removed, its calendar extended ``days_after`` days
    past ``day`` (the days to forecast)."""
    end = pd.Timestamp(day)
    cut = frame.loc[:end]
    index = pd.date_range(cut.index[0] if len(cut) else end, end + pd.Timedelta(days=days_after), freq="D")
    return cut.reindex(index)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (lon, lat) places."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def trailing_anomaly(values: pd.Series) -> pd.Series:
    """Each day's value minus its trailing 30-day mean (at least 10 valid days; causal: day d reads ≤ d)."""
    v = values.astype(float)
    return v - v.rolling(30, min_periods=10).mean()


def neighbour_anomaly(frames: dict[str, pd.DataFrame], unit: str, var: str) -> pd.Series | None:
    """The mean over the other units of their value minus their trailing 30-day mean on each day
    (what the units around look like today); causal: day d uses values on or before d."""
    parts = []
    for other, f in frames.items():
        if other == unit:
            continue
        parts.append(trailing_anomaly(f[var]))
    if not parts:
        return None
    return pd.concat(parts, axis=1).mean(axis=1, skipna=True)
