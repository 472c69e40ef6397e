"""The inventory's pages and API: totals by county, sector and pollutant with a county map, the
months and the uncertainty classes, the rows behind every number, the comparison with MEIC, the
plan's measures as a scenario, the guides' workbook. The city-wide roles see the city; a county its
own county (another: 404); an enterprise its own sources. The city office builds."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse

from lantian import db
from lantian.accounts.scope import Scope
from lantian.errors import InputError, NotFound, UsageError
from lantian.inventory import scenario, service
from lantian.inventory.models import POLLUTANTS
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render

router = APIRouter()
Year = Annotated[int | None, Query(ge=1901, le=2199)]
County = Annotated[str | None, Query(max_length=32)]
Pollutant = Annotated[Literal["SO2", "NOx", "CO", "VOCs", "NH3", "PM10", "PM2.5"] | None, Query()]   # POLLUTANTS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ws(request: Request):
    return request.app.state.workspace


def _year(s, request: Request, year: int | None) -> int | None:
    if year:
        return year
    found = service.years(s)
    as_of = _ws(request).as_of.year
    return as_of if as_of in found else (found[0] if found else None)


def _pollutant(text: str | None) -> str:
    if text and text not in POLLUTANTS:
        raise HTTPException(422, f"pollutant is one of {', '.join(POLLUTANTS)}")
    return text or "PM2.5"


@router.get("/api/inventory", tags=["inventory"])
@scoped("signed_in")
def summary_api(request: Request, year: Year = None, county: County = None, scope: Scope = Depends(api_scope)):
    """排放清单: totals by pollutant, county, sector (each level) and month, uncertainty classes,
    coverage and the inventory's label — as the caller may see them."""
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet (lantian inventory build)")
        return service.summary(s, scope, y, county=county, root=_ws(request).root, config=_ws(request).config)


@router.get("/api/inventory/rows", tags=["inventory"])
@scoped("signed_in")
def rows_api(request: Request, year: Year = None, county: County = None,
             sector: Annotated[str | None, Query(max_length=16, pattern=r"^\d+(\.\d+)*$")] = None,
             pollutant: Pollutant = None,
             limit: Annotated[int, Query(ge=1, le=100000)] = 1000, scope: Scope = Depends(api_scope)):
    """The rows behind the numbers (largest first), each with method, activity, factor, source, class."""
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet")
        return service.detail(s, scope, y, county=county, sector=sector, pollutant=pollutant and _pollutant(pollutant),
                              root=_ws(request).root, config=_ws(request).config, limit=limit)


@router.get("/api/inventory/meic", tags=["inventory"])
@scoped("signed_in")
def meic_api(request: Request, year: Annotated[int | None, Query(ge=2010, le=2017, description="MEIC covers 2010–2017")] = None,
             scope: Scope = Depends(api_scope)):
    """Sector shares beside MEIC's national shares (Zheng et al. 2018), per pollutant."""
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet")
        return service.compare_meic(s, scope, y, root=_ws(request).root, config=_ws(request).config)


@router.get("/api/inventory/scenario", tags=["inventory"])
@scoped("signed_in")
def scenario_api(request: Request, year: Year = None,
                 level: Annotated[str | None, Query(pattern="^(yellow|orange|red)$")] = None,
                 scope: Scope = Depends(api_scope)):
    """The plan's phase-outs (and an emergency level) as a scenario: reductions by measure, county, sector."""
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet")
        return scenario.run(s, scope, y, level=level, root=_ws(request).root, config=_ws(request).config)


@router.get("/api/inventory/export", tags=["inventory"])
@scoped("signed_in")
def export_api(request: Request, year: Year = None, scope: Scope = Depends(api_scope)):
    """The inventory (as the caller may see it) as the guides' workbook (.xlsx)."""
    from lantian.inventory import excel
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet")
        who = scope.unit or "city"
        path = _ws(request).root / "inventory" / "exports" / f"排放清单-{y}-{who}-{scope.who.username}.xlsx"
        excel.export(s, scope, y, path, root=_ws(request).root, config=_ws(request).config)
    return FileResponse(path, filename=f"排放清单-{y}.xlsx", media_type=XLSX)


@router.post("/inventory/build", include_in_schema=False)
@scoped("signed_in")
def build_page(request: Request, year: Annotated[int, Form(ge=1901, le=2199)], csrf_token: Annotated[str, Form()] = "",
               scope: Scope = Depends(page_scope)):
    """编制 the year's inventory from the ledgers, registers, fire points and CEMS (the city office's
    form; machines use `lantian inventory build`)."""
    form_post(request, csrf_token)
    ws = _ws(request)
    with as_http(), db.session(request.app.state.db_url) as s:
        service.build_inventory(s, scope, year, root=ws.root, measurements=ws.measurements, config=ws.config)
    return RedirectResponse(f"/inventory?year={year}", status_code=303)


@router.get("/inventory", include_in_schema=False)
@scoped("signed_in")
def inventory_page(request: Request, year: Year = None, county: County = None,
                   pollutant: Annotated[str | None, Query(max_length=8)] = None, scope: Scope = Depends(page_scope)):
    ws = _ws(request)
    p = _pollutant(pollutant)
    with as_http(), db.session(request.app.state.db_url) as s:
        service.check_county(scope, county)
        y = _year(s, request, year)
        years = service.years(s)
        data = meic = plan = None
        if y is not None and y in years:
            data = service.summary(s, scope, y, county=county, root=ws.root, config=ws.config)
            try:
                meic = service.compare_meic(s, scope, y, root=ws.root, config=ws.config)
            except (InputError, NotFound, UsageError):     # no data folder: the page goes on without MEIC
                meic = None
            plan = scenario.run(s, scope, y, root=ws.root, config=ws.config)
    units = [u for u in scope.units()]
    return render(request, "inventory/index.html", data=data, years=years, year=y, pollutant=p, pollutants=POLLUTANTS,
                  county=county, units=units, meic=meic, plan=plan, scope=scope,
                  may_build=scope.who.role in service.MANAGE)


@router.get("/inventory/rows", include_in_schema=False)
@scoped("signed_in")
def rows_page(request: Request, year: Year = None, county: County = None,
              sector: Annotated[str | None, Query(max_length=16, pattern=r"^\d+(\.\d+)*$")] = None,
              pollutant: Annotated[str | None, Query(max_length=8)] = None, scope: Scope = Depends(page_scope)):
    ws = _ws(request)
    p = _pollutant(pollutant)
    with as_http(), db.session(request.app.state.db_url) as s:
        y = _year(s, request, year)
        if y is None:
            raise HTTPException(404, "no inventory yet")
        d = service.detail(s, scope, y, county=county, sector=sector, pollutant=p, root=ws.root, config=ws.config,
                           limit=500)
    return render(request, "inventory/rows.html", d=d, year=y, county=county, sector=sector, pollutant=p,
                  pollutants=POLLUTANTS)
