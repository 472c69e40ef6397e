"""The dust-fall bulletin as a page and API. The bulletin is a published document: every signed-in
role sees the whole county table (a county's own row is marked)."""
from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from lantian import db
from lantian.accounts.scope import Scope
from lantian.dustfall import service
from lantian.dustfall.models import DustfallValue
from lantian.web.params import MONTH
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

router = APIRouter()
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(s, text: str | None) -> str | None:
    if text:
        if not PERIOD.match(text):
            raise HTTPException(422, f"{text!r} is not a month (YYYY-MM)")
        return text
    return s.scalar(sa.select(sa.func.max(DustfallValue.period)))


@router.get("/api/dustfall/bulletin", tags=["dustfall"])
@scoped("signed_in")
def bulletin_api(request: Request, period: str | None = Query(None, pattern=MONTH), scope: Scope = Depends(api_scope)):
    """月度降尘通报: counties ranked (ties shared), year on year, those above the threshold (7.0 ⚠)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        month = _period(s, period)
        if month is None:
            raise HTTPException(404, "no dust fall imported (lantian dustfall import FILE)")
        return service.bulletin(s, month, request.app.state.workspace.config, scope=scope)


@router.get("/dustfall", include_in_schema=False)
@scoped("signed_in")
def bulletin_page(request: Request, period: str | None = Query(None, max_length=7), scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        month = _period(s, period)
        b = service.bulletin(s, month, request.app.state.workspace.config, scope=scope) if month else None
        months = list(s.scalars(sa.select(DustfallValue.period).distinct().order_by(DustfallValue.period.desc())))
    return render(request, "dustfall/bulletin.html", b=b, months=months, mine=scope.unit)
