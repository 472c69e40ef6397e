"""Evidence files over HTTP: upload, list and download, scoped like the record they belong to."""
from __future__ import annotations

from typing import Annotated, Callable

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel

from lantian import attachments
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import session, to_beijing
from lantian.errors import NotFound, UsageError
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, bearer_call, check_csrf
from lantian.assessment.service import letter
from lantian.enterprises.service import application_unit
from lantian.fires.service import case_unit
from lantian.plan.service import report_unit
from lantian.registers.service import row_unit

router = APIRouter()

#: entity → function(scope, entity_id) giving the record's county/zone code, or raising 404 when the
#: caller may not see it. Rooms add their records here.
ATTACHABLE: dict[str, Callable[[Scope, str], str | None]] = {}


def _station_unit(scope: Scope, code: str) -> str | None:
    station = scope.station(code)
    if station is None:
        raise HTTPException(404, "no such record")
    return station.unit_code


ATTACHABLE["station"] = _station_unit


def _letter_unit(scope: Scope, letter_id: str) -> str | None:
    try:
        number = int(letter_id)
        found = letter(scope, number) if 1 <= number < 2**31 else None
    except ValueError:
        found = None
    if found is None:
        raise HTTPException(404, "no such record")
    return found["unit"]


ATTACHABLE["letter"] = _letter_unit


def _via(lookup: Callable) -> Callable[[Scope, str], str | None]:
    """A room's service function (session, scope, id) → unit as an ATTACHABLE entry."""
    def unit(scope: Scope, entity_id: str) -> str | None:
        try:
            with session(scope.url) as s:
                return lookup(s, scope, entity_id)
        except NotFound:
            raise HTTPException(404, "no such record") from None
    return unit


def _plan_report(s, scope, report_id):
    return report_unit(s, scope, report_id)


def _grade_application(s, scope, application_id):
    return application_unit(s, scope, application_id)


def _fire_case(s, scope, case_id):
    return case_unit(s, scope, case_id)


ATTACHABLE["plan_report"] = _via(_plan_report)
ATTACHABLE["fire_case"] = _via(_fire_case)
ATTACHABLE["grade_application"] = _via(_grade_application)


def _register_row(s, scope, row_id):
    return row_unit(s, scope, row_id)


ATTACHABLE["register_row"] = _via(_register_row)
#: records whose evidence is filed with the record itself (a report or an application carries its files)
FILED_WITH_RECORD = {"plan_report": "进展报告的佐证材料随报告一并报送 (attach files when reporting)",
                     "grade_application": "绩效分级佐证材料随申报一并提交 (attach files when applying)",
                     "register_row": "台账附件在台账记录页上传 (POST /api/registers/REGISTER/ROW/attachments)"}


def _unit_of(scope: Scope, entity: str, entity_id: str, action: str = "read") -> str | None:
    """The record's county/zone when the caller may ``action`` it (the policy: the role's right in the
    record's room and the record's scope); 404 when it may not see it, 403 when it may see but not write."""
    if entity not in ATTACHABLE or entity not in policy.EVIDENCE_ROOMS:
        raise HTTPException(404, "no such record")
    room = policy.EVIDENCE_ROOMS[entity]
    if not policy.allows(scope.who.role, "read", room):
        raise HTTPException(404, "no such record")
    unit = ATTACHABLE[entity](scope, entity_id)          # the room's own lookup: 404 outside the scope
    if action != "read" and not policy.may(scope, action, room, policy.Record(unit=unit)):
        raise HTTPException(403, f"你的角色不能为「{policy.ROOMS[room].name}」的记录上传附件 "
                                 f"(role {scope.who.role!r} may not write to this record)")
    return unit


class AttachmentOut(BaseModel):
    id: int
    entity: str
    entity_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: str


def _out(a) -> AttachmentOut:
    return AttachmentOut(id=a.id, entity=a.entity, entity_id=a.entity_id, filename=a.filename,
                         content_type=a.content_type, size=a.size, sha256=a.sha256, uploaded_by=a.uploaded_by,
                         uploaded_at=to_beijing(a.uploaded_at).isoformat(timespec="seconds"))


@router.post("/api/attachments", response_model=AttachmentOut, status_code=201, tags=["evidence"])
@scoped("signed_in")
async def upload(request: Request, entity: Annotated[str, Form()], entity_id: Annotated[str, Form()],
                 file: Annotated[UploadFile, File()], csrf_token: Annotated[str, Form()] = "",
                 scope: Scope = Depends(api_scope)):
    """Attach an evidence file (pdf, jpg, png, docx, xlsx, csv, txt; ≤ 20 MB) to a record you may see."""
    if not bearer_call(request):
        check_csrf(request, csrf_token or request.headers.get("x-csrf-token"))
    unit = _unit_of(scope, entity, entity_id, "write")
    if entity in FILED_WITH_RECORD:
        raise HTTPException(403, FILED_WITH_RECORD[entity])
    data = await file.read(attachments.MAX_BYTES + 1)
    try:
        with session(request.app.state.db_url) as s:
            row = attachments.add(s, request.app.state.workspace.root, entity=entity, entity_id=entity_id,
                                  filename=file.filename or "upload", data=data, actor=scope.who.username,
                                  role=scope.who.role, scope_unit=unit)
            result = _out(row)
        if "text/html" in request.headers.get("accept", ""):          # the page's form: back to the record
            back = request.headers.get("referer") or "/"
            return RedirectResponse(back if back.startswith(str(request.base_url)) or back.startswith("/")
                                    else "/", status_code=303)
        return result
    except UsageError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/api/attachments", response_model=list[AttachmentOut], tags=["evidence"])
@scoped("signed_in")
def list_attachments(request: Request, entity: str, entity_id: str, scope: Scope = Depends(api_scope)):
    """The evidence files of one record."""
    _unit_of(scope, entity, entity_id)
    with session(request.app.state.db_url) as s:
        return [_out(a) for a in attachments.of(s, entity, entity_id)]


@router.get("/api/attachments/{attachment_id}", tags=["evidence"])
@scoped("signed_in")
def download(request: Request, attachment_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
             scope: Scope = Depends(api_scope)):
    """Download an evidence file (404 when it belongs to a record outside your scope)."""
    with session(request.app.state.db_url) as s:
        a = attachments.get(s, attachment_id)
        if a is None:
            raise HTTPException(404, "no such record")
        _unit_of(scope, a.entity, a.entity_id)
        path = attachments.store_path(request.app.state.workspace.root, a.sha256)
        return FileResponse(path, media_type=a.content_type, filename=a.filename)
