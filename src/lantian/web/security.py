"""Sign-in: sessions in signed cookies with CSRF tokens for forms; bearer tokens for the API."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lantian.accounts import policy
from lantian.accounts import service as accounts
from lantian.accounts.models import ROLE_NAMES
from lantian.accounts.scope import Scope
from lantian.db import engine_for, session
from lantian.accounts.models import User

ACCESS_TOKEN_SECONDS = 12 * 3600


class LoginRequired(Exception):
    """A page asked for a signed-in user; the app answers with a redirect to /login."""


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret, salt="lantian-access-token")


def issue_access_token(request: Request, user_id: int) -> str:
    return _serializer(request).dumps({"uid": user_id})


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not token or not secrets.compare_digest(expected, token):
        raise HTTPException(403, "表单已过期或来源不明，请刷新页面后重试 (CSRF check failed)")


def bearer_call(request: Request) -> bool:
    """Authenticated by a bearer token (a header no other site can make a browser send): no CSRF.
    Any other ``Authorization`` header changes nothing — the cookie still authenticates, so the
    CSRF token is still required (issue 21 §1)."""
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def form_post(request: Request, csrf_token: str | None) -> bool:
    """A write route both pages and API clients use: a cookie-session call must carry the CSRF
    token; True when the caller is a page's form, which is answered with a redirect back."""
    if bearer_call(request):
        return False
    check_csrf(request, csrf_token or request.headers.get("x-csrf-token"))
    return "text/html" in request.headers.get("accept", "")


def _user_from_bearer(request: Request, token: str):
    url = request.app.state.db_url
    with session(url) as s:
        if token.startswith("lt_"):
            user = accounts.user_of_token(s, token)
        else:
            try:
                data = _serializer(request).loads(token, max_age=ACCESS_TOKEN_SECONDS)
            except (BadSignature, SignatureExpired):
                return None
            user = s.get(User, data.get("uid"))
            if user is not None and not user.active:
                user = None
        return accounts.principal(user) if user is not None else None


def _user_from_session(request: Request):
    uid = request.session.get("uid")
    if uid is None:
        return None
    # A Core query of the few columns a principal needs: every page and API call signed in by cookie
    # comes here, and the ORM's identity map and unit of work cost more than the query itself.
    # Same row, same rule (an unknown or disabled user is nobody).
    u = User.__table__.c
    q = sa.select(u.id, u.username, u.role, u.county_code, u.department_code, u.enterprise_id, u.display_name,
                  u.active).where(u.id == uid)
    with engine_for(request.app.state.db_url).connect() as c:
        user = c.execute(q).first()
    return accounts.principal(user) if user is not None and user.active else None


_UNSET = object()


def caller(request: Request):
    """The principal of a request: bearer token (API) or session cookie (pages), or None (looked up
    once per request)."""
    known = getattr(request.state, "lantian_caller", _UNSET)
    if known is not _UNSET:
        return known
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        who = _user_from_bearer(request, auth[7:].strip())
    else:
        who = _user_from_session(request)
    request.state.lantian_caller = who
    return who


async def write_gate(request: Request) -> None:
    """Every write (POST/PUT/PATCH/DELETE) route, before its handler runs (an app-wide dependency):
    a caller signed in by the session cookie must send the CSRF token (form field ``csrf_token`` or
    header ``X-CSRF-Token``) — a JSON body with only the cookie is refused; and the caller's role
    must have the right the route needs in its room (:data:`lantian.accounts.policy.ROUTES`),
    else 403 before the body is looked at. A route the policy does not name is refused to the
    read-only roles. Unsigned callers are left to the route (401 or the sign-in page)."""
    if request.method not in policy.WRITE_METHODS:
        return
    route = request.scope.get("route")
    rule = policy.route_rule(request.method, getattr(route, "path", ""))
    if rule is not None and rule[0] == "public":
        return
    who = caller(request)
    if who is None:
        return
    if not bearer_call(request):
        token = request.headers.get("x-csrf-token")
        kind = request.headers.get("content-type", "")
        if not token and ("form" in kind):
            token = (await request.form()).get("csrf_token")
        check_csrf(request, token if isinstance(token, str) else None)
    if rule is None:
        if who.role in policy.READ_ONLY:
            raise HTTPException(403, f"{ROLE_NAMES.get(who.role, who.role)}账户只能查看 (read-only role)")
        return
    room, action = rule
    if not policy.allows(who.role, action, room):
        raise HTTPException(403, f"{ROLE_NAMES.get(who.role, who.role)}无权在「{policy.ROOMS[room].name}」"
                                 f"{policy.ACTION_NAMES[action]} (role {who.role!r} may not {action} in {room})")


def page_scope(request: Request) -> Scope:
    """Dependency of pages: the caller's scope, or a redirect to the sign-in page."""
    who = caller(request)
    if who is None:
        raise LoginRequired()
    request.state.who = who
    return Scope.of(who, request.app.state.db_url)


def api_scope(request: Request) -> Scope:
    """Dependency of API routes: the caller's scope, or 401."""
    who = caller(request)
    if who is None:
        raise HTTPException(401, "sign in first: POST /api/auth/token", headers={"WWW-Authenticate": "Bearer"})
    request.state.who = who
    return Scope.of(who, request.app.state.db_url)
