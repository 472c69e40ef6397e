"""The ledgers' pages and API: enterprise list and page, violations dashboard, grading queue; the
Excel template, import and export; facility edits (approved by the county) and 绩效分级.

The write routes take form fields, so the pages post to them directly (with the CSRF token) and
API clients send the same fields with a bearer token.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse

from lantian import attachments, db
from lantian.accounts.scope import Scope
from lantian.enterprises import access, service
from lantian.enterprises.kinds import FACILITY_KINDS, GRADES, INDUSTRIES
from lantian.errors import InputError, UsageError
from lantian.web.params import Day, parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render
from lantian.web.viewcache import cached

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _on(request: Request, text: str | None) -> dt.date:
    return parse_day(text) or request.app.state.workspace.as_of


def _root(request: Request) -> Path:
    return request.app.state.workspace.root


def _rules_mark(request: Request) -> tuple:
    """The workspace's own rule files as they are now (an edited rule changes the cached lists)."""
    folder = request.app.state.workspace.root / "rules"
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.toml"))) \
        if folder.is_dir() else ()


def _back(request: Request, fallback: str) -> RedirectResponse:
    return RedirectResponse(fallback, status_code=303)


# --------------------------------------------------------------------------- API: reading
@router.get("/api/enterprises", tags=["ledger"])
@scoped("signed_in")
def enterprises_api(request: Request, county: str | None = Query(None, max_length=32),
                    industry: str | None = Query(None, max_length=32), grade: str | None = Query(None, max_length=8),
                    violations: bool = False, date: Day = None,
                    scope: Scope = Depends(api_scope)) -> list[dict]:
    """The enterprises the caller may see, with industry, grade, facility and violation counts."""
    on = _on(request, date)

    def compute():
        with db.session(request.app.state.db_url) as s:
            return service.listing(s, scope, on, _root(request), county=county, industry=industry,
                                   grade=grade, violations_only=violations)
    return cached(request, scope, "ledger.listing", compute, on, county, industry, grade, violations,
                  _rules_mark(request))


@router.get("/api/enterprises/{enterprise_id}", tags=["ledger"])
@scoped("signed_in")
def enterprise_api(request: Request, enterprise_id: Id, date: Day = None,
                   scope: Scope = Depends(api_scope)) -> dict:
    """One enterprise: ledger facts, facilities, violations and deadlines, grade history, applications."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.detail(s, scope, enterprise_id, _on(request, date), _root(request))


@router.get("/api/ledger/check", tags=["ledger"])
@scoped("signed_in")
def check_api(request: Request, date: Day = None,
              scope: Scope = Depends(api_scope)) -> dict:
    """The plan's rules on every visible facility: violations in force on the date, deadlines ahead."""
    with db.session(request.app.state.db_url) as s:
        found = service.check(s, scope, _on(request, date), _root(request))
    return {"date": _on(request, date).isoformat(), "violations": [v.to_dict() for v in found.violations],
            "upcoming": [v.to_dict() for v in found.upcoming]}


@router.get("/api/ledger/template", tags=["ledger"])
@scoped("signed_in")
def template_api(request: Request, scope: Scope = Depends(api_scope)):
    """The .xlsx template (Chinese headers, drop-downs) to fill in and import."""
    from lantian.enterprises import excel
    with db.session(request.app.state.db_url) as s:
        counties = sorted({k for k, v in service.county_lookup(s).items() if k != v})
    out = Path(tempfile.mkdtemp(prefix="lantian-ledger-")) / "台账模板.xlsx"
    excel.write_template(out, counties=counties)
    return FileResponse(out, filename=out.name, media_type=XLSX)


@router.get("/api/ledger/export", tags=["ledger"])
@scoped("signed_in")
def export_api(request: Request, scope: Scope = Depends(api_scope)):
    """The caller's ledger as .xlsx, in the template's layout (it re-imports unchanged)."""
    from lantian.enterprises import excel
    with db.session(request.app.state.db_url) as s:
        erows, frows, crows = service.export_rows(s, scope)
        counties = sorted({k for k, v in service.county_lookup(s).items() if k != v})
    out = Path(tempfile.mkdtemp(prefix="lantian-ledger-")) / "台账.xlsx"
    excel.write_workbook(out, erows, frows, crows, counties=counties)
    return FileResponse(out, filename=out.name, media_type=XLSX)


@router.get("/api/grade-applications", tags=["ledger"])
@scoped("signed_in")
def applications_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """绩效分级 applications of the enterprises the caller may see."""
    with db.session(request.app.state.db_url) as s:
        return service.applications(s, scope)


# --------------------------------------------------------------------------- API: writing
@router.post("/api/ledger/import", tags=["ledger"])
@scoped("signed_in")
async def import_api(request: Request, file: Annotated[UploadFile, File()], csrf_token: Annotated[str, Form()] = "",
                     scope: Scope = Depends(api_scope)):
    """Import a filled template (the city office): every row validated; all or nothing; audited.
    422 with the list of errors (sheet, row, column, reason) when any row is wrong."""
    from lantian.enterprises import excel
    page = form_post(request, csrf_token)
    with as_http():
        service.require_import(scope)                  # before the file is read
    data = await file.read(attachments.MAX_BYTES + 1)
    if len(data) > attachments.MAX_BYTES:          # never parse a file cut at the limit
        raise HTTPException(413, attachments.too_large(Path(file.filename or "ledger.xlsx").name,
                                                       file.size or len(data)))
    with tempfile.TemporaryDirectory(prefix="lantian-ledger-") as tmp:
        path = Path(tmp) / (Path(file.filename or "ledger.xlsx").name)
        path.write_bytes(data)
        try:
            with db.session(request.app.state.db_url) as s:
                batch = excel.read_workbook(path, counties=service.county_lookup(s), name=path.name,
                                            known_enterprises=set(filter(None, (e.credit_code for e in
                                                                                service.visible_enterprises(s, scope)))))
                counts = service.import_batch(s, scope, batch, actor=scope.who.username, source=path.name)
        except excel.LedgerImportError as exc:
            raise HTTPException(422, {"message": str(exc), "errors": [
                {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]}) from None
        except (InputError, UsageError) as exc:
            raise HTTPException(422, str(exc)) from None
    if page:
        return _back(request, "/enterprises")
    return counts


FACILITY_FORM = {"type": "object", "required": ["kind"], "additionalProperties": {"type": "string"}, "properties": {
    "kind": {"type": "string", "enum": sorted(FACILITY_KINDS), "description": "设施类型 (the ledger template's sheet)"},
    "facility_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "the facility to change"},
    "csrf_token": {"type": "string"}}}
"""The facility form: its kind, then the kind's fields (the template's columns, by name) as text."""


@router.post("/api/enterprises/{enterprise_id}/facilities", tags=["ledger"], openapi_extra={"requestBody": {
    "required": True, "content": {"application/x-www-form-urlencoded": {"schema": FACILITY_FORM}}}})
@scoped("signed_in")
async def facility_api(request: Request, enterprise_id: Id, scope: Scope = Depends(api_scope)):
    """Add or change a facility (form fields: ``kind``, ``facility_id`` to change one, then the kind's
    fields). The office's edit applies at once; the enterprise's own waits for its county."""
    form = await request.form()
    page = form_post(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "kind", "facility_id")}
    facility_id = form.get("facility_id")
    with as_http(), db.session(request.app.state.db_url) as s:
        state, ref = service.save_facility(s, scope, enterprise_id, str(form.get("kind", "")), values,
                                           int(facility_id) if facility_id and str(facility_id).isascii() and str(facility_id).isdigit() else None)
    if page:
        return _back(request, f"/enterprises/{enterprise_id}#facilities")
    return {"state": state, "id": ref}


@router.post("/api/ledger-changes/{change_id}/review", tags=["ledger"])
@scoped("signed_in")
def change_review_api(request: Request, change_id: Id, approve: Annotated[bool, Form()],
                      note: Annotated[str, Form(max_length=2000)] = "", csrf_token: Annotated[str, Form()] = "",
                      scope: Scope = Depends(api_scope)):
    """The county approves (applies) or rejects an enterprise's ledger edit."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        c = service.review_change(s, scope, change_id, approve, note)
        result = {"id": c.id, "state": c.state, "enterprise_id": c.enterprise_id}
    if page:
        return _back(request, f"/enterprises/{result['enterprise_id']}#changes")
    return result


@router.post("/api/enterprises/{enterprise_id}/grade-applications", tags=["ledger"], status_code=201)
@scoped("signed_in")
async def apply_api(request: Request, enterprise_id: Id, grade: Annotated[str, Form(max_length=8)],
                    reason: Annotated[str, Form(max_length=4000)], csrf_token: Annotated[str, Form()] = "",
                    files: Annotated[list[UploadFile] | None, File()] = None, scope: Scope = Depends(api_scope)):
    """绩效分级申报 by the enterprise itself, with evidence files."""
    page = form_post(request, csrf_token)
    data = [(f.filename, await f.read(attachments.MAX_BYTES + 1)) for f in files or [] if f.filename]
    with as_http(), db.session(request.app.state.db_url) as s:
        a = service.apply_grade(s, _root(request), scope, enterprise_id, grade, reason, data)
        result = {"id": a.id, "state": a.state}
    if page:
        return _back(request, f"/enterprises/{enterprise_id}#grading")
    return result


@router.post("/api/grade-applications/{application_id}/review", tags=["ledger"])
@scoped("signed_in")
def review_api(request: Request, application_id: Id, approve: Annotated[bool, Form()],
               grade: Annotated[str | None, Form(max_length=8)] = None,
               opinion: Annotated[str, Form(max_length=4000)] = "", csrf_token: Annotated[str, Form()] = "",
               scope: Scope = Depends(api_scope)):
    """The county's review: recommend a grade to the city, or return the application."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        a = service.county_review(s, scope, application_id, approve=approve, grade=grade or None, opinion=opinion)
        result = {"id": a.id, "state": a.state, "enterprise_id": a.enterprise_id}
    if page:
        return _back(request, f"/enterprises/{result['enterprise_id']}#grading")
    return result


@router.post("/api/grade-applications/{application_id}/decide", tags=["ledger"])
@scoped("signed_in")
def decide_api(request: Request, application_id: Id, grade: Annotated[str | None, Form(max_length=8)] = None,
               reject: Annotated[bool, Form()] = False, note: Annotated[str, Form(max_length=4000)] = "",
               csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """The city office approves the county's recommendation, adjusts the grade, or rejects it."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        a = service.city_decide(s, scope, application_id, grade=grade or None, reject=reject, note=note,
                                on=request.app.state.workspace.as_of)
        result = {"id": a.id, "state": a.state, "grade": a.city_grade, "enterprise_id": a.enterprise_id}
    if page:
        return _back(request, f"/enterprises/{result['enterprise_id']}#grading")
    return result


# --------------------------------------------------------------------------- pages
@router.get("/enterprises", include_in_schema=False)
@scoped("signed_in")
def enterprises_page(request: Request, county: str | None = Query(None, max_length=32),
                     industry: str | None = Query(None, max_length=32), grade: str | None = Query(None, max_length=8),
                     violations: bool = False, scope: Scope = Depends(page_scope)):
    on = _on(request, None)

    def compute():
        with db.session(request.app.state.db_url) as s:
            rows = service.listing(s, scope, on, _root(request), county=county or None, industry=industry or None,
                                   grade=grade or None, violations_only=violations)
            return rows, service.grade_lists(s, scope), service.clusters(s, scope)
    rows, lists, clusters = cached(request, scope, "ledger.page", compute, on, county, industry, grade, violations,
                                   _rules_mark(request))
    counties = [(c, n) for c, n in scope.units()]
    return render(request, "enterprises/list.html", rows=rows, clusters=clusters, counties=counties, industries=INDUSTRIES,
                  grades=GRADES, chosen={"county": county, "industry": industry, "grade": grade,
                                         "violations": violations}, lists=lists, on=on,
                  manages=access.manages(scope))


@router.get("/enterprises/violations", include_in_schema=False)
@scoped("signed_in")
def violations_page(request: Request, date: str | None = None, scope: Scope = Depends(page_scope)):
    on = _on(request, date)
    with db.session(request.app.state.db_url) as s:
        board = service.violations_by_county(s, scope, on, _root(request))
        found = service.check(s, scope, on, _root(request))
    return render(request, "enterprises/violations.html", board=board, violations=found.violations,
                  upcoming=found.upcoming, on=on)


@router.get("/enterprises/grading", include_in_schema=False)
@scoped("signed_in")
def grading_page(request: Request, scope: Scope = Depends(page_scope)):
    with db.session(request.app.state.db_url) as s:
        apps = service.applications(s, scope)
    return render(request, "enterprises/grading.html", apps=apps)


@router.get("/enterprises/{enterprise_id}", include_in_schema=False)
@scoped("signed_in")
def enterprise_page(request: Request, enterprise_id: Id, date: str | None = None, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        e = service.detail(s, scope, enterprise_id, _on(request, date), _root(request))
    return render(request, "enterprises/enterprise.html", e=e, kinds=FACILITY_KINDS, grades=GRADES)
