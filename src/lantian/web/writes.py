"""One write route's shape, shared by pages and the API: the CSRF check of a cookie-session call, the
service's action in one session with its refusals as HTTP answers (404/403/422), then a page's form
answered with a redirect back (303) and an API client with the action's result."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from lantian import db
from lantian.web.refusals import as_http
from lantian.web.security import form_post

T = TypeVar("T")


def submit(request: Request, csrf_token: str | None, back: str, action: Callable[[Session], T]) -> T | RedirectResponse:
    """Run ``action(session)`` for a write route; a page's form is sent ``back`` (a path), an API client
    gets what the action returned (built inside the session, so plain data)."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        result = action(s)
    if page:
        return RedirectResponse(back, status_code=303)
    return result
