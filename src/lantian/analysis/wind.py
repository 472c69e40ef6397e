"""Wind rose, pollution rose and polar plot (openair's ``windRose``, ``pollutionRose``, ``polarPlot``)
from a meteorological file, read here (the measurement store keeps no wind).

A met file is CSV in one of two layouts:
- the UCI Beijing layout (``year,month,day,hour,…,wd,WSPM,station``; wd a 16-point compass name,
  the pollutant columns beside it) — data/README.md ``uci_beijing/``; hours labelled by their end
  as :mod:`lantian.measurements.readers.uci` reads them;
- a plain met file: ``time`` (``YYYY-MM-DD HH:MM``, hour-ending like the store), ``wd`` (degrees
  0–360 from north, or a compass name), ``ws`` (m/s), optional ``station`` and pollutant columns
  (``PM2.5``/``PM2_5``, ``PM10``, ``SO2``, ``NO2``, ``CO``, ``O3``).
Empty or ``NA`` cells are missing. Calm is ws < 0.5 m/s (WMO): counted apart, no direction.

The polar plot is binned (16 directions × speed bands, the mean of each cell with at least
``min_n`` hours); openair smooths it with a GAM, which is not done here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lantian.errors import InputError

COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
COMPASS_CN = ("北", "北东北", "东北", "东东北", "东", "东东南", "东南", "南东南", "南", "南西南", "西南", "西西南",
              "西", "西西北", "西北", "北西北")
CALM = 0.5
SPEED_BINS = (0.5, 1, 2, 3, 4, 6, np.inf)
POLLUTANT_COLUMNS = {"PM2.5": "PM2_5", "PM2_5": "PM2_5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "CO": "CO",
                     "O3": "O3"}
NA = {"", "NA", "NaN", "nan", "-", "—"}


@dataclass
class Met:
    path: Path
    time: np.ndarray                 # datetime64[h], hour-ending labels
    station: np.ndarray              # str
    wd: np.ndarray                   # degrees, NaN missing
    ws: np.ndarray                   # m/s, NaN missing
    pollutants: dict[str, np.ndarray]

    def stations(self) -> list[str]:
        return sorted(set(self.station.tolist()))

    def only(self, station: str | None) -> "Met":
        if station is None:
            return self
        sel = self.station == station
        if not sel.any():
            raise InputError(self.path, f"no rows of station {station!r}", expected=", ".join(self.stations()))
        return Met(self.path, self.time[sel], self.station[sel], self.wd[sel], self.ws[sel],
                   {k: v[sel] for k, v in self.pollutants.items()})


def _numbers(path, texts, column: str, lo: float, hi: float, expected: str) -> np.ndarray:
    out = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        t = t.strip()
        if t in NA:
            continue
        try:
            x = float(t)
        except ValueError:
            raise InputError(path, f"{t!r} is not a number", line=i + 2, column=column, expected=expected) from None
        if not lo <= x <= hi:
            raise InputError(path, f"{x} is out of range", line=i + 2, column=column, expected=expected)
        out[i] = x
    return out


def _directions(path, texts, column: str) -> np.ndarray:
    out = np.full(len(texts), np.nan)
    index = {c: 22.5 * i for i, c in enumerate(COMPASS)}
    for i, t in enumerate(texts):
        t = t.strip()
        if t in NA or t.upper() in ("CV", "C", "CALM"):
            continue
        if t.upper() in index:
            out[i] = index[t.upper()]
            continue
        try:
            x = float(t)
        except ValueError:
            raise InputError(path, f"{t!r} is not a wind direction", line=i + 2, column=column,
                             expected="degrees 0–360 or a 16-point compass name such as NNE") from None
        if not 0 <= x <= 360:
            raise InputError(path, f"{x} is out of range", line=i + 2, column=column, expected="degrees 0–360")
        out[i] = x % 360
    return out


def read_met(path: str | Path) -> Met:
    """Read a met file (either layout); the first bad cell raises :class:`InputError` naming it."""
    import csv
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(path, "the file is empty", line=1, expected="a header row")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise InputError(path, f"{len(r)} fields, the header has {len(header)}", line=i + 2)
    col = {h: [r[j] for r in body] for j, h in enumerate(header)}
    if {"year", "month", "day", "hour", "wd", "WSPM"} <= set(col):
        time = _uci_times(path, col)
        wd, ws = _directions(path, col["wd"], "wd"), _numbers(path, col["WSPM"], "WSPM", 0, 75, "m/s 0–75")
        factor = {"CO": 1e-3}             # UCI's CO is µg/m³ (data/README.md); stored as mg/m³
    elif {"time", "wd", "ws"} <= set(col):
        time = _plain_times(path, col["time"])
        wd, ws = _directions(path, col["wd"], "wd"), _numbers(path, col["ws"], "ws", 0, 75, "m/s 0–75")
        factor = {}
    else:
        raise InputError(path, f"unknown met layout (columns {', '.join(header[:8])}…)", line=1,
                         expected="time,wd,ws[,station,pollutants] or the UCI Beijing columns")
    station = np.array([s.strip() for s in col.get("station", ["met"] * len(body))], dtype=object)
    pollutants = {}
    for name, key in POLLUTANT_COLUMNS.items():
        if name in col and key not in pollutants:
            pollutants[key] = _numbers(path, col[name], name, 0, 1e5, "a concentration ≥ 0") * factor.get(key, 1)
    return Met(path, time, station, wd, ws, pollutants)


def _uci_times(path, col) -> np.ndarray:
    import datetime as dt
    out = np.empty(len(col["year"]), dtype="datetime64[h]")
    for i, parts in enumerate(zip(col["year"], col["month"], col["day"], col["hour"])):
        try:
            y, m, d, h = (int(p) for p in parts)
            out[i] = np.datetime64(dt.datetime(y, m, d)) + np.timedelta64(h, "h")
            if not 0 <= h <= 23:
                raise ValueError
        except ValueError:
            raise InputError(path, f"{'-'.join(parts)} is not a date and hour", line=i + 2, column="year/month/day/hour",
                             expected="a real date and an hour 0–23") from None
    return out


def _plain_times(path, texts) -> np.ndarray:
    import datetime as dt
    out = np.empty(len(texts), dtype="datetime64[h]")
    for i, t in enumerate(texts):
        try:
            out[i] = np.datetime64(dt.datetime.fromisoformat(t.strip().replace("/", "-")), "h")
        except ValueError:
            raise InputError(path, f"{t!r} is not a time", line=i + 2, column="time",
                             expected="YYYY-MM-DD HH:MM (hour-ending)") from None
    return out


def sector(wd: np.ndarray, n: int = 16) -> np.ndarray:
    """Sector index 0…n−1 (0 = north, centred on it); −1 for a missing direction."""
    width = 360 / n
    s = np.floor(((wd + width / 2) % 360) / width)
    return np.where(np.isfinite(wd), s, -1).astype(int)


def _bands(edges) -> list[str]:
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        out.append(f"≥{lo:g}" if not np.isfinite(hi) else f"{lo:g}–{hi:g}")
    return out


def wind_rose(wd, ws, speed_bins=SPEED_BINS) -> dict:
    """Frequency (% of hours with wind known) by direction sector × speed band, and the calms."""
    wd, ws = np.asarray(wd, float), np.asarray(ws, float)
    known = np.isfinite(ws) & (np.isfinite(wd) | (ws < CALM))
    n = int(known.sum())
    calm = known & (ws < CALM)
    s = sector(wd)
    table = []
    edges = list(speed_bins)
    for b, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        in_band = known & ~calm & (ws >= lo) & (ws < hi)
        table.append([round(100 * float(np.sum(in_band & (s == k))) / n, 3) if n else 0 for k in range(16)])
    return {"sectors": list(COMPASS), "sectors_cn": list(COMPASS_CN), "bands": _bands(edges), "unit": "m/s",
            "frequency": table, "calm": round(100 * float(calm.sum()) / n, 3) if n else 0, "n": n,
            "mean_speed": round(float(np.nanmean(ws)), 2) if n else None}


def pollution_rose(wd, ws, conc, breaks) -> dict:
    """Frequency (%) by direction sector × concentration band, and the mean concentration per sector."""
    wd, ws, conc = np.asarray(wd, float), np.asarray(ws, float), np.asarray(conc, float)
    ok = np.isfinite(wd) & np.isfinite(ws) & (ws >= CALM) & np.isfinite(conc)
    n = int(ok.sum())
    s = sector(wd)
    edges = list(breaks) + [np.inf]
    table = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = ok & (conc >= lo) & (conc < hi)
        table.append([round(100 * float(np.sum(sel & (s == k))) / n, 3) if n else 0 for k in range(16)])
    means = []
    for k in range(16):
        v = conc[ok & (s == k)]
        means.append(round(float(v.mean()), 2) if len(v) else None)
    return {"sectors": list(COMPASS), "sectors_cn": list(COMPASS_CN), "bands": _bands(edges), "frequency": table,
            "mean_by_sector": means, "n": n}


def polar_plot(wd, ws, conc, speed_bins=(0.5, 1, 2, 3, 4, 6, 8, np.inf), min_n: int = 3) -> dict:
    """Mean concentration by direction sector × speed band (cells with fewer than ``min_n`` hours: None)."""
    wd, ws, conc = np.asarray(wd, float), np.asarray(ws, float), np.asarray(conc, float)
    ok = np.isfinite(wd) & np.isfinite(ws) & (ws >= CALM) & np.isfinite(conc)
    s = sector(wd)
    edges = list(speed_bins)
    cells = []
    for b, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        for k in range(16):
            v = conc[ok & (s == k) & (ws >= lo) & (ws < hi)]
            cells.append({"band": b, "sector": k, "n": int(len(v)),
                          "mean": round(float(v.mean()), 2) if len(v) >= min_n else None})
    return {"sectors": list(COMPASS), "bands": _bands(edges), "cells": cells, "min_n": min_n, "n": int(ok.sum())}
