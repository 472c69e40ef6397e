"""The monitoring room's pages and API: the city dashboard (首页), stations, county shapes."""
from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from lantian import attachments
from lantian.accounts.scope import Scope
from lantian.db import session, to_beijing
from lantian.measurements.stations import AdminUnit
from lantian.web.params import parse_day
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

router = APIRouter()


def _dashboard(request: Request, scope: Scope, day: dt.date | None) -> dict:
    from lantian.monitoring.dashboard import dashboard
    app = request.app
    stations = scope.stations(include_stopped=True)
    with app.state.engine_lock:
        return dashboard(app.state.store, stations, day, app.state.con, as_of=app.state.workspace.as_of)


@router.get("/", include_in_schema=False)
@scoped("signed_in")
def home(request: Request, date: str | None = None, scope: Scope = Depends(page_scope)):
    data = _dashboard(request, scope, parse_day(date))
    return render(request, "monitoring/dashboard.html", data=data, data_json=json.dumps(data, ensure_ascii=False),
                  scope=scope)


@router.get("/api/dashboard", tags=["monitoring"])
@scoped("signed_in")
def dashboard_api(request: Request, date: str | None = Query(None, description="YYYY-MM-DD; default the "
                                                                                 "latest day with data"),
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
    status: str


def _station_out(r) -> StationOut:
    return StationOut(code=r.code, name=r.name, county=r.unit_code, county_name=r.unit_name, lon=r.lon,
                      lat=r.lat, control_point=r.control_point, status=r.status)


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


@router.get("/stations/{code}", include_in_schema=False)
@scoped("signed_in")
def station_page(request: Request, code: str, scope: Scope = Depends(page_scope)):
    r = scope.station(code)
    if r is None:
        raise HTTPException(404, "没有这个监测站点 (no such station)")
    from lantian.measurements import stations as registry
    with session(request.app.state.db_url) as s:
        files = [{"id": a.id, "filename": a.filename, "size": a.size, "by": a.uploaded_by,
                  "at": to_beijing(a.uploaded_at).strftime("%Y-%m-%d %H:%M")}
                 for a in attachments.of(s, "station", code)]
    history = registry.history(request.app.state.db_url, code)
    return render(request, "monitoring/station.html", station=r, history=history, files=files)


@router.get("/api/geo/counties", tags=["monitoring"])
@scoped("signed_in")
def counties_geojson(request: Request, scope: Scope = Depends(api_scope)) -> dict:
    """The visible counties' polygons as a GeoJSON FeatureCollection (properties adcode, name)."""
    cache = request.app.state.__dict__.setdefault("geo_cache", {})
    key = scope.unit or "*"
    if key not in cache:
        with session(request.app.state.db_url) as s:
            units = s.query(AdminUnit).filter(AdminUnit.level == "county", AdminUnit.geometry.isnot(None)).all()
            features = [{"type": "Feature", "properties": {"adcode": u.code, "name": u.name},
                         "geometry": json.loads(u.geometry)}
                        for u in units if scope.can_see_unit(u.code)]
        cache[key] = {"type": "FeatureCollection", "features": features}
    return cache[key]
