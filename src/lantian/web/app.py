"""The app factory: ``create_app(workspace)`` → the FastAPI application of one workspace."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from lantian import db
from lantian.web.scoping import unscoped_routes
from lantian.web.security import LoginRequired
from lantian.workspace import open_workspace

STATIC = Path(__file__).parent / "static"


def create_app(workspace: str | Path | None = None, engine: str | None = None) -> FastAPI:
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    ws = open_workspace(workspace)
    db.upgrade(ws.database_url)
    app = FastAPI(title="lantian 蓝天", version="0.1", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json", swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
                  description="长治市空气质量再提升行动计划 — the API. Sign in with POST /api/auth/token "
                              "(OAuth2 password) or a machine token (`lantian token create`).")
    app.state.workspace = ws
    app.state.db_url = ws.database_url
    app.state.secret = ws.secret
    app.state.store = Store(ws.measurements)
    app.state.con = connect(engine)
    app.state.engine_lock = threading.Lock()
    app.add_middleware(SessionMiddleware, secret_key=ws.secret, session_cookie="lantian_session",
                       same_site="lax", https_only=False, max_age=12 * 3600)
    static = StaticFiles(directory=str(STATIC))
    app.mount("/static", static, name="static")
    for route in app.routes:
        if getattr(route, "path", None) == "/static":
            route.__scope_rule__ = "public"

    from lantian.monitoring import routes as monitoring
    from lantian.web import attachment_routes, audit_routes, auth_routes
    for module in (auth_routes, audit_routes, attachment_routes, monitoring):
        app.include_router(module.router)

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next):
        """A NUL byte in a URL is never a real request (PostgreSQL refuses it in text): 400, not 500."""
        if "%00" in str(request.url) or "\x00" in request.url.path:
            return JSONResponse({"detail": "NUL byte in the request"}, status_code=400)
        return await call_next(request)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        from lantian.web.templating import render
        return render(request, "error.html", status_code=exc.status_code, status=exc.status_code,
                      message=exc.detail)

    missing = unscoped_routes(app)
    if missing:
        raise RuntimeError(f"routes without a scope rule: {missing} — mark each with lantian.web.scoping.scoped")
    return app
