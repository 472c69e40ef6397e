"""The audit log page and API — the city office and admins only."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from lantian import audit
from lantian.accounts.scope import Scope
from lantian.db import session, to_beijing
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, page_scope
from lantian.web.templating import render

router = APIRouter()


def _require(scope: Scope) -> None:
    if not scope.can_read_audit():
        raise HTTPException(403, "审计日志仅限市大气办和系统管理员查看 (audit log: city office and admins only)")


class Entry(BaseModel):
    id: int
    at: str
    actor: str
    role: str | None
    action: str
    entity: str
    entity_id: str | None
    before: str | None
    after: str | None


@router.get("/api/audit", response_model=list[Entry], tags=["audit"])
@scoped("audit")
def audit_api(request: Request, entity: str | None = None, limit: int = Query(100, ge=1, le=1000),
              scope: Scope = Depends(api_scope)):
    """Audit entries, newest first."""
    _require(scope)
    with session(request.app.state.db_url) as s:
        page = audit.entries(s, entity=entity, limit=limit)
        return [Entry(id=e.id, at=to_beijing(e.at).isoformat(timespec="seconds"), actor=e.actor, role=e.role,
                      action=e.action, entity=e.entity, entity_id=e.entity_id, before=e.before, after=e.after)
                for e in page.entries]


class ChainOut(BaseModel):
    ok: bool
    entries: int
    head: str
    broken_at: int | None
    reason: str | None


@router.get("/api/audit/verify", response_model=ChainOut, tags=["audit"])
@scoped("audit")
def audit_verify_api(request: Request, scope: Scope = Depends(api_scope)):
    """The audit log's hash chain checked entry by entry (``lantian audit verify``): intact, or the first
    entry where it was rewritten."""
    _require(scope)
    with session(request.app.state.db_url) as s:
        v = audit.verify(s)
    return ChainOut(ok=v.ok, entries=v.entries, head=v.head, broken_at=v.broken_at, reason=v.reason)


@router.get("/audit", include_in_schema=False)
@scoped("audit")
def audit_page(request: Request, entity: str | None = None, page: int = Query(1, ge=1),
               scope: Scope = Depends(page_scope)):
    _require(scope)
    with session(request.app.state.db_url) as s:
        result = audit.entries(s, entity=entity, limit=50, offset=(page - 1) * 50)
        chain = audit.verify(s)
        rows = [{"at": to_beijing(e.at).strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor, "role": e.role,
                 "action": e.action, "entity": e.entity, "entity_id": e.entity_id, "before": e.before,
                 "after": e.after} for e in result.entries]
    return render(request, "audit.html", rows=rows, total=result.total, page=page, entity=entity, chain=chain)
