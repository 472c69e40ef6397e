"""The analysis room's pages (/analysis/…) and API (/api/analysis/…): every chart drawn with the
offline ECharts, downloadable as PNG/SVG (the chart's toolbox) and its numbers as CSV (the API with
``format=csv``). Targets come through the caller's scope: outside it a station or area is 404."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from lantian.accounts.scope import Scope
from lantian.analysis import service, tables
from lantian.errors import InputError, NotFound, UsageError
from lantian.web.params import parse_day
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

router = APIRouter()
KINDS = ("calendar", "variation", "trend", "exceedance", "compare", "rose")
TITLES = {"calendar": "日历图", "variation": "时间变化", "trend": "趋势", "exceedance": "百分位与超标",
          "compare": "对比", "rose": "风玫瑰与污染玫瑰"}
CSV_TABLES = {"calendar": ("calendar",), "variation": ("variation", "trend-level"), "trend": ("trend",),
              "exceedance": ("exceedance",), "compare": ("compare",),
              "rose": ("wind_rose", "pollution_rose", "polar")}


def _met_dir(request: Request) -> Path:
    return request.app.state.workspace.root / "met"


def met_files(request: Request) -> list[str]:
    d = _met_dir(request)
    return sorted(p.name for p in d.glob("*.csv")) if d.is_dir() else []


def _home(scope: Scope, url: str, config) -> str | None:
    """The area a page opens on: the caller's county, or the workspace's city for the city-wide."""
    from lantian import geography
    return geography.city_of(url, config) if scope.city_wide else scope.unit


def _compute(request: Request, scope: Scope, kind: str, q: dict) -> dict:
    """One analysis for the query ``q`` (the page's form / the API's parameters)."""
    app = request.app
    store, url, config = app.state.store, app.state.db_url, app.state.workspace.config
    if kind == "rose":
        return _rose(request, scope, q)
    target = service.resolve(scope, url, config, station=q.get("station") or None,
                             unit=None if q.get("station") else (q.get("unit") or _home(scope, url, config)))
    column, hourly = service.pollutant(q.get("pollutant") or ("AQI" if kind == "calendar" else "PM2.5"))
    start, end = parse_day(q.get("from")), parse_day(q.get("to"))
    with app.state.engine_lock:
        if kind == "calendar":
            year = int(q.get("year") or service.default_period(store)[0].year)
            month = int(q["month"]) if q.get("month") else None
            if month is not None and not 1 <= month <= 12:
                raise UsageError(f"month {month}: expected 1–12")
            return service.calendar_of(store, app.state.con, target, column, year, month)
        if kind == "variation":
            if hourly is None:
                raise UsageError("hourly AQI is not stored; choose a pollutant")
            first, last = service.period(store, start, end)
            return service.variation_of(store, target, hourly, first, last)
        if kind == "trend":
            if start is None and end is None:
                months = store.months()
                if not months:
                    raise UsageError("the measurement store is empty")
                start = dt.date(months[0][0], months[0][1], 1)
            first, last = service.period(store, start, end)
            return service.trend_of(store, app.state.con, target, column, first, last,
                                    deseason=q.get("deseason") in ("1", "true", "on"))
        if kind == "exceedance":
            first, last = service.period(store, start, end)
            return service.exceedance_of(store, app.state.con, target, first, last)
        if kind == "compare":
            first, last = service.period(store, start, end)
            other = target
            if q.get("vs_station") or q.get("vs_unit"):
                other = service.resolve(scope, url, config, station=q.get("vs_station") or None,
                                        unit=None if q.get("vs_station") else q.get("vs_unit"))
            split = parse_day(q.get("split"))
            if split:
                if not first < split <= last:
                    raise UsageError(f"split {split} must fall after {first} and by {last}")
                pa_, pb = (first, split - dt.timedelta(days=1)), (split, last)
            else:
                pa_ = (first, last)
                pb = (parse_day(q.get("vs_from")) or first, parse_day(q.get("vs_to")) or last)
            if other == target and pa_ == pb:
                raise UsageError("nothing to compare: give a split date, another period or another station")
            return service.compare_of(store, app.state.con, target, pa_, other, pb, column)
    raise HTTPException(404, f"no analysis {kind!r}")


def _rose(request: Request, scope: Scope, q: dict) -> dict:
    from lantian.analysis.wind import read_met
    files = met_files(request)
    name = q.get("met") or (files[0] if files else None)
    if name is None:
        raise UsageError("no met file in the workspace's met/ folder (time,wd,ws[,station,pollutants] or UCI Beijing CSV)")
    if name not in files:
        raise NotFound(f"no met file {name!r}")
    path = _met_dir(request) / name
    met = service._cached(("met", str(path), path.stat().st_mtime_ns), lambda: read_met(path))
    visible = [s for s in met.stations() if scope.city_wide or scope.station(s) is not None]
    if not visible:
        if q.get("met_station"):
            raise NotFound(f"no station of {name} in your scope")
        raise UsageError("本辖区没有气象数据（风向、风速）：气象文件中没有您权限范围内的站点 "
                         "(no met station in your scope)")
    station = q.get("met_station") or (visible[0] if len(met.stations()) > 1 or not scope.city_wide else None)
    if station is not None and station not in visible:
        raise NotFound(f"no station {station!r} of {name} in your scope")
    hourly = service.pollutant(q["pollutant"])[1] if q.get("pollutant") else None
    if hourly is None and met.pollutants:
        hourly = "PM2_5" if "PM2_5" in met.pollutants else sorted(met.pollutants)[0]
    r = service.rose_of(met, hourly, station)
    r["stations"], r["files"] = visible, files
    return r


#: a new workspace (or a scope without stations): what to import first
NO_TARGETS = ("尚无可分析的站点或区域：先导入站点与区县边界（lantian import stations 站点.csv --boundaries 区县边界.json）"
              "和监测数据（lantian import wide 小时数据.csv），见 docs/onboarding.md 第 2、3 步")

#: a target outside the caller's scope does not exist; the answer does not repeat what was asked
NOT_FOUND = "没有这个站点、区域或气象文件（或不在您的权限范围内） (no such station, area or met file in your scope)"


def _errors(fn):
    try:
        return fn()
    except NotFound:
        raise HTTPException(404, NOT_FOUND) from None
    except (UsageError, InputError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/analysis", include_in_schema=False)
@scoped("signed_in")
def analysis_home(request: Request, scope: Scope = Depends(page_scope)):
    return analysis_page(request, "calendar", scope)


@router.get("/analysis/{kind}", include_in_schema=False)
@scoped("signed_in")
def analysis_page(request: Request, kind: str, scope: Scope = Depends(page_scope)):
    if kind not in KINDS:
        raise HTTPException(404, "没有这个分析 (no such analysis)")
    q = dict(request.query_params)
    app = request.app
    choices = service.targets(scope, app.state.db_url, app.state.workspace.config)
    if not q.get("station") and not q.get("unit") and choices:
        q["unit" if choices[0].kind == "unit" else "station"] = choices[0].code
    result, error = None, None
    try:
        if not choices and not q.get("station") and not q.get("unit"):
            raise UsageError(NO_TARGETS)
        result = _compute(request, scope, kind, q)
    except NotFound:
        raise HTTPException(404, NOT_FOUND) from None
    except (UsageError, InputError, ValueError) as exc:
        error = str(exc)
    csv_query = "&".join(f"{k}={v}" for k, v in q.items() if v)
    return render(request, f"analysis/{kind}.html", kind=kind, kinds=KINDS, titles=TITLES, q=q, result=result,
                  error=error, targets=choices, csv_query=csv_query, csv_tables=CSV_TABLES[kind],
                  met_files=met_files(request) if kind == "rose" else [], scope=scope)


@router.get("/api/analysis/{kind}", tags=["analysis"])
@scoped("signed_in")
def analysis_api(request: Request, kind: str,
                 station: str | None = Query(None, description="a station code"),
                 unit: str | None = Query(None, description="an area: the city 140400 or a county/zone code"),
                 pollutant: str | None = Query(None, description="AQI, PM2.5, PM10, SO2, NO2, CO, O3"),
                 start: str | None = Query(None, alias="from", description="YYYY-MM-DD"),
                 end: str | None = Query(None, alias="to", description="YYYY-MM-DD"),
                 year: int | None = Query(None, ge=1901, le=2199), month: int | None = Query(None, ge=1, le=12),
                 deseason: bool = False, split: str | None = None, vs_station: str | None = None,
                 vs_unit: str | None = None, vs_from: str | None = None, vs_to: str | None = None,
                 met: str | None = Query(None, description="a file of the workspace's met/ folder"),
                 met_station: str | None = None,
                 format: str = Query("json", pattern="^(json|csv)$"),
                 table: str | None = Query(None, description="with format=csv: which table of the analysis"),
                 scope: Scope = Depends(api_scope)):
    """One analysis (``kind``: calendar, variation, trend, exceedance, compare, rose) of a station or
    area in the caller's scope; ``format=csv`` gives the numbers behind a chart (``table``)."""
    if kind not in KINDS:
        raise HTTPException(404, f"no analysis {kind!r}; choose one of {', '.join(KINDS)}")
    q = {"station": station, "unit": unit, "pollutant": pollutant, "from": start, "to": end,
         "year": year, "month": month, "deseason": "1" if deseason else None, "split": split,
         "vs_station": vs_station, "vs_unit": vs_unit, "vs_from": vs_from, "vs_to": vs_to, "met": met,
         "met_station": met_station}
    result = _errors(lambda: _compute(request, scope, kind, q))
    if format == "json":
        return result
    which = table or CSV_TABLES[kind][0]
    if which not in CSV_TABLES[kind]:
        raise HTTPException(422, f"table {which!r}: choose one of {', '.join(CSV_TABLES[kind])}")
    if kind == "rose":
        if which != "wind_rose" and which not in result:
            raise HTTPException(422, f"{result['file']} carries no pollutant for a {which}")
        head, rows = tables.rose_rows(result, which)
    else:
        head, rows = tables.ROWS[which](result)
    code = (result.get("target") or {}).get("code") or result.get("file", "met")
    return Response("\ufeff" + tables.to_csv(head, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="analysis-{which}-{code}.csv"'})
