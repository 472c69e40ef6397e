"""Every route declares its scope rule; the app refuses to start with a route that has none.

Rules:
- ``public``: no sign-in (the sign-in page, static files, the API docs).
- ``signed_in``: any signed-in user; what it returns comes through the caller's
  :class:`~lantian.accounts.scope.Scope`, so it is already confined to the caller's county,
  department or enterprise.
- ``audit``: the city office and admins only (others: 403).
"""
from __future__ import annotations

RULES = ("public", "signed_in", "audit")
FRAMEWORK_PUBLIC = {"/api/openapi.json", "/api/docs", "/api/docs/oauth2-redirect", "/api/redoc"}


def scoped(rule: str):
    if rule not in RULES:
        raise ValueError(f"unknown scope rule {rule!r}")

    def mark(fn):
        fn.__scope_rule__ = rule
        return fn
    return mark


def rule_of(route) -> str | None:
    path = getattr(route, "path", None)
    if path in FRAMEWORK_PUBLIC:
        return "public"
    if route.__class__.__name__ == "Mount":
        return getattr(route, "__scope_rule__", None)
    endpoint = getattr(route, "endpoint", None)
    return getattr(endpoint, "__scope_rule__", None)


def all_routes(routes) -> list:
    """Every route, looking inside included routers (FastAPI keeps them as wrappers)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out.extend(all_routes(inner.routes))
        else:
            out.append(r)
    return out


def unscoped_routes(app) -> list[str]:
    return [getattr(r, "path", repr(r)) for r in all_routes(app.routes) if rule_of(r) is None]
