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
    aqi, pm25, pm10, o3_8h (float) and primary (text)."""
    d = area_daily_units(store, units.membership, start, end, con)
    t = d.table.select(["unit", "date", *COLUMNS.values(), "primary"]).to_pandas()
    index = pd.date_range(start, end, freq="D")
    out = {}
    for unit in units.order:
        part = t[t["unit"] == unit].copy()
        part["date"] = pd.to_datetime(part["date"])
        part = part.set_index("date").sort_index()
        frame = pd.DataFrame(index=index)
        for var, col in COLUMNS.items():
            frame[var] = part[col].astype(float).reindex(index) if len(part) else np.nan
        frame["primary"] = part["primary"].reindex(index) if len(part) else None
        out[unit] = frame
    return out


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
