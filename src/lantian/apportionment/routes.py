"""Source apportionment pages and API: the stored PMF runs, one run with its profiles, contributions
(time series, by season and weekday), error estimates, factor names (the office confirms or renames
them) and the factors beside the inventory; the Word report. The city-wide roles read; the city
office names; counties and enterprises see none (404)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse

from lantian import db
from lantian.accounts.scope import Scope
from lantian.apportionment import service
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/api/apportionment/runs", tags=["apportionment"])
@scoped("signed_in")
def runs_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The stored PMF runs (city-wide roles)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.runs(s, scope)


@router.get("/api/apportionment/runs/{run_id}", tags=["apportionment"])
@scoped("signed_in")
def run_api(request: Request, run_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    """One run: Q values, profiles, contributions, bootstrap and displacement, names, inputs, settings."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.detail(s, scope, run_id)


@router.get("/api/apportionment/runs/{run_id}/report", tags=["apportionment"])
@scoped("signed_in")
def report_api(request: Request, run_id: Id, scope: Scope = Depends(api_scope)):
    """The run as a Word report (源解析报告)."""
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        out = ws.root / "apportionment" / "reports" / f"源解析报告-{run_id}.docx"
        service.report(s, scope, run_id, out, root=ws.root, config=ws.config)
    return FileResponse(out, filename=out.name, media_type=DOCX)


@router.post("/api/apportionment/runs/{run_id}/factors/{factor}", tags=["apportionment"])
@scoped("signed_in")
def name_api(request: Request, run_id: Id, factor: Annotated[int, FastAPIPath(ge=1, le=50)],
             name: Annotated[str, Form(max_length=64)] = "", csrf_token: Annotated[str, Form()] = "",
             scope: Scope = Depends(api_scope)):
    """Confirm a factor's suggested name (empty ``name``) or rename it (the city office)."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        entry = service.name_factor(s, scope, run_id, factor, name or None)
    if page:
        return RedirectResponse(f"/apportionment/runs/{run_id}", status_code=303)
    return entry


@router.get("/apportionment", include_in_schema=False)
@scoped("signed_in")
def runs_page(request: Request, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        rows = service.runs(s, scope)
    return render(request, "apportionment/runs.html", rows=rows)


@router.get("/apportionment/runs/{run_id}", include_in_schema=False)
@scoped("signed_in")
def run_page(request: Request, run_id: Id, scope: Scope = Depends(page_scope)):
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        r = service.detail(s, scope, run_id)
        links = service.inventory_links(s, scope, run_id, root=ws.root, config=ws.config)
    return render(request, "apportionment/run.html", r=r, links=links, may_name=scope.who.role in service.MANAGE)
