"""``lantian plan``: the action plan as data (行动计划) — import, status, milestones, progress reports,
调度 and 督办. Thin: parses arguments, calls :mod:`lantian.plan.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.measurements.engine import connect
from lantian.terminal import (AsOpt, JsonOpt, WorkspaceOpt, acting_scope, err, friendly, out, parse_date,
                              parse_pairs, workspace_url)

plan_app = typer.Typer(help="The action plan as data (行动计划): import, status, milestones, reports, 调度, 督办.",
                       no_args_is_help=True)


def _plan_context(workspace):
    from lantian.measurements.store import Store
    from lantian.plan.indicators import Context
    from lantian.plan.settings import plan_settings
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    return ws, url, Context(url, Store(ws.measurements), connect(None, ws.config), ws.as_of, ws.config), \
        plan_settings(ws.config, str(ws.config_path))


@plan_app.command("import")
@friendly
def plan_import(file: Annotated[Path, typer.Argument(help="The plan document (.txt, UTF-8 or GBK), or its "
                                                          "corrected parse (.json from --dry-run --json).")],
                dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the parse; store nothing.")] = False,
                as_json: Annotated[bool, typer.Option("--json", help="Print the parse as JSON.")] = False,
                workspace: WorkspaceOpt = None):
    """Read a plan written in the standard government form: sections, numbered tasks, lead and
    cooperating units, deadlines and quantitative commitments. Review with --dry-run first."""
    from lantian.plan import importer
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    parsed, data = importer.read_document(file)
    if as_json:
        out.print_json(json.dumps(parsed.to_dict(), ensure_ascii=False, default=str))
    else:
        _print_parse(parsed)
    if dry_run:
        if not as_json:
            out.print("dry run: nothing stored", markup=False)
        return
    from lantian import db
    from lantian.accounts import service as accounts
    from lantian.plan.settings import plan_settings
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace, create=True)
    url = workspace_url(workspace)
    with db.session(url) as s:
        accounts.seed_departments(s)
        plan, created = importer.import_plan(s, parsed, data, file.name, actor="cli",
                                             settings=plan_settings(ws.config, str(ws.config_path)))
        message = (f"imported plan {plan.id}: {plan.title}, {len(parsed.tasks)} tasks" if created
                   else f"already imported as plan {plan.id}: nothing changed")
    (err if as_json else out).print(message, markup=False)


def _print_parse(parsed) -> None:
    out.print(f"{parsed.title}  {parsed.document_number or ''}  {parsed.issued or ''}", markup=False)
    table = Table(title=f"{len(parsed.tasks)} tasks", title_justify="left")
    for col in ("no.", "task", "lead 牵头", "cooperating 配合", "deadlines", "commitments"):
        table.add_column(col)
    for t in parsed.tasks:
        table.add_row(str(t.number), t.title, "、".join(t.lead) + ("（按职责分工）" if t.lead_mode == "by_duty" else ""),
                      "、".join(t.cooperating), "; ".join(d.text for d in t.deadlines),
                      "; ".join(f"{c.subject} {c.operator} {c.value}{c.unit}" for c in t.commitments))
    out.print(table)
    for p in parsed.problems:
        out.print(f"{p.severity}: line {p.line}: {p.message}", markup=False)


@plan_app.command("status")
@friendly
def plan_status(as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Every task with its status against the as-of date (overdue, at risk, measured off target…)
    and what decides it (measured_by: the indicators; empty when only typed in)."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        plan, rows = service.tasks(s, acting_scope(url, user), ctx, settings)
    if plan is None:
        raise UsageError("no plan in this workspace: lantian plan import FILE")
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{plan.title} — status on {ws.as_of}", title_justify="left")
    for col in ("no.", "task", "lead", "%", "status", "next due", "measured by"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["number"]), r["title"], "、".join(r["lead"]), str(r["percent"]),
                      r["status_label"] + (" 严重滞后" if r["seriously_late"] else ""), str(r["next_due"] or ""),
                      "; ".join(f"{m['label']} {'✓' if m['ok'] else ('✗' if m['ok'] is False else '?')}"
                                for m in r["measured_by"]))
    out.print(table)


@plan_app.command("milestone")
@friendly
def plan_milestone(task: Annotated[int, typer.Argument(help="Task number.")],
                   title: str,
                   due: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD.")] = None,
                   owner: Annotated[Optional[str], typer.Option(help="county:140403, department:gxj or "
                                                                    "enterprise:ID — a sub-task of that unit.")]
                   = None,
                   indicator: Annotated[Optional[str], typer.Option(help="Decide it from data: pm25_schedule, "
                                                                        "good_day_schedule.")] = None,
                   param: Annotated[Optional[list[str]], typer.Option(help="KEY=VALUE for the indicator "
                                                                          "(unit=140403).")] = None,
                   workspace: WorkspaceOpt = None):
    """Add a milestone or a county/department/enterprise sub-task to a task (audited)."""
    from lantian import db
    from lantian.plan import service
    url = workspace_url(workspace)
    kind, _, code = (owner or "").partition(":")
    if owner and not code:
        raise UsageError(f"--owner {owner!r}: expected KIND:CODE, e.g. county:140403")
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        m = service.add_milestone(s, acting_scope(url, None), t.id, title, due=parse_date(due), owner_kind=kind or None,
                                  owner_code=code or None, indicator=indicator, params=parse_pairs(param or []))
        out.print(f"milestone {m.id} on task {task}: {m.title}" + (f", due {m.due}" if m.due else ""), markup=False)


@plan_app.command("report")
@friendly
def plan_report(task: Annotated[int, typer.Argument(help="Task number.")], text: str,
                user: Annotated[str, typer.Option("--as", help="The reporting user (their scope applies).")],
                attach: Annotated[Optional[list[Path]], typer.Option(help="Evidence file (repeat).")] = None,
                percent: Annotated[Optional[int], typer.Option(min=0, max=100)] = None,
                milestone: Annotated[Optional[int], typer.Option(help="The milestone it reports on.")] = None,
                completed: Annotated[bool, typer.Option("--completed", help="The milestone is done.")] = False,
                workspace: WorkspaceOpt = None):
    """进展报告 on a task, as a user of the unit that leads or supports it, with evidence files."""
    from lantian import db
    from lantian.plan import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    files = []
    for path in attach or []:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        files.append((path.name, path.read_bytes()))
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        r = service.add_report(s, ws.root, acting_scope(url, user), t.id, text, as_of=ws.as_of,
                               milestone_id=milestone, percent=percent, completed=completed, files=files)
        out.print(f"report {r.id} on task {task} by {user}" + (f", {len(files)} file(s)" if files else ""),
                  markup=False)


@plan_app.command("units")
@friendly
def plan_units(task: Annotated[int, typer.Argument(help="Task number.")],
               lead: Annotated[str, typer.Option(help="Lead units, 、-separated, as written (市工信局、市能源局).")],
               cooperating: Annotated[str, typer.Option(help="Cooperating units, 、-separated.")] = "",
               workspace: WorkspaceOpt = None):
    """Correct who leads and who cooperates on a task (the parse was wrong, or the plan changed)."""
    from lantian import db
    from lantian.plan import service
    url = workspace_url(workspace)
    split = lambda text: [x for x in text.replace("，", "、").replace(",", "、").split("、") if x.strip()]  # noqa: E731
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        service.correct_units(s, acting_scope(url, None), t.id, split(lead), split(cooperating))
    out.print(f"task {task}: lead {lead}; cooperating {cooperating or '—'}", markup=False)


@plan_app.command("dispatch")
@friendly
def plan_dispatch(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """调度: each department's tasks (led, supported, overdue, at risk, last report) and each county's sub-tasks."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        board = service.dispatch(s, acting_scope(url, None), ctx, settings)
    if as_json:
        out.print_json(json.dumps(board, ensure_ascii=False, default=str))
        return
    table = Table(title=f"调度 — departments, {ws.as_of}", title_justify="left")
    for col in ("department", "lead", "cooperating", "overdue", "at risk", "off target", "last report", "tasks"):
        table.add_column(col)
    for d in board["departments"]:
        table.add_row(d["name"] or d["code"], str(d["lead"]), str(d["cooperating"]), str(d["overdue"]),
                      str(d["at_risk"]), str(d["off_target"]), d["last_report"] or "—",
                      ",".join(map(str, d["tasks"])))
    out.print(table)
    if board["counties"]:
        table = Table(title="调度 — county sub-tasks", title_justify="left")
        for col in ("county", "sub-tasks", "done", "overdue", "seriously late", "off target"):
            table.add_column(col)
        for c in board["counties"]:
            table.add_row(c["name"], *(str(c[k]) for k in ("subtasks", "done", "overdue", "seriously_late",
                                                           "off_target")))
        out.print(table)


@plan_app.command("supervise")
@friendly
def plan_supervise(task: Annotated[int, typer.Argument(help="Task number.")],
                   to: Annotated[str, typer.Option(help="department:CODE or county:ADCODE.")],
                   workspace: WorkspaceOpt = None):
    """督办函 (.docx) to a department or county on an overdue or at-risk task; recorded and audited."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    kind, _, code = to.partition(":")
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        x = service.supervise(s, ws.root, acting_scope(url, None), t.id, kind, code, as_of=ws.as_of,
                              settings=settings, ctx=ctx)
        out.print(f"{x.doc_number} → {ws.root / x.document}", markup=False)


@plan_app.command("bind")
@friendly
def plan_bind(commitment: Annotated[int, typer.Argument(help="Commitment id (lantian plan status --json, "
                                                             "/api/plan/tasks/ID).")],
              indicator: Annotated[Optional[str], typer.Argument(help="pm25_schedule, good_day_schedule; "
                                                                      "omit to unbind.")] = None,
              param: Annotated[Optional[list[str]], typer.Option(help="KEY=VALUE (unit=140400).")] = None,
              workspace: WorkspaceOpt = None):
    """Bind a quantitative commitment to an indicator computed from data (a measured key result)."""
    from lantian import db
    from lantian.plan import service
    url = workspace_url(workspace)
    with db.session(url) as s:
        c = service.bind_commitment(s, acting_scope(url, None), commitment, indicator, parse_pairs(param or []))
        out.print(f"commitment {c.id}: {c.indicator or 'typed in'}", markup=False)


@plan_app.command("close")
@friendly
def plan_close(task: Annotated[int, typer.Argument(help="Task number.")],
               reopen: Annotated[bool, typer.Option("--reopen", help="Open a closed task again.")] = False,
               workspace: WorkspaceOpt = None):
    """Close a task as done (the office's decision, audited), or --reopen it."""
    from lantian import db
    from lantian.plan import service
    url = workspace_url(workspace)
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        service.close_task(s, acting_scope(url, None), t.id, done=not reopen)
    out.print(f"task {task}: {'reopened' if reopen else 'done'}", markup=False)
