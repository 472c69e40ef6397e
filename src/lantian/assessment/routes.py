"""The assessment room's pages and API: rankings, schedule progress, warning letters."""
from __future__ import annotations

import datetime as dt

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse

from lantian.accounts.scope import Scope
from lantian.assessment import service
from lantian.standards import period as ref
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

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
    as_of = request.app.state.workspace.as_of
    files = request.app.state.store.files()
    if not files:
        return as_of
    last = files[-1].parent
    y, m = int(last.parent.name.split("=")[1]), int(last.name.split("=")[1])
    import calendar
    end = dt.date(y, m, calendar.monthrange(y, m)[1])
    return min(as_of, end)


def _day(request: Request, text: str | None) -> dt.date:
    if text:
        try:
            day = dt.date.fromisoformat(text)
            if not 1900 < day.year < 2200:
                raise ValueError(text)
            return day
        except ValueError:
            raise HTTPException(422, f"{text!r} is not a date (YYYY-MM-DD, 1901–2199)") from None
    return _latest(request)


def _ranking(request, scope, period):
    with request.app.state.engine_lock:
        return service.ranking(scope, request.app.state.store, request.app.state.con, period)


def _progress(request, scope, day):
    with request.app.state.engine_lock:
        return service.unit_progress(scope, request.app.state.store, request.app.state.con, day)


@router.get("/api/ranking", tags=["assessment"])
@scoped("signed_in")
def ranking_api(request: Request, month: str | None = Query(None, description="YYYY-MM"),
                scope: Scope = Depends(api_scope)) -> list[dict]:
    """Counties ranked by composite index for a month (a county sees its own row and rank)."""
    return _ranking(request, scope, _month(request, month))


@router.get("/api/progress", tags=["assessment"])
@scoped("signed_in")
def progress_api(request: Request, date: str | None = Query(None, description="YYYY-MM-DD"),
                 scope: Scope = Depends(api_scope)) -> list[dict]:
    """序时进度 of the caller's counties (and the city for city-wide callers)."""
    return _progress(request, scope, _day(request, date))


@router.get("/api/letters", tags=["assessment"])
@scoped("signed_in")
def letters_api(scope: Scope = Depends(api_scope)) -> list[dict]:
    """Warning letters and interview proposals addressed to the caller's counties."""
    return service.letters(scope)


@router.get("/api/letters/{letter_id}/document", tags=["assessment"])
@scoped("signed_in")
def letter_document(request: Request, letter_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
                    scope: Scope = Depends(api_scope)):
    """The letter's .docx (404 outside the caller's scope)."""
    found = service.letter(scope, letter_id)
    if found is None or not found["document"]:
        raise HTTPException(404, "no such letter")
    path = request.app.state.workspace.root / found["document"]
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.get("/assessment", include_in_schema=False)
@scoped("signed_in")
def assessment_page(request: Request, month: str | None = None, date: str | None = None,
                    scope: Scope = Depends(page_scope)):
    period = _month(request, month)
    day = _day(request, date)
    return render(request, "assessment/assessment.html", period=period, day=day,
                  ranking=_ranking(request, scope, period), progress=_progress(request, scope, day),
                  letters=service.letters(scope), scope=scope)
