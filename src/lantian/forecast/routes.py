"""The forecast room's page and API: the latest forecasts and their rolling verification per unit.
City-wide roles see the city and every county; a county (and an enterprise) its own county only —
another unit's forecast or verification is a 404, as if it did not exist."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as FastAPIPath

from lantian.accounts.scope import Scope
from lantian.forecast import service
from lantian.web.params import DAY, parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
Unit = Annotated[str | None, Query(max_length=32)]
PERIOD_DAYS = 92


def _period(request: Request, start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """The verified days: ``from``…``to``, default the 92 days up to the latest day with data."""
    to = parse_day(end)
    if to is None:
        from lantian.assessment.service import latest_data_day
        to = latest_data_day(request.app.state.store, request.app.state.workspace.as_of)
    first = parse_day(start) or to - dt.timedelta(days=PERIOD_DAYS - 1)
    if first > to:
        raise HTTPException(422, "from is after to")
    if (to - first).days > 366:
        raise HTTPException(422, "the page verifies at most a year")
    return first, to


def _verification(request: Request, scope: Scope, first: dt.date, to: dt.date) -> list[dict]:
    app = request.app.state
    with as_http(), app.engine_lock:
        return service.verify_all(scope, app.workspace, app.store, app.con, first, to)


@router.get("/api/forecasts", tags=["forecast"])
@scoped("signed_in")
def latest_api(request: Request, unit: Unit = None, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The latest stored forecast of each unit the caller may see: D+1… with AQI (interval), category,
    primary pollutant, PM2.5/PM10/O3-8h (interval), the model and the data window it was made from."""
    with as_http():
        return service.latest(scope, unit)


@router.get("/api/forecasts/{run_id}", tags=["forecast"])
@scoped("signed_in")
def run_api(request: Request, run_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    """One stored forecast (404 when the caller may not see its unit)."""
    with as_http():
        return service.get(scope, run_id)


@router.get("/api/forecast/verification", tags=["forecast"])
@scoped("signed_in")
def verification_api(request: Request, unit: Unit = None, date_from: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
                     date_to: Annotated[str | None, Query(alias="to", pattern=DAY)] = None, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The rolling-origin verification (per variable and lead: MAE, RMSE, persistence, climatology,
    skill, category accuracy, POD/FAR/CSI, warnings) of each unit the caller may see."""
    first, to = _period(request, date_from, date_to)
    rows = _verification(request, scope, first, to)
    if unit:
        rows = [r for r in rows if r["unit"] == unit]
        if not rows:
            raise HTTPException(404, f"no unit {unit}")
    return rows


@router.get("/forecast", include_in_schema=False)
@scoped("signed_in")
def forecast_page(request: Request, date_from: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
                  date_to: Annotated[str | None, Query(alias="to", pattern=DAY)] = None, scope: Scope = Depends(page_scope)):
    first, to = _period(request, date_from, date_to)
    rows = _verification(request, scope, first, to)
    with as_http():
        latest = service.latest(scope)
    return render(request, "forecast/forecast.html", rows=rows, latest=latest, first=first, to=to, scope=scope,
                  variables={"aqi": "AQI", "pm25": "PM2.5", "pm10": "PM10", "o3_8h": "O3-8h"})
