"""The assessment room's pages and API: rankings, schedule progress, warning letters."""
from __future__ import annotations

import datetime as dt

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse

from lantian import geography
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.assessment import service
from lantian.assessment.progress import progress_rule
from lantian.standards import period as ref
from lantian.web.params import Day, Month, parse_day
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render
from lantian.web.viewcache import cached

router = APIRouter()


def _month(request: Request, text: str | None) -> ref.Period:
    if text:
        try:
            y, m = text.split("-")
            if not 1900 < int(y) < 2200:
                raise ValueError(y)
            return ref.month(int(y), int(m))
        except ValueError:
            raise HTTPException(422, f"{text!r} is not a month (YYYY-MM, 1901–2199)") from None
    day = _latest(request)
    return ref.month(day.year, day.month)


def _latest(request: Request) -> dt.date:
    """The as-of date, or the last day with data before it (never an empty page)."""
    return service.latest_data_day(request.app.state.store, request.app.state.workspace.as_of)


def _day(request: Request, text: str | None) -> dt.date:
    return parse_day(text) or _latest(request)


def _ranking(request, scope, period):
    """The ranking, computed once per data version for the city office (ranks are over every county)
    and confined to the caller's counties."""
    def compute():
        with request.app.state.engine_lock:
            return service.ranking(Scope.office(request.app.state.db_url, "ranking"), request.app.state.store,
                                   request.app.state.con, period, config=request.app.state.workspace.config)
    return service.visible_rows(scope, cached(request, None, "assessment.ranking", compute, period))


def _findings(request, day: dt.date) -> dict:
    """The plan's input to 严重滞后: counties with sub-tasks seriously late on ``day`` — the day the
    progress is assessed on, never the wall clock."""
    from lantian import db
    from lantian.plan.service import seriously_late_counties
    from lantian.plan.settings import plan_settings
    ws = request.app.state.workspace
    with db.session(request.app.state.db_url) as s:
        return seriously_late_counties(s, day, plan_settings(ws.config))


def _progress(request, scope, day):
    """序时进度 of every unit, computed once per data version for the city office (each unit's row is
    its own), and confined to the caller's."""
    def compute():
        findings = _findings(request, day)
        config = request.app.state.workspace.config
        with request.app.state.engine_lock:
            return service.unit_progress(Scope.office(request.app.state.db_url, "progress"), request.app.state.store,
                                         request.app.state.con, day, progress_rule(config), findings, config=config)
    return service.visible_rows(scope, cached(request, None, "assessment.progress", compute, day))


@router.get("/api/ranking", tags=["assessment"])
@scoped("signed_in")
def ranking_api(request: Request, month: Month = None,
                scope: Scope = Depends(api_scope)) -> list[dict]:
    """Counties ranked by composite index for a month (a county sees its own row and rank)."""
    return _ranking(request, scope, _month(request, month))


@router.get("/api/progress", tags=["assessment"])
@scoped("signed_in")
def progress_api(request: Request, date: Day = None,
                 scope: Scope = Depends(api_scope)) -> list[dict]:
    """序时进度 of the caller's counties (and the city for city-wide callers)."""
    return _progress(request, scope, _day(request, date))


@router.get("/api/letters", tags=["assessment"])
@scoped("signed_in")
def letters_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Warning letters and interview proposals addressed to the caller's counties."""
    return service.letters(scope, request.app.state.workspace.root)


@router.get("/api/letters/{letter_id}/document", tags=["assessment"])
@scoped("signed_in")
def letter_document(request: Request, letter_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
                    format: Literal["docx", "pdf"] = Query("docx", description="docx, or its PDF copy"),
                    scope: Scope = Depends(api_scope)):
    """The letter's .docx or PDF (404 outside the caller's scope; a 约谈建议 is the city's only)."""
    found = service.letter(scope, letter_id)
    if found is None or not found["document"]:
        raise HTTPException(404, "no such letter")
    path = request.app.state.workspace.root / found["document"]
    if format == "pdf":
        path = path.with_suffix(".pdf")
        if not path.is_file():
            raise HTTPException(404, "this letter has no PDF copy (LibreOffice was not installed when it was made)")
        return FileResponse(path, filename=path.name, media_type="application/pdf")
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.post("/assessment/letters/{letter_id}/advance", include_in_schema=False)
@scoped("signed_in")
async def advance_letter(request: Request, letter_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
                         scope: Scope = Depends(page_scope)):
    """Issue (city office), acknowledge receipt or report rectification (the addressed county)."""
    from lantian import db
    from lantian.errors import Forbidden, NotFound, UsageError
    from lantian.web.security import check_csrf
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    report = form.get("report")
    data = await report.read() if report is not None and hasattr(report, "read") else b""
    try:
        with db.session(request.app.state.db_url) as s:
            service.advance_letter(s, request.app.state.workspace.root, scope, letter_id, str(form.get("status", "")),
                                   (getattr(report, "filename", None) or "report", data) if data else None)
    except NotFound:
        raise HTTPException(404, "no such letter") from None
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except UsageError as exc:
        raise HTTPException(422, str(exc)) from None
    from fastapi.responses import RedirectResponse
    return RedirectResponse("/assessment", status_code=303)


@router.get("/assessment", include_in_schema=False)
@scoped("signed_in")
def assessment_page(request: Request, month: str | None = None, date: str | None = None,
                    scope: Scope = Depends(page_scope)):
    from lantian.assessment.networks import network_rule
    period = _month(request, month)
    day = _day(request, date)
    return render(request, "assessment/assessment.html", period=period, day=day,
                  ranking=_ranking(request, scope, period), progress=_progress(request, scope, day),
                  letters=service.letters(scope, request.app.state.workspace.root), scope=scope,
                  network_rule=network_rule(request.app.state.workspace.config).describe())


# --------------------------------------------------------------------------- targets (目标)
TARGET_MANAGERS = policy.ROOMS["assessment"].approve


def _target_rows(request: Request, scope: Scope, year: int | None) -> list[dict]:
    from lantian import db
    from lantian.assessment.targets import rows_of
    with db.session(request.app.state.db_url) as s:
        rows, names = rows_of(s, year), geography.names(s)
        own = geography.unit(s, scope.unit)
    if scope.who.role == "county":                 # its own targets and its city's
        rows = [r for r in rows if r["unit"] in (scope.unit, own.parent if own else None)]
    elif scope.who.role == "enterprise":
        rows = []
    return [dict(r, unit_name=names.get(r["unit"], r["unit"])) for r in rows]


@router.get("/api/targets", tags=["assessment"])
@scoped("signed_in")
def targets_api(request: Request, year: int | None = Query(None, ge=1901, le=2199),
                scope: Scope = Depends(api_scope)) -> list[dict]:
    """Annual targets (a county sees its own and the city's)."""
    return _target_rows(request, scope, year)


@router.get("/api/targets/template", tags=["assessment"])
@scoped("signed_in")
def targets_template_api(request: Request, format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
                         scope: Scope = Depends(api_scope)):
    """The targets template: 单位, 年份, 指标, 目标值, 来源 (.xlsx with notes, or .csv)."""
    import tempfile
    from pathlib import Path
    from lantian.assessment import targetfile
    out = Path(tempfile.mkdtemp(prefix="lantian-targets-")) / f"年度目标模板.{format}"
    targetfile.write(out, [])
    return FileResponse(out, filename=out.name, media_type="text/csv; charset=utf-8" if format == "csv" else
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/api/targets/import", tags=["assessment"])
@scoped("signed_in")
async def targets_import_api(request: Request, file: Annotated[UploadFile, File()],
                             csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Import targets (the city office): known indicators only, values in range; every bad row named with
    its column (422) and nothing stored then; audited."""
    import tempfile
    from pathlib import Path
    from lantian import db
    from lantian.assessment import targetfile
    from lantian.assessment.targets import import_rows
    from lantian.errors import InputError, UsageError
    from lantian.web.security import form_post
    page = form_post(request, csrf_token)
    if scope.who.role not in TARGET_MANAGERS:
        raise HTTPException(403, "目标由市大气办下达 (the city office sets targets)")
    data = await file.read(5 * 2**20 + 1)
    name = Path(file.filename or "targets.xlsx").name
    if len(data) > 5 * 2**20:
        from lantian.attachments import too_large
        raise HTTPException(413, too_large(name, file.size or len(data), 5 * 2**20))
    with tempfile.TemporaryDirectory(prefix="lantian-targets-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with db.session(request.app.state.db_url) as s:
            try:
                rows = targetfile.read(path, units=geography.lookup(s), name=name)
                result = import_rows(s, rows, by=scope.who.username, file=name)
            except targetfile.TargetImportError as exc:
                raise HTTPException(422, {"message": str(exc), "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]}) \
                    from None
            except (InputError, UsageError) as exc:
                raise HTTPException(422, str(exc)) from None
    if page:
        from fastapi.responses import RedirectResponse
        return RedirectResponse("/assessment/targets", status_code=303)
    return result


@router.get("/assessment/targets", include_in_schema=False)
@scoped("signed_in")
def targets_page(request: Request, year: int | None = Query(None, ge=1901, le=2199),
                 scope: Scope = Depends(page_scope)):
    from lantian.assessment.models import INDICATORS
    rows = _target_rows(request, scope, year)
    years = sorted({r["year"] for r in _target_rows(request, scope, None)}, reverse=True)
    return render(request, "assessment/targets.html", rows=rows, years=years, year=year, indicators=INDICATORS,
                  manages=scope.who.role in TARGET_MANAGERS)
