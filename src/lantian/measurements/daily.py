"""HJ 663 daily statistics over whole tables: 日平均, O3 日最大8小时平均, daily AQI.

Input: the filled station × hour grid (``s``, ``t`` hour-ending label, one int64 column per
pollutant in thousandths, null = missing). A day is hours 1…24 (hour-ending), so the value
labelled 00:00 belongs to the previous day. Every statistic keeps its coverage (hours or
windows counted) and its validity; the AQI records the HJ 633 version that produced it.
"""
from __future__ import annotations

from datetime import date

import ibis

from lantian.measurements import aqi as vaqi
from lantian.measurements.arith import SCALE, half_even_div, to_units
from lantian.standards.evaluation import settings
from lantian.standards.pollutants import DECIMALS, POLLUTANTS
from lantian.standards.rulesets import SWITCH_2026

DAY0 = date(1970, 1, 1).toordinal()
SWITCH_DAY = SWITCH_2026.toordinal() - DAY0


def with_day(grid):
    """Add ``day`` (days since 1970-01-01 of the hour's day) and ``hod`` (hour of day 1…24)."""
    day = ((grid.t - 1) // 24).cast("int64")
    return grid.mutate(day=day, hod=grid.t - day * 24)


def station_days(grid, grade: str = "II"):
    """日评价 per station-day — GB 3095 Table 4 (≥ 20 h), HJ 663 §6.1.2 (O3 MDA8), HJ 633 daily AQI.

    Columns: ``s``, ``day``, for each of PM2_5, PM10, SO2, NO2, CO: ``<p>`` (rounded daily mean,
    reporting units: µg/m³, CO in 0.1 mg/m³; null when invalid) and ``n_<p>`` (hours);
    ``O3_8h_max`` (MDA8), ``n_O3_8h`` (valid windows 08–24), ``O3_1h_max``, ``n_O3``;
    ``AQI``, ``aqi_version`` (2012/2026 by date), ``primary`` (e.g. ``PM2.5`` or ``PM2.5,PM10``).
    """
    cfg = settings()
    need_h = cfg["validity"]["daily_min_hours"]
    need_8 = cfg["validity"]["o3_8h_min_hours"]
    mda = cfg["o3_mda8"]
    limit = mda[f"exceedance_limit_grade_{grade}"]
    g = with_day(grid)
    w8 = ibis.window(group_by="s", order_by="t", preceding=7, following=0)
    n8 = g.O3.count().over(w8)
    s8 = g.O3.sum().over(w8)
    g = g.mutate(o3_8h=ibis.ifelse(n8 >= need_8, half_even_div(s8, n8 * SCALE), vaqi.NULL_INT),
                 o3_8h_over=(n8 >= need_8) & (s8 > n8 * (limit * SCALE)))
    in_day = (g.hod >= mda["window_end_first"]) & (g.hod <= mda["window_end_last"])
    g = g.mutate(o3_8h_day=ibis.ifelse(in_day, g.o3_8h, vaqi.NULL_INT), r_O3=to_units(g.O3, 0),
                 o3_8h_over_day=in_day & g.o3_8h_over.fill_null(False))
    aggs = {}
    for p in POLLUTANTS[:-1]:
        aggs[f"sum_{p}"] = g[p].sum()
        aggs[f"n_{p}"] = g[p].count()
    aggs.update(O3_8h_best=g.o3_8h_day.max(), n_O3_8h=g.o3_8h_day.count(),
                O3_8h_over=g.o3_8h_over_day.any(),
                O3_1h_best=g.r_O3.max(), n_O3=g.O3.count())
    d = g.group_by(["s", "day"]).aggregate(**aggs)
    cols = {}
    for p in POLLUTANTS[:-1]:
        unit = SCALE // 10 ** DECIMALS[p]
        n = d[f"n_{p}"]
        cols[p] = ibis.ifelse(n >= need_h, half_even_div(d[f"sum_{p}"], n * unit), vaqi.NULL_INT)
    # 超过浓度限值: on the reported MDA8 (修约值比较法) or on the exact 8-h mean ⚠ hj663.toml
    over = d.O3_8h_best > limit if mda["exceedance_compare"] == "rounded" else d.O3_8h_over
    mda_ok = (d.n_O3_8h >= mda["min_valid_windows"]) | over.fill_null(False)
    cols["O3_8h_max"] = ibis.ifelse(mda_ok, d.O3_8h_best, vaqi.NULL_INT)
    o3_1h_need = cfg["daily_report"]["o3_1h_max_min_hours"]
    cols["O3_1h_max"] = ibis.ifelse(d.n_O3 >= o3_1h_need, d.O3_1h_best, vaqi.NULL_INT)
    d = d.mutate(**cols)
    return daily_aqi(d).drop("O3_8h_best", "O3_8h_over", "O3_1h_best", *[f"sum_{p}" for p in POLLUTANTS[:-1]])


def daily_aqi(d):
    """日报 AQI of daily values — HJ 633—2012 §5.1 (7 indicators) before 2026-03-01, HJ 633—2026 after.

    2012: missing items are skipped (AQI of those present). 2026 §5.3.1: with an item
    missing the AQI stands only if it exceeds 100 (otherwise null, published as NA).
    """
    items = {"PM2_5": "PM2_5_24h", "PM10": "PM10_24h", "SO2": "SO2_24h", "NO2": "NO2_24h", "CO": "CO_24h"}
    names = {"PM2_5": "PM2.5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "CO": "CO", "O3": "O3"}
    base = d.columns
    is_2026 = d.day >= SWITCH_DAY
    stage = {}
    for version in (2012, 2026):
        for p, item in items.items():
            stage[f"i{version}_{p}"] = vaqi.iaqi(d[p], item, version)
        stage[f"i{version}_O3_1h"] = vaqi.iaqi(d.O3_1h_max, "O3_1h", version)
    d = d.mutate(**stage)
    d = d.mutate(i2012_O3=vaqi.iaqi(d.O3_8h_max, "O3_8h", 2012, fallback=d.i2012_O3_1h),
                 i2026_O3=vaqi.iaqi(d.O3_8h_max, "O3_8h", 2026))
    # the pollutant IAQI that counts: 2012 O3 is the larger of its 1-h and 8-h indices
    d = d.mutate(**{f"i_{p}": ibis.ifelse(is_2026, d[f"i2026_{p}"], d[f"i2012_{p}"]) for p in items},
                 i_O3=ibis.ifelse(is_2026, d.i2026_O3,
                                  vaqi.max_ignoring_null([d.i2012_O3, d.i2012_O3_1h])))
    best = vaqi.max_ignoring_null([d[f"i_{p}"] for p in names])
    complete = ibis.and_(*[d[c].notnull() for c in ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max")])
    aqi = ibis.ifelse(is_2026 & ~complete & (best <= 100), vaqi.NULL_INT, best)
    d = d.mutate(AQI=aqi, aqi_version=ibis.ifelse(is_2026, 2026, 2012))
    parts = [ibis.ifelse((d.AQI > 50) & (d[f"i_{p}"] == d.AQI), ibis.literal(label + ","), ibis.literal(""))
             for p, label in names.items()]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat(part)
    d = d.mutate(primary=joined.re_replace(",$", ""))
    d = d.mutate(primary=ibis.ifelse(d.primary == "", ibis.null().cast("string"), d.primary))
    return d.select(*base, "AQI", "aqi_version", "primary")


def area_days(days, stations: list[int]):
    """City/county daily values: the mean of its stations' daily values (docs/standards.md §8 ⚠
    ``mean_of_station_daily_values``), rounded by GB/T 8170; the AQI recomputed from them.

    ``stations`` are the grid indices of the area's evaluation (non-control) stations.
    """
    d = days.filter(days.s.isin(stations))
    aggs = {}
    for c in ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "O3_1h_max"):
        aggs[f"sum_{c}"] = d[c].sum()
        aggs[f"n_{c}"] = d[c].count()
    a = d.group_by("day").aggregate(n_stations=d.s.nunique(), **aggs)
    need = settings()["city_aggregation"]["min_valid_stations"]
    cols = {c: ibis.ifelse(a[f"n_{c}"] >= need, half_even_div(a[f"sum_{c}"], a[f"n_{c}"]), vaqi.NULL_INT)
            for c in ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "O3_1h_max")}
    a = a.mutate(**cols)
    return daily_aqi(a).drop(*[f"sum_{c}" for c in cols])
