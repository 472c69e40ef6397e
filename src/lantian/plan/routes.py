"""The plan room's pages and API: overview, task, department, county, inbox; reports with evidence,
milestones, unit corrections and 督办函."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from lantian import attachments, db
from lantian.accounts.scope import Scope
from lantian.plan import access, indicators, service
from lantian.plan.settings import plan_settings
from lantian.web.params import parse_day
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, check_csrf, form_post, page_scope
from lantian.web.templating import render
from lantian.web.viewcache import cached, one_at_a_time, shared_memo

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]


def _ctx(request: Request) -> indicators.Context:
    st = request.app.state
    return indicators.Context(st.db_url, st.store, st.con, st.workspace.as_of, st.workspace.config, st.engine_lock,
                              memo=shared_memo(request, "plan.indicators"))


def _settings(request: Request):
    return plan_settings(request.app.state.workspace.config)


PlanQuery = Annotated[str | None, Query(max_length=128, description="which plan: its id, 文号 or words of its title "
                                                                      "(default: the plan in force on the as-of date)")]


def _chosen(request: Request, s, plan: str | None):
    """The plan asked for (404 when none is), or the plan in force; None when the workspace has none."""
    from lantian.errors import UsageError
    if not plan and not service.plans(s):
        return None
    try:
        return service.select_plan(s, plan, request.app.state.workspace.as_of)
    except UsageError as exc:
        raise HTTPException(404, str(exc)) from None


# --------------------------------------------------------------------------- API
@router.get("/api/plans", tags=["plan"])
@scoped("signed_in")
def plans_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The workspace's plans, with the one in force on the as-of date marked (``in_force``)."""
    with db.session(request.app.state.db_url) as s:
        return service.plan_list(s, request.app.state.workspace.as_of)


@router.get("/api/plan", tags=["plan"])
@scoped("signed_in")
def plan_api(request: Request, plan: PlanQuery = None, scope: Scope = Depends(api_scope)) -> dict:
    """The plan with its sections and the tasks the caller may see, each with status and progress."""
    def compute():
        with one_at_a_time(request, "plan"), db.session(request.app.state.db_url) as s:
            chosen = _chosen(request, s, plan)
            return service.overview(s, scope, _ctx(request), _settings(request), chosen) if chosen else None
    found = cached(request, scope, "plan.overview", compute, plan)
    if found is None:
        raise HTTPException(404, "no plan imported (lantian plan import FILE)")
    return found


@router.get("/api/plan/tasks", tags=["plan"])
@scoped("signed_in")
def tasks_api(request: Request, plan: PlanQuery = None, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Every task the caller may see: number, status, percent, lead, cooperating, measured_by."""
    def compute():
        with one_at_a_time(request, "plan"), db.session(request.app.state.db_url) as s:
            chosen = _chosen(request, s, plan)
            return service.tasks(s, scope, _ctx(request), _settings(request), chosen)[1] if chosen else []
    return cached(request, scope, "plan.tasks", compute, plan)


@router.get("/api/plan/counties/{code}", tags=["plan"])
@scoped("signed_in")
def county_api(request: Request, code: Annotated[str, FastAPIPath(max_length=32)], plan: PlanQuery = None,
               scope: Scope = Depends(api_scope)) -> list[dict]:
    """A county's or zone's own sub-tasks with their status (the county itself and the city-wide readers)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        chosen = _chosen(request, s, plan)
        found = service.county_subtasks(s, scope, code, _ctx(request), _settings(request), chosen)
    if found is None:
        raise HTTPException(404, "no such county")
    return found[1]


@router.get("/api/plan/tasks/{task_id}", tags=["plan"])
@scoped("signed_in")
def task_api(request: Request, task_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    """One task: its text, units, milestones, commitments, reports (with evidence) and 督办函."""
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.task_detail(s, scope, task_id, _ctx(request), _settings(request))


async def _files(files: list[UploadFile] | None) -> list[tuple[str, bytes]]:
    out = []
    for f in files or []:
        if f.filename:
            out.append((f.filename, await f.read(attachments.MAX_BYTES + 1)))
    return out


@router.post("/api/plan/tasks/{task_id}/reports", status_code=201, tags=["plan"])
@scoped("signed_in")
async def report_api(request: Request, task_id: Id, text: Annotated[str, Form()],
                     percent: Annotated[int | None, Form(ge=0, le=100)] = None,
                     milestone_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
                     completed: Annotated[bool, Form()] = False, csrf_token: Annotated[str, Form()] = "",
                     files: Annotated[list[UploadFile] | None, File()] = None,
                     scope: Scope = Depends(api_scope)):
    """进展报告 on a task your unit leads or supports (or a sub-task it owns), with evidence files."""
    page = form_post(request, csrf_token)
    data = await _files(files)
    with as_http(), db.session(request.app.state.db_url) as s:
        row = service.add_report(s, request.app.state.workspace.root, scope, task_id, text,
                                 as_of=request.app.state.workspace.as_of, milestone_id=milestone_id,
                                 percent=percent, completed=completed, files=data)
        report_id = row.id
    if page:
        return RedirectResponse(f"/plan/tasks/{task_id}#reports", status_code=303)
    return {"id": report_id, "task_id": task_id, "files": [n for n, _ in data]}


class MilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=255)
    due: dt.date | None = None
    owner_kind: str | None = None
    owner_code: str | None = Field(None, max_length=32)
    indicator: str | None = None
    params: dict = {}


@router.post("/api/plan/tasks/{task_id}/milestones", status_code=201, tags=["plan"])
@scoped("signed_in")
def milestone_api(request: Request, task_id: Id, body: MilestoneIn, scope: Scope = Depends(api_scope)) -> dict:
    """A milestone, or a sub-task owned by a county, department or enterprise (the city office only)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        m = service.add_milestone(s, scope, task_id, body.title, due=body.due, owner_kind=body.owner_kind,
                                  owner_code=body.owner_code, indicator=body.indicator, params=body.params)
        return {"id": m.id, "task_id": task_id}


@router.get("/api/plan/dispatch", tags=["plan"])
@scoped("signed_in")
def dispatch_api(request: Request, plan: PlanQuery = None, scope: Scope = Depends(api_scope)) -> dict:
    """调度: tasks by department, sub-tasks by county (overdue and at-risk counted), and each county's
    progress on each task (``matrix``)."""
    def compute():
        with one_at_a_time(request, "plan"), db.session(request.app.state.db_url) as s:
            return service.dispatch(s, scope, _ctx(request), _settings(request), _chosen(request, s, plan))
    return cached(request, scope, "plan.dispatch", compute, plan)


@router.get("/api/plan/inbox", tags=["plan"])
@scoped("signed_in")
def inbox_api(request: Request, plan: PlanQuery = None, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Reminders for the caller's unit: overdue and at-risk tasks, reports due, 督办函."""
    with db.session(request.app.state.db_url) as s:
        return service.inbox(s, scope, _ctx(request), _settings(request), _chosen(request, s, plan))


@router.get("/api/plan/supervisions/{supervision_id}/document", tags=["plan"])
@scoped("signed_in")
def supervision_document(request: Request, supervision_id: Id, scope: Scope = Depends(api_scope)):
    """The 督办函 .docx (the office, readers, the task's departments and the addressee)."""
    with as_http(), db.session(request.app.state.db_url) as s:
        x = service.supervision(s, scope, supervision_id)
        path = request.app.state.workspace.root / x.document
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


# --------------------------------------------------------------------------- pages
@router.get("/plan", include_in_schema=False)
@scoped("signed_in")
def plan_page(request: Request, plan: PlanQuery = None, scope: Scope = Depends(page_scope)):
    def compute():
        with one_at_a_time(request, "plan"), db.session(request.app.state.db_url) as s:
            ctx, settings = _ctx(request), _settings(request)
            chosen = _chosen(request, s, plan)
            found = service.overview(s, scope, ctx, settings, chosen) if chosen else None
            board = service.dispatch(s, scope, ctx, settings, chosen) if chosen and access.reads_all(scope) else None
            every = service.plan_list(s, request.app.state.workspace.as_of)
            return found, board, every, chosen.id if chosen else None
    found, board, every, chosen = cached(request, scope, "plan.page", compute, plan)
    return render(request, "plan/plan.html", found=found, board=board, scope=scope, plans=every, chosen=chosen)


@router.get("/plan/tasks/{task_id}", include_in_schema=False)
@scoped("signed_in")
def task_page(request: Request, task_id: Id, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        task = service.task_detail(s, scope, task_id, _ctx(request), _settings(request))
    return render(request, "plan/task.html", task=task, owner_kinds={"department": "部门", "county": "县区",
                                                                      "enterprise": "企业"},
                  indicators=indicators.registry())


async def _form(request: Request):
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    return form


@router.post("/plan/tasks/{task_id}/milestones", include_in_schema=False)
@scoped("signed_in")
async def milestone_form(request: Request, task_id: Id, scope: Scope = Depends(page_scope)):
    form = await _form(request)
    owner = str(form.get("owner", ""))
    kind, _, code = owner.partition(":")
    indicator = str(form.get("indicator") or "") or None
    with as_http(), db.session(request.app.state.db_url) as s:
        service.add_milestone(s, scope, task_id, str(form.get("title", "")), due=parse_day(form.get("due") or None),
                              owner_kind=kind or None, owner_code=code or None, indicator=indicator,
                              params={"unit": code} if indicator and kind == "county" else {})
    return RedirectResponse(f"/plan/tasks/{task_id}", status_code=303)


@router.post("/plan/tasks/{task_id}/units", include_in_schema=False)
@scoped("signed_in")
async def units_form(request: Request, task_id: Id, scope: Scope = Depends(page_scope)):
    form = await _form(request)
    split = lambda text: [x for x in str(text or "").replace("，", "、").replace(",", "、").split("、")]  # noqa: E731
    with as_http(), db.session(request.app.state.db_url) as s:
        service.correct_units(s, scope, task_id, split(form.get("lead")), split(form.get("cooperating")))
    return RedirectResponse(f"/plan/tasks/{task_id}", status_code=303)


@router.post("/plan/tasks/{task_id}/supervise", include_in_schema=False)
@scoped("signed_in")
async def supervise_form(request: Request, task_id: Id, scope: Scope = Depends(page_scope)):
    form = await _form(request)
    kind, _, code = str(form.get("to", "")).partition(":")
    with as_http(), db.session(request.app.state.db_url) as s:
        service.supervise(s, request.app.state.workspace.root, scope, task_id, kind, code,
                          as_of=request.app.state.workspace.as_of, settings=_settings(request), ctx=_ctx(request))
    return RedirectResponse(f"/plan/tasks/{task_id}#supervision", status_code=303)


@router.get("/plan/departments/{code}", include_in_schema=False)
@scoped("signed_in")
def department_page(request: Request, code: Annotated[str, FastAPIPath(max_length=32)], plan: PlanQuery = None,
                    scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        chosen = _chosen(request, s, plan)
        name, _, rows = service.department_tasks(s, scope, code, _ctx(request), _settings(request), chosen)
    return render(request, "plan/unit.html", title=name, kind="department", rows=rows, milestones=None,
                  plan_title=chosen.title if chosen else None)


@router.get("/plan/counties/{code}", include_in_schema=False)
@scoped("signed_in")
def county_page(request: Request, code: Annotated[str, FastAPIPath(max_length=32)], plan: PlanQuery = None,
                scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        chosen = _chosen(request, s, plan)
        found = service.county_subtasks(s, scope, code, _ctx(request), _settings(request), chosen)
    if found is None:
        raise HTTPException(404, "no such county")
    name, rows = found
    return render(request, "plan/unit.html", title=name, kind="county", rows=None, milestones=rows,
                  plan_title=chosen.title if chosen else None)


@router.get("/plan/inbox", include_in_schema=False)
@scoped("signed_in")
def inbox_page(request: Request, plan: PlanQuery = None, scope: Scope = Depends(page_scope)):
    with db.session(request.app.state.db_url) as s:
        items = service.inbox(s, scope, _ctx(request), _settings(request), _chosen(request, s, plan))
    return render(request, "plan/inbox.html", items=items)
