"""The office's documents on the web: the monthly bulletin (月度通报) and the plan's quarterly review
(季度调度评估) — as pages, as data, or as the document (.docx / PDF) — the city's.

The pages and the API call the same service (:func:`lantian.bulletins.monthly.monthly`,
:func:`lantian.bulletins.quarterly.quarterly`) that writes the documents, under the same role check:
the city-wide office roles read them; a county or an enterprise gets 404, as for any record
outside its scope."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse

from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.params import QUARTER as QUARTER_PATTERN, YEAR_MONTH
from lantian.web.templating import render
from lantian.web.viewcache import cached

router = APIRouter()

#: the bulletin addresses every county and department: only city-wide roles read it
READ_BULLETIN = policy.CITY_WIDE
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MONTH, QUARTER = YEAR_MONTH, QUARTER_PATTERN          # as parse_month / parse_quarter take them


def _office_only(scope: Scope, what: str) -> None:
    if scope.who.role not in READ_BULLETIN or not scope.city_wide:
        raise HTTPException(404, f"the {what} is the city office's")


def _build(request: Request, build, *key) -> dict:
    """The report's data; with a ``key`` (report, period), computed once per data version (the same
    for every city-wide reader, who alone may read it — :func:`_office_only` is checked first)."""
    st = request.app.state

    def compute():
        with as_http(), st.engine_lock:
            return build(st.workspace, con=st.con, url=st.db_url)
    return cached(request, None, "reports." + key[0], compute, *key[1:]) if key else compute()


def _document(request: Request, scope: Scope, what: str, build, write, folder: str, fmt: str, period: str):
    """One report for a city-wide role: its data as JSON, or written through the document service."""
    _office_only(scope, what)
    if fmt == "json":
        return _build(request, build, what, period)
    data = _build(request, build)
    st = request.app.state
    with as_http():
        docx, pdf = write(data, st.workspace.root / "reports" / data[folder], workspace=st.workspace,
                          pdf=fmt == "pdf", url=st.db_url)
    if fmt == "pdf":
        if pdf is None:
            raise HTTPException(503, "no PDF: LibreOffice is not installed on the server (the .docx is there)")
        return FileResponse(pdf, filename=pdf.name, media_type="application/pdf")
    return FileResponse(docx, filename=docx.name, media_type=DOCX)


@router.get("/api/reports/monthly", tags=["reports"])
@scoped("signed_in")
def monthly_api(request: Request, month: str = Query(..., pattern=MONTH, description="YYYY-MM"),
                format: Literal["json", "docx", "pdf"] = Query("json"), scope: Scope = Depends(api_scope)):
    """月度通报 of ``month``: every section's data (None where there is none), or ``format=docx|pdf``."""
    from lantian.bulletins.monthly import monthly, monthly_docx
    return _document(request, scope, "monthly bulletin", lambda ws, **kw: monthly(ws, month, **kw), monthly_docx,
                     "month", format, month)


@router.get("/api/reports/quarterly", tags=["reports"])
@scoped("signed_in")
def quarterly_api(request: Request, quarter: str = Query(..., pattern=QUARTER, description="YYYYQn"),
                  format: Literal["json", "docx", "pdf"] = Query("json"), scope: Scope = Depends(api_scope)):
    """季度调度评估报告 of ``quarter`` (as of its last day): the data, or ``format=docx|pdf``."""
    from lantian.bulletins.quarterly import quarterly, quarterly_docx
    return _document(request, scope, "quarterly review", lambda ws, **kw: quarterly(ws, quarter, **kw),
                     quarterly_docx, "quarter", format, quarter)


# --------------------------------------------------------------------------- pages
def _quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month + 2) // 3}"


def _data_months(request: Request) -> list[str]:
    """The months with measurements in the store, newest first (the bulletin's city sections need them)."""
    from lantian.measurements.store import Store
    return [f"{y:04d}-{m:02d}" for y, m in reversed(Store(request.app.state.workspace.measurements).months())]


@router.get("/reports", include_in_schema=False)
@scoped("signed_in")
def reports_page(request: Request, scope: Scope = Depends(page_scope)):
    """The office's documents: choose the quarter of the review or the month of the bulletin."""
    _office_only(scope, "reports page")
    as_of = request.app.state.workspace.as_of
    months = _data_months(request)
    return render(request, "reports/index.html", quarter=_quarter_of(as_of), months=months,
                  month=months[0] if months else f"{as_of:%Y-%m}")


@router.get("/reports/quarterly", include_in_schema=False)
@scoped("signed_in")
def quarterly_page(request: Request, quarter: str | None = Query(None, pattern=r"^\d{4}-?Q[1-4]$"),
                   scope: Scope = Depends(page_scope)):
    """季度调度评估 (``quarter`` 2019Q4 or 2019-Q4): tasks by status and by lead department, measured key
    results, evidence; Word/PDF."""
    from lantian.bulletins.quarterly import quarterly
    _office_only(scope, "quarterly review")
    chosen = quarter or _quarter_of(request.app.state.workspace.as_of)
    data = _build(request, lambda ws, **kw: quarterly(ws, chosen, **kw), "quarterly review", chosen)
    return render(request, "reports/quarterly.html", r=data)


@router.get("/reports/monthly", include_in_schema=False)
@scoped("signed_in")
def monthly_page(request: Request, month: str | None = Query(None, pattern=MONTH),
                 scope: Scope = Depends(page_scope)):
    """月度通报: every section with data, the synthetic ones labelled; Word/PDF."""
    from lantian.bulletins.monthly import TITLES, monthly
    _office_only(scope, "monthly bulletin")
    from lantian.bulletins.monthly import NoBulletin
    months = _data_months(request)
    chosen = month or (months[0] if months else f"{request.app.state.workspace.as_of:%Y-%m}")
    try:
        data = _build(request, lambda ws, **kw: monthly(ws, chosen, **kw), "monthly bulletin", chosen)
    except HTTPException as exc:                       # a month without data: the page says why
        if not isinstance(exc.__context__, NoBulletin):
            raise
        return render(request, "reports/monthly.html", b=None, month=chosen, why=exc.detail.split(" — ")[0],
                      months=months, titles=TITLES)
    return render(request, "reports/monthly.html", b=data, month=chosen, why=None, months=months,
                  titles=TITLES)
