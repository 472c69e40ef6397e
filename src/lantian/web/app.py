"""The app factory: ``create_app(workspace)`` → the FastAPI application of one workspace."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from lantian import db
from lantian.errors import InputError, UsageError
from lantian.web import contract
from lantian.web.offload import offload_uploads
from lantian.web.scoping import all_routes, unscoped_routes
from lantian.web.security import LoginRequired, write_gate
from lantian.web.viewcache import ViewCache
from lantian.workspace import open_workspace
from lantian.accounts.scope import Scope
from lantian.analysis import routes as analysis
from lantian.apportionment import routes as apportionment
from lantian.assessment import routes as assessment
from lantian.bulletins import routes as reports
from lantian.dustfall import routes as dustfall
from lantian.emergency import routes as emergency
from lantian.enterprises import routes as enterprises
from lantian.fires import routes as fires
from lantian.forecast import routes as forecast
from lantian.inventory import routes as inventory
from lantian.live import routes as live
from lantian.measurements.engine import connect
from lantian.measurements.store import Store
from lantian.monitoring import routes as monitoring
from lantian.monitoring.dashboard import dashboard
from lantian.plan import routes as plan
from lantian.registers import routes as registers
from lantian.vehicles import routes as vehicles
from lantian.web import attachment_routes, audit_routes, auth_routes
from lantian.web.answers import page_context, public, wants_page
from lantian.web.templating import render

STATIC = Path(__file__).parent / "static"


class RefuseNul:
    """A NUL byte in a URL is never a real request (PostgreSQL refuses it in text): 400, not 500."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]
                                        or b"%00" in scope.get("raw_path", b"")):
            await JSONResponse({"detail": "NUL byte in the request"}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _refusal(request: Request, status: int, detail, headers):
    """JSON for API clients, a page for browsers (a failed form upload too); never a server path
    (:mod:`lantian.web.answers`, issue 21 §4)."""
    detail = public(detail)
    path = request.url.path
    if (path.startswith("/api/") and not wants_page(request)) or path.startswith("/static/"):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    context = page_context(status, detail, request)
    return render(request, "error.html", status_code=status, **context)


class ThreadLimit:
    """Sync routes run in anyio's thread pool (40 threads by default); it is set to
    :func:`lantian.db.web_threads`, which the connection pool is sized for (issue 21 §3)."""

    def __init__(self, app, threads: int):
        self.app, self.threads, self.loops = app, threads, set()

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            import asyncio
            loop = id(asyncio.get_running_loop())
            if loop not in self.loops:
                import anyio.to_thread
                anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
                self.loops.add(loop)
        await self.app(scope, receive, send)


def _warm(app: FastAPI) -> None:
    """Fill the dashboard cache for the city and each county in the background, so the first visitor
    of each scope is served from it (the first computation of a station set takes seconds)."""
    ws = app.state.workspace
    try:
        city = Scope.office(app.state.db_url, "warm-up")
        scopes = [city] + [Scope(city.who, app.state.db_url, code) for code, _ in city.units()]
        for scope in scopes:
            stations = scope.stations(include_stopped=True)
            with app.state.engine_lock:
                dashboard(app.state.store, stations, None, app.state.con, as_of=ws.as_of)
    except Exception:   # warming is an optimisation; a failure here shows up on the first real request
        pass


def create_app(workspace: str | Path | None = None, engine: str | None = None, warm: bool = False) -> FastAPI:
    ws = open_workspace(workspace)
    db.upgrade(ws.database_url)
    app = FastAPI(title="lantian 蓝天", version="0.1", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json", swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
                  description="蓝天 lantian — a city's air-quality action plan, the API. Sign in with POST /api/auth/token "
                              "(OAuth2 password) or a machine token (`lantian token create`).",
                  dependencies=[Depends(write_gate)])   # every write asks the policy (accounts/policy.py)
    app.state.workspace = ws
    app.state.db_url = ws.database_url
    app.state.secret = ws.secret
    app.state.store = Store(ws.measurements)
    app.state.con = connect(engine, ws.config)
    app.state.engine_lock = threading.Lock()
    app.state.views = ViewCache()          # heavy views, once per data version and scope (issue 21 §3)
    app.add_middleware(RefuseNul)
    app.add_middleware(ThreadLimit, threads=db.web_threads(ws.database_url))
    app.add_middleware(SessionMiddleware, secret_key=ws.secret, session_cookie="lantian_session",
                       same_site="lax", https_only=False, max_age=12 * 3600)
    static = StaticFiles(directory=str(STATIC))
    app.mount("/static", static, name="static")
    for route in app.routes:
        if getattr(route, "path", None) == "/static":
            route.__scope_rule__ = "public"

    for module in (auth_routes, audit_routes, attachment_routes, monitoring, assessment, plan, enterprises, emergency,
                   dustfall, fires, vehicles, registers, reports, inventory, apportionment, live, forecast, analysis):
        offload_uploads(module.router)     # uploads parsed and imported off the event loop (issue 21 §3)
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return _refusal(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(UsageError)
    @app.exception_handler(InputError)
    async def usage_error(request: Request, exc: Exception):   # e.g. a field over its limit, found at commit
        return _refusal(request, 422, str(exc), None)

    if warm:
        threading.Thread(target=_warm, args=(app,), daemon=True, name="lantian-warm").start()

    contract.install(app)                  # the OpenAPI document as the API answers (issue 21 §6)
    app.add_middleware(contract.AllowAll, routes_of=lambda: all_routes(app.routes))

    missing = unscoped_routes(app)
    if missing:
        raise RuntimeError(f"routes without a scope rule: {missing} — mark each with lantian.web.scoping.scoped")
    return app


def served_app() -> FastAPI:
    """The app of one worker process of ``lantian serve --workers N`` (the workspace in
    ``$LANTIAN_SERVE_WORKSPACE``; the serving process has migrated the database already)."""
    import os
    return create_app(os.environ["LANTIAN_SERVE_WORKSPACE"], warm=True)
