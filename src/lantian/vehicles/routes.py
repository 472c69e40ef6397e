"""The gate room's pages and API (行动计划 任务11、23): violations per enterprise, silent gates, a plate's
history, and the push endpoint for gate systems (``Authorization: Bearer <gate token>``).

Everything a user reads goes through its scope: an enterprise its own records, a county its
county's enterprises, the city office all. A gate token pushes only for its own enterprise.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import RedirectResponse

from lantian import db
from lantian.accounts.scope import Scope
from lantian.enterprises import service as ledgers
from lantian.errors import InputError
from lantian.vehicles import rules, service
from lantian.web.params import DAY, one_of, parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
Plate = Annotated[str, FastAPIPath(min_length=3, max_length=20)]


def _period(request: Request, start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    last = parse_day(end) or request.app.state.workspace.as_of
    first = parse_day(start) or last - dt.timedelta(days=6)
    if first > last:
        raise HTTPException(422, "from is after to")
    if (last - first).days > 366:
        raise HTTPException(422, "a period of at most a year")
    return first, last


@router.get("/api/gates/violations", tags=["vehicles"])
@scoped("signed_in")
def violations_api(request: Request, start: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
                   end: Annotated[str | None, Query(alias="to", pattern=DAY)] = None, scope: Scope = Depends(api_scope)) -> dict:
    """门禁违规: the period's violations (reason, clause, resolution), 待核实 records, per enterprise."""
    first, last = _period(request, start, end)
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        v = service.violations(s, scope, first, last, ws.config)
        v["gates"] = service.silent_gates(s, scope, ws.config, as_of=last)
    return v


@router.get("/api/gates/records", tags=["vehicles"])
@scoped("signed_in")
def records_api(request: Request, start: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
                end: Annotated[str | None, Query(alias="to", pattern=DAY)] = None,
                enterprise_id: int | None = Query(None, ge=1, le=2**31 - 1),
                plate: str | None = Query(None, max_length=20), scope: Scope = Depends(api_scope)) -> list[dict]:
    """Gate records of the period (Beijing days) the caller may see."""
    first, last = _period(request, start, end)
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.records(s, scope, first, last, enterprise_id=enterprise_id, plate=plate)


@router.post("/api/gates/records", tags=["vehicles"])
@scoped("signed_in")
def push_api(request: Request, payload: Annotated[Any, Body()]) -> dict:
    """A gate system pushes records with its token (``Authorization: Bearer gt_…``; ``lantian gates token``),
    bound to its enterprise; a signed-in enterprise (itself) or the city office (``enterprise`` named) may too.
    The body: one record object, a list, or ``{"records": [...]}`` with the fields of the CSV layout."""
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    try:
        with as_http(), db.session(request.app.state.db_url) as s:
            if token.startswith(service.TOKEN_PREFIX):
                gate = service.gate_of_token(s, token)
                if gate is None:
                    raise HTTPException(401, "unknown gate token", headers={"WWW-Authenticate": "Bearer"})
                return service.push_from_gate(s, gate, payload)
            scope = api_scope(request)
            form_post(request, None)
            return service.push_as_user(s, scope, payload)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("/api/gates/violations/{record_id}/resolve", tags=["vehicles"])
@scoped("signed_in")
def resolve_api(request: Request, record_id: Id, rule: Annotated[str, Form(max_length=16, pattern=one_of(rules.RULE_NAMES))],
                note: Annotated[str, Form(max_length=2000)], csrf_token: Annotated[str, Form()] = "",
                scope: Scope = Depends(api_scope)):
    """Record that a violation was dealt with (the office, an inspector or the record's county)."""
    page = form_post(request, csrf_token)
    if rule not in rules.RULE_NAMES:
        raise HTTPException(422, f"rule is one of {', '.join(rules.RULE_NAMES)}")
    with as_http(), db.session(request.app.state.db_url) as s:
        x = service.resolve(s, scope, record_id, rule, note, request.app.state.workspace.config)
        result = {"record_id": record_id, "rule": rule, "resolved_by": x.resolved_by}
    if page:
        return RedirectResponse("/vehicles", status_code=303)
    return result


@router.get("/api/vehicles/plates/{plate}", tags=["vehicles"])
@scoped("signed_in")
def plate_api(request: Request, plate: Plate, scope: Scope = Depends(api_scope)) -> dict:
    """A plate's history: gate records with findings, road checks (路检路查) and OBD inspections."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.plate_history(s, scope, plate, request.app.state.workspace.config)


@router.get("/vehicles", include_in_schema=False)
@scoped("signed_in")
def vehicles_page(request: Request, start: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
                  end: Annotated[str | None, Query(alias="to", pattern=DAY)] = None, scope: Scope = Depends(page_scope)):
    first, last = _period(request, start, end)
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        v = service.violations(s, scope, first, last, ws.config)
        gates = service.silent_gates(s, scope, ws.config, as_of=last)
        counties = {code: name for name, code in ledgers.county_lookup(s).items() if name != code}
    return render(request, "vehicles/vehicles.html", v=v, gates=gates, first=first, last=last,
                  can_resolve=scope.who.role in service.RESOLVE, counties=counties)


@router.get("/vehicles/plates/{plate}", include_in_schema=False)
@scoped("signed_in")
def plate_page(request: Request, plate: Plate, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        h = service.plate_history(s, scope, plate, request.app.state.workspace.config)
        counties = {code: name for name, code in ledgers.county_lookup(s).items() if name != code}
    return render(request, "vehicles/plate.html", h=h, counties=counties)

