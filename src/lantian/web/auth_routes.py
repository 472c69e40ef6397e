"""Sign-in page, sign-out, and the OAuth2 password flow of the API."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from lantian import audit
from lantian.accounts import service as accounts
from lantian.accounts.scope import Scope
from lantian.db import session
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, check_csrf, issue_access_token, page_scope
from lantian.web.templating import render

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
    with session(request.app.state.db_url) as s:
        user = accounts.authenticate(s, username, password)
        audit.record(s, actor=username, action="login" if user else "login_failed", entity="session",
                     role=user.role if user else None)
        if user is None:
            return render(request, "login.html", status_code=401, next=_safe_next(next),
                          error="用户名或密码不正确")
        request.session.clear()
        request.session["uid"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
@scoped("signed_in")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(page_scope)):
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/api/auth/token", response_model=Token, tags=["auth"])
@scoped("public")
def token(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]):
    """OAuth2 password flow: form fields ``username`` and ``password``; returns a bearer ``access_token``."""
    from lantian.web.security import ACCESS_TOKEN_SECONDS
    with session(request.app.state.db_url) as s:
        user = accounts.authenticate(s, username, password)
        if user is None:
            raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
        uid = user.id
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
