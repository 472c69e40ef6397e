"""The ozone response's API and page (task 20): issued by the office from a forecast, its notice, each
enterprise's 10:00–18:00 measure and the city-wide controls, acknowledged by enterprises, counties and
the lead departments, lifted by the office. Scoped like the warnings: an enterprise sees its own measure."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse

from lantian import db
from lantian.accounts.scope import Scope
from lantian.emergency import ozone
from lantian.web.params import parse_day, parse_values
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render
from lantian.web.writes import submit

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]


def _values(text: str) -> list[float]:
    return parse_values(text, float, "forecast_o3 {text}: O3 8-h µg/m³ per day, separated by commas",
                        "forecast_o3: one or more values, 0–2000 µg/m³")


@router.get("/api/ozone-responses", tags=["emergency"])
@scoped("signed_in")
def responses_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Ozone responses, newest first, each with the measures of the caller's scope and acknowledgements."""
    with db.session(request.app.state.db_url) as s:
        return ozone.responses(s, scope)


@router.post("/api/ozone-responses", tags=["emergency"], status_code=201)
@scoped("signed_in")
def issue_api(request: Request, forecast_o3: Annotated[str, Form(max_length=400)],
              start: Annotated[str | None, Form(max_length=10)] = None, csrf_token: Annotated[str, Form()] = "",
              scope: Scope = Depends(api_scope)):
    """启动臭氧污染应急响应 from the forecast O3 8-h values from ``start`` (default the as-of date)."""
    page = form_post(request, csrf_token)
    ws = request.app.state.workspace
    first = parse_day(start) if start else ws.as_of
    if first is None:
        raise HTTPException(422, "start: YYYY-MM-DD")
    with as_http(), db.session(request.app.state.db_url) as s:
        r = ozone.issue(s, ws.root, scope, first, _values(forecast_o3), ws.config)
        rid = r.id
    if page:
        return RedirectResponse(f"/emergency/ozone/{rid}", status_code=303)
    with db.session(request.app.state.db_url) as s:
        return ozone.detail(s, scope, rid)


@router.get("/api/ozone-responses/{response_id}", tags=["emergency"])
@scoped("signed_in")
def response_api(request: Request, response_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    with as_http(), db.session(request.app.state.db_url) as s:
        return ozone.detail(s, scope, response_id)


@router.post("/api/ozone-responses/{response_id}/ack", tags=["emergency"])
@scoped("signed_in")
def ack_api(request: Request, response_id: Id, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """签收: an enterprise its measure, a county for its county, a lead department its controls."""
    return submit(request, csrf_token, f"/emergency/ozone/{response_id}",
                  lambda s: {"acknowledged": ozone.acknowledge(s, scope, response_id)})


@router.post("/api/ozone-responses/{response_id}/lift", tags=["emergency"])
@scoped("signed_in")
def lift_api(request: Request, response_id: Id, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    def lift(s):
        ozone.lift(s, scope, response_id)
        return {"state": "lifted"}
    return submit(request, csrf_token, f"/emergency/ozone/{response_id}", lift)


@router.get("/api/ozone-responses/{response_id}/notice", tags=["emergency"])
@scoped("signed_in")
def notice_api(request: Request, response_id: Id, scope: Scope = Depends(api_scope)):
    """The notice (.docx) — the city-wide roles and the departments."""
    with as_http(), db.session(request.app.state.db_url) as s:
        d = ozone.notice(s, scope, response_id)
    path = request.app.state.workspace.root / d["document"]
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.get("/emergency/ozone/{response_id}", include_in_schema=False)
@scoped("signed_in")
def response_page(request: Request, response_id: Id, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        r = ozone.detail(s, scope, response_id)
    return render(request, "emergency/ozone.html", r=r, manages=scope.who.role in ozone.MANAGE)


@router.post("/api/ozone-responses/{response_id}/measures/{measure_id}/verify", tags=["emergency"])
@scoped("signed_in")
def verify_api(request: Request, response_id: Id, measure_id: Id, complied: Annotated[bool, Form()],
               note: Annotated[str, Form(max_length=2000)] = "", csrf_token: Annotated[str, Form()] = "",
               scope: Scope = Depends(api_scope)):
    """核查: whether the enterprise carried out its measure (office, inspectors, its county)."""
    def verify(s):
        m = ozone.verify(s, scope, response_id, measure_id, complied, note)
        return {"id": m.id, "complied": m.complied, "verified_by": m.verified_by}
    return submit(request, csrf_token, f"/emergency/ozone/{response_id}", verify)
