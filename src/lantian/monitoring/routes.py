"""The monitoring room's pages and API: the city dashboard (首页), stations, county shapes."""
from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from lantian import attachments, geography
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import BEIJING, session, to_beijing
from lantian.web.params import DAY, Day, parse_day
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render
from lantian.web.viewcache import cached

router = APIRouter()


def _dashboard(request: Request, scope: Scope, day: dt.date | None) -> dict:
    from lantian.assessment.networks import official_stations
    from lantian.monitoring.dashboard import dashboard
    app = request.app
    stations = scope.stations(include_stopped=True)
    members = cached(request, None, "official_stations",
                     lambda: official_stations(app.state.db_url, app.state.workspace.config))
    members = members.only(u for u in members.order if scope.can_see_unit(u))
    with app.state.engine_lock:
        return dashboard(app.state.store, stations, day, app.state.con, as_of=app.state.workspace.as_of,
                         members=members)


@router.get("/", include_in_schema=False)
@scoped("signed_in")
def home(request: Request, date: str | None = None, scope: Scope = Depends(page_scope)):
    data = _dashboard(request, scope, parse_day(date))
    from lantian.forecast import service as forecasts
    return render(request, "monitoring/dashboard.html", data=data, data_json=json.dumps(data, ensure_ascii=False),
                  scope=scope, forecasts=forecasts.latest(scope))


@router.get("/api/dashboard", tags=["monitoring"])
@scoped("signed_in")
def dashboard_api(request: Request, date: Day = None,
                  scope: Scope = Depends(api_scope)) -> dict:
    """The dashboard's numbers: each visible station's and county's daily AQI for the day and the day
    before, and 30 days of county AQI."""
    return _dashboard(request, scope, parse_day(date))


class StationOut(BaseModel):
    code: str
    name: str
    county: str | None          # adcode (or zone code) of the county/zone the station counts for
    county_name: str | None
    lon: float | None
    lat: float | None
    control_point: bool
    network: str                # national | provincial | city | county | township | sensor
    network_name: str           # 国控 | 省控 | 市控 | 县控 | 乡镇 | 微站
    status: str
    since: str | None           # the day its current version took effect (None: since the registry began)


def _station_out(r) -> StationOut:
    from lantian.measurements.stations import network_name
    return StationOut(code=r.code, name=r.name, county=r.unit_code, county_name=r.unit_name, lon=r.lon,
                      lat=r.lat, control_point=r.control_point, network=r.network,
                      network_name=network_name(r.network), status=r.status,
                      since=None if r.valid_from is None else to_beijing(r.valid_from).date().isoformat())


@router.get("/api/stations", response_model=list[StationOut], tags=["monitoring"])
@scoped("signed_in")
def stations_api(scope: Scope = Depends(api_scope)):
    """The stations the caller may see."""
    return [_station_out(r) for r in scope.stations()]


@router.get("/api/stations/{code}", response_model=StationOut, tags=["monitoring"])
@scoped("signed_in")
def station_api(code: str, scope: Scope = Depends(api_scope)):
    """One station (404 when it is outside the caller's scope)."""
    r = scope.station(code)
    if r is None:
        raise HTTPException(404, "no such station")
    return _station_out(r)


#: who may change a station's network (it decides which official figures the station enters)
SET_NETWORK = policy.ROOMS["monitoring"].approve


def _network_body() -> dict:
    """The network change, as a form or JSON (站点类别, from which day, why)."""
    from lantian.measurements.stations import NETWORKS
    schema = {"type": "object", "required": ["network"], "properties": {
        "network": {"type": "string", "enum": [*NETWORKS, *NETWORKS.values()]},
        "since": {"type": "string", "pattern": DAY, "description": "YYYY-MM-DD, default today"},
        "reason": {"type": "string", "maxLength": 500}, "csrf_token": {"type": "string"}}}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema},
                                          "application/json": {"schema": schema}}}


@router.post("/api/stations/{code}/network", response_model=StationOut, tags=["monitoring"],
             openapi_extra={"requestBody": _network_body()})
@scoped("signed_in")
async def set_network(request: Request, code: str, scope: Scope = Depends(api_scope)):
    """Change a station's network (站点类别) from a date: ``network`` (national 国控, provincial 省控, city
    市控, county 县控, township 乡镇, sensor 微站; Chinese or English), ``since`` (YYYY-MM-DD, default today;
    the figures change from that day on only), ``reason``. Form fields or JSON; the city office and
    admins only (403), a station outside the caller's scope 404; the change is kept in the station's
    history and the audit log."""
    from fastapi.responses import RedirectResponse

    from lantian.errors import UsageError
    from lantian.measurements import stations as registry
    from lantian.web.security import form_post
    if "json" in request.headers.get("content-type", ""):
        form = await request.json()
        form = form if isinstance(form, dict) else {}
    else:
        form = dict(await request.form())
    page = form_post(request, form.get("csrf_token"))
    if scope.station(code) is None:
        raise HTTPException(404, "no such station")
    if scope.who.role not in SET_NETWORK:
        raise HTTPException(403, "站点类别由市大气办设定 (only the city office sets a station's network)")
    try:
        since = parse_day(str(form["since"])) if form.get("since") else None
        r = registry.edit_station(request.app.state.db_url, code, network=str(form.get("network", "")), when=since,
                                  reason=str(form.get("reason") or "") or "站点类别调整", changed_by=scope.who.username)
    except UsageError as exc:
        raise HTTPException(422, str(exc)) from None
    if page:
        return RedirectResponse(f"/stations/{code}", status_code=303)
    return _station_out(r)


@router.get("/stations/{code}", include_in_schema=False)
@scoped("signed_in")
def station_page(request: Request, code: str, scope: Scope = Depends(page_scope)):
    r = scope.station(code)
    if r is None:
        raise HTTPException(404, "没有这个监测站点 (no such station)")
    from lantian.assessment.networks import official_stations
    from lantian.measurements import stations as registry
    with session(request.app.state.db_url) as s:
        files = [{"id": a.id, "filename": a.filename, "size": a.size, "by": a.uploaded_by,
                  "at": to_beijing(a.uploaded_at).strftime("%Y-%m-%d %H:%M")}
                 for a in attachments.of(s, "station", code)]
    history = registry.history(request.app.state.db_url, code)
    members = official_stations(request.app.state.db_url, request.app.state.workspace.config)
    today = request.app.state.workspace.as_of
    counts_for = [members.names.get(u, u) for u, codes in members.on(today).items() if code in codes]
    return render(request, "monitoring/station.html", station=r, history=history, files=files,
                  networks=registry.NETWORKS, network_name=registry.network_name, counts_for=counts_for,
                  rule=members.rule.describe(), as_of=today, may_set=scope.who.role in SET_NETWORK, beijing=BEIJING)


@router.get("/api/geo/counties", tags=["monitoring"])
@scoped("signed_in")
def counties_geojson(request: Request, scope: Scope = Depends(api_scope)) -> dict:
    """The visible counties' polygons as a GeoJSON FeatureCollection (properties adcode, name)."""
    cache = request.app.state.__dict__.setdefault("geo_cache", {})
    key = scope.unit or "*"
    if key not in cache:
        with session(request.app.state.db_url) as s:
            features = [{"type": "Feature", "properties": {"adcode": code, "name": name}, "geometry": geometry}
                        for code, name, geometry in geography.polygons(s, "county") if scope.can_see_unit(code)]
        cache[key] = {"type": "FeatureCollection", "features": features}
    return cache[key]
