"""月度通报 — the monthly air-quality bulletin to counties and departments, as data and as a document.

``monthly(ws, "2019-01")`` gathers every section from the services the pages use (so the numbers
are the pages' numbers): the city's month and year to date against target and a year before
(行动计划 五（五） 考核), Shanxi's cities ranked when their stations are in the store, the county
ranking with ties and changes, the counties behind schedule (序时进度) and the warning letters,
dust fall (任务14), fire points (任务15), heavy-pollution warnings and their acknowledgement (任务22),
and the plan's overdue tasks by department, and the trend of the city's monthly means (the analysis
room's). A section is None when it has no data; a section built on synthetic records says so
(``synthetic``: the records' own flag, set where each was made) and the document and the page
label it. The bulletin reads every room through its service, never its tables.

The costly part, the daily values of every unit, is computed once per bulletin (:class:`Month`) and
shared by the city figures, both rankings and the schedule, whose 序时进度 the plan's indicators
then reuse — the same functions on the same inputs, so still the pages' numbers.

``monthly_docx(data, out_dir)`` lays the bulletin out through the one document service
(:func:`lantian.documents.render_docx`, template ``document``) with the charts of :mod:`.charts`,
and converts it to PDF when LibreOffice is there.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from lantian import db, geography
from lantian.accounts.scope import Scope
from lantian.errors import NotFound, UsageError
from lantian.bulletins import settings
from lantian.standards import period as ref
from lantian.accounts.models import Enterprise
from lantian.assessment import service
from lantian.assessment.coverage import coverage, cn_day
from lantian.assessment.networks import Membership, official_stations, province_cities, describe
from lantian.assessment.progress import progress_rule
from lantian.assessment.ranking import OUTPUT, composite_columns, rank_units
from lantian.assessment.service import ranking, latest_data_day, progress_rows
from lantian.assessment.statistics import area_daily_units, period_statistics
from lantian.assessment.targets import targets
from lantian.documents import render_docx, to_pdf
from lantian.documents.content import Heading, Paragraph, Image, Table, OfficialDocument
from lantian.dustfall.service import bulletin
from lantian.emergency.service import alerts
from lantian.fires.service import cases, county_names
from lantian.measurements.engine import connect
from lantian.measurements.store import Store
from lantian.plan import indicators
from lantian.plan.service import seriously_late_counties, milestones_of, tasks
from lantian.plan.settings import plan_settings
from lantian.standards.ranking import change_rate, scheme

PRIMARY_LABELS = {"PM2_5": "PM2.5", "PM10": "PM10", "O3": "O3", "NO2": "NO2", "SO2": "SO2", "CO": "CO"}
BEHIND = {"behind": "滞后", "seriously_behind": "严重滞后"}


def parse_month(text: str) -> ref.Period:
    """``YYYY-MM`` → the month's period (UsageError naming the expected form otherwise)."""
    try:
        y, m = (int(x) for x in str(text).strip().split("-"))
        if not 1900 < y < 2200:
            raise ValueError(y)
        return ref.month(y, m)
    except ValueError:
        raise UsageError(f"month {text!r}: expected YYYY-MM (e.g. 2019-01)") from None


def _last_day(p: ref.Period) -> dt.date:
    return dt.date(p.start.year, p.start.month, calendar.monthrange(p.start.year, p.start.month)[1])


# --- what the sections share ------------------------------------------------------------------

@dataclass
class Month:
    """What every section of one bulletin reads, computed once: the daily values of every unit (the
    city, its counties and zones, Shanxi's cities) from 1 January of the year before to the month's
    end — the costly part, which the city figures, both rankings and the schedule used to compute
    each for itself — and the plan's indicator context, which then reuses the schedule's 序时进度."""
    ws: object
    p: ref.Period
    end: dt.date
    store: object
    con: object
    url: str
    scope: Scope
    members: object                          # networks.Membership: the city (its .city), counties, zones
    cities: object                           # networks.Membership: Shanxi's cities (by name)
    daily: pa.Table
    method: str
    ctx: object                              # lantian.plan.indicators.Context at the month's end

    @property
    def units(self) -> dict[str, list[str]]:
        return self.members.units

    @property
    def names(self) -> dict[str, str]:
        return self.members.names

    def of(self, units) -> pa.Table:
        """The daily rows of ``units`` only."""
        return self.daily.filter(pc.is_in(self.daily.column("unit"), value_set=pa.array(list(units), pa.string())))


def _month(ws, p: ref.Period, store, con, url: str) -> Month:
    members = official_stations(url, ws.config)
    province = settings.province(url, ws.config)
    cities = province_cities(url, ws.config, province) if province else Membership([], {}, {}, {}, members.rule)
    end = _last_day(p)
    both = Membership(members.spans + cities.spans, {}, {}, {}, members.rule)
    series = area_daily_units(store, both, dt.date(p.start.year - 1, 1, 1), end, con)
    return Month(ws, p, end, store, con, url, Scope.office(url, "report"), members, cities, series.table,
                 series.method, indicators.Context(url, store, con, end, ws.config))


# --- the city: month and year to date --------------------------------------------------------

def _figures(row: dict | None, stats: dict | None) -> dict | None:
    if row is None or row.get("composite_index") is None and row.get("pm25") is None:
        return None
    out = {k: row.get(k) for k in ("pm25", "pm10", "o3_8h_p90", "composite_index", "good_ratio",
                                   "composite_last", "change_rate")}
    if stats:
        out.update(heavy_days=stats["heavy_days"], good_days=stats["good_days"], aqi_days=stats["n_aqi_days"],
                   primary={PRIMARY_LABELS[p]: stats[f"primary_{p}"] for p in PRIMARY_LABELS
                            if stats.get(f"primary_{p}")})
    return out


def _ranked_figures(stats: dict, cols: dict, i: int, j: int | None, sch) -> dict:
    """The figures :func:`lantian.assessment.ranking.rank_units` gives a unit (concentrations, composite
    index, good-day ratio, change on the year before), from row ``i`` of its period statistics and row
    ``j`` of the year before's — for one unit, several periods in one statistics call."""

    def composite(k):
        return None if k is None or cols["composite"][k] < 0 else Fraction(int(cols["composite"][k]), 10 ** sch.index_dp)

    out = {OUTPUT[p]: None if cols[f"c_{p}"][i] < 0 else int(cols[f"c_{p}"][i]) / 10 ** sch.concentration_dp[p]
           for p in OUTPUT}
    now, last = composite(i), composite(j)
    rate = change_rate(now, last)
    out.update(composite_index=None if now is None else float(now), good_ratio=stats["good_ratio"],
               composite_last=None if last is None else float(last), change_rate=None if rate is None else float(rate))
    return out


def _city_statistics(daily: pa.Table, p: ref.Period, ytd: ref.Period, months: list[ref.Period], con) -> dict:
    """Period label → (statistics row, ranked figures or None) of the month, the year to date, each
    month so far and the same periods a year before: one HJ 663 statistics call, ranked as
    :func:`rank_units` ranks (its scheme, sand-dust days deducted — none are given here)."""
    before = {k.label: ref.same_period_last_year(k) for k in (p, ytd)}
    periods = list({k.label: k for k in [p, ytd, *before.values(), *months]}.values())
    tab = period_statistics(daily, periods, con, method="given", deduct_sand_dust=True).table
    sch = scheme()
    cols = composite_columns(tab, sch)
    rows = tab.to_pylist()
    at = {r["period"]: i for i, r in enumerate(rows)}
    return {label: (rows[i], _ranked_figures(rows[i], cols, i, at.get(before[label].label), sch)
                    if label in before else None) for label, i in at.items()}


def _city(m: Month) -> dict | None:
    """The city's monthly and year-to-date figures (same ranking code as the assessment pages)."""
    city_code = m.members.city
    city = m.units.get(city_code)
    if not city:
        return None
    p, end, con = m.p, m.end, m.con
    ytd = ref.year_to_date(end)
    daily = m.of([city_code])
    this_year = [r for r in daily.select(["date", "AQI", "primary", "PM2_5"]).to_pylist()
                 if r["date"] >= ytd.start]
    if not any(r["date"] >= p.start and r["AQI"] is not None for r in this_year):
        return None
    months = [ref.month(p.start.year, k) for k in range(1, p.start.month + 1)]
    stats = _city_statistics(daily, p, ytd, months, con)
    with db.session(m.url) as s:
        t = targets(s, p.start.year, [city_code]).get(city_code, {})
    target = {k: {"value": float(v.value), "synthetic": bool(v.synthetic)} for k, v in t.items()}
    monthly_pm25 = [{"month": k.start.month, "pm25": stats[k.label][0]["mean_PM2_5"]} for k in months
                    if k.label in stats]
    days = [{"date": r["date"].isoformat(), "aqi": r["AQI"], "primary": r["primary"]}
            for r in this_year if p.start <= r["date"] <= end]
    month_stats, month_ranked = stats.get(p.label, (None, None))
    ytd_stats, ytd_ranked = stats.get(ytd.label, (None, None))
    figures = {"month": _figures(month_ranked, month_stats), "year_to_date": _figures(ytd_ranked, ytd_stats)}
    covered = {"month": coverage(daily, [city_code], p.start, end)[city_code],
               "year_to_date": coverage(daily, [city_code], ytd.start, end)[city_code]}
    for key, c in covered.items():
        if figures[key] is not None:
            figures[key].update(coverage=c.as_dict(), complete=c.complete)
    used = m.members.used(city_code, ytd.start, end)
    return {**figures, "name": m.names.get(city_code, city_code),
            "ytd_label": f"{ytd.start.month}—{end.month}月" if end.month > 1 else "1月", "targets": target,
            "synthetic_targets": any(v["synthetic"] for v in target.values()),
            "monthly_pm25": monthly_pm25, "days": days, "method": m.method,
            "stations": used, "stations_text": describe(used), "network_rule": m.members.rule.describe()}


# --- Shanxi's cities ---------------------------------------------------------------------------

def _cities(m: Month) -> dict | None:
    """The province's cities ranked as units (composite index, ties 并列) — when their data is in. Each
    city's figure is formed from its national points (the registry's, 对照点 excluded: the city rule of
    :mod:`lantian.assessment.networks`)."""
    if len(m.cities.units) < 2:
        return None
    result = rank_units(m.store, m.cities, m.p, m.con, previous=ref.same_period_last_year(m.p),
                        daily=m.of(m.cities.units))
    rows = [r for r in result.table.to_pylist() if r["valid_days"]]
    if sum(1 for r in rows if r["rank"] is not None) < 2:
        return None
    return {"rows": [{"name": r["unit"], "rank": r["rank"], "composite_index": r["composite_index"],
                      "pm25": r["pm25"], "pm10": r["pm10"], "o3_8h_p90": r["o3_8h_p90"],
                      "good_ratio": r["good_ratio"], "change_rate": r.get("change_rate"),
                      "largest": r["largest_index_pollutant"], "complete": r["complete"],
                      "coverage_problem": r["coverage_problem"], "valid_days": r["valid_days"],
                      "last_day": r["last_day"], "stations": len(r["stations"])} for r in rows],
            "ranked": sum(1 for r in rows if r["rank"] is not None), "method": m.method}


# --- counties: ranking, schedule, letters --------------------------------------------------------

def _counties(m: Month) -> dict | None:
    """The counties ranked with year-on-year change, on the shared daily values."""
    rows = ranking(m.scope, m.store, m.con, m.p, yoy=True, daily=m.of([u for u in m.units if u != m.members.city]),
                   members=m.members)
    if not any(r["rank"] is not None for r in rows):
        return None
    ranks = [r["rank"] for r in rows if r["rank"] is not None]
    return {"rows": [{"unit": r["unit"], "name": r["name"], "rank": r["rank"], "composite_index": r["composite_index"],
                      "pm25": r["pm25"], "good_ratio": r["good_ratio"], "composite_last": r.get("composite_last"),
                      "change_rate": r.get("change_rate"), "change_rank": r.get("change_rank"),
                      "tied": ranks.count(r["rank"]) > 1, "complete": r["complete"],
                      "coverage_problem": r["coverage_problem"], "valid_days": r["valid_days"], "days": r["days"],
                      "last_day": r["last_day"], "stations_text": r["stations_text"]} for r in rows]}


def _unit_progress(m: Month) -> list[dict]:
    """序时进度 of every unit on the month's last day — :func:`lantian.assessment.service.progress_rows`
    for the city office, on the shared daily values. Computed without sand-dust days or plan findings on
    the plan's as-of day, it is the very 序时进度 the plan's indicators read (``pm25_schedule``), so they
    are given it."""
    with db.session(m.url) as s:
        findings = seriously_late_counties(s, m.end, plan_settings(m.ws.config))
    rows, dust = progress_rows(m.scope, m.store, m.con, m.end, progress_rule(m.ws.config), findings,
                               daily=m.of(m.units), members=m.members)
    if not dust and not findings and latest_data_day(m.store, m.end) == m.end:
        m.ctx.know_progress(rows)
    return [r.as_dict() for r in rows]


def _schedule(m: Month) -> dict | None:
    rows = _unit_progress(m)
    if not any(r["status"] for r in rows):
        return None
    behind = [{"unit": r["unit"], "name": r["name"], "status": r["status"], "status_label": BEHIND[r["status"]],
               "pm25": r["pm25"], "pm25_target": r["pm25_target"], "good_ratio": r["good_ratio"],
               "good_ratio_target": r["good_ratio_target"], "reasons": r["reasons"], "complete": r["complete"],
               "coverage_problem": r["coverage_problem"], "interview": r["status"] == "seriously_behind"}
              for r in rows if r["status"] in BEHIND]
    return {"date": m.end.isoformat(), "behind": behind, "assessed": sum(1 for r in rows if r["status"]),
            "interview": [r["name"] for r in behind if r["interview"]],
            "coverage": [{"unit": r["unit"], "name": r["name"], "complete": r["complete"],
                          "coverage_problem": r["coverage_problem"], "coverage_text": r["coverage_text"]}
                         for r in rows if r["status"]],
            "synthetic": any(r["synthetic_targets"] for r in rows)}


def _letters(m: Month) -> dict | None:
    """Letters on this month's assessment: assessed within the month or the month after."""
    end = m.end
    upto = _last_day(ref.month(end.year + end.month // 12, end.month % 12 + 1))
    rows = [r for r in service.letters(m.scope, Path(m.ws.root))
            if m.p.start.isoformat() <= r["assessed_on"] <= upto.isoformat()]
    if not rows:
        return None
    demo = [r["synthetic"] for r in rows]
    kinds = {"warning": "预警通知函", "interview": "约谈建议"}
    statuses = {"draft": "拟稿", "issued": "已印发", "received": "已签收", "rectified": "已整改"}
    return {"rows": [{"name": r["name"], "kind": kinds.get(r["kind"], r["kind"]), "assessed_on": r["assessed_on"],
                      "doc_number": r["doc_number"], "status": statuses.get(r["status"], r["status"]),
                      "synthetic": d} for r, d in zip(rows, demo)],
            "synthetic": any(demo)}


# --- dust fall, fires, warnings, plan -----------------------------------------------------------

def _dustfall(s, p: ref.Period, config) -> dict | None:
    try:
        b = bulletin(s, f"{p.start:%Y-%m}", config)
    except UsageError:
        return None
    b["synthetic"] = any(r["synthetic"] for r in b["counties"])
    return b


def _fires(s, scope: Scope, p: ref.Period, config) -> dict | None:
    rows = cases(s, scope, period=f"{p.start:%Y-%m}", config=config)
    if not rows:
        return None
    names = county_names(s)
    by = Counter(r["county"] for r in rows)
    verified = Counter(r["county"] for r in rows if r["status"] == "verified")
    table = [{"county": c, "name": names.get(c, c), "cases": n, "verified": verified[c]}
             for c, n in sorted(by.items(), key=lambda x: (-x[1], x[0]))]
    return {"rows": table, "total": len(rows), "synthetic": any(r["synthetic"] for r in rows),
            "real": sum(1 for r in rows if not r["synthetic"])}


def _alerts(s, scope: Scope, p: ref.Period) -> dict | None:
    """Warnings started in the month, with the share of listed enterprises that acknowledged (签收率);
    demo data when the warning is synthetic or when every listed enterprise is a synthetic one."""
    import sqlalchemy as sa

    end = _last_day(p)
    rows = [a for a in alerts(s, scope) if p.start.isoformat() <= a["start"] <= end.isoformat()]
    if not rows:
        return None
    out = []
    for a in sorted(rows, key=lambda a: a["start"]):
        pct = None if not a["listed"] else round(100 * a["acknowledged"] / a["listed"], 1)
        listed = [e["enterprise_id"] for e in a["enterprises"]]
        synthetic = bool(listed) and all(s.scalars(sa.select(Enterprise.synthetic).where(Enterprise.id.in_(listed))))
        out.append({"id": a["id"], "level_name": a["level_name"], "start": a["start"], "end": a["expected_end"],
                    "doc_number": a["doc_number"], "listed": a["listed"], "acknowledged": a["acknowledged"],
                    "compliance_percent": pct, "county_acks": len(a["county_acks"]), "state": a["state"],
                    "synthetic": synthetic or a["synthetic"]})
    return {"rows": out, "synthetic": any(r["synthetic"] for r in out)}


def _overdue_tasks(m: Month, s) -> dict | None:
    """The late tasks by lead department; synthetic when an open milestone due by the month's end is."""
    _, rows = tasks(s, m.scope, m.ctx, plan_settings(m.ws.config))
    late = [r for r in rows if r["overdue"] or r["status"] == "overdue"]
    if not late:
        return None
    by: dict[str, list] = defaultdict(list)
    for r in late:
        for dept in r["lead"] or ["（未明确牵头单位）"]:
            by[dept].append({"number": r["number"], "title": r["title"], "overdue": r["overdue"],
                             "seriously_late": r["seriously_late"]})
    return {"date": m.end.isoformat(), "departments": [{"name": k, "tasks": v} for k, v in sorted(by.items())],
            "synthetic": any(x["synthetic"] for x in milestones_of(s, [r["id"] for r in late], due_by=m.end,
                                                                   state="open"))}


# --- the trend (the analysis room's) -----------------------------------------------------------

#: the pollutants of the trend section: (the analysis room's daily column, the label)
TREND_POLLUTANTS = (("AQI", "AQI"), ("PM2_5", "PM2.5"), ("O3_8h_max", "O3-8h"))
#: how far back the trend of monthly means reaches: the month's year and the years before it
TREND_YEARS = 5
TREND_BOOT = 500


def _trend_fit(analysis, m: Month, target, column: str, start: dt.date) -> dict | None:
    """:func:`lantian.analysis.service.trend_of` of the city's monthly means up to the month's end
    (None when it has too few months: the analysis room's refusal)."""
    try:
        t = analysis.trend_of(m.store, m.con, target, column, start, m.end, n_boot=TREND_BOOT)
    except UsageError:
        return None
    months = [x for x in t["series"] if x["value"] is not None]
    return {"slope_per_year": t["slope_per_year"], "lower": t["lower"], "upper": t["upper"], "p": t["p"],
            "percent_per_year": t["percent_per_year"], "n_months": t["n_months"],
            "months": len(t["series"]), "from": months[0]["period"], "to": months[-1]["period"],
            "gaps": len(t["series"]) - len(months), "direction": _direction(t)}


def _direction(t: dict) -> str:
    """上升 / 下降 when the Mann–Kendall p is below 0.05, else 无显著趋势."""
    if t["p"] is None or t["p"] >= 0.05:
        return "无显著趋势"
    return "上升" if t["slope_per_year"] > 0 else "下降"


def _same_month(analysis, m: Month, target, column: str) -> dict | None:
    """:func:`lantian.analysis.service.compare_of` of this month against the same month a year before
    (None when either side has fewer than 2 days with data)."""
    before = ref.same_period_last_year(m.p)
    try:
        c = analysis.compare_of(m.store, m.con, target, (before.start, before.end), target, (m.p.start, m.end),
                                column, paired=False)
    except UsageError:
        return None
    return {"this": c["mean_b"], "last": c["mean_a"], "difference": c["difference"], "lower": c["lower"],
            "upper": c["upper"], "relative_percent": None if c["relative"] is None else round(100 * c["relative"], 1),
            "significant": c["significant"], "days_this": c["n_b"], "days_last": c["n_a"]}


def _trend(m: Month) -> dict | None:
    """变化趋势: for AQI, PM2.5 and O3-8h of the city, the Theil–Sen trend of its monthly means over up to
    :data:`TREND_YEARS` years to the month's end and this month against the same month a year before —
    the analysis room's computations (:mod:`lantian.analysis.service`), each with what it covers."""
    from lantian.analysis import service as analysis
    try:
        target = analysis.resolve(m.scope, m.url, m.ws.config, unit=m.members.city)
    except (NotFound, UsageError):
        return None
    start = dt.date(m.p.start.year - TREND_YEARS + 1, 1, 1)
    rows = []
    for column, label in TREND_POLLUTANTS:
        fit, same = _trend_fit(analysis, m, target, column, start), _same_month(analysis, m, target, column)
        if fit is None and same is None:
            continue
        rows.append({"pollutant": column, "label": label, "unit": analysis.UNITS[column], "trend": fit,
                     "same_month": same, "coverage": _trend_coverage(fit, same, m)})
    if not rows:
        return None
    return {"rows": rows, "target": target.name, "stations": len(target.stations), "from": start.isoformat(),
            "to": m.end.isoformat(), "boot": TREND_BOOT}


def _trend_coverage(fit: dict | None, same: dict | None, m: Month) -> str:
    """What a trend row rests on, in words (the label the section carries)."""
    parts = []
    if fit:
        parts.append(f"趋势：{fit['from']}至{fit['to']}共{fit['months']}个月，{fit['n_months']}个月有月均值"
                     + (f"（{fit['gaps']}个月有效日数不足半月，未计入）" if fit["gaps"] else "") )
    else:
        parts.append("趋势：有月均值的月份不足3个，不作趋势分析")
    if same:
        parts.append(f"同比：本月有效{same['days_this']}天，上年同月有效{same['days_last']}天")
    else:
        parts.append(f"同比：{m.p.start.year - 1}年{m.p.start.month}月无足够监测数据")
    return "；".join(parts)


# --- the bulletin ------------------------------------------------------------------------------

class NoBulletin(UsageError, NotFound):
    """The month has no air-quality data for the city: no bulletin is made (the message says why); the
    API answers 404 (no such bulletin), as the document says — the month itself was well formed."""


def _no_data(m: Month) -> NoBulletin:
    city_code = m.members.city
    t = m.of([city_code])
    valid = t.filter(pc.is_valid(t.column("AQI"))).column("date").to_pylist()
    before = [d for d in valid if d < m.p.start]
    months = m.store.months()
    if not m.units.get(city_code):
        why = "站点登记中没有全市考核点位"
    elif before:
        why = f"全市监测数据截至{cn_day(max(before))}"
    elif months:
        (y0, m0), (y1, m1) = months[0], months[-1]
        why = f"监测数据库现有{y0}年{m0}月至{y1}年{m1}月的数据"
    else:
        why = "监测数据库中尚无数据"
    return NoBulletin(f"{m.p.start.year}年{m.p.start.month}月无全市环境空气质量监测数据（{why}），不生成月度通报"
                      f" — no air-quality data for the city in {m.p.start:%Y-%m}: no bulletin")


def _incomplete(data: dict) -> str | None:
    """数据不完整：… for the top of the bulletin — every figure in it whose data falls short."""
    from lantian.assessment.coverage import note
    problems: list[tuple[str, str]] = []
    city = data["city"]
    for key, label in (("month", f"{data['month_number']}月"), ("year_to_date", f"{city['ytd_label']}累计")):
        fig = city.get(key)
        if fig and not fig["complete"]:
            problems.append((f"{data['city_name']}（{label}）", fig["coverage"]["problem"]))
    for r in (data.get("counties") or {}).get("rows", []):
        if not r["complete"] and r["valid_days"]:
            problems.append((f"{r['name']}（{data['month_number']}月）", r["coverage_problem"]))
    for r in (data.get("schedule") or {}).get("coverage", []):
        if not r["complete"]:
            problems.append((f"{r['name']}（{city['ytd_label']}累计）", r["coverage_problem"]))
    for r in (data.get("cities") or {}).get("rows", []):
        if not r["complete"] and r["valid_days"]:
            problems.append((f"{r['name']}（{data['month_number']}月）", r["coverage_problem"]))
    merged: dict[tuple[str, str], list[str]] = {}        # one entry per unit and problem: 长治市（6月、1—6月累计）…
    for label, problem in problems:
        name, _, period = label.partition("（")
        periods = merged.setdefault((name, problem), [])
        if period.rstrip("）") not in periods:
            periods.append(period.rstrip("）"))
    return note((f"{name}（{'、'.join(periods)}）", problem) for (name, problem), periods in merged.items())


def monthly(ws, month: str, *, con=None, url: str | None = None, strict: bool = False) -> dict:
    """Every section of the month's bulletin (None when it has no data), as the pages compute it
    (``url``: the database, when not the workspace's own — the web app's).

    A month without the city's air-quality data has no bulletin (:class:`NoBulletin`, saying why).
    ``incomplete`` is the 数据不完整 sentence when a figure's data falls short of the HJ 663 minimums
    (:mod:`lantian.assessment.coverage`); ``strict`` then refuses (:class:`UsageError`, the reason named)."""
    p = parse_month(month)
    m = _month(ws, p, Store(ws.measurements), con or connect(None, ws.config), url or ws.database_url)
    city = _city(m)
    if city is None:
        raise _no_data(m)
    data = {"month": f"{p.start:%Y-%m}", "year": p.start.year, "month_number": p.start.month,
            "city_name": city["name"], "city": city, "cities": _cities(m), "counties": _counties(m),
            "schedule": _schedule(m), "letters": _letters(m),
            "issuer": settings.issuer(ws.config, city["name"])}
    data["incomplete"] = _incomplete(data)
    if strict and data["incomplete"]:
        raise UsageError(f"--strict: the bulletin of {data['month']} is not produced — {data['incomplete']}")
    with db.session(m.url) as s:
        data["dustfall"] = _dustfall(s, p, ws.config)
        data["fires"] = _fires(s, m.scope, p, ws.config)
        data["alerts"] = _alerts(s, m.scope, p)
        data["tasks"] = _overdue_tasks(m, s)
    data["trend"] = _trend(m)
    data["sections"] = [k for k in TITLES if data.get(k) is not None]
    return data


#: the sections in order, with their headings (the document's and the page's)
SECTION_TITLES = {"city": "全市环境空气质量", "cities": "全省11个设区市排名", "counties": "县（市、区）排名",
                  "schedule": "目标序时进度", "letters": "预警通知函及约谈建议", "dustfall": "降尘监测",
                  "fires": "火点监测", "alerts": "重污染天气应急", "tasks": "重点任务逾期情况"}
SECTIONS = tuple(SECTION_TITLES)
#: every heading, the trend of the analysis room's included: it closes the bulletin when the store holds
#: three months or a year before (a January of the store's first year has none)
TITLES = {**SECTION_TITLES, "trend": "变化趋势"}


def monthly_docx(data: dict, out_dir: Path, *, workspace=None, pdf: bool = True,
                 url: str | None = None) -> tuple[Path, Path | None]:
    """The bulletin as .docx (and PDF when LibreOffice is installed) in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = document(data, out_dir / "charts", workspace=workspace, url=url)
    docx = render_docx("document", doc, out_dir / f"空气质量月度通报-{data['month']}.docx", workspace=workspace)
    return docx, (to_pdf(docx) if pdf else None)


# --- the document ------------------------------------------------------------------------------

SYNTHETIC_NOTE = "（本节数据为合成演示数据，仅供演示，不代表实际情况）"


def _n(v, dp: int | None = None) -> str:
    if v is None:
        return "—"
    if dp is None:
        return f"{v:g}" if isinstance(v, float) else str(v)
    return f"{v:.{dp}f}"


def _pct(v) -> str:
    return "—" if v is None else f"{v:+.1f}%"


def _mark(complete: bool) -> str:
    """※ after a figure whose data falls short of the HJ 663 minimums (explained at the top)."""
    return "" if complete else "※"


def _target(v) -> str:
    return "未设定目标" if v is None else _n(v)


def _heading(blocks, text: str, synthetic: bool = False) -> None:
    blocks.append(Heading(text + ("（合成演示数据）" if synthetic else "")))
    if synthetic:
        blocks.append(Paragraph(SYNTHETIC_NOTE))


def _city_blocks(blocks, data, charts: Path) -> None:
    from lantian.bulletins import charts as C          # lazy: charts pull matplotlib
    c, m, y = data["city"], data["city"]["month"], data["city"]["year_to_date"]
    month = data["month_number"]
    _heading(blocks, SECTION_TITLES["city"])
    target = c["targets"].get("pm25_mean", {}).get("value")
    good_target = c["targets"].get("good_day_ratio", {}).get("value")
    mm, my = _mark(m["complete"]), _mark(y["complete"])
    blocks.append(Paragraph(
        f"{data['year']}年{month}月，{data['city_name']}PM2.5平均浓度为{_n(m['pm25'])}{mm}微克/立方米，PM10为"
        f"{_n(m['pm10'])}{mm}微克/立方米，臭氧日最大8小时平均第90百分位数为{_n(m['o3_8h_p90'])}{mm}微克/立方米，"
        f"环境空气质量综合指数为{_n(m['composite_index'], 2)}{mm}；优良天数{m['good_days']}天（有效{m['aqi_days']}天），"
        f"优良天数比例为{_n(m['good_ratio'], 1)}{mm}%，重污染天数{m['heavy_days']}天。"))
    rows = [["指标", f"{month}月", f"{c['ytd_label']}累计", "同比（累计）", "年度目标"],
            ["PM2.5（μg/m³）", _n(m["pm25"]) + mm, _n(y["pm25"]) + my, "—", _target(target)],
            ["PM10（μg/m³）", _n(m["pm10"]) + mm, _n(y["pm10"]) + my, "—", "—"],
            ["O3-8h-90per（μg/m³）", _n(m["o3_8h_p90"]) + mm, _n(y["o3_8h_p90"]) + my, "—", "—"],
            ["综合指数", _n(m["composite_index"], 2) + mm, _n(y["composite_index"], 2) + my, _pct(y["change_rate"]),
             "—"],
            ["优良天数比例（%）", _n(m["good_ratio"], 1) + mm, _n(y["good_ratio"], 1) + my, "—", _target(good_target)],
            ["重污染天数（天）", str(m["heavy_days"]), str(y["heavy_days"]), "—", "—"]]
    note = (f"{month}月{m['coverage']['text']}；{c['ytd_label']}累计{y['coverage']['text']}。"
            "同比：与上年同期相比；上年同期无数据时为“—”。")
    if c["synthetic_targets"]:
        note += "年度目标为合成演示目标（synthetic）。"
    blocks.append(Table(rows, caption=f"表1 {data['city_name']}环境空气质量", note=note, widths=[4.2, 1.6, 2, 2.2, 2]))
    blocks.append(Image(str(C.pm25_bars(c["monthly_pm25"], target, charts / "pm25.png", year=data["year"])),
                        13, "图1 PM2.5月均浓度与年度目标"))
    blocks.append(Image(str(C.aqi_calendar(c["days"], data["year"], month, charts / "calendar.png")),
                        12, f"图2 {month}月逐日AQI日历"))
    if m.get("primary"):
        blocks.append(Image(str(C.primary_share(m["primary"], charts / "primary.png", title="首要污染物天数占比")),
                            10, "图3 首要污染物天数占比"))


def _cities_blocks(blocks, data) -> None:
    c = data["cities"]
    _heading(blocks, SECTION_TITLES["cities"])
    mine = next((r for r in c["rows"] if r["name"] == data["city_name"]), None)
    if mine:
        blocks.append(Paragraph(f"按环境空气质量综合指数，{data['month_number']}月{data['city_name']}在全省"
                                f"{c['ranked']}个设区市中排名第{mine['rank']}。"))
    rows = [["排名", "城市", "综合指数", "PM2.5", "PM10", "O3-8h-90per", "优良比例（%）", "最大指数污染物"]]
    rows += [[_n(r["rank"]), r["name"] + _mark(r["complete"]), _n(r["composite_index"], 2), _n(r["pm25"]),
              _n(r["pm10"]), _n(r["o3_8h_p90"]), _n(r["good_ratio"], 1), r["largest"] or "—"] for r in c["rows"]]
    blocks.append(Table(rows, caption="表2 全省设区市环境空气质量综合指数排名",
                        note="数据来源：国家城市空气质量实时发布平台站点数据，按HJ 663—2013计算；综合指数相同者并列。",
                        widths=[0.8, 1.5, 1.2, 1.1, 1.1, 1.6, 1.4, 1.8]))


def _counties_blocks(blocks, data) -> None:
    _heading(blocks, SECTION_TITLES["counties"])
    rows = [["排名", "县（市、区）", "综合指数", "PM2.5", "优良比例（%）", "同比变化", "改善排名"]]
    for r in data["counties"]["rows"]:
        rank = "—" if r["rank"] is None else f"{r['rank']}{'（并列）' if r['tied'] else ''}"
        mark = _mark(r["complete"] or not r["valid_days"])
        rows.append([rank, r["name"] + mark, _n(r["composite_index"], 2) + mark, _n(r["pm25"]) + mark,
                     _n(r["good_ratio"], 1) + mark, _pct(r["change_rate"]), _n(r["change_rank"])])
    blocks.append(Table(rows, caption="表3 县（市、区）环境空气质量综合指数排名",
                        note="无排名（—）：当月无有效监测数据；※：数据未达到有效性要求（见文首说明）。"
                             "各县（市、区）的评价点位见附表。", widths=[1.2, 2, 1.5, 1, 1.5, 1.5, 1.2]))


def _schedule_blocks(blocks, data) -> None:
    sch = data["schedule"] or {"synthetic": False, "behind": None}
    _heading(blocks, SECTION_TITLES["schedule"], sch["synthetic"] or bool((data.get("letters") or {}).get("synthetic")))
    if sch["behind"] is None:
        pass
    elif not sch["behind"]:
        blocks.append(Paragraph(f"截至{sch['date']}，各县（市、区）均达到序时进度。"))
    else:
        names = "、".join(r["name"] for r in sch["behind"])
        text = f"截至{sch['date']}，{names}未达到序时进度。"
        if sch.get("interview"):
            text += f"其中，{'、'.join(sch['interview'])}严重滞后于序时进度，达到约谈情形。"
        blocks.append(Paragraph(text))
        rows = [["单位", "进度", "PM2.5", "PM2.5目标", "优良比例（%）", "优良比例目标（%）"]]
        rows += [[r["name"] + _mark(r["complete"]), r["status_label"], _n(r["pm25"]) + _mark(r["complete"]),
                  _target(r["pm25_target"]), _n(r["good_ratio"], 1) + _mark(r["complete"]),
                  _target(r["good_ratio_target"])] for r in sch["behind"]]
        blocks.append(Table(rows, caption="表4 未达到序时进度的单位", widths=[2, 1, 1, 1, 1.5, 1.5]))
    if data.get("letters"):
        rows = [["单位", "文书", "考核日期", "文号", "状态"]]
        rows += [[r["name"], r["kind"], r["assessed_on"], r["doc_number"] or "—", r["status"]]
                 for r in data["letters"]["rows"]]
        blocks.append(Table(rows, caption="表5 预警通知函及约谈建议", widths=[2, 2, 2, 3, 1.5]))


def _dustfall_blocks(blocks, data) -> None:
    d = data["dustfall"]
    _heading(blocks, SECTION_TITLES["dustfall"], d["synthetic"])
    above = "、".join(d["above"]) or "无"
    blocks.append(Paragraph(f"{d['period']}全市降尘量平均{_n(d['city']['mean'])}吨/平方公里·月，最高"
                            f"{_n(d['city']['max'])}，最低{_n(d['city']['min'])}；超过{_n(d['threshold'])}的县区：{above}。"))
    rows = [["排名", "县（市、区）", "降尘量（吨/平方公里·月）", "同比"]]
    ranks = [r["rank"] for r in d["counties"]]
    rows += [[f"{r['rank']}{'（并列）' if ranks.count(r['rank']) > 1 else ''}", r["name"], _n(r["value"]),
              _pct(r["yoy_percent"])] for r in d["counties"]]
    blocks.append(Table(rows, caption="表6 县（市、区）降尘量", widths=[1.6, 2, 3, 1.2]))


def _fires_blocks(blocks, data) -> None:
    f = data["fires"]
    _heading(blocks, SECTION_TITLES["fires"], f["synthetic"])
    blocks.append(Paragraph(f"本月共发现火点{f['total']}处（其中卫星及实报{f['real']}处为真实数据）。"))
    rows = [["县（市、区）", "火点（处）", "已核查（处）"]]
    rows += [[r["name"], str(r["cases"]), str(r["verified"])] for r in f["rows"]]
    blocks.append(Table(rows, caption="表7 县（市、区）火点", widths=[2, 1, 1]))


def _alerts_blocks(blocks, data) -> None:
    _heading(blocks, SECTION_TITLES["alerts"], data["alerts"]["synthetic"])
    rows = [["级别", "启动日期", "预计解除", "清单企业", "签收企业", "签收率（%）", "县区签收"]]
    rows += [[a["level_name"], a["start"], a["end"] or "—", str(a["listed"]), str(a["acknowledged"]),
              _n(a["compliance_percent"], 1), str(a["county_acks"])] for a in data["alerts"]["rows"]]
    blocks.append(Table(rows, caption="表8 重污染天气预警发布及响应", widths=[2.8, 2, 2, 1.2, 1.2, 1.5, 1.2]))


def _tasks_blocks(blocks, data) -> None:
    t = data["tasks"]
    _heading(blocks, SECTION_TITLES["tasks"], t["synthetic"])
    rows = [["牵头单位", "任务", "逾期节点", "严重滞后"]]
    for d in t["departments"]:
        for task in d["tasks"]:
            rows.append([d["name"], f"任务{task['number']} {task['title']}", str(task["overdue"]),
                         "是" if task["seriously_late"] else "否"])
    blocks.append(Table(rows, caption=f"表9 截至{t['date']}逾期任务（按牵头单位）", widths=[2, 5, 1, 1]))


def _trend_blocks(blocks, data) -> None:
    t = data["trend"]
    _heading(blocks, TITLES["trend"])
    rows = [["指标", "年变化率（单位/年）", "95%区间", "p", "趋势", f"{data['month_number']}月均值", "上年同月", "同比"]]
    for r in t["rows"]:
        fit, same = r["trend"], r["same_month"]
        rows.append([r["label"] + (f"（{r['unit']}）" if r["unit"] else ""),
                     "—" if fit is None else f"{fit['slope_per_year']:+.2f}",
                     "—" if fit is None else f"{fit['lower']:+.2f}～{fit['upper']:+.2f}",
                     "—" if fit is None else f"{fit['p']:.3f}", "—" if fit is None else fit["direction"],
                     "—" if same is None else _n(same["this"], 1), "—" if same is None else _n(same["last"], 1),
                     "—" if same is None else _pct(same["relative_percent"])])
    blocks.append(Table(rows, caption=f"表10 {t['target']}主要指标变化趋势", widths=[2.2, 2, 2.4, 1, 1.5, 1.5, 1.5, 1.2],
                        note="趋势：月均值的Theil–Sen斜率，区间为自助法95%置信区间，p为Mann–Kendall检验；"
                             f"月均值为{t['target']}{t['stations']}个评价点位日均值的平均（分析室口径）。"))
    for r in t["rows"]:
        blocks.append(Paragraph(f"{r['label']}：{r['coverage']}。"))


def document(data: dict, charts: Path, *, workspace=None, url: str | None = None):
    """The bulletin's content blocks, only the sections that have data."""
    from lantian.bulletins import charts as C          # lazy: charts pull matplotlib
    blocks: list = [Paragraph(data["incomplete"])] if data.get("incomplete") else []
    blocks.append(Paragraph(f"现将{data['year']}年{data['month_number']}月全市大气污染防治有关情况通报如下。"))
    if data.get("city"):
        _city_blocks(blocks, data, Path(charts))
    if data.get("cities"):
        _cities_blocks(blocks, data)
    if data.get("counties"):
        _counties_blocks(blocks, data)
        areas = _county_areas(url or (workspace.database_url if workspace is not None else None))
        if areas:
            values = {r["unit"]: r["composite_index"] for r in data["counties"]["rows"]}
            blocks.append(Image(str(C.county_map(areas, values, Path(charts) / "map.png",
                                                 title=f"{data['month_number']}月县（市、区）综合指数")),
                                12, "图4 县（市、区）综合指数分布"))
    if data.get("schedule") or data.get("letters"):
        _schedule_blocks(blocks, data)
    for key, fn in (("dustfall", _dustfall_blocks), ("fires", _fires_blocks), ("alerts", _alerts_blocks),
                    ("tasks", _tasks_blocks), ("trend", _trend_blocks)):
        if data.get(key):
            fn(blocks, data)
    if data.get("city"):
        _stations_blocks(blocks, data)
    # GB/T 9704—2012 §7.3.1: a title too long for one line breaks where the words allow, in a trapezoid
    return OfficialDocument(title=f"关于{data['year']}年{data['month_number']}月全市环境空气质量\n情况的通报",
                            recipients="各县（市、区）人民政府，市直有关部门", blocks=blocks,
                            issuer=data.get("issuer") or settings.issuer(None, data.get("city_name")),
                            date=data.get("date") or dt.date.today())


def _stations_blocks(blocks, data) -> None:
    """附表: the stations each figure is formed from and what its data covers."""
    c = data["city"]
    rows = [["单位", "评价点位", f"{data['month_number']}月数据"]]
    rows.append([c["name"], c["stations_text"], c["month"]["coverage"]["text"]])
    for r in (data.get("counties") or {}).get("rows", []):
        covered = f"数据截至{r['last_day']}，有效{r['valid_days']}天" if r["last_day"] else "无有效监测数据"
        rows.append([r["name"], r["stations_text"], covered + _mark(r["complete"])])
    blocks.append(Table(rows, caption="附表 评价点位及数据覆盖", widths=[1.6, 6, 3],
                        note=f"评价点位按{c['network_rule']}确定；其他点位（乡镇站、微站等）不参与考核评价。"
                             "有效天数：六项污染物中有效日均值最少的天数（GB 3095—2012表4、HJ 663）。"))


def _county_areas(url: str | None) -> list[tuple[str, str, dict]]:
    """(code, name, GeoJSON geometry) of the counties, from the registry's boundaries."""
    if url is None:
        return []
    with db.session(url) as s:
        return geography.polygons(s, "county")
