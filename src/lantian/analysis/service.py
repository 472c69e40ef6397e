"""The analysis room's service: what each analysis reads from the measurement store, through the
caller's scope, and the results as dicts (the CLI prints them, the pages draw them, CSV writes them).

A target is a station (``station``) or an area (``unit``: the city 140400, a county or zone): an
area's daily values are the mean of its assessment stations' HJ 663 daily values (the stations that
ever count for it, :func:`lantian.assessment.networks.official_stations`; control points excluded),
its hourly values the mean of those stations' hours. Outside the caller's scope a target does not
exist (:class:`~lantian.errors.NotFound`).
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lantian.errors import NotFound, UsageError
from lantian import geography
from lantian.analysis import wind
from lantian.analysis.calendar import calendar
from lantian.analysis.compare import compare
from lantian.analysis.exceedance import statistics
from lantian.analysis.trend import fit_trend, monthly_means
from lantian.analysis.variation import time_variation, trend_level
from lantian.assessment.networks import official_stations
from lantian.measurements.series import area_daily, station_daily

#: what users type → (daily column, hourly pollutant)
POLLUTANTS = {"aqi": ("AQI", None), "pm2.5": ("PM2_5", "PM2_5"), "pm2_5": ("PM2_5", "PM2_5"),
              "pm25": ("PM2_5", "PM2_5"), "pm10": ("PM10", "PM10"), "so2": ("SO2", "SO2"), "no2": ("NO2", "NO2"),
              "co": ("CO", "CO"), "o3": ("O3_8h_max", "O3"), "o3_8h": ("O3_8h_max", "O3"),
              "o3-8h": ("O3_8h_max", "O3")}
LABELS = {"AQI": "AQI", "PM2_5": "PM2.5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "CO": "CO",
          "O3_8h_max": "O3-8h", "O3": "O3"}
UNITS = {"AQI": "", "PM2_5": "µg/m³", "PM10": "µg/m³", "SO2": "µg/m³", "NO2": "µg/m³", "CO": "mg/m³",
         "O3_8h_max": "µg/m³", "O3": "µg/m³"}
DAILY_COLUMNS = ("AQI", "PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max")


def pollutant(text: str) -> tuple[str, str | None]:
    key = (text or "").strip().lower()
    if key not in POLLUTANTS:
        raise UsageError(f"unknown pollutant {text!r}; choose one of AQI, PM2.5, PM10, SO2, NO2, CO, O3")
    return POLLUTANTS[key]


@dataclass(frozen=True)
class Target:
    kind: str                # station | unit
    code: str
    name: str
    stations: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


def targets(scope, url: str, config) -> list[Target]:
    """Every target the caller may analyse: its areas first, then its stations."""
    members = official_stations(url, config)
    city = geography.city_of(url, config)
    out = []
    for unit, codes in members.units.items():
        if (unit == city and scope.city_wide) or (unit != city and scope.can_see_unit(unit)):
            out.append(Target("unit", unit, members.names.get(unit, unit), tuple(codes)))
    for r in scope.stations():
        out.append(Target("station", r.code, r.name, (r.code,)))
    return out


def resolve(scope, url: str, config, *, station: str | None = None, unit: str | None = None) -> Target:
    """The station or area asked for, if the caller may see it (NotFound otherwise)."""
    if bool(station) == bool(unit):
        raise UsageError("name one station (--station CODE) or one area (--unit CODE)")
    if station:
        r = scope.station(station)
        if r is None:
            raise NotFound(f"no station {station!r} in your scope")
        return Target("station", r.code, r.name, (r.code,))
    for t in targets(scope, url, config):
        if t.kind == "unit" and t.code == unit:
            return t
    raise NotFound(f"no area {unit!r} in your scope (the city 140400 or a county/zone code)")


def default_period(store) -> tuple[dt.date, dt.date]:
    """The last calendar year that has data."""
    months = store.months()
    if not months:
        raise UsageError("the measurement store is empty (lantian import …)")
    year = months[-1][0]
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def period(store, start: dt.date | None, end: dt.date | None, year: int | None = None) -> tuple[dt.date, dt.date]:
    if year:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if start and end:
        if end < start:
            raise UsageError(f"--to {end} is before --from {start}")
        return start, end
    first, last = default_period(store)
    return start or first, end or last


# ----------------------------------------------------------------------------- reading the store
_cache: "OrderedDict[tuple, object]" = OrderedDict()
_cache_lock = threading.Lock()


def _cached(key: tuple, compute):
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > 32:
            _cache.popitem(last=False)
    return value


def _version(store) -> tuple:
    return str(store.root), store.manifest().get("version", 0)


def _years(store, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The whole calendar years around a period that the store holds data in: what is read and cached,
    so that every view of the same years (calendar, exceedance, the two sides of a comparison) reads
    the store once, and a period asked for beyond the data (1901…2199) costs nothing. None: no overlap."""
    months = store.months()
    if not months:
        return None
    first, last = max(start.year, months[0][0]), min(end.year, months[-1][0])
    if first > last:
        return None
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def daily(store, con, target: Target, start: dt.date, end: dt.date) -> dict[str, list]:
    """``date`` (ISO) and each daily column (CO in mg/m³) of the target, one entry per day with data."""
    years = _years(store, start, end)
    if years is None:
        return {"date": [], **{c: [] for c in DAILY_COLUMNS}}
    first, last = years

    def compute():
        fn = station_daily if target.kind == "station" else area_daily
        table = fn(store, list(target.stations), first, last, con).table
        out = {"date": [d.isoformat() for d in table.column("date").to_pylist()]}
        for c in DAILY_COLUMNS:
            v = table.column(c).to_pylist()
            out[c] = [None if x is None else (x / 10 if c == "CO" else x) for x in v]
        return out
    whole = _cached(("daily",) + _version(store) + (target.kind, target.stations, first, last), compute)
    lo, hi = start.isoformat(), end.isoformat()
    keep = [i for i, d in enumerate(whole["date"]) if lo <= d <= hi]
    return {k: [v[i] for i in keep] for k, v in whole.items()}


def hourly(store, target: Target, hourly_pollutant: str, start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Hour-ending labels and values of one pollutant (an area: the mean of its stations each hour)."""
    years = _years(store, start, end)
    if years is None:
        return np.array([], "datetime64[h]"), np.array([], float)
    y0, y1 = years

    def compute():
        first = dt.datetime(y0.year, 1, 1, 1)
        last = dt.datetime(y1.year + 1, 1, 1)
        t = store.hourly(stations=list(target.stations), pollutants=[hourly_pollutant], start=first, end=last).table
        if t.num_rows == 0:
            return np.array([], "datetime64[h]"), np.array([], float)
        hours = pc.cast(t.column("time").cast(pa.timestamp("s")), pa.int64()).to_numpy() // 3600
        values = t.column("value").to_numpy(zero_copy_only=False).astype(float)
        uniq, inv = np.unique(hours, return_inverse=True)
        sums = np.bincount(inv, weights=values)
        counts = np.bincount(inv)
        return uniq.astype("datetime64[h]"), sums / counts
    times, values = _cached(("hourly",) + _version(store) + (target.stations, hourly_pollutant, y0, y1), compute)
    lo = np.datetime64(dt.datetime(start.year, start.month, start.day, 1), "h")
    hi = np.datetime64(dt.datetime(end.year, end.month, end.day), "h") + np.timedelta64(24, "h")
    sel = (times >= lo) & (times <= hi)
    return times[sel], values[sel]


def _need(n: int, what: str, target: Target, start, end) -> None:
    if n == 0:
        raise UsageError(f"{target.label} has no {what} from {start} to {end}")


# ----------------------------------------------------------------------------- the analyses
def _header(target: Target, column: str, start, end) -> dict:
    return {"target": {"kind": target.kind, "code": target.code, "name": target.name,
                       "stations": list(target.stations)},
            "pollutant": column, "pollutant_name": LABELS[column], "unit": UNITS[column],
            "from": start.isoformat(), "to": end.isoformat()}


def calendar_of(store, con, target: Target, column: str, year: int, month: int | None = None) -> dict:
    start = dt.date(year, month or 1, 1)
    end = dt.date(year, 12, 31) if not month else (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
    d = daily(store, con, target, start, end)
    days = [(dt.date.fromisoformat(x), v) for x, v in zip(d["date"], d[column])]
    out = _header(target, column, start, end)
    out.update(calendar(days, column, year, month))
    return out


def variation_of(store, target: Target, hourly_pollutant: str, start, end, n_boot: int = 200) -> dict:
    t, v = hourly(store, target, hourly_pollutant, start, end)
    _need(len(v), f"hourly {LABELS[hourly_pollutant]}", target, start, end)
    out = _header(target, hourly_pollutant, start, end)
    out.update(time_variation(t, v, n_boot=n_boot))
    out["trend_level"] = trend_level(t, v)
    return out


def trend_of(store, con, target: Target, column: str, start, end, *, deseason: bool = False,
             n_boot: int = 500, autocorrelation: bool = False) -> dict:
    d = daily(store, con, target, start, end)
    _need(sum(v is not None for v in d[column]), f"daily {LABELS[column]}", target, start, end)
    series = monthly_means(d["date"], [np.nan if v is None else v for v in d[column]])
    try:
        fit = fit_trend(series, deseason=deseason, n_boot=n_boot, autocorrelation=autocorrelation)
    except ValueError as exc:
        raise UsageError(f"{target.label} {LABELS[column]}: {exc}") from None
    out = _header(target, column, start, end)
    out.update(fit.as_dict())
    return out


def daily_means(times, values, min_hours: int = 20) -> tuple[list[str], list[float | None]]:
    """24-hour means of hour-ending values (HJ 663: the day is hours 01:00…24:00; GB 3095 Table 4:
    valid with at least 20 hourly values), one entry per day that has any hour."""
    t = np.asarray(times, dtype="datetime64[h]")
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    day = ((t - np.timedelta64(1, "h")).astype("datetime64[D]"))[ok]
    v = v[ok]
    days, inv = np.unique(day, return_inverse=True)
    sums, counts = np.bincount(inv, weights=v), np.bincount(inv)
    return ([str(d) for d in days],
            [float(x / n) if n >= min_hours else None for x, n in zip(sums, counts)])


def trend_of_met(met, hourly_pollutant: str, station: str | None, *, deseason: bool = False, n_boot: int = 500,
                 autocorrelation: bool = False) -> dict:
    """The trend of a pollutant carried by a met file (UCI Beijing's stations: four years, so the
    deseasonalised trend has real data to run on). Daily values: 24-hour means (≥ 20 hours)."""
    if hourly_pollutant == "O3":
        raise UsageError("O3's daily statistic is the MDA8, not computed from a met file; choose PM2.5, PM10, SO2, "
                         "NO2 or CO")
    m = met.only(station)
    if hourly_pollutant not in m.pollutants:
        raise UsageError(f"{m.path.name} has no {LABELS.get(hourly_pollutant, hourly_pollutant)} column")
    dates, values = daily_means(m.time, m.pollutants[hourly_pollutant])
    series = monthly_means(dates, [np.nan if x is None else x for x in values])
    try:
        fit = fit_trend(series, deseason=deseason, n_boot=n_boot, autocorrelation=autocorrelation)
    except ValueError as exc:
        raise UsageError(f"{m.path.name}: {exc}") from None
    out = {"target": {"kind": "met", "code": station or m.path.name, "name": station or m.path.name,
                      "stations": m.stations()},
           "pollutant": hourly_pollutant, "pollutant_name": LABELS[hourly_pollutant], "unit": UNITS[hourly_pollutant],
           "from": dates[0] if dates else None, "to": dates[-1] if dates else None}
    out.update(fit.as_dict())
    return out


def exceedance_of(store, con, target: Target, start, end, grade: str = "II") -> dict:
    d = daily(store, con, target, start, end)
    out = _header(target, "AQI", start, end)
    out.pop("pollutant"), out.pop("pollutant_name"), out.pop("unit")
    out["grade"] = grade
    out["rows"] = statistics({c: d[c] for c in DAILY_COLUMNS if c != "AQI"}, grade)
    for r in out["rows"]:
        r["name"], r["unit"] = LABELS[r["pollutant"]], UNITS[r["pollutant"]]
    return out


def compare_of(store, con, a: Target, a_period: tuple, b: Target, b_period: tuple, column: str,
               paired: bool | None = None) -> dict:
    da = daily(store, con, a, *a_period)
    db = daily(store, con, b, *b_period)
    try:
        r = compare(list(zip(da["date"], da[column])), list(zip(db["date"], db[column])), paired=paired)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    r.update({"pollutant": column, "pollutant_name": LABELS[column], "unit": UNITS[column],
              "a": {"code": a.code, "name": a.name, "from": a_period[0].isoformat(), "to": a_period[1].isoformat()},
              "b": {"code": b.code, "name": b.name, "from": b_period[0].isoformat(), "to": b_period[1].isoformat()},
              "series_a": [{"date": x, "value": v} for x, v in zip(da["date"], da[column])],
              "series_b": [{"date": x, "value": v} for x, v in zip(db["date"], db[column])]})
    return r


def rose_of(met, hourly_pollutant: str | None, station: str | None = None, breaks=None) -> dict:
    """Wind rose (always), pollution rose and polar plot (when the met file carries the pollutant)."""
    m = met.only(station)
    out = {"file": m.path.name, "station": station, "stations": met.stations(), "n_hours": int(len(m.time)),
           "from": str(m.time.min()) if len(m.time) else None, "to": str(m.time.max()) if len(m.time) else None,
           "wind_rose": wind.wind_rose(m.wd, m.ws), "pollutant": hourly_pollutant,
           "pollutants": sorted(m.pollutants)}
    if hourly_pollutant:
        if hourly_pollutant not in m.pollutants:
            raise UsageError(f"{m.path.name} has no {LABELS.get(hourly_pollutant, hourly_pollutant)} column "
                             f"(it has {', '.join(sorted(m.pollutants)) or 'none'})")
        conc = m.pollutants[hourly_pollutant]
        breaks = breaks or ROSE_BREAKS.get(hourly_pollutant, (0, 35, 75, 115, 150, 250))
        out["pollutant_name"], out["unit"] = LABELS[hourly_pollutant], UNITS[hourly_pollutant]
        out["pollution_rose"] = wind.pollution_rose(m.wd, m.ws, conc, breaks)
        out["polar"] = wind.polar_plot(m.wd, m.ws, conc)
    return out


#: pollution-rose bands: PM at the HJ 633 24-hour IAQI breakpoints (2012), gases at round steps
ROSE_BREAKS = {"PM2_5": (0, 35, 75, 115, 150, 250), "PM10": (0, 50, 150, 250, 350, 420),
               "SO2": (0, 10, 20, 50, 100, 150), "NO2": (0, 20, 40, 80, 120, 180), "CO": (0, 0.5, 1, 2, 4, 10),
               "O3": (0, 50, 100, 160, 200, 300)}
