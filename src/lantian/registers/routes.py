"""The registers' pages and API: every register with its rule results, one register's rows with
filters and findings, a row's page; the template, import and export. A register or row outside the
caller's scope answers 404; an import the caller may not make 403; a bad file 422 with every error
(row, column, what was expected)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse

from lantian import attachments, db
from lantian.accounts.scope import Scope
from lantian.registers import excel, service
from lantian.web.params import Day, parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render

router = APIRouter()
RegisterId = Annotated[str, FastAPIPath(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
RowId = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ws(request: Request):
    return request.app.state.workspace


def _on(request: Request, text: str | None):
    return parse_day(text) or _ws(request).as_of


def _listing(request: Request, scope: Scope, register: str, date, county, status, q) -> dict:
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.listing(s, scope, register, _on(request, date), _ws(request).config, _ws(request).root,
                               county=county, status=status, q=q)


# --------------------------------------------------------------------------- API
@router.get("/api/registers", tags=["registers"])
@scoped("signed_in")
def registers_api(request: Request, date: Day = None,
                  scope: Scope = Depends(api_scope)) -> list[dict]:
    """The registers the caller may see: tasks, owner, rows, violations, deadlines, notices."""
    with db.session(request.app.state.db_url) as s:
        return service.overview(s, scope, _on(request, date), _ws(request).config, _ws(request).root)


@router.get("/api/registers/{register}", tags=["registers"])
@scoped("signed_in")
def register_api(request: Request, register: RegisterId, date: Day = None,
                 county: str | None = Query(None, max_length=64),
                 status: str | None = Query(None, max_length=64),
                 q: str | None = Query(None, max_length=100), scope: Scope = Depends(api_scope)) -> dict:
    """One register's rows (filters: county, status, text) with its findings."""
    return _listing(request, scope, register, date, county, status, q)


@router.get("/api/registers/{register}/findings", tags=["registers"])
@scoped("signed_in")
def findings_api(request: Request, register: RegisterId, date: Day = None,
                 scope: Scope = Depends(api_scope)) -> dict:
    """The register's violations, deadlines and notices on the date, each citing its clause."""
    found = _listing(request, scope, register, date, None, None, None)
    return {"register": register, "date": found["date"], "findings": found["findings"],
            "undecided": found["undecided"]}


@router.get("/api/registers/{register}/template", tags=["registers"])
@scoped("signed_in")
def template_api(request: Request, register: RegisterId, scope: Scope = Depends(api_scope)):
    """The register's .xlsx template (Chinese headers, drop-downs, 说明)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        reg = service._register(scope, register)
        counties = service.county_names(s)
    out = Path(tempfile.mkdtemp(prefix="lantian-register-")) / f"{reg.label}模板.xlsx"
    excel.write_template(out, reg, counties=counties)
    return FileResponse(out, filename=out.name, media_type=XLSX)


@router.get("/api/registers/{register}/export", tags=["registers"])
@scoped("signed_in")
def export_api(request: Request, register: RegisterId, scope: Scope = Depends(api_scope)):
    """The caller's rows as .xlsx in the template's layout (it re-imports unchanged)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        reg = service._register(scope, register)
        records = service.export_records(s, scope, register)
        counties = service.county_names(s)
    out = Path(tempfile.mkdtemp(prefix="lantian-register-")) / f"{reg.label}.xlsx"
    excel.write_rows(out, reg, records, counties=counties)
    return FileResponse(out, filename=out.name, media_type=XLSX)


@router.post("/api/registers/{register}/import", tags=["registers"])
@scoped("signed_in")
async def import_api(request: Request, register: RegisterId, file: Annotated[UploadFile, File()],
                     csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Import a filled template (.xlsx) or .csv: the office, the owning department, or a county for
    its own rows. Every row checked; all or nothing; audited. 422 lists every error."""
    page = form_post(request, csrf_token)
    with as_http():
        reg = service._register(scope, register)
        if not service.may_import(scope, reg):
            raise HTTPException(403, f"不能导入「{reg.label}」(not yours to import)")
    data = await file.read(attachments.MAX_BYTES + 1)
    name = Path(file.filename or "register.xlsx").name
    if len(data) > attachments.MAX_BYTES:
        raise HTTPException(413, attachments.too_large(name, file.size or len(data)))
    with tempfile.TemporaryDirectory(prefix="lantian-register-") as tmp:
        path = Path(tmp) / ("upload.csv" if name.lower().endswith(".csv") else "upload.xlsx")
        path.write_bytes(data)
        with as_http():                      # NotFound 404, Forbidden 403, other bad input 422
            try:
                with db.session(request.app.state.db_url) as s:
                    batch = excel.read(path, reg, counties=service.county_lookup(s), name=name)
                    counts = service.import_batch(s, scope, batch, actor=scope.who.username, source=name)
            except excel.RegisterImportError as exc:
                raise HTTPException(422, {"message": str(exc), "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason,
                     "value": None if e.value is None else str(e.value)} for e in exc.errors]}) from None
    if page:
        return RedirectResponse(f"/registers/{register}", status_code=303)
    return counts


@router.post("/api/registers/{register}/{row_id}/attachments", tags=["registers"])
@scoped("signed_in")
async def attach_api(request: Request, register: RegisterId, row_id: RowId, file: Annotated[UploadFile, File()],
                     csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Attach an evidence file to a row (a 一群一策 plan, a 转移联单 scan…): the office, the owning
    department or the row's county. 404 outside the caller's scope, 403 for a read-only caller."""
    page = form_post(request, csrf_token)
    data = await file.read(attachments.MAX_BYTES + 1)
    with as_http(), db.session(request.app.state.db_url) as s:
        done = service.attach(s, _ws(request).root, scope, register, Path(file.filename or "upload"),
                              actor=scope.who.username, row_id=row_id, data=data)
    if page:
        return RedirectResponse(f"/registers/{register}/{row_id}", status_code=303)
    return done


@router.get("/api/zones/{zone}/cover", tags=["registers"])
@scoped("signed_in")
def cover_api(request: Request, zone: Annotated[str, FastAPIPath(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
              km: float = Query(0, ge=0, le=500, description="distance from the zone's boundary, km"),
              industry: list[str] = Query([], max_length=20, description="e.g. 钢铁, 焦化, 火电"),
              scope: Scope = Depends(api_scope)) -> dict:
    """The ledger's enterprises inside a zone or within ``km`` of it (geodesic), nearest first — e.g.
    task 4: ``/api/zones/planning_area/cover?km=20&industry=钢铁&industry=焦化&industry=火电``. Only the
    enterprises the caller may see."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.zone_cover(s, scope, zone, str(km), industry or None, _ws(request).config)


# --------------------------------------------------------------------------- pages
@router.get("/registers", include_in_schema=False)
@scoped("signed_in")
def index_page(request: Request, date: str | None = None, scope: Scope = Depends(page_scope)):
    with db.session(request.app.state.db_url) as s:
        rows = service.overview(s, scope, _on(request, date), _ws(request).config, _ws(request).root)
        zones = service.zone_list(s, scope)
    return render(request, "registers/index.html", rows=rows, zones=zones, on=_on(request, date))


@router.get("/registers/{register}", include_in_schema=False)
@scoped("signed_in")
def register_page(request: Request, register: RegisterId, date: str | None = None,
                  county: str | None = Query(None, max_length=64), status: str | None = Query(None, max_length=64),
                  q: str | None = Query(None, max_length=100),
                  scope: Scope = Depends(page_scope)):
    data = _listing(request, scope, register, date, county, status, q)
    return render(request, "registers/list.html", d=data, counties=scope.units(),
                  chosen={"county": county, "status": status, "q": q or ""})


@router.get("/registers/{register}/{row_id}", include_in_schema=False)
@scoped("signed_in")
def row_page(request: Request, register: RegisterId, row_id: RowId, date: str | None = None,
             scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        row = service.detail(s, scope, register, row_id, _on(request, date), _ws(request).config, _ws(request).root)
    return render(request, "registers/row.html", r=row)
