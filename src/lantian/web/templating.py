"""Jinja2 templates: the shell's layout and every room's templates (``<room>/templates``)."""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from lantian import db, geography
from lantian.accounts.models import ROLE_NAMES
from lantian.web.security import csrf_token

HERE = Path(__file__).parent
ROOMS = [HERE / "templates", HERE.parent / "monitoring" / "templates", HERE.parent / "assessment" / "templates",
         HERE.parent / "plan" / "templates", HERE.parent / "enterprises" / "templates",
         HERE.parent / "emergency" / "templates", HERE.parent / "dustfall" / "templates",
         HERE.parent / "vehicles" / "templates", HERE.parent / "registers" / "templates",
         HERE.parent / "fires" / "templates", HERE.parent / "bulletins" / "templates",
         HERE.parent / "inventory" / "templates", HERE.parent / "apportionment" / "templates",
         HERE.parent / "live" / "templates", HERE.parent / "forecast" / "templates",
         HERE.parent / "analysis" / "templates"]

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(p)) for p in ROOMS])
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


def render(request: Request, name: str, status_code: int = 200, **context):
    context.setdefault("who", getattr(request.state, "who", None))
    context["csrf"] = csrf_token(request)
    context["as_of"] = request.app.state.workspace.as_of
    context.setdefault("city", city_name(request))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def city_name(request: Request) -> str:
    """The workspace's city (长治市) for the pages' heading; empty for a workspace that knows none yet."""
    with db.session(request.app.state.db_url) as s:
        return geography.city_name(s, request.app.state.workspace.config) or ""
