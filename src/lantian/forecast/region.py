"""The regional feature of the single-unit forecast (issue 25: "the neighbouring units of the
national feed — what the region upwind looks like today"): when the store holds other cities of
the national feed (``lantian import cnemc`` of the country's or the region's daily files), the
prefecture cities of the station registry within :data:`lantian.forecast.pool.NEIGHBOUR_KM` of the
unit give two features of base day D:

- ``region``: the mean of their anomalies on D (each city = its national, non-control stations'
  HJ 663 daily values, as :mod:`lantian.forecast.pool` builds it; anomaly = value − trailing 30-day
  mean, :func:`lantian.forecast.series.trailing_anomaly`); the unit's own city — every city sharing
  a station with the unit — is left out;
- ``region_upwind``: when the met file gives the wind of D (``wind_u``/``wind_v``), the same cities
  weighted by max(0, cos θ), θ the angle between the direction the wind blows toward and the bearing
  from the city to the unit (a city the wind blows from toward the unit weighs 1, one downwind 0);
  NaN without wind or without an upwind city.

Both are causal (day D reads values ≤ D). A forecast uses a column only when its own row (base day
D) has a value (:func:`columns_at`): a day without other cities in the store (Changzhi's demo
autumn) is forecast exactly as without the feature.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lantian.forecast import pool as pooling
from lantian.forecast import series
from lantian.measurements.stations import list_stations

COLUMNS = ("region", "region_upwind")


@dataclass
class Region:
    """The cities around one unit: their daily frames (columns of :func:`series.load`) and places."""
    unit: str
    at: tuple[float, float]                    # the unit's place (lon, lat): its stations' mean
    frames: dict[str, pd.DataFrame]
    coords: dict[str, tuple[float, float]]

    def cities(self) -> list[str]:
        return sorted(self.frames)

    def until(self, day: dt.date, days_after: int = 0) -> "Region":
        """The cities' frames with every value after ``day`` removed (:func:`series.until`)."""
        return Region(self.unit, self.at, {c: series.until(f, day, days_after) for c, f in self.frames.items()},
                      self.coords)


def upwind_weights(at: tuple[float, float], coords: dict[str, tuple[float, float]], cities: list[str],
                   u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """days × cities: max(0, cos θ), θ between the wind's vector (u east, v north: toward where it
    blows) and the direction from each city to the unit (local flat approximation); NaN on a day
    without wind (calm or missing)."""
    lat0 = math.radians(at[1])
    d = np.array([[(at[0] - coords[c][0]) * 111.32 * math.cos(lat0), (at[1] - coords[c][1]) * 110.57]
                  for c in cities], float).reshape(-1, 2)
    norm = np.linalg.norm(d, axis=1)
    d = d / np.where(norm > 0, norm, 1.0)[:, None]
    speed = np.hypot(u, v)
    ok = np.isfinite(speed) & (speed > 0)
    su, sv = np.where(ok, u / np.where(ok, speed, 1.0), np.nan), np.where(ok, v / np.where(ok, speed, 1.0), np.nan)
    cos = su[:, None] * d[None, :, 0] + sv[:, None] * d[None, :, 1]
    w = np.maximum(cos, 0.0)
    w[:, norm == 0] = 0.0
    return w


def features(region: Region, index: pd.DatetimeIndex, var: str, met: pd.DataFrame | None = None) -> pd.DataFrame:
    """``region`` and ``region_upwind`` of ``var`` on every day of ``index`` (the unit's calendar)."""
    frames = {c: f.reindex(index) for c, f in region.frames.items()}
    own = pd.DataFrame({var: np.full(len(index), np.nan)}, index=index)
    key = "\0unit"                                          # never a city's name
    nb = pooling.neighbour_anomalies({key: own, **frames}, {key: region.at, **region.coords}, var)[key]
    out = pd.DataFrame({"region": nb.to_numpy(float), "region_upwind": np.nan}, index=index)
    if met is None or not {"wind_u", "wind_v"} <= set(met.columns) or not frames:
        return out
    cities = [c for c in frames if c in region.coords]
    if not cities:
        return out
    m = met.reindex(index)
    w = upwind_weights(region.at, region.coords, cities, m["wind_u"].to_numpy(float), m["wind_v"].to_numpy(float))
    A = np.column_stack([series.trailing_anomaly(frames[c][var]).to_numpy(float) for c in cities])
    have = np.isfinite(A) & np.isfinite(w)
    total = np.where(have, w * np.where(have, A, 0.0), 0.0).sum(axis=1)
    weight = np.where(have, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["region_upwind"] = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    return out


def columns_at(feat: pd.DataFrame | None, at: int) -> pd.DataFrame | None:
    """The columns of ``feat`` with a value on row ``at`` (the forecast's base day); None when none:
    a forecast whose own day has no regional value is made without the feature."""
    if feat is None:
        return None
    keep = [c for c in feat.columns if np.isfinite(feat[c].iloc[at])]
    return feat[keep] if keep else None


def load(url: str, store, con, units: series.Units, targets: list[str], start: dt.date,
         end: dt.date) -> dict[str, Region]:
    """unit → its :class:`Region` for each of ``targets``: the registry's prefecture cities (as
    :func:`lantian.forecast.pool.from_registry` makes them) within ``NEIGHBOUR_KM`` of the unit's
    stations, none sharing a station with it, that have a daily AQI in ``start``…``end``. Units
    without such a city are left out (no feature)."""
    pl = pooling.from_registry(url, "national")
    if not pl.stations:
        return {}
    where = {r.code: (r.lon, r.lat) for r in list_stations(url, include_stopped=True)
             if r.lon is not None and r.lat is not None}
    wanted: dict[str, list[str]] = {}
    places: dict[str, tuple[float, float]] = {}
    for u in targets:
        mine = set(units.membership.units.get(u, []))
        spots = [where[s] for s in mine if s in where]
        if not spots:
            continue
        at = (float(np.mean([p[0] for p in spots])), float(np.mean([p[1] for p in spots])))
        places[u] = at
        wanted[u] = [c for c, ss in pl.stations.items() if c in pl.coords and not mine & set(ss)
                     and series.distance_km(at, pl.coords[c]) <= pooling.NEIGHBOUR_KM]
    needed = sorted({c for cs in wanted.values() for c in cs})
    if not needed:
        return {}
    sub = pooling.Pool({c: pl.stations[c] for c in needed}, {c: pl.coords[c] for c in needed}, pl.name)
    frames = series.load(store, con, sub.units(), start, end)
    have = {c for c, f in frames.items() if f["aqi"].notna().any()}
    out = {}
    for u, cs in wanted.items():
        cs = [c for c in cs if c in have]
        if cs:
            out[u] = Region(u, places[u], {c: frames[c] for c in cs}, {c: pl.coords[c] for c in cs})
    return out
