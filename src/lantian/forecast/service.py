"""Forecasts made and kept: ``make`` (pure: frames in, days out), ``run`` (the city and each county
from the store, stored as records), the latest forecasts a caller may see (dashboard, emergency
page, ``alert level --from-forecast``)."""
from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import sqlalchemy as sa

from lantian import db
from lantian.accounts.scope import Scope
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.forecast import predictors as P
from lantian.forecast import series
from lantian.forecast import region as regional
from lantian.forecast.models import ForecastDay, ForecastRun
from lantian.standards import aqi as hj633
from lantian.assessment.service import latest_data_day
from lantian.forecast import met as metfile
from lantian import audit
from lantian.forecast.models import MetRow
from lantian import geography

MANAGE = ("admin", "city")
#: the regional feature (lantian.forecast.region): off by default — measured on Changzhi with the national
#: January and July 2019 in the store, it gained nothing on AQI and O3-8h (docs/forecast.md); --region
USE_REGION = False
#: forecast variable → HJ 633 item (the daily IAQI of the forecast concentration)
ITEMS = {"pm25": "PM2_5_24h", "pm10": "PM10_24h", "o3_8h": "O3_8h"}
PRIMARY_NAMES = {"pm25": "PM2.5", "pm10": "PM10", "o3_8h": "O3_8h"}


def _visible(scope: Scope, unit: str) -> bool:
    return scope.city_wide or unit == scope.unit


def iaqi(var: str, value: float | None) -> int | None:
    """HJ 633—2012 §6.2: the IAQI of a forecast daily concentration (rounded to whole µg/m³ first)."""
    if value is None or not math.isfinite(value):
        return None
    return hj633.iaqi(ITEMS[var], int(round(value)))


def category(aqi_value: float | None) -> str | None:
    """HJ 633 Table 2 category name (优, 良, 轻度污染 …) of a forecast AQI (rounded up, §6.2)."""
    if aqi_value is None or not math.isfinite(aqi_value):
        return None
    return hj633.category(int(math.ceil(aqi_value))).name


def primary(values: dict[str, float | None], aqi_value: float | None) -> str | None:
    """The primary pollutant: the forecast concentration with the largest IAQI, when the AQI > 50
    (HJ 633—2012 §5: no primary pollutant on a 优 day)."""
    if aqi_value is None or not math.isfinite(aqi_value) or math.ceil(aqi_value) <= 50:
        return None
    scored = [(iaqi(v, values.get(v)), v) for v in ITEMS]
    scored = [(i, v) for i, v in scored if i is not None]
    return PRIMARY_NAMES[max(scored)[1]] if scored else None


def make(frames: dict[str, pd.DataFrame], unit: str, base: dt.date, days: int = 3, met: pd.DataFrame | None = None,
         model: str = "wls", region: "regional.Region | None" = None) -> list[dict]:
    """The forecast of ``unit`` made on ``base`` for base+1 … base+days. Every frame is cut at
    ``base`` first (:func:`series.until`): nothing after the base day is read. ``region``: the
    cities of the national feed around the unit (:mod:`lantian.forecast.region`), cut the same way."""
    cut = {u: series.until(f, base, days) for u, f in frames.items()}
    f = cut[unit]
    at = len(f) - 1 - days
    metf = None if met is None else met.loc[:pd.Timestamp(base) + pd.Timedelta(days=days)]
    near = None if region is None else region.until(base, days)
    out = [{"day": base + dt.timedelta(days=h), "lead": h, "values": {}} for h in range(1, days + 1)]
    for var in P.VARIABLES:
        nb = series.neighbour_anomaly(cut, unit, var)
        feat = None if near is None else regional.columns_at(regional.features(near, f.index, var, metf), at)
        for h in range(1, days + 1):
            F = P.design(f, var, h, nb, metf, feat)
            pt = P.predict(F, at, h, model)
            out[h - 1]["values"][var] = None if pt is None else {
                "value": pt.value, "lower": None if math.isnan(pt.lower) else pt.lower,
                "upper": None if math.isnan(pt.upper) else pt.upper, "model": pt.model}
    return finish(out)


def finish(out: list[dict]) -> list[dict]:
    """Each forecast day's AQI (rounded up), interval, primary pollutant and category from its values."""
    for d in out:
        a = d["values"].get("aqi")
        av = a["value"] if a else None
        d["aqi"] = None if av is None else int(math.ceil(av))
        d["aqi_lower"] = None if not a or a["lower"] is None else int(math.ceil(a["lower"]))
        d["aqi_upper"] = None if not a or a["upper"] is None else int(math.ceil(a["upper"]))
        conc = {v: (d["values"][v] or {}).get("value") for v in ITEMS}
        d["primary"] = primary(conc, av)
        d["category"] = category(av)
    return out


def _window(frame: pd.DataFrame, base: dt.date) -> tuple[dt.date, dt.date, int]:
    cut = frame.loc[:pd.Timestamp(base)]
    valid = cut["aqi"].dropna()
    if valid.empty:
        return base, base, 0
    return valid.index[0].date(), valid.index[-1].date(), int(valid.size)


def run(scope: Scope, ws, store, con, unit: str, base: dt.date | None = None, days: int = 3,
        stations: list[str] | None = None, model: str = "wls", pool: str | None = None,
        use_region: bool = USE_REGION) -> tuple[list[int], list[str]]:
    """Forecast ``unit`` (and, for the city, each county with stations) from ``base`` (default: the
    latest day with data) and store each as a record. Returns the run ids and the counties skipped
    for want of data on the base day or the two days before. ``pool`` (``national`` or a province):
    the pooled model of :mod:`lantian.forecast.pool`, for a city of the national feed."""
    if scope.who.role not in MANAGE:
        raise Forbidden("预报由市大气办发布 (the city office makes forecasts)")
    if not 1 <= days <= 7:
        raise UsageError(f"--days {days}: 1 to 7")
    if base is None:
        base = latest_data_day(store, ws.as_of)
    if pool:
        from lantian.forecast import pool as pooling         # cycle: pool ↔ service (pool.make calls finish)
        if model != "wls":
            raise UsageError("--pool forecasts with the pooled wls model only")
        pl = pooling.from_registry(scope.url, pool, unit, stations)
        units = pl.units()
        start = base - dt.timedelta(days=pooling.POOL_LOOKBACK + series.LOOKBACK_PAD)
    else:
        units = series.resolve(scope.url, ws.config, unit, stations)
        start = base - dt.timedelta(days=series.LOOKBACK_DAYS)
    frames = series.load(store, con, units, start, base)
    targets = units.order if unit == units.city else [unit]
    near = regional.load(scope.url, store, con, units, targets, start, base) if use_region and not pool else {}
    made_all, skipped = [], []
    for u in targets:
        f = frames[u]
        first, last, n = _window(f, base)
        if n == 0 or last < base - dt.timedelta(days=2):
            if u != unit:                   # a county without recent data: no forecast, said so
                skipped.append(f"{u} {units.names.get(u, u)}")
                continue
            raise UsageError(f"{u} {units.names.get(u, u)}: no valid daily AQI on {base} or the two days before "
                             f"(last: {last if n else 'none'}); give --date with a day that has data")
        if pool:
            met_source, made = None, pooling.make(frames, pl.coords, u, base, days)
        else:
            met, met_source = metfile.frame(scope.url, u)
            made = make(frames, u, base, days, met, model, near.get(u))
        if _model_of(made) == "none":           # too short a history: no forecast stored, said so
            if u != unit:
                skipped.append(f"{u} {units.names.get(u, u)}（历史数据不足）")
                continue
            raise UsageError(f"{u} {units.names.get(u, u)}: 历史数据不足，无法预报 — {n} valid days "
                             f"({first}…{last}); a forecast needs at least {P.TRAILING_MIN} valid days "
                             f"in the {P.TRAILING} days to {base}, or a year of earlier data")
        text = units.stations_text.get(u) or units.membership.describe(u, first, last)
        cities = _region_used(near.get(u), base)
        made_all.append((u, first, last, n, met_source, made, text, cities))
    ids = []
    with db.session(scope.url) as s:        # every unit's forecast or none
        for u, first, last, n, met_source, made, text, cities in made_all:
            r = ForecastRun(unit_code=u, unit_name=units.names.get(u, u), base_day=base,
                            model=_model_of(made), data_from=first, data_to=last, data_days=n, stations=text,
                            met_source=met_source,
                            settings=json.dumps(_settings(model, pool, cities, use_region and not pool),
                                                ensure_ascii=False),
                            made_by=scope.who.username, made_at=db.now_utc())
            s.add(r)
            s.flush()
            for d in made:
                s.add(ForecastDay(run_id=r.id, day=d["day"], lead=d["lead"],
                                  values=json.dumps(d["values"], ensure_ascii=False), aqi=d["aqi"],
                                  aqi_lower=d["aqi_lower"], aqi_upper=d["aqi_upper"], primary=d["primary"],
                                  category=d["category"]))
            audit.record(s, actor=scope.who.username, action="forecast", entity="forecast_run", entity_id=str(r.id),
                         after={"unit": u, "base_day": base.isoformat(), "model": r.model,
                                "aqi": [d["aqi"] for d in made]})
            ids.append(r.id)
    return ids, skipped


def _model_of(made: list[dict]) -> str:
    models = {v["model"] for d in made for v in d["values"].values() if v}
    return "wls" if models == {"wls"} else "+".join(sorted(models)) or "none"


def _region_used(near: "regional.Region | None", base: dt.date) -> list[str]:
    """The cities of the region whose anomaly the forecast made on ``base`` read (a value on ``base``)."""
    if near is None:
        return []
    day = pd.Timestamp(base)
    return [c for c in near.cities()
            if any(pd.notna(series.trailing_anomaly(near.frames[c][v].loc[:day]).get(day)) for v in P.VARIABLES)]


def _settings(model: str, pool: str | None = None, region_cities: list[str] | None = None,
              use_region: bool = False) -> dict:
    extra = {}
    if use_region:            # the regional feature (lantian.forecast.region): the cities read on the base day
        extra = {"region": {"cities": region_cities or [], "neighbour_km": regional.pooling.NEIGHBOUR_KM}}
    if pool:
        from lantian.forecast import pool as pooling          # cycle: pool ↔ service
        extra = {**extra, "pool": pool, "pool_lookback_days": pooling.POOL_LOOKBACK, "pool_holdout_days": pooling.POOL_HOLDOUT,
                 "neighbour_km": pooling.NEIGHBOUR_KM, "pool_features_left_out": list(pooling.DROPPED)}
    return {**extra, "model": model, "half_life_days": P.HALF_LIFE, "ridge": P.RIDGE, "climatology_window": P.CLIM_WINDOW,
            "climatology_min": P.CLIM_MIN, "trailing_days": P.TRAILING, "interval": [P.LOWER_Q, P.UPPER_Q],
            "interval_power": P.INTERVAL_POWER, "holdout_days": P.HOLDOUT, "relative": list(P.RELATIVE),
            "lookback_days": series.LOOKBACK_DAYS}


def as_dict(r: ForecastRun, days: list[ForecastDay]) -> dict:
    return {"id": r.id, "unit": r.unit_code, "unit_name": r.unit_name, "base_day": r.base_day.isoformat(),
            "model": r.model, "data_from": r.data_from.isoformat(), "data_to": r.data_to.isoformat(),
            "data_days": r.data_days, "stations": r.stations, "met_source": r.met_source,
            "made_by": r.made_by, "made_at": db.to_beijing(r.made_at).isoformat(timespec="minutes"),
            "days": [{"day": d.day.isoformat(), "lead": d.lead, "aqi": d.aqi, "aqi_lower": d.aqi_lower,
                      "aqi_upper": d.aqi_upper, "primary": d.primary, "category": d.category,
                      **{v: _rounded(json.loads(d.values).get(v)) for v in P.VARIABLES if v != "aqi"}}
                     for d in sorted(days, key=lambda d: d.day)]}


def _rounded(v: dict | None) -> dict | None:
    if not v:
        return None
    r = lambda x: None if x is None else int(round(x))
    return {"value": r(v["value"]), "lower": r(v.get("lower")), "upper": r(v.get("upper"))}


def get(scope: Scope, run_id: int) -> dict:
    with db.session(scope.url) as s:
        r = s.get(ForecastRun, run_id)
        if r is None or not _visible(scope, r.unit_code):
            raise NotFound(f"no forecast {run_id}")
        days = s.scalars(sa.select(ForecastDay).where(ForecastDay.run_id == r.id)).all()
        return as_dict(r, list(days))


def latest(scope: Scope, unit: str | None = None) -> list[dict]:
    """The newest forecast of each unit the caller may see (of ``unit`` only, if given)."""
    with db.session(scope.url) as s:
        q = sa.select(ForecastRun).order_by(ForecastRun.base_day.desc(), ForecastRun.id.desc())
        if unit:
            q = q.where(ForecastRun.unit_code == unit)
        seen, out = set(), []
        for r in s.scalars(q):
            if r.unit_code in seen or not _visible(scope, r.unit_code):
                continue
            seen.add(r.unit_code)
            days = s.scalars(sa.select(ForecastDay).where(ForecastDay.run_id == r.id)).all()
            out.append(as_dict(r, list(days)))
        return sorted(out, key=lambda r: r["unit"])


def aqi_values(run: dict) -> list[int]:
    """The daily AQI of a stored forecast, first day first (what the warning rules read)."""
    values = [d["aqi"] for d in run["days"]]
    if not values or any(v is None for v in values):
        raise UsageError(f"forecast {run['id']} has days without an AQI")
    return values


def verify(scope: Scope, ws, store, con, unit: str, start: dt.date, end: dt.date, stations: list[str] | None = None,
           model: str = "wls", use_met: bool = True, pool: str | None = None, use_region: bool = USE_REGION) -> dict:
    """The rolling-origin verification of ``unit`` over the target days ``start``…``end``
    (:func:`lantian.forecast.evaluate.evaluate`), with the unit, its stations and the data used.
    ``pool``: the pooled model (:func:`verify_pool`)."""
    from lantian.forecast import evaluate as ev          # cycle: service ↔ evaluate (evaluate imports iaqi)
    if model not in P.MODEL_NAMES:
        raise UsageError(f"--model {model!r}: one of {', '.join(P.MODEL_NAMES)}")
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    if (end - start).days > 3 * 366:
        raise UsageError("a verification covers at most three years")
    if pool:
        return verify_pool(scope, store, con, unit, start, end, stations, model, pool)
    if not stations and not _visible(scope, unit):
        raise NotFound(f"no unit {unit}")
    units = series.resolve(scope.url, ws.config, unit, stations)
    first = start - dt.timedelta(days=series.LOOKBACK_DAYS)
    frames = series.load(store, con, units, first, end)
    met, met_source = metfile.frame(scope.url, unit) if use_met else (None, None)
    near = regional.load(scope.url, store, con, units, [unit], first, end).get(unit) if use_region else None
    result = ev.evaluate(frames, unit, start, end, 3, met, model, near)
    data_from, data_to, n = _window(frames[unit], end)
    return {"unit": unit, "unit_name": units.names.get(unit, unit), "from": start.isoformat(), "to": end.isoformat(),
            "model": model, "met_source": met_source,
            "stations": units.stations_text.get(unit) or units.membership.describe(unit, first, end),
            "data_from": data_from.isoformat(), "data_days": n,
            "definition": "滚动起报：每个起报日 D 只用 D 及以前的日值，预报 D+1…D+3；持续性 = D 日值；"
                          "气候态 = 往年同期（±15 天）均值，不足 20 个值时为 D 前 30 天均值",
            **result}


def verify_pool(scope: Scope, store, con, unit: str, start: dt.date, end: dt.date, stations: list[str] | None,
                model: str, pool: str) -> dict:
    """The rolling-origin verification of a city of the pool (``unit``: a prefecture of the registry,
    or a unit of one's own with ``stations``), or of every city (``unit`` = ``all``: the overview and
    each city's), the forecast made on each base day by the model pooled over the cities (wls) or a
    baseline (``model``)."""
    from lantian.forecast import pool as pooling          # cycle: pool ↔ service
    if not scope.city_wide:
        raise Forbidden("the pooled verification reads every city of the feed: the city office's")
    if model not in ("wls", "persistence", "climatology"):
        raise UsageError("--pool: --model wls, persistence or climatology")
    pl = pooling.from_registry(scope.url, pool, unit, stations)
    first = start - dt.timedelta(days=pooling.POOL_LOOKBACK + series.LOOKBACK_PAD)
    frames = series.load(store, con, pl.units(), first, end)
    only = None if unit == "all" else [unit]
    got = pooling.rolling(frames, pl.coords, start, end, 3, only, model)
    results = {u: pooling.summary(g) for u, g in got.items() if any(g["aqi"][h] for h in g["aqi"])}
    head = {"pool": pool, "pool_units": len(pl.stations), "from": start.isoformat(), "to": end.isoformat(),
            "model": "wls-pool" if model == "wls" else model, "met_source": None,
            "definition": "滚动起报：每个起报日 D 只用 D 及以前的日值（池内各城市），预报 D+1…D+3；模型为各城市"
                          "相对自身气候态的距平合并训练（pool）；持续性 = D 日值；气候态 = 往年同期（±15 天）均值，"
                          "不足 20 个值时为 D 前 30 天均值"}
    if unit == "all":
        return {**head, "unit": "all", "overview": pooling.overview(results),
                "units": {u: {"stations": "、".join(pl.stations[u]), **r} for u, r in results.items()}}
    if unit not in results:
        raise UsageError(f"{unit}: no day of {start}…{end} could be forecast (no daily AQI, or fewer than "
                         f"{P.TRAILING_MIN} valid days in the {P.TRAILING} days before)")
    data_from, data_to, n = _window(frames[unit], end)
    return {**head, "unit": unit, "unit_name": unit, "stations": "、".join(pl.stations[unit]),
            "data_from": data_from.isoformat(), "data_days": n, **results[unit]}


_CACHE: dict = {}


def verify_all(scope: Scope, ws, store, con, start: dt.date, end: dt.date) -> list[dict]:
    """The verification of every unit with data that the caller may see (the data read once).
    Kept in memory per workspace, period and met import (a new day of data shows on the next period)."""
    from lantian.forecast import evaluate as ev          # cycle: service ↔ evaluate
    with db.session(scope.url) as s:
        met_mark = (s.scalar(sa.select(sa.func.count()).select_from(MetRow)),
                    s.scalar(sa.select(sa.func.max(MetRow.imported_at))))
    key = (scope.url, start, end, met_mark)
    if key not in _CACHE:
        try:
            units = series.resolve(scope.url, ws.config, _city(scope.url, ws.config))
        except UsageError:              # a new workspace: no city or no assessment stations yet
            return []
        first = start - dt.timedelta(days=series.LOOKBACK_DAYS)
        frames = series.load(store, con, units, first, end)
        rows = []
        for u in units.order:
            f = frames[u].loc[pd.Timestamp(start):pd.Timestamp(end)]
            if f["aqi"].notna().sum() < 10:
                continue
            met, met_source = metfile.frame(scope.url, u)
            r = ev.evaluate(frames, u, start, end, 3, met, "wls")
            rows.append({"unit": u, "unit_name": units.names.get(u, u), "from": start.isoformat(),
                         "to": end.isoformat(), "met_source": met_source,
                         "stations": units.membership.describe(u, start, end), **r})
        _CACHE.clear()
        _CACHE[key] = rows
    return [r for r in _CACHE[key] if _visible(scope, r["unit"])]


def _city(url: str, config) -> str:
    """The workspace's city (:func:`lantian.geography.city_code`)."""
    return geography.city_of(url, config)
