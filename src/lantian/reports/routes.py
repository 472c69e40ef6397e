"""The monthly bulletin (月度通报) on the web: its data, or the document (.docx / PDF) — the city's."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse

from lantian.accounts.scope import Scope
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope

router = APIRouter()

#: the bulletin addresses every county and department: only city-wide roles read it
READ_BULLETIN = {"admin", "city", "inspector", "viewer", "department"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _document(request: Request, scope: Scope, what: str, build, write, folder: str, fmt: str):
    """One report for a city-wide role: its data as JSON, or written through the document service."""
    if scope.who.role not in READ_BULLETIN or not scope.city_wide:
        raise HTTPException(404, f"the {what} is the city office's")
    st = request.app.state
    with as_http(), st.engine_lock:
        data = build(st.workspace, con=st.con, url=st.db_url)
    if fmt == "json":
        return data
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
def monthly_api(request: Request, month: str = Query(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
                format: Literal["json", "docx", "pdf"] = Query("json"), scope: Scope = Depends(api_scope)):
    """月度通报 of ``month``: every section's data (None where there is none), or ``format=docx|pdf``."""
    from lantian.reports.monthly import monthly, monthly_docx
    return _document(request, scope, "monthly bulletin", lambda ws, **kw: monthly(ws, month, **kw), monthly_docx,
                     "month", format)


@router.get("/api/reports/quarterly", tags=["reports"])
@scoped("signed_in")
def quarterly_api(request: Request, quarter: str = Query(..., pattern=r"^\d{4}Q[1-4]$", description="YYYYQn"),
                  format: Literal["json", "docx", "pdf"] = Query("json"), scope: Scope = Depends(api_scope)):
    """季度调度评估报告 of ``quarter`` (as of its last day): the data, or ``format=docx|pdf``."""
    from lantian.reports.quarterly import quarterly, quarterly_docx
    return _document(request, scope, "quarterly review", lambda ws, **kw: quarterly(ws, quarter, **kw),
                     quarterly_docx, "quarter", format)
