"""Uploads handled off the event loop (issue 21 §3).

The upload routes are ``async def`` (they ``await file.read()``) and then parse and import on the
event loop: a 4.5 MB ledger of 200,000 rows held every other request for 97 s. Rather than
rewrite each route, :func:`offload_uploads` runs every ``async def`` route that takes a request
body (form fields, files) in a worker thread of its own, on an event loop of its own: FastAPI has
read and parsed the body before the route is called (``request.form()`` then answers from what it
kept), so nothing in the route waits on the server's loop, and the loop goes on serving the other
requests while the file is parsed, checked and imported.

Routes without body parameters (the few page forms that read ``await request.form()`` themselves)
stay on the loop: their body is small and still to be read from the connection.
"""
from __future__ import annotations

import asyncio
import functools
import inspect

import anyio.to_thread
from fastapi.routing import APIRoute

from lantian.web.scoping import all_routes

__all__ = ["offload_uploads", "offloaded"]


def _in_a_thread(fn):
    @functools.wraps(fn)
    async def run(**values):
        return await anyio.to_thread.run_sync(lambda: asyncio.run(fn(**values)))
    run.__lantian_offloaded__ = True
    return run


def offload_uploads(router) -> list[str]:
    """Move each ``async def`` route of ``router`` with body parameters off the event loop, before the
    router is included in the app (FastAPI builds the included routes from ``route.endpoint``);
    returns them (``METHOD path``). Idempotent: a module's router is included by every app made."""
    moved = []
    for route in all_routes(router.routes):
        if not isinstance(route, APIRoute) or not route.dependant.body_params:
            continue
        call = route.endpoint
        if not inspect.iscoroutinefunction(call) or getattr(call, "__lantian_offloaded__", False):
            continue
        route.endpoint = route.dependant.call = _in_a_thread(call)
        moved += [f"{m} {route.path}" for m in sorted(route.methods)]
    return moved


def offloaded(app) -> list[str]:
    """The routes the app runs off the event loop (``METHOD path``)."""
    return [f"{m} {r.path}" for r in all_routes(app.routes) if isinstance(r, APIRoute)
            and getattr(r.endpoint, "__lantian_offloaded__", False) for m in sorted(r.methods)]
