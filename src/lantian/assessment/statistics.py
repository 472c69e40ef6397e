"""HJ 663 period statistics over whole tables — vectorized (Ibis, run on DuckDB), exact.

Input: daily tables as :mod:`lantian.measurements.series` gives them (one row per unit and day;
``SO2``, ``NO2``, ``PM10``, ``PM2_5``, ``O3_8h_max`` integers µg/m³, ``CO`` in 0.1 mg/m³, ``AQI``,
``primary``; null = invalid), with a ``unit`` column naming the station or area. Output: one row
per unit and period with every statistic of :func:`lantian.standards.period.summarize`, its
coverage and validity, and the rule set, aggregation method and sand-dust treatment used. All
arithmetic is on integers (sums, counts, interpolation numerators), rounded once by GB/T 8170
(:func:`lantian.measurements.arith.half_even_div`), so results equal the scalar reference exactly.

Columns (``<p>`` in SO2, NO2, PM10, PM2_5, CO, O3; O3 statistics are of the daily max 8-h means):
``unit, period, kind, start, end, n_days`` · ``n_<p>`` valid days (before any sand-dust deduction),
``coverage_<p>`` = n_<p>/n_days, ``valid_<p>`` · ``mean_<p>``, ``p98_/p95_/p90_<p>`` (statistics
decimals of hj663.toml, CO in mg/m³) · exact parts ``sum_<p>``, ``nused_<p>`` (mean = sum/nused in
reporting units) and ``pct100_<p>`` (percentile × 100 in reporting units) · ``n_sand_dust_<p>`` ·
``attains_<p>``, ``attains`` (null = not determinable) · ``n_aqi_days, good_days, exceedance_days,
heavy_days, severe_days, good_ratio, heavy_ratio`` (% 1 dp) · ``primary_<p>`` days · ``ruleset,
validity_rule, method, sand_dust``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

import ibis
import pyarrow as pa

from lantian.measurements.arith import half_even_div
from lantian.measurements.daily import daily_aqi
from lantian.measurements.series import DailySeries, station_daily
from lantian.measurements.store import Store
from lantian.standards import period as ref
from lantian.standards.evaluation import settings
from lantian.standards.pollutants import DECIMALS
from lantian.standards.rounding import exact
from lantian.standards.rulesets import RuleSet, limit, ruleset_for
from lantian.assessment.networks import Membership, fixed

#: the period statistics' order (SO2 first), as :data:`lantian.standards.period.COLUMNS` lists them
ORDER = tuple(ref.COLUMNS)
AREA_COLUMNS = ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "O3_1h_max")


@dataclass
class PeriodStatistics:
    table: pa.Table
    method: str               # how the daily values were formed (station / mean_of_station_daily_values …)
    sand_dust: str            # "deducted" | "kept"
    rules: list[str]          # validity rules of the periods


# --- daily inputs -------------------------------------------------------------------------------

def station_daily_units(store: Store, stations: list[str], start: date, end: date, con,
                        exclude: list[str] | None = None) -> DailySeries:
    """:func:`series.station_daily` with a ``unit`` column (= the station code)."""
    d = station_daily(store, stations, start, end, con, exclude=exclude)
    return DailySeries(d.table.append_column("unit", d.table.column("station")), d.excluded_hours, d.rule,
                       d.method)


def area_daily_units(store: Store, units, start: date, end: date, con,
                     exclude: list[str] | None = None) -> DailySeries:
    """Daily values of many areas at once: ``units`` is a :class:`~lantian.assessment.networks.Membership`
    (each unit's assessment stations, dated: a station enters a unit's day only on the days it counts
    for it) or a mapping unit → its evaluation stations (对照点 already left out), for every day.

    The same rule as :func:`lantian.measurements.daily.area_days` (``city_aggregation`` of
    hj663.toml: mean of the stations' valid daily values, GB/T 8170, ≥ ``min_valid_stations``),
    grouped by unit instead of one area per call; the AQI is recomputed from the area values.
    """
    spans = (units if isinstance(units, Membership) else fixed(units)).table()
    stations = sorted(set(spans.column("station").to_pylist()))
    sd = station_daily(store, stations, start, end, con, exclude=exclude)
    epoch = date(1970, 1, 1)
    to_day = lambda col: pa.array([(d - epoch).days for d in spans.column(col).to_pylist()], pa.int64())
    days = ibis.memtable(sd.table.select(["station", "day", *AREA_COLUMNS]))
    p = ibis.memtable(pa.table({"unit": spans.column("unit"), "member": spans.column("station"),
                                "first": to_day("first"), "last": to_day("last")}))
    d = days.join(p, (days.station == p.member) & (days.day >= p["first"]) & (days.day <= p["last"]))
    d = d.select("unit", "station", "day", *AREA_COLUMNS)
    aggs = {}
    for c in AREA_COLUMNS:
        aggs[f"sum_{c}"] = d[c].sum()
        aggs[f"n_{c}"] = d[c].count()
    a = d.group_by(["unit", "day"]).aggregate(n_stations=d.station.nunique(), **aggs)
    need = settings()["city_aggregation"]["min_valid_stations"]
    null = ibis.null().cast("int64")
    a = a.mutate(**{c: ibis.ifelse(a[f"n_{c}"] >= need, half_even_div(a[f"sum_{c}"], a[f"n_{c}"]), null)
                    for c in AREA_COLUMNS})
    # daily_aqi keeps the columns it is given: drop the sums first
    a = a.drop(*[f"sum_{c}" for c in AREA_COLUMNS])
    out = con.to_pyarrow(daily_aqi(a).order_by(["unit", "day"]))
    out = out.append_column("date", pa.compute.cast(pa.compute.multiply(out.column("day"), 86400)
                                                    .cast(pa.timestamp("s")), pa.date32()))
    return DailySeries(out, sd.excluded_hours, sd.rule, settings()["city_aggregation"]["daily_means"])


# --- period statistics --------------------------------------------------------------------------

def _periods_table(periods: Sequence[ref.Period], ruleset: RuleSet | None, grade: str):
    v = settings()["validity"]
    rows, months = [], []
    for i, p in enumerate(periods):
        rs = ruleset or ruleset_for(p.start)
        row = {"pid": i, "p_start": p.start, "p_end": p.end, "n_days": p.n_days,
               "min_days": v["annual_min_days"] if p.kind == "year" else 1, "ruleset": rs.id}
        for pol, items in ref.ATTAINMENT.items():
            for _, averaging in items:
                lim = exact(limit(rs, f"{pol}_{averaging}", grade)) * 10 ** DECIMALS[pol]
                if lim.denominator != 1:
                    raise ValueError(f"limit {pol}_{averaging} is not whole in reporting units")
                row[f"lim_{pol}_{averaging}"] = int(lim)
        req = 0
        for y, m, first, last in p.months():
            whole = first.day == 1 and last == ref.month(y, m).end
            if p.kind == "year":
                need = ref.month_minimum(y, m)
            elif v["monthly_enforce"] and whole:
                need = v["monthly_min_days_february"] if m == 2 else v["monthly_min_days"]
            else:
                continue
            months.append({"pid": i, "ym": y * 100 + m, "need": need})
            req += 1
        row["req_months"] = req
        rows.append(row)
    mt = pa.table({"pid": pa.array([m["pid"] for m in months], pa.int64()),
                   "ym": pa.array([m["ym"] for m in months], pa.int64()),
                   "need": pa.array([m["need"] for m in months], pa.int64())})
    return pa.Table.from_pylist(rows), mt


def _sand_dust_table(sand_dust, units: list[str]) -> pa.Table:
    if sand_dust is None:
        pairs: list[tuple[str, date]] = []
    elif isinstance(sand_dust, Mapping):
        pairs = [(u, d) for u, ds in sand_dust.items() for d in ds]
    else:
        ds = list(sand_dust)
        pairs = [(u, d) for u in units for d in ds]
    return pa.table({"unit": pa.array([u for u, _ in pairs], pa.string()),
                     "date": pa.array([d for _, d in pairs], pa.date32()),
                     "dust": pa.array([True] * len(pairs), pa.bool_())})


def _scaled(num, den, pol: str):
    """num/den in reporting units → integer count of the statistics decimals (GB/T 8170)."""
    shift = ref.statistics_dp(pol) - DECIMALS[pol]
    if shift >= 0:
        return half_even_div(num * 10 ** shift, den)
    return half_even_div(num, den * 10 ** (-shift))


def _reported(num, den, pol: str):
    """num/den in reporting units → reporting decimals (GB/T 8170), for comparison with the limits."""
    return half_even_div(num, den)


def period_statistics(daily: pa.Table, periods: Sequence[ref.Period] | ref.Period, con, *,
                      ruleset: RuleSet | None = None, grade: str = "II", method: str = "station",
                      sand_dust: Mapping[str, Iterable[date]] | Iterable[date] | None = None,
                      deduct_sand_dust: bool = False, unit: str = "unit") -> PeriodStatistics:
    """HJ 663 statistics of every unit of ``daily`` over every period, as one Arrow table.

    ``sand_dust``: dates marked sand-dust affected — a mapping unit → dates, or one list for all
    units (city-wide). With ``deduct_sand_dust`` PM10 and PM2.5 means and percentiles leave those
    days out; counts and ratios keep them. ``ruleset`` defaults to the rule set in force on each
    period's first day; ``method`` is recorded (how the daily values were formed).
    """
    if isinstance(periods, ref.Period):
        periods = [periods]
    cols = [ref.COLUMNS[p] for p in ORDER]
    src = daily.select([unit, "date", *cols, "AQI", "primary"])
    if unit != "unit":
        src = src.rename_columns(["unit", *src.column_names[1:]])
    units = sorted(set(src.column("unit").to_pylist()))
    ptab, mtab = _periods_table(periods, ruleset, grade)
    t = ibis.memtable(src)
    pt = ibis.memtable(ptab)
    j = t.join(pt, (t.date >= pt.p_start) & (t.date <= pt.p_end))
    dust = ibis.memtable(_sand_dust_table(sand_dust, units))
    j = j.left_join(dust, [j.unit == dust.unit, j.date == dust.date]).select(j, dust.dust)
    j = j.mutate(dust=j.dust.fill_null(False),
                 ym=(j.date.year() * 100 + j.date.month()).cast("int64"))
    used = {}
    for p, c in zip(ORDER, cols):
        cut = deduct_sand_dust and p in ref.SAND_DUST_DEDUCTED
        used[p] = ibis.ifelse(j.dust, ibis.null().cast("int64"), j[c]) if cut else j[c]
    j = j.mutate(**{f"u_{p}": e for p, e in used.items()})
    keys = ["unit", "pid"]

    def primary_has(label):
        return ibis.ifelse((ibis.literal(",") + j.primary + ",").contains(f",{label},"), 1, 0)

    aggs = {}
    for p, c in zip(ORDER, cols):
        aggs[f"n_{p}"] = j[c].count()
        aggs[f"sum_{p}"] = j[f"u_{p}"].sum()
        aggs[f"nused_{p}"] = j[f"u_{p}"].count()
        aggs[f"primary_{p}"] = primary_has(ref.LABELS[p]).sum()
    aggs.update(n_aqi_days=j.AQI.count(), good_days=ibis.ifelse(j.AQI <= 100, 1, 0).sum(),
                exceedance_days=ibis.ifelse(j.AQI > 100, 1, 0).sum(),
                heavy_days=ibis.ifelse(j.AQI > 200, 1, 0).sum(), severe_days=ibis.ifelse(j.AQI > 300, 1, 0).sum(),
                n_sand_dust_days=ibis.ifelse(j.dust, 1, 0).sum())
    base = j.group_by(keys).aggregate(**aggs)

    # months meeting their minimum (annual rule, or enforced monthly rule)
    mt = ibis.memtable(mtab)
    mc = j.group_by([*keys, "ym"]).aggregate(**{f"m_{p}": j[c].count() for p, c in zip(ORDER, cols)})
    mc = mc.join(mt, ["pid", "ym"])
    mok = mc.group_by(keys).aggregate(**{f"okm_{p}": ibis.ifelse(mc[f"m_{p}"] >= mc.need, 1, 0).sum()
                                         for p in ORDER})
    base = base.left_join(mok, keys).select(base, *[mok[f"okm_{p}"] for p in ORDER])

    # percentiles: HJ 663 Annex A, k = 1 + (n−1)·P/100, in integers
    for p in ORDER:
        P = ref.percentile_p(p) * 100
        if P.denominator != 1:
            raise ValueError(f"percentile {P} of {p} is not a whole percent")
        P = int(P)
        v = j.filter(j[f"u_{p}"].notnull()).select("unit", "pid", x=j[f"u_{p}"])
        w = ibis.window(group_by=keys, order_by="x")
        v = v.mutate(rn=ibis.row_number().over(w) + 1, n=v.x.count().over(ibis.window(group_by=keys)))
        v = v.mutate(s=1 + ((v.n - 1) * P) // 100, r=((v.n - 1) * P) % 100)
        null = ibis.null().cast("int64")
        g = v.group_by(keys).aggregate(xs=ibis.ifelse(v.rn == v.s, v.x, null).max(),
                                       xs1=ibis.ifelse(v.rn == v.s + 1, v.x, null).max(), r=v.r.max())
        g = g.mutate(**{f"pct100_{p}": (100 * g.xs + (g.xs1.fill_null(g.xs) - g.xs) * g.r).cast("int64")})
        base = base.left_join(g, keys).select(base, g[f"pct100_{p}"])

    b = base.join(pt, base.pid == pt.pid).select(base, *[pt[c] for c in ptab.column_names if c != "pid"])
    out = {}
    for p in ORDER:
        dp = ref.statistics_dp(p)
        scale = 10 ** dp
        mean_i = ibis.ifelse(b[f"nused_{p}"] > 0, _scaled(b[f"sum_{p}"], b[f"nused_{p}"], p), ibis.null().cast("int64"))
        pct_i = _scaled(b[f"pct100_{p}"], ibis.literal(100), p)
        out[f"mean_{p}"] = mean_i.cast("float64") / scale
        out[f"{ref.percentile_name(p)}_{p}"] = pct_i.cast("float64") / scale
        valid = (b[f"n_{p}"] >= b.min_days) & (b[f"okm_{p}"].fill_null(0) >= b.req_months)
        out[f"valid_{p}"] = valid
        out[f"coverage_{p}"] = b[f"n_{p}"].cast("float64") / b.n_days
        out[f"n_sand_dust_{p}"] = (b[f"n_{p}"] - b[f"nused_{p}"]) if deduct_sand_dust and p in ref.SAND_DUST_DEDUCTED \
            else ibis.literal(0).cast("int64")
        items = []
        for stat, averaging in ref.ATTAINMENT[p]:
            rep = _reported(b[f"sum_{p}"], b[f"nused_{p}"], p) if stat == "mean" \
                else _reported(b[f"pct100_{p}"], ibis.literal(100), p)
            ok = rep <= b[f"lim_{p}_{averaging}"]
            items.append(ibis.ifelse(valid & (b[f"nused_{p}"] > 0), ok, ibis.null().cast("boolean")))
        att = items[0]
        for it in items[1:]:
            att = att & it
        out[f"attains_{p}"] = att
    overall = out["attains_SO2"]
    for p in ORDER[1:]:
        overall = overall & out[f"attains_{p}"]
    out["attains"] = overall
    null = ibis.null().cast("int64")
    for name, k in (("good_ratio", b.good_days), ("heavy_ratio", b.heavy_days)):
        out[name] = ibis.ifelse(b.n_aqi_days > 0, half_even_div(k.fill_null(0) * 1000, b.n_aqi_days), null)\
            .cast("float64") / 10
    fills = {c: b[c].fill_null(0) for c in ("good_days", "exceedance_days", "heavy_days", "severe_days",
                                            "n_sand_dust_days", *[f"primary_{p}" for p in ORDER])}
    res = b.mutate(**out, **fills).order_by(["unit", "pid"])
    table = con.to_pyarrow(res)
    # period metadata and the recorded settings
    pids = table.column("pid").to_pylist()
    sd = "deducted" if deduct_sand_dust else "kept"
    meta = {"period": [periods[i].label for i in pids], "kind": [periods[i].kind for i in pids],
            "start": pa.array([periods[i].start for i in pids], pa.date32()),
            "end": pa.array([periods[i].end for i in pids], pa.date32()),
            "validity_rule": [ref.validity_rule(periods[i]) for i in pids],
            "method": [method] * len(pids), "sand_dust": [sd] * len(pids)}
    keep = ["unit", "n_days", "ruleset"]
    for p in ORDER:
        keep += [f"n_{p}", f"coverage_{p}", f"valid_{p}", f"mean_{p}", f"{ref.percentile_name(p)}_{p}",
                 f"sum_{p}", f"nused_{p}", f"pct100_{p}", f"n_sand_dust_{p}", f"attains_{p}"]
    keep += ["attains", "n_aqi_days", "good_days", "exceedance_days", "heavy_days", "severe_days",
             "good_ratio", "heavy_ratio", *[f"primary_{p}" for p in ORDER], "n_sand_dust_days"]
    cols_out = {"unit": table.column("unit"), "period": meta["period"], "kind": meta["kind"],
                "start": meta["start"], "end": meta["end"]}
    for c in keep[1:]:
        cols_out[c] = table.column(c)
    for c in ("validity_rule", "method", "sand_dust"):
        cols_out[c] = meta[c]
    rules = sorted({ref.validity_rule(p) for p in periods})
    return PeriodStatistics(pa.table(cols_out), method, sd, rules)
