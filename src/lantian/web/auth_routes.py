"""Sign-in page, sign-out, and the OAuth2 password flow of the API."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from lantian import audit
from lantian.accounts import service as accounts
from lantian.accounts.scope import Scope
from lantian.db import now_utc, session
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, check_csrf, issue_access_token, page_scope
from lantian.web.templating import render
from lantian.web.security import ACCESS_TOKEN_SECONDS

router = APIRouter()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", include_in_schema=False)
@scoped("public")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", include_in_schema=False)
@scoped("public")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"):
    check_csrf(request, csrf_token)
    lockout = _lockout(request)
    with session(request.app.state.db_url) as s:
        result = accounts.sign_in(s, username, password, via="page", lockout=lockout)
        uid = result.user.id if result.user is not None else None
    if uid is None:                               # the failure is audited and counted (committed above)
        return render(request, "login.html", status_code=429 if result.outcome == "locked" else 401,
                      next=_safe_next(next), error=result.message(lockout))
    request.session.clear()
    request.session["uid"] = uid
    return RedirectResponse(_safe_next(next), status_code=303)


def _lockout(request: Request) -> accounts.Lockout:
    """[accounts] lockout_failures, lockout_minutes of the workspace's lantian.toml (⚠ settings)."""
    return accounts.lockout_settings(request.app.state.workspace.config)


@router.post("/logout", include_in_schema=False)
@scoped("signed_in")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(page_scope)):
    check_csrf(request, csrf_token)
    with session(request.app.state.db_url) as s:
        audit.record(s, actor=scope.who.username, role=scope.who.role, action="logout", entity="session",
                     after={"via": "page"}, scope_unit=scope.unit)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/api/auth/token", response_model=Token, tags=["auth"],
             responses={401: {"description": "用户名或密码不正确 (wrong username or password)"},
                        429: {"description": "连续输错密码，账户已锁定 (locked after repeated failures; "
                                             "see Retry-After)"}})
@scoped("public")
def token(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]):
    """OAuth2 password flow: form fields ``username`` and ``password``; returns a bearer ``access_token``."""
    lockout = _lockout(request)
    with session(request.app.state.db_url) as s:         # every outcome audited (issue 21 §2)
        result = accounts.sign_in(s, username, password, via="api", lockout=lockout)
        uid = result.user.id if result.user is not None else None
    if uid is None:
        if result.outcome == "locked":
            wait = max(60, int((result.locked_until - now_utc()).total_seconds())) if result.locked_until else 60
            raise HTTPException(429, result.message(lockout), headers={"Retry-After": str(wait)})
        raise HTTPException(401, result.message(lockout), headers={"WWW-Authenticate": "Bearer"})
    return Token(access_token=issue_access_token(request, uid), expires_in=ACCESS_TOKEN_SECONDS)


class Me(BaseModel):
    username: str
    role: str
    county: str | None
    department: str | None
    enterprise: int | None
    city_wide: bool


@router.get("/api/me", response_model=Me, tags=["auth"])
@scoped("signed_in")
def me(scope: Scope = Depends(api_scope)):
    """Who the caller is and how far it sees."""
    w = scope.who
    return Me(username=w.username, role=w.role, county=w.county_code, department=w.department_code,
              enterprise=w.enterprise_id, city_wide=scope.city_wide)
