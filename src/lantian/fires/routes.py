"""The fire-point room's pages and API (行动计划 任务15): the list with filters, statistics and the map
of the points over the county boundaries; a case with its detections, photos and the finding form;
manual reports; the counties' figures and dates. A county user sees and acts on its own county's
fire points only (others: 404); enterprises see none."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import RedirectResponse

from lantian import attachments, db
from lantian.accounts.scope import Scope
from lantian.fires import reader, service
from lantian.fires.settings import fire_settings
from lantian.web.contract import choices
from lantian.web.params import DAY, PERIOD, documented, one_of, parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
Text = Annotated[str | None, Form(max_length=500)]


def _config(request: Request) -> dict:
    return request.app.state.workspace.config


def _time(text: str | None, name: str):
    if not text:
        return None
    when = reader.parse_time(text)
    if when is None:
        raise HTTPException(422, f"{name} {text!r}: Beijing time YYYY-MM-DD HH:MM")
    return when


def _year(request: Request, year: int | None) -> int:
    return year or request.app.state.workspace.as_of.year


# --------------------------------------------------------------------------- API
@router.get("/api/fires", tags=["fires"])
@scoped("signed_in")
def cases_api(request: Request, county: str | None = Query(None, max_length=32),
              status: Literal["pending", "escalated", "verified"] | None = Query(None),
              period: str | None = Query(None, pattern=PERIOD), scope: Scope = Depends(api_scope)) -> list[dict]:
    """The fire points (cases) the caller may see, newest first: status against the as-of date
    (待核查 / 逾期未核查（已升级） / 已核查), finding, the plan's key time slots."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.cases(s, scope, county=county, status=status, period=period, config=_config(request))


def _seasons(app) -> list[str]:
    """The workspace's [fires.seasons] names (春耕, 夏收, 秋收 …)."""
    return [season.name for season in fire_settings(app.state.workspace.config).seasons]


@router.get("/api/fires/stats", tags=["fires"])
@choices(season=_seasons)
@scoped("signed_in")
def stats_api(request: Request, year: int | None = Query(None, ge=1901, le=2199),
              season: str | None = Query(None, max_length=16), scope: Scope = Depends(api_scope)) -> dict:
    """Per county and city: fire points of the year or season, year on year, per 1 000 ha of farmland,
    the key time slots (收工时、上半夜、下雨前、播种前), status, straw utilisation rate (≥ 90 %)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.statistics(s, scope, _year(request, year), season or None, _config(request))


@router.get("/api/fires/{case_id}", tags=["fires"])
@scoped("signed_in")
def case_api(request: Request, case_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    """One fire point with its detections (satellite passes, reports) and photos."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.case_detail(s, scope, case_id, _config(request))


@router.post("/api/fires/{case_id}/finding", tags=["fires"])
@scoped("signed_in")
async def finding_api(request: Request, case_id: Id, kind: Annotated[str, Form(max_length=16, json_schema_extra=documented(service.KIND_OF))],
                      note: Annotated[str | None, Form(max_length=2000)] = None,
                      lat: Annotated[str | None, Form(max_length=32)] = None,
                      lon: Annotated[str | None, Form(max_length=32)] = None, by: Text = None,
                      at: Annotated[str | None, Form(max_length=32)] = None,
                      photos: Annotated[list[UploadFile] | None, File()] = None,
                      csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """核查结果: 秸秆焚烧 (straw) / 工业热源 (industrial) / 误报 (false_alarm) / 其他 (other), a note, the GPS
    position, who and when (Beijing, default now), photos (evidence files). The county of the fire
    point, inspectors and the city office record it."""
    page = form_post(request, csrf_token)
    files = [(f.filename or "photo", await f.read(attachments.MAX_BYTES + 1)) for f in photos or [] if f.filename]
    when = _time(at, "at")
    with as_http(), db.session(request.app.state.db_url) as s:
        result = service.record_finding(s, scope, case_id, kind, note=note, lat=lat or None, lon=lon or None, by=by,
                                        at=when)
        result["photos"] = [service.add_photo(s, request.app.state.workspace.root, scope, case_id, name, data).id
                            for name, data in files]
    if page:
        return RedirectResponse(f"/fires/cases/{case_id}", status_code=303)
    return result


@router.post("/api/fires/reports", tags=["fires"], status_code=201)
@scoped("signed_in")
def report_api(request: Request, time: Annotated[str, Form(max_length=32)], lat: Annotated[str, Form(max_length=32)],
               lon: Annotated[str, Form(max_length=32)],
               source: Annotated[str, Form(max_length=16, json_schema_extra=documented(reader.REPORT_SOURCES))],
               reporter: Annotated[str, Form(max_length=64)], note: Annotated[str | None, Form(max_length=2000)] = None,
               csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """A fire reported by a patrol (manual), a video camera (video) or a drone (drone), Beijing time:
    placed in its county, merged with a known fire or opened as a case."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        result = service.add_report(s, scope, time=_time(time, "time"), lat=lat, lon=lon, source=source,
                                    reporter=reporter, note=note, config=_config(request))
    if page:
        return RedirectResponse(f"/fires/cases/{result['case']}", status_code=303)
    return result


@router.post("/api/fires/figures", tags=["fires"])
@scoped("signed_in")
def figures_api(request: Request, county: Annotated[str, Form(max_length=32)],
                year: Annotated[int, Form(ge=1901, le=2199)],
                farmland_ha: Annotated[str | None, Form(max_length=32)] = None,
                straw_produced_t: Annotated[str | None, Form(max_length=32)] = None,
                straw_utilised_t: Annotated[str | None, Form(max_length=32)] = None,
                source: Annotated[str | None, Form(max_length=255)] = None,
                csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """A county's figures of a year (the county or the city office): farmland (ha), straw produced and
    utilised (t)."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        result = service.set_figures(s, scope, county, year, farmland_ha=farmland_ha,
                                     straw_produced_t=straw_produced_t, straw_utilised_t=straw_utilised_t,
                                     source=source)
    if page:
        return RedirectResponse(f"/fires?year={year}", status_code=303)
    return result


@router.post("/api/fires/calendar", tags=["fires"])
@scoped("signed_in")
def calendar_api(request: Request, county: Annotated[str, Form(max_length=32)],
                 kind: Annotated[str, Form(max_length=8, pattern=one_of(service.CALENDAR_KINDS))],
                 start: Annotated[str, Form(max_length=10, pattern=DAY)],
                 end: Annotated[str | None, Form(max_length=10, pattern=DAY)] = None,
                 note: Annotated[str | None, Form(max_length=500)] = None, csrf_token: Annotated[str, Form()] = "",
                 scope: Scope = Depends(api_scope)):
    """A county's rain forecast day (rain: 下雨前) or sowing window (sowing: 播种前)."""
    page = form_post(request, csrf_token)
    first = parse_day(start)
    if first is None:
        raise HTTPException(422, "start: YYYY-MM-DD")
    with as_http(), db.session(request.app.state.db_url) as s:
        result = service.add_calendar(s, scope, county, kind, first, parse_day(end), note)
    if page:
        return RedirectResponse("/fires", status_code=303)
    return result


# --------------------------------------------------------------------------- pages
@router.get("/fires", include_in_schema=False)
@scoped("signed_in")
def fires_page(request: Request, county: str | None = Query(None, max_length=32),
               status: str | None = Query(None, max_length=16), period: str | None = Query(None, max_length=10),
               year: int | None = Query(None, ge=1901, le=2199), season: str | None = Query(None, max_length=16),
               scope: Scope = Depends(page_scope)):
    config = _config(request)
    with as_http(), db.session(request.app.state.db_url) as s:
        rows = service.cases(s, scope, county=county or None, status=status or None, period=period or None,
                             config=config)
        stats = service.statistics(s, scope, _year(request, year), season or None, config)   # enterprises: 404
        names = service.visible_county_names(s, scope)
        dates = service.calendar(s, scope)
    return render(request, "fires/list.html", rows=rows, stats=stats, points=service.map_points(rows),
                  counts=service.status_counts(rows), names=names, dates=dates, scope=scope,
                  filters={"county": county or "", "status": status or "", "period": period or "",
                           "year": stats["year"], "season": season or ""},
                  statuses=service.STATUS, kinds=service.KINDS, seasons=[x.name for x in fire_settings(config).seasons],
                  acts=scope.who.role in service.ACTORS or scope.who.role == "county",
                  enters=scope.who.role in service.OFFICE or scope.who.role == "county")


@router.get("/fires/cases/{case_id}", include_in_schema=False)
@scoped("signed_in")
def case_page(request: Request, case_id: Id, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        c = service.case_detail(s, scope, case_id, _config(request))
    return render(request, "fires/case.html", c=c, kinds=service.KINDS)

