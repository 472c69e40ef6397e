"""What the plan pages, API and CLI show and do, always through the caller's scope.

Reads return plain dicts; writes are audited and refuse what the caller may not do:
``NotFound`` for a record outside the scope (404), ``Forbidden`` for an action the caller's role
may not take on a record it can see (403), ``UsageError`` for bad input (422).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import attachments, audit, geography
from lantian.documents.office import office_of
from lantian.accounts.models import Department, Enterprise
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.plan import access, indicators
from lantian.plan.models import OWNER_KINDS, Commitment, Measure, Milestone, Plan, Report, Section, Supervision, Task, TaskUnit
from lantian.plan.settings import DEFAULT, PlanSettings
from lantian.plan.status import LABELS, ORDER, Measured, TaskStatus, task_status
from lantian.documents import render_docx
from lantian.documents.content import cn_number
from lantian.documents.letters import SupervisionContext, supervision_letter
from lantian.plan.importer import set_units
from lantian.plan.status import milestone_status

REPORT_ENTITY = "plan_report"


def _start(plan: Plan) -> dt.date:
    """When a plan takes effect: the first year of its period, else its date of issue."""
    if plan.first_year:
        return dt.date(plan.first_year, 1, 1)
    return plan.issued or dt.date.min


def plans(s: Session) -> list[Plan]:
    """Every plan of the workspace, oldest first (by the start of its period, its issue, its import)."""
    return sorted(s.scalars(sa.select(Plan)), key=lambda p: (_start(p), p.issued or dt.date.min, p.id))


def plan_in_force(s: Session, as_of: dt.date) -> Plan | None:
    """The plan in force on ``as_of``: the latest to have started by then (a successor takes over when
    its period starts); before every plan, the first."""
    found = plans(s)
    started = [p for p in found if _start(p) <= as_of]
    return started[-1] if started else (found[0] if found else None)


def plan_title(s: Session, day: dt.date) -> str:
    """The title of the plan in force on ``day``, as documents cite it (《…》); the city's 行动计划 when the
    workspace holds no plan yet."""
    plan = plan_in_force(s, day)
    if plan is not None and plan.title:
        return plan.title
    return f"{geography.city_name(s) or ''}空气质量行动计划"


def plan_clause(s: Session, day: dt.date, word: str) -> str | None:
    """The plan in force's own words on ``word`` (约谈, 预警通知函 …), as a document cites them:
    《title》“五、保障措施（五）强化考核督察”：the sentences that say it; 《title》 alone when no 保障措施
    item says it; None when the workspace holds no plan."""
    plan = plan_in_force(s, day)
    if plan is None:
        return None
    for m in s.scalars(sa.select(Measure).where(Measure.plan_id == plan.id).order_by(Measure.line, Measure.id)):
        said = [x for x in m.body.split("。") if word in x]
        if not said:
            continue
        section = s.scalar(sa.select(Section).where(Section.plan_id == plan.id, Section.parent_id.is_(None),
                                                    Section.title == m.section)) if m.section else None
        where = (f"{cn_number(section.number)}、{section.title}" if section else (m.section or "")) + \
            f"{m.number}{m.title}"
        return f"《{plan.title}》“{where}”：" + "。".join(x.strip() for x in said)
    return f"《{plan.title}》"


def current_plan(s: Session, as_of: dt.date | None = None) -> Plan | None:
    """The plan in force on ``as_of`` (default today)."""
    return plan_in_force(s, as_of or dt.date.today())


def select_plan(s: Session, selector: str | int | None, as_of: dt.date) -> Plan:
    """``--plan``: a plan id, its 文号 (长政办发〔2023〕14号) or words of its title; None: the plan in force."""
    if selector in (None, ""):
        plan = plan_in_force(s, as_of)
        if plan is None:
            raise UsageError("no plan in this workspace: lantian plan import FILE")
        return plan
    text = str(selector).strip()
    found = plans(s)
    if text.isascii() and text.isdigit():          # "²".isdigit() is True too
        hit = [p for p in found if p.id == int(text)]
    else:
        hit = [p for p in found if p.document_number == text] or [p for p in found if text in p.title]
    if len(hit) != 1:
        listing = "; ".join(f"{p.id}: {p.title} {p.document_number or ''}".strip() for p in found) or "none"
        raise UsageError(f"--plan {text!r} names {'no' if not hit else 'more than one'} plan (plans: {listing})")
    return hit[0]


def plan_list(s: Session, as_of: dt.date) -> list[dict]:
    """Every plan with its period, tasks and whether it is in force on ``as_of``."""
    force = plan_in_force(s, as_of)
    counts = dict(s.execute(sa.select(Task.plan_id, sa.func.count()).group_by(Task.plan_id)).all())
    return [dict(_plan_json(p), tasks=counts.get(p.id, 0), in_force=force is not None and p.id == force.id,
                 source=p.source_name) for p in plans(s)]


def owner_names(s: Session) -> dict[str, str]:
    """Every unit a task or milestone may name as its owner (departments, counties, enterprises): code → name."""
    out = {d.code: d.name for d in s.scalars(sa.select(Department))}
    out.update(geography.names(s))
    out.update({str(e.id): e.name for e in s.scalars(sa.select(Enterprise))})
    return out


def owner_name(names: dict, kind: str | None, code: str | None) -> str:
    if not kind:
        return "牵头单位"
    return names.get(code or "", code or "")


def _measured_json(m: Measured) -> dict:
    known = indicators.registry()
    return {"indicator": m.indicator, "label": known[m.indicator].label if m.indicator in known else m.indicator, "params": m.params, "ok": m.ok,
            "value": m.value, "detail": m.detail, "synthetic": m.synthetic}


class _Loaded:
    """The plan's tasks with their units, milestones and commitments, loaded once per request."""

    def __init__(self, s: Session, plan: Plan, scope: Scope):
        self.plan = plan
        visible = access.visible_tasks(s, scope)
        q = sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.number)
        self.tasks = [t for t in s.scalars(q) if visible is None or t.id in visible]
        ids = [t.id for t in self.tasks]
        self.units = defaultdict(list)
        for u in s.scalars(sa.select(TaskUnit).where(TaskUnit.task_id.in_(ids)).order_by(TaskUnit.role.desc(),
                                                                                        TaskUnit.position)):
            self.units[u.task_id].append(u)
        whole = {t.id for t in self.tasks if access.sees_whole_task(s, scope, t)}
        me = access.owner(scope)
        self.milestones = defaultdict(list)
        for m in s.scalars(sa.select(Milestone).where(Milestone.task_id.in_(ids)).order_by(Milestone.due,
                                                                                          Milestone.id)):
            if m.task_id in whole or (me is not None and (m.owner_kind, m.owner_code) == me):
                self.milestones[m.task_id].append(m)
        self.commitments = defaultdict(list)
        for c in s.scalars(sa.select(Commitment).where(Commitment.task_id.in_(ids)).order_by(Commitment.id)):
            self.commitments[c.task_id].append(c)
        self.whole = whole
        self.reported = {}                       # task → last percent reported on the task as a whole
        q = (sa.select(Report.task_id, Report.percent).where(Report.task_id.in_(ids), Report.milestone_id.is_(None),
                                                            Report.percent.is_not(None))
             .order_by(Report.reported_at, Report.id))
        for task_id, percent in s.execute(q).all():
            self.reported[task_id] = percent

    def status(self, task: Task, ctx: indicators.Context | None, settings: PlanSettings) -> TaskStatus:
        ms = self.milestones[task.id]
        measured = {m.id: indicators.measure(ctx, m.indicator, m.indicator_params)
                    for m in ms if m.indicator and ctx is not None}
        commitments = [indicators.measure(ctx, c.indicator, c.indicator_params)
                       for c in self.commitments[task.id] if c.indicator and ctx is not None]
        return task_status(task, ms, ctx.as_of if ctx else dt.date.today(), settings, measured, commitments,
                           self.reported.get(task.id))


def _task_row(loaded: _Loaded, task: Task, st: TaskStatus, names: dict) -> dict:
    units = loaded.units[task.id]
    upcoming = [m for m in loaded.milestones[task.id] if m.state == "open" and m.due is not None]
    measured_by = [_measured_json(m) for m in st.measured]
    return {"id": task.id, "number": task.number, "title": task.title, "status": st.status,
            "status_label": LABELS[st.status], "percent": st.percent, "seriously_late": st.seriously_late,
            "lead": [names.get(u.department_code, u.written) for u in units if u.role == "lead"],
            "cooperating": [names.get(u.department_code, u.written) for u in units if u.role == "cooperating"],
            "lead_mode": task.lead_mode, "section_id": task.section_id,
            "milestones": len(loaded.milestones[task.id]),
            "overdue": sum(1 for p in st.milestones if p.status == "overdue"),
            "next_due": min((m.due for m in upcoming), default=None),
            "measured_by": measured_by,
            "rules": [{"milestone": p.id, "rule": "due_date", "status": p.status} for p in st.milestones
                      if p.measured is None and p.status in ("overdue", "at_risk", "on_track")]}


def tasks(s: Session, scope: Scope, ctx: indicators.Context | None,
          settings: PlanSettings = DEFAULT, plan: Plan | None = None) -> tuple[Plan | None, list[dict]]:
    """The tasks of ``plan`` (default the plan in force on the as-of date) the caller may see."""
    plan = plan or current_plan(s, ctx.as_of if ctx else None)
    if plan is None:
        return None, []
    loaded = _Loaded(s, plan, scope)
    names = owner_names(s)
    return plan, [_task_row(loaded, t, loaded.status(t, ctx, settings), names) for t in loaded.tasks]


def overview(s: Session, scope: Scope, ctx, settings: PlanSettings = DEFAULT, plan: Plan | None = None) -> dict | None:
    """Sections with their tasks and status counts (the plan overview page)."""
    plan, rows = tasks(s, scope, ctx, settings, plan)
    if plan is None:
        return None
    sections = list(s.scalars(sa.select(Section).where(Section.plan_id == plan.id).order_by(Section.position)))
    by_section = defaultdict(list)
    for r in rows:
        by_section[r["section_id"]].append(r)
    tree = []
    for sec in sections:
        if sec.parent_id is None:
            tree.append({"id": sec.id, "number": sec.number, "title": sec.title, "tasks": by_section[sec.id],
                         "subsections": []})
        else:
            parent = next(x for x in tree if x["id"] == sec.parent_id)
            parent["subsections"].append({"id": sec.id, "number": sec.number, "title": sec.title,
                                          "tasks": by_section[sec.id]})
    counts = {k: sum(1 for r in rows if r["status"] == k) for k in ORDER}
    return {"plan": _plan_json(plan), "sections": [x for x in tree if x["tasks"] or
                                                    any(y["tasks"] for y in x["subsections"])],
            "tasks": rows, "counts": counts, "labels": LABELS}


def _plan_json(plan: Plan) -> dict:
    return {"id": plan.id, "title": plan.title, "document_number": plan.document_number,
            "issued": plan.issued.isoformat() if plan.issued else None, "first_year": plan.first_year,
            "last_year": plan.last_year, "county_clause": plan.county_clause}


def _visible_task(s: Session, scope: Scope, task_id: int) -> Task:
    task = s.get(Task, task_id)
    if task is None:
        raise NotFound("no such task")
    visible = access.visible_tasks(s, scope)
    if visible is not None and task.id not in visible:
        raise NotFound("no such task")
    return task


def task_by_number(s: Session, number: int, plan: Plan | None = None, as_of: dt.date | None = None) -> Task:
    """Task ``number`` of ``plan`` (default the plan in force on ``as_of``)."""
    plan = plan or current_plan(s, as_of)
    task = None if plan is None else s.scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.number == number))
    if task is None:
        raise UsageError(f"the plan has no task {number}" + (f" ({plan.title})" if plan else ""))
    return task


def task_detail(s: Session, scope: Scope, task_id: int, ctx, settings: PlanSettings = DEFAULT) -> dict:
    task = _visible_task(s, scope, task_id)
    plan = s.get(Plan, task.plan_id)
    loaded = _Loaded(s, plan, scope)
    st = loaded.status(task, ctx, settings)
    names = owner_names(s)
    row = _task_row(loaded, task, st, names)
    by_id = {p.id: p for p in st.milestones}
    whole = task.id in loaded.whole
    ms = []
    for m in loaded.milestones[task.id]:
        p = by_id[m.id]
        ms.append({"id": m.id, "title": m.title, "due": m.due.isoformat() if m.due else None,
                   "deadline_text": m.deadline_text, "owner_kind": m.owner_kind, "owner_code": m.owner_code,
                   "owner": owner_name(names, m.owner_kind, m.owner_code), "state": m.state, "percent": m.percent,
                   "status": p.status, "status_label": LABELS.get(p.status, p.status), "days_late": p.days_late,
                   "measured": _measured_json(p.measured) if p.measured else None,
                   "may_report": access.may_report(s, scope, task, m)})
    commitments = [{"id": c.id, "text": c.text, "subject": c.subject, "operator": c.operator, "value": c.value,
                    "unit": c.unit, "indicator": c.indicator,
                    "measured": _measured_json(indicators.measure(ctx, c.indicator, c.indicator_params))
                    if c.indicator and ctx is not None else None} for c in loaded.commitments[task.id]]
    mine = {m["id"] for m in ms}
    reports = []
    q = sa.select(Report).where(Report.task_id == task.id).order_by(Report.reported_at.desc(), Report.id.desc())
    for r in s.scalars(q):
        if not whole and r.milestone_id not in mine:
            continue
        files = attachments.of(s, REPORT_ENTITY, str(r.id))
        reports.append({"id": r.id, "milestone_id": r.milestone_id, "unit": names.get(r.unit_code or "", "市大气办"),
                        "text": r.text, "percent": r.percent, "completed": r.completed, "author": r.author,
                        "reported_at": to_beijing(r.reported_at).isoformat(timespec="minutes"),
                        "as_of": r.as_of.isoformat(),
                        "files": [{"id": f.id, "filename": f.filename, "size": f.size} for f in files]})
    letters = [{"id": x.id, "unit": names.get(x.unit_code, x.unit_code), "issued_on": x.issued_on.isoformat(),
                "doc_number": x.doc_number, "reason": x.reason, "reply_due": x.reply_due.isoformat()}
               for x in s.scalars(sa.select(Supervision).where(Supervision.task_id == task.id)
                                  .order_by(Supervision.id)) if whole or _addressed(scope, x)]
    targets = [(f"department:{u.department_code}", names.get(u.department_code, u.written))
               for u in loaded.units[task.id] if u.role == "lead"]
    targets += sorted({(f"county:{m['owner_code']}", m["owner"]) for m in ms
                       if m["owner_kind"] == "county" and m["status"] in ("overdue", "at_risk", "off_target")})
    return dict(row, body=task.body, responsibility_text=task.responsibility_text, line=task.line,
                supervise_to=targets,
                plan=_plan_json(plan), milestone_list=ms, commitments=commitments, reports=reports,
                supervisions=letters, may_report=access.may_report(s, scope, task), manages=access.manages(scope),
                whole=whole)


def _addressed(scope: Scope, letter: Supervision) -> bool:
    return access.owner(scope) == (letter.unit_kind, letter.unit_code)


# --------------------------------------------------------------------------- writes
def add_report(s: Session, root: Path, scope: Scope, task_id: int, text: str, *, as_of: dt.date,
               milestone_id: int | None = None, percent: int | None = None, completed: bool = False,
               files: list[tuple[str, bytes]] = (), synthetic: bool = False) -> Report:
    """进展报告 by the caller on a task it may report on, with evidence files (checked, size-limited);
    ``synthetic`` for a demo's (演示/合成数据)."""
    task = _visible_task(s, scope, task_id)
    milestone = None
    me = access.owner(scope)
    if milestone_id is None and me is not None and me[0] != "department":
        # a county (or an enterprise) reports on its own sub-task of the task: the one it holds
        own = [m for m in s.scalars(sa.select(Milestone).where(Milestone.task_id == task.id,
                                                                 Milestone.owner_kind == me[0],
                                                                 Milestone.owner_code == me[1])
                                    .order_by(Milestone.id))]
        duty = [m for m in own if m.origin == "county"]
        if len(duty) == 1 or len(own) == 1:
            milestone_id = (duty or own)[0].id
    if milestone_id is not None:
        milestone = s.get(Milestone, milestone_id)
        if milestone is None or milestone.task_id != task.id:
            raise NotFound("no such milestone")
    if not access.may_report(s, scope, task, milestone):
        raise Forbidden("你的单位不负责这项任务，不能报送进展 (not a task of your unit)")
    text = (text or "").strip()
    if not text:
        raise UsageError("进展情况不能为空 (the report needs a text)")
    if percent is not None and not 0 <= percent <= 100:
        raise UsageError(f"percent must be 0–100, not {percent}")
    for name, data in files:
        attachments.check(name, data)                  # refuse before anything is written
    kind, code = me if me else ("city", None)
    row = Report(task_id=task.id, milestone_id=milestone_id, unit_kind=kind, unit_code=code, text=text,
                 percent=percent, completed=completed, author=scope.who.username, reported_at=now_utc(), as_of=as_of,
                 synthetic=synthetic)
    s.add(row)
    s.flush()
    for name, data in files:
        attachments.add(s, root, entity=REPORT_ENTITY, entity_id=str(row.id), filename=name, data=data,
                        actor=scope.who.username, role=scope.who.role, scope_unit=code)
    if milestone is not None:
        before = {"state": milestone.state, "percent": milestone.percent}
        if percent is not None:
            milestone.percent = percent
        if completed:
            milestone.state, milestone.done_on, milestone.percent = "done", as_of, 100
        audit.record(s, actor=scope.who.username, action="progress", entity="plan_milestone",
                     entity_id=str(milestone.id), before=before,
                     after={"state": milestone.state, "percent": milestone.percent}, scope_unit=code)
    audit.record(s, actor=scope.who.username, action="report", entity="plan_task", entity_id=str(task.id),
                 after={"report": row.id, "milestone": milestone_id, "percent": percent, "completed": completed,
                        "files": [n for n, _ in files]}, scope_unit=code)
    return row


def _require_manager(scope: Scope) -> None:
    access.require_manager(scope)


def _check_owner(s: Session, kind: str | None, code: str | None) -> None:
    if kind is None:
        return
    if kind not in OWNER_KINDS:
        raise UsageError(f"owner kind is one of {', '.join(OWNER_KINDS)}, not {kind!r}")
    found = {"department": lambda: s.get(Department, code),
             "county": lambda: geography.unit(s, code),
             "enterprise": lambda: s.get(Enterprise, int(code)) if str(code).isascii() and str(code).isdigit() else None}[kind]()
    if found is None:
        raise UsageError(f"no {kind} {code!r}")


def add_milestone(s: Session, scope: Scope, task_id: int, title: str, *, due: dt.date | None = None,
                  owner_kind: str | None = None, owner_code: str | None = None, indicator: str | None = None,
                  params: dict | None = None, synthetic: bool = False) -> Milestone:
    """A milestone or a sub-task of one county/department/enterprise (the office only); ``synthetic``
    for a demo's (演示/合成数据), labelled so wherever it is reported."""
    _require_manager(scope)
    task = _visible_task(s, scope, task_id)
    if not (title or "").strip():
        raise UsageError("a milestone needs a title")
    _check_owner(s, owner_kind, owner_code)
    if indicator:
        indicators.check(indicator, params or {})
    m = Milestone(task_id=task.id, title=title.strip()[:255], owner_kind=owner_kind, owner_code=owner_code, due=due,
                  state="open", percent=0, indicator=indicator or None,
                  indicator_params=json.dumps(params, ensure_ascii=False) if indicator else None,
                  created_by=scope.who.username, created_at=now_utc(), synthetic=synthetic)
    s.add(m)
    s.flush()
    audit.record(s, actor=scope.who.username, action="create", entity="plan_milestone", entity_id=str(m.id),
                 after={"task": task.number, "title": m.title, "due": due.isoformat() if due else None,
                        "owner": [owner_kind, owner_code], "indicator": indicator, "params": params,
                        **({"synthetic": True} if synthetic else {})},
                 scope_unit=owner_code if owner_kind == "county" else None)
    return m


def bind_commitment(s: Session, scope: Scope, commitment_id: int, indicator: str | None, params: dict) -> Commitment:
    """Bind a commitment to a measured indicator (or unbind it with ``indicator`` None)."""
    _require_manager(scope)
    c = s.get(Commitment, commitment_id)
    if c is None:
        raise NotFound("no such commitment")
    if indicator:
        indicators.check(indicator, params)
    before = {"indicator": c.indicator, "params": c.indicator_params}
    c.indicator = indicator or None
    c.indicator_params = json.dumps(params, ensure_ascii=False) if indicator else None
    audit.record(s, actor=scope.who.username, action="bind", entity="plan_commitment", entity_id=str(c.id),
                 before=before, after={"indicator": c.indicator, "params": c.indicator_params})
    return c


def correct_units(s: Session, scope: Scope, task_id: int, lead: list[str], cooperating: list[str]) -> Task:
    """The office corrects who leads and who cooperates on a task (names as written)."""
    _require_manager(scope)
    task = _visible_task(s, scope, task_id)
    if not [x for x in lead if x.strip()]:
        raise UsageError("a task needs at least one lead unit (牵头单位)")
    before = [(u.role, u.written) for u in s.scalars(sa.select(TaskUnit).where(TaskUnit.task_id == task.id))]
    set_units(s, task, [x.strip() for x in lead if x.strip()], [x.strip() for x in cooperating if x.strip()])
    audit.record(s, actor=scope.who.username, action="correct", entity="plan_task", entity_id=str(task.id),
                 before={"units": before}, after={"lead": lead, "cooperating": cooperating})
    return task


def close_task(s: Session, scope: Scope, task_id: int, done: bool = True) -> Task:
    _require_manager(scope)
    task = _visible_task(s, scope, task_id)
    before = task.done
    task.done = done
    audit.record(s, actor=scope.who.username, action="close" if done else "reopen", entity="plan_task",
                 entity_id=str(task.id), before={"done": before}, after={"done": done})
    return task


# --------------------------------------------------------------------------- supervision (调度, 督办)
def dispatch(s: Session, scope: Scope, ctx, settings: PlanSettings = DEFAULT, plan: Plan | None = None) -> dict:
    """调度: per department (tasks led and supported, by status), per county (its sub-tasks) and, for
    every county, its progress on each task (the county sub-tasks' status and percent)."""
    plan, rows = tasks(s, scope, ctx, settings, plan)
    if plan is None:
        return {"departments": [], "counties": [], "matrix": {"tasks": [], "counties": []}, "plan": None}
    loaded_units = defaultdict(list)
    for u in s.scalars(sa.select(TaskUnit).join(Task, Task.id == TaskUnit.task_id).where(Task.plan_id == plan.id)):
        loaded_units[u.task_id].append(u)
    last_report = dict(s.execute(sa.select(Report.unit_code, sa.func.max(Report.as_of))
                                 .join(Task, Task.id == Report.task_id).where(Task.plan_id == plan.id)
                                 .group_by(Report.unit_code)).all())
    names = owner_names(s)
    by_id = {r["id"]: r for r in rows}
    depts: dict[str, dict] = {}
    for task_id, units in loaded_units.items():
        r = by_id.get(task_id)
        if r is None:
            continue
        for u in units:
            d = depts.setdefault(u.department_code, {"code": u.department_code, "name": names.get(u.department_code),
                                                     "lead": 0, "cooperating": 0, "overdue": 0, "at_risk": 0,
                                                     "off_target": 0, "done": 0, "tasks": [],
                                                     "last_report": None})
            d[u.role] += 1
            d["tasks"].append(r["number"])
            if u.role == "lead" and r["status"] in ("overdue", "at_risk", "off_target", "done"):
                d[r["status"]] += 1
    for d in depts.values():
        lr = last_report.get(d["code"])
        d["last_report"] = lr.isoformat() if lr else None
        d["tasks"] = sorted(set(d["tasks"]))
    visible = {r["id"] for r in rows}
    number_of = {r["id"]: r["number"] for r in rows}
    counties: dict[str, dict] = {}
    cells: dict[str, dict[int, dict]] = defaultdict(dict)
    q = sa.select(Milestone).where(Milestone.owner_kind == "county", Milestone.task_id.in_(visible)) \
        .order_by(Milestone.task_id, Milestone.id)
    whole = {task_id: access.sees_whole_task(s, scope, s.get(Task, task_id)) for task_id in visible}
    for m in s.scalars(q):
        if not (whole[m.task_id] or policy.may(scope, "read", "plan", policy.Record(unit=m.owner_code))):
            continue                        # another county's row of a task the caller shares (issue 21 §1)
        measured = indicators.measure(ctx, m.indicator, m.indicator_params) if m.indicator and ctx else None
        st = milestone_status(m, ctx.as_of if ctx else dt.date.today(), settings, measured)
        c = counties.setdefault(m.owner_code, {"code": m.owner_code, "name": names.get(m.owner_code, m.owner_code),
                                               "subtasks": 0, "done": 0, "overdue": 0, "seriously_late": 0,
                                               "at_risk": 0, "off_target": 0, "percent": 0})
        c["subtasks"] += 1
        if st.status in c:
            c[st.status] += 1
        c["seriously_late"] += int(st.seriously_late)
        c["percent"] += 100 if m.state == "done" else (m.percent or 0)
        number = number_of[m.task_id]
        cell = cells[m.owner_code].get(number)
        if cell is None or ORDER.index(_rank(st.status)) < ORDER.index(_rank(cell["status"])):
            cells[m.owner_code][number] = {"milestone": m.id, "status": st.status,
                                           "label": LABELS.get(st.status, st.status),
                                           "percent": 100 if m.state == "done" else (m.percent or 0)}
    for c in counties.values():
        c["percent"] = round(c["percent"] / c["subtasks"]) if c["subtasks"] else 0
    order = lambda d: (-d["overdue"] - d.get("off_target", 0), d["name"] or "")   # noqa: E731
    numbers = sorted({n for row in cells.values() for n in row})
    matrix = {"tasks": numbers,
              "counties": [{"code": code, "name": names.get(code, code),
                            "cells": [cells[code].get(n) for n in numbers]}
                           for code in sorted(cells, key=lambda c: ("-" in c, c))]}     # counties, then zones
    return {"plan": _plan_json(plan), "departments": sorted(depts.values(), key=order),
            "counties": sorted(counties.values(), key=order), "matrix": matrix}


def _rank(status: str) -> str:
    """A milestone status on the task scale (worst first)."""
    return {"undated": "on_track", "cancelled": "done"}.get(status, status)


def seriously_late_counties(s: Session, as_of: dt.date, settings: PlanSettings = DEFAULT) -> dict[str, tuple[str]]:
    """The plan's findings on counties for the assessment (plan 五（五）): ``tasks_late`` for a county
    with an overdue sub-task (重点任务进展缓慢, a warning condition), and ``tasks_seriously_late``
    when one is overdue by more than ``seriously_late_days`` (严重滞后, an interview condition)."""
    out = {}
    plan = current_plan(s, as_of)
    if plan is None:
        return out
    q = sa.select(Milestone).join(Task, Task.id == Milestone.task_id).where(
        Task.plan_id == plan.id, Milestone.owner_kind == "county", Milestone.state == "open")
    for m in s.scalars(q):
        st = milestone_status(m, as_of, settings)
        if st.status == "overdue":
            found = set(out.get(m.owner_code, ())) | {"tasks_late"}
            if st.seriously_late:
                found.add("tasks_seriously_late")
            out[m.owner_code] = tuple(sorted(found))
    return out


def inbox(s: Session, scope: Scope, ctx, settings: PlanSettings = DEFAULT, plan: Plan | None = None) -> list[dict]:
    """Reminders for the caller's unit: overdue and at-risk items, stale reports, 督办函 received."""
    plan, rows = tasks(s, scope, ctx, settings, plan)
    if plan is None:
        return []
    me = access.owner(scope)
    as_of = ctx.as_of if ctx else dt.date.today()
    out = []
    led = set()
    if me and me[0] == "department":
        led = set(s.scalars(sa.select(TaskUnit.task_id).where(TaskUnit.department_code == me[1],
                                                               TaskUnit.role == "lead")))
    for r in rows:
        mine = access.manages(scope) or r["id"] in led
        if r["status"] in ("overdue", "off_target", "at_risk") and (mine or me and me[0] != "department"):
            out.append({"kind": r["status"], "label": LABELS[r["status"]], "task_id": r["id"], "number": r["number"],
                        "text": f"任务{r['number']}「{r['title']}」{LABELS[r['status']]}"
                                + (f"，{r['overdue']}个节点逾期" if r["overdue"] else "")
                                + ("（严重滞后）" if r["seriously_late"] else "")})
    if me and me[0] == "department":
        last = s.scalar(sa.select(sa.func.max(Report.as_of)).join(Task, Task.id == Report.task_id)
                        .where(Report.unit_code == me[1], Task.plan_id == plan.id))
        if led and (last is None or (as_of - last).days > settings.stale_report_days):
            out.append({"kind": "stale", "label": "待报送", "task_id": None, "number": None,
                        "text": f"超过{settings.stale_report_days}天未报送牵头任务进展"
                                + (f"（上次 {last.isoformat()}）" if last else "（尚未报送）")})
    if me:
        for x in s.scalars(sa.select(Supervision).join(Task, Task.id == Supervision.task_id)
                           .where(Supervision.unit_kind == me[0], Supervision.unit_code == me[1],
                                  Task.plan_id == plan.id).order_by(Supervision.issued_on.desc())):
            task = s.get(Task, x.task_id)
            out.append({"kind": "supervision", "label": "督办函", "task_id": task.id, "number": task.number,
                        "text": f"{x.doc_number}：任务{task.number}「{task.title}」，请于{x.reply_due.isoformat()}前回复",
                        "supervision_id": x.id})
    order = {"supervision": 0, "off_target": 1, "overdue": 2, "at_risk": 3, "stale": 4}
    return sorted(out, key=lambda x: (order[x["kind"]], x["number"] or 0))


def supervise(s: Session, root: Path, scope: Scope, task_id: int, unit_kind: str, unit_code: str, *,
              as_of: dt.date, settings: PlanSettings = DEFAULT, ctx=None) -> Supervision:
    """督办函 to a department or county on a task that is overdue or at risk: a record and its .docx."""
    _require_manager(scope)
    task = _visible_task(s, scope, task_id)
    if unit_kind not in ("department", "county"):
        raise UsageError("a 督办函 goes to a department or a county")
    _check_owner(s, unit_kind, unit_code)
    plan = s.get(Plan, task.plan_id)
    loaded = _Loaded(s, plan, scope)
    st = loaded.status(task, ctx, settings)
    if st.status not in ("overdue", "at_risk", "off_target"):
        raise UsageError(f"task {task.number} is {LABELS[st.status]}: a 督办函 is for overdue or at-risk tasks")
    names = owner_names(s)
    by_id = {p.id: p for p in st.milestones}
    late = [(m.title, m.due, by_id[m.id].days_late) for m in loaded.milestones[task.id]
            if by_id[m.id].status in ("overdue", "at_risk", "off_target")
            and (m.owner_kind is None or (m.owner_kind, m.owner_code) == (unit_kind, unit_code)
                 or unit_kind == "department")]
    row = Supervision(task_id=task.id, unit_kind=unit_kind, unit_code=unit_code, issued_on=as_of,
                      reason=f"任务{task.number}{LABELS[st.status]}", reply_due=as_of + dt.timedelta(days=settings.reply_days),
                      created_by=scope.who.username, created_at=now_utc())
    s.add(row)
    s.flush()
    office = office_of(s, getattr(ctx, "config", None))
    row.doc_number = office.number("督", as_of.year, row.id)
    ctx_doc = SupervisionContext(recipient=names.get(unit_code, unit_code), task_number=task.number,
                                 task_title=task.title, responsibility=task.responsibility_text or "",
                                 items=late, status_label=LABELS[st.status], date=as_of, reply_due=row.reply_due,
                                 doc_number=row.doc_number, plan_title=plan.title, issuer=office.issuer)
    out = root / "letters" / f"{as_of.isoformat()}-督办函-任务{task.number}-{unit_code}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx("letter", supervision_letter(ctx_doc), out)
    row.document = str(out.relative_to(root))
    audit.record(s, actor=scope.who.username, action="supervise", entity="plan_task", entity_id=str(task.id),
                 after={"supervision": row.id, "to": [unit_kind, unit_code], "doc_number": row.doc_number},
                 scope_unit=unit_code if unit_kind == "county" else None)
    return row


def supervision(s: Session, scope: Scope, supervision_id: int) -> Supervision:
    x = s.get(Supervision, supervision_id)
    if x is None:
        raise NotFound("no such letter")
    task = _visible_task(s, scope, x.task_id)
    if not (access.sees_whole_task(s, scope, task) or _addressed(scope, x)):
        raise NotFound("no such letter")
    return x


def report_unit(s: Session, scope: Scope, report_id: str) -> str | None:
    """For the evidence service: the report's unit when the caller may see it, else NotFound."""
    try:
        r = s.get(Report, int(report_id))
    except ValueError:
        r = None
    if r is None:
        raise NotFound("no such record")
    task = _visible_task(s, scope, r.task_id)
    if not access.sees_whole_task(s, scope, task):
        me = access.owner(scope)
        m = s.get(Milestone, r.milestone_id) if r.milestone_id else None
        if m is None or (m.owner_kind, m.owner_code) != me:
            raise NotFound("no such record")
    return r.unit_code if r.unit_kind == "county" else None


def is_lead(s: Session, task_id: int, code: str) -> bool:
    return s.scalar(sa.select(TaskUnit.id).where(TaskUnit.task_id == task_id, TaskUnit.department_code == code,
                                                 TaskUnit.role == "lead").limit(1)) is not None


def county_subtasks(s: Session, scope: Scope, code: str, ctx, settings: PlanSettings = DEFAULT,
                    plan: Plan | None = None):
    """A county's own sub-tasks with their status: (county name, rows), None for an unknown county;
    NotFound for a county outside the caller's scope (:func:`lantian.plan.access.sees_county`)."""
    if not access.sees_county(scope, code):
        raise NotFound("no such county")
    unit = geography.unit(s, code)
    plan = plan or current_plan(s, ctx.as_of if ctx else None)
    if unit is None:
        return None
    rows = []
    if plan is not None:
        q = (sa.select(Milestone, Task).join(Task, Task.id == Milestone.task_id)
             .where(Task.plan_id == plan.id, Milestone.owner_kind == "county", Milestone.owner_code == code)
             .order_by(Task.number, Milestone.due))
        for m, task in s.execute(q).all():
            measured = indicators.measure(ctx, m.indicator, m.indicator_params) if m.indicator and ctx else None
            st = milestone_status(m, ctx.as_of if ctx else dt.date.today(), settings, measured)
            rows.append({"id": m.id, "task_id": task.id, "number": task.number, "task": task.title, "title": m.title,
                         "origin": m.origin, "state": m.state,
                         "due": m.due.isoformat() if m.due else None, "percent": m.percent, "status": st.status,
                         "status_label": LABELS.get(st.status, st.status), "days_late": st.days_late,
                         "measured": _measured_json(measured) if measured else None})
    return unit.name, rows


def department_tasks(s: Session, scope: Scope, code: str, ctx, settings: PlanSettings = DEFAULT,
                     plan: Plan | None = None) -> tuple[str, Plan | None, list[dict]]:
    """A department's tasks (牵头/配合) with their status: (department name, plan, rows); NotFound for an
    unknown department or one outside the caller's scope (:func:`lantian.plan.access.sees_department`)."""
    if not access.sees_department(scope, code):
        raise NotFound("no such department")
    dept = s.get(Department, code)
    if dept is None:
        raise NotFound("no such department")
    chosen, rows = tasks(s, scope, ctx, settings, plan)
    led = access.department_tasks(s, code)
    lead_ids = {t for t in led if is_lead(s, t, code)}
    return dept.name, chosen, [dict(r, role="牵头" if r["id"] in lead_ids else "配合") for r in rows if r["id"] in led]


def task_measured_by(s: Session, indicator: str, as_of: dt.date | None = None) -> Task | None:
    """The task of the plan in force that a data source's citation was bound to on import (task 14 of
    the seed for ``dustfall``): where another room files its findings as sub-tasks, whatever the task's
    number in this plan."""
    plan = current_plan(s, as_of)
    if plan is None:
        return None
    return s.scalars(sa.select(Task).join(Milestone, Milestone.task_id == Task.id)
                     .where(Task.plan_id == plan.id, Milestone.origin == "citation", Milestone.indicator == indicator)
                     .order_by(Task.number)).first()


def has_milestone(s: Session, task_id: int, title: str) -> bool:
    return s.scalar(sa.select(Milestone.id).where(Milestone.task_id == task_id, Milestone.title == title[:255])
                    .limit(1)) is not None


def milestones_of(s: Session, task_ids: list[int], *, due_by: dt.date | None = None,
                  state: str | None = None) -> list[dict]:
    """The milestones (节点/子任务) of ``task_ids`` — due by ``due_by`` and in ``state`` when given — as
    records: id, task id, title, due, state, whether synthetic (the bulletins' reading of the plan)."""
    q = sa.select(Milestone).where(Milestone.task_id.in_(task_ids)).order_by(Milestone.task_id, Milestone.id)
    if due_by is not None:
        q = q.where(Milestone.due <= due_by)
    if state is not None:
        q = q.where(Milestone.state == state)
    return [{"id": m.id, "task_id": m.task_id, "title": m.title, "due": m.due.isoformat() if m.due else None,
             "state": m.state, "synthetic": bool(m.synthetic)} for m in s.scalars(q)]


def reports_between(s: Session, start: dt.date, end: dt.date) -> list[dict]:
    """进展报告 of the plan in force on ``end`` whose as-of date falls in [start, end], oldest first, with
    their task, unit, text, evidence files and whether synthetic (the quarterly review's evidence)."""
    plan = current_plan(s, end)
    if plan is None:
        return []
    names = owner_names(s)
    q = (sa.select(Report, Task).join(Task, Task.id == Report.task_id)
         .where(Task.plan_id == plan.id, Report.as_of >= start, Report.as_of <= end)
         .order_by(Report.as_of, Task.number, Report.id))
    return [{"id": r.id, "number": t.number, "task": t.title, "unit_code": r.unit_code,
             "unit": names.get(r.unit_code or "", "市大气办"), "date": r.as_of.isoformat(), "text": r.text,
             "percent": r.percent, "completed": r.completed, "synthetic": bool(r.synthetic),
             "files": [f.filename for f in attachments.of(s, REPORT_ENTITY, str(r.id))]}
            for r, t in s.execute(q).all()]
