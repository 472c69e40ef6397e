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
PlanOpt = Annotated[Optional[str], typer.Option("--plan", help="Which plan: its id, 文号 or words of its title "
                                                               "(default: the plan in force on the as-of date; "
                                                               "lantian plan list).")]


def _indicator_help() -> str:
    from lantian.plan.indicators import registry
    return "Decide it from data — " + "; ".join(
        f"{name} ({ind.label}{', ' + ', '.join(p + '=…' for p in ind.params) if ind.params else ''})"
        for name, ind in sorted(registry().items())) + " (lantian plan indicators)."


def _plan(s, selector, as_of):
    from lantian.plan import service
    return service.select_plan(s, selector, as_of)


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
def plan_import(file: Annotated[Path, typer.Argument(help="The plan document (.docx, or .txt in UTF-8 or GBK), or "
                                                          "its corrected parse (.json from --dry-run --json).")],
                dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the parse; store nothing.")] = False,
                as_json: Annotated[bool, typer.Option("--json", help="Print the parse as JSON.")] = False,
                workspace: WorkspaceOpt = None):
    """Read a plan written in the standard government form: sections, numbered tasks, lead and
    cooperating units, deadlines and quantitative commitments. Review with --dry-run first. The
    county clause makes a sub-task per county and zone; rules citing a task are bound to it."""
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
        done = importer.import_document(s, parsed, data, file.name, actor="cli",
                                        settings=plan_settings(ws.config, str(ws.config_path)), root=ws.root,
                                        config=ws.config)
        plan = done.plan
        lines = [f"imported plan {plan.id}: {plan.title}, {done.tasks} tasks" if done.created
                 else f"already imported as plan {plan.id} ({plan.title}): nothing changed"]
        if done.created:
            lines += _duties_lines(done.counties, plan.county_clause) + _binding_lines(done.bindings)
    for line in lines:
        (err if as_json else out).print(line, markup=False)


def _duties_lines(duties, clause) -> list[str]:
    if not duties.tasks:
        return []
    if not duties.units:
        return [f"county clause ({clause or '负责落实'}): no county or zone in this workspace yet — their "
                "sub-tasks are made when the boundaries are imported (lantian import stations FILE --boundaries "
                "GEOJSON) or by lantian plan sync"]
    lines = [f"county sub-tasks: {duties.created} new ({duties.tasks} tasks × {len(duties.units)} counties and "
             f"zones: {'、'.join(duties.units)})"]
    if duties.unmatched:
        lines.append(f"  the clause also names {'、'.join(duties.unmatched)}: no county or zone of that name here")
    return lines


def _binding_lines(bound) -> list[str]:
    lines = [f"measured milestones: {bound.bound} bound from the rules and registers citing its tasks"
             + (f", {bound.kept} already bound" if bound.kept else "")]
    if bound.unbound:
        lines.append(f"  {len(bound.unbound)} citations quote words this plan does not hold (not bound): "
                     + ", ".join(bound.unbound[:8]) + (" …" if len(bound.unbound) > 8 else ""))
    return lines


@plan_app.command("list")
@friendly
def plan_list(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The workspace's plans: id, title, 文号, period, tasks, and which is in force on the as-of date."""
    from lantian import db
    from lantian.plan import service
    ws, url, _, _ = _plan_context(workspace)
    with db.session(url) as s:
        rows = service.plan_list(s, ws.as_of)
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=f"plans — in force on {ws.as_of} marked *", title_justify="left")
    for col in ("id", "", "title", "文号", "period", "tasks", "source"):
        table.add_column(col)
    for r in rows:
        period = f"{r['first_year']}–{r['last_year']}" if r["first_year"] else (r["issued"] or "")
        table.add_row(str(r["id"]), "*" if r["in_force"] else "", r["title"], r["document_number"] or "", period,
                      str(r["tasks"]), r["source"])
    out.print(table)


@plan_app.command("sync")
@friendly
def plan_sync(plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """Make what the plan implies again (idempotent): county sub-tasks for counties and zones added since
    its import, measured milestones for rules and registers added since (WORKSPACE/rules/*.toml)."""
    from lantian import db
    from lantian.plan.bindings import bind_citations
    from lantian.plan.counties import ensure_county_subtasks
    ws, url, _, _ = _plan_context(workspace)
    with db.session(url) as s:
        p = _plan(s, plan, ws.as_of)
        lines = _duties_lines(ensure_county_subtasks(s, p, actor="cli"), p.county_clause) + \
            _binding_lines(bind_citations(s, p, actor="cli", root=ws.root, config=ws.config))
    for line in [f"plan {p.id}: {p.title}", *lines]:
        out.print(line, markup=False)


@plan_app.command("indicators")
@friendly
def plan_indicators(as_json: JsonOpt = False):
    """Every indicator a milestone or commitment can be decided by, with its parameters."""
    from lantian.plan.indicators import registry
    rows = [{"name": n, "label": i.label, "params": list(i.params)} for n, i in sorted(registry().items())]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        out.print(f"{r['name']:18} {r['label']}" + (f"  ({', '.join(p + '=…' for p in r['params'])})"
                                                    if r["params"] else ""), markup=False)


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
def plan_status(as_json: JsonOpt = False, user: AsOpt = None,
                county: Annotated[Optional[str], typer.Option(help="A county's or zone's own sub-tasks (code or "
                                                                   "name, e.g. 140428 or 长子县).")] = None,
                plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """Every task with its status against the as-of date (overdue, at risk, measured off target…)
    and what decides it (measured_by: the indicators; empty when only typed in); with --county, that
    county's sub-tasks (one per task its county clause covers, and any the office added)."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        chosen = _plan(s, plan, ws.as_of)
        if county is not None:
            return _county_status(s, service, url, user, county, ctx, settings, chosen, as_json)
        plan, rows = service.tasks(s, acting_scope(url, user), ctx, settings, chosen)
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


def _county_status(s, service, url, user, county, ctx, settings, plan, as_json) -> None:
    from lantian.enterprises.service import county_lookup
    code = county_lookup(s).get(county.strip())
    if code is None:
        raise UsageError(f"--county {county!r}: no county or zone of that code or name in this workspace "
                         "(its boundaries: lantian import stations FILE --boundaries GEOJSON)")
    scope = acting_scope(url, user)
    name, rows = service.county_subtasks(s, scope, code, ctx, settings, plan)
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{name}（{code}）— sub-tasks of {plan.title}, {ctx.as_of}", title_justify="left")
    for col in ("task", "sub-task", "due", "%", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["number"]), r["title"], r["due"] or "", str(r["percent"]), r["status_label"])
    out.print(table)


@plan_app.command("milestone")
@friendly
def plan_milestone(task: Annotated[int, typer.Argument(help="Task number.")],
                   title: str,
                   due: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD.")] = None,
                   owner: Annotated[Optional[str], typer.Option(help="county:140403, department:gxj or "
                                                                    "enterprise:ID — a sub-task of that unit.")]
                   = None,
                   indicator: Annotated[Optional[str], typer.Option(help=_indicator_help())] = None,
                   param: Annotated[Optional[list[str]], typer.Option(help="KEY=VALUE for the indicator "
                                                                          "(unit=140403, rule=…).")] = None,
                   plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """Add a milestone or a county/department/enterprise sub-task to a task (audited)."""
    from lantian import db
    from lantian.plan import service
    from lantian.workspace import open_workspace
    url = workspace_url(workspace)
    kind, _, code = (owner or "").partition(":")
    if owner and not code:
        raise UsageError(f"--owner {owner!r}: expected KIND:CODE, e.g. county:140403")
    with db.session(url) as s:
        t = service.task_by_number(s, task, _plan(s, plan, open_workspace(workspace).as_of))
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
                plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """进展报告 on a task, as a user of the unit that leads or supports it (or, for a county, on its own
    sub-task of the task), with evidence files."""
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
        t = service.task_by_number(s, task, _plan(s, plan, ws.as_of))
        r = service.add_report(s, ws.root, acting_scope(url, user), t.id, text, as_of=ws.as_of,
                               milestone_id=milestone, percent=percent, completed=completed, files=files)
        out.print(f"report {r.id} on task {task} by {user}" + (f", {len(files)} file(s)" if files else ""),
                  markup=False)


@plan_app.command("units")
@friendly
def plan_units(task: Annotated[int, typer.Argument(help="Task number.")],
               lead: Annotated[str, typer.Option(help="Lead units, 、-separated, as written (市工信局、市能源局).")],
               cooperating: Annotated[str, typer.Option(help="Cooperating units, 、-separated.")] = "",
               plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """Correct who leads and who cooperates on a task (the parse was wrong, or the plan changed)."""
    from lantian import db
    from lantian.plan import service
    from lantian.workspace import open_workspace
    url = workspace_url(workspace)
    split = lambda text: [x for x in text.replace("，", "、").replace(",", "、").split("、") if x.strip()]  # noqa: E731
    with db.session(url) as s:
        t = service.task_by_number(s, task, _plan(s, plan, open_workspace(workspace).as_of))
        service.correct_units(s, acting_scope(url, None), t.id, split(lead), split(cooperating))
    out.print(f"task {task}: lead {lead}; cooperating {cooperating or '—'}", markup=False)


@plan_app.command("dispatch")
@friendly
def plan_dispatch(as_json: JsonOpt = False, plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """调度: each department's tasks (led, supported, overdue, at risk, last report), each county's
    sub-tasks, and every county's progress on each task (JSON: ``matrix``)."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        board = service.dispatch(s, acting_scope(url, None), ctx, settings, _plan(s, plan, ws.as_of))
    if as_json:
        out.print_json(json.dumps(board, ensure_ascii=False, default=str))
        return
    table = Table(title=f"调度 — {board['plan']['title']}: departments, {ws.as_of}", title_justify="left")
    for col in ("department", "lead", "cooperating", "overdue", "at risk", "off target", "last report", "tasks"):
        table.add_column(col)
    for d in board["departments"]:
        table.add_row(d["name"] or d["code"], str(d["lead"]), str(d["cooperating"]), str(d["overdue"]),
                      str(d["at_risk"]), str(d["off_target"]), d["last_report"] or "—",
                      ",".join(map(str, d["tasks"])))
    out.print(table)
    if board["counties"]:
        table = Table(title="调度 — county sub-tasks", title_justify="left")
        for col in ("county", "sub-tasks", "done", "%", "overdue", "seriously late", "off target"):
            table.add_column(col)
        for c in board["counties"]:
            table.add_row(c["name"], *(str(c[k]) for k in ("subtasks", "done", "percent", "overdue", "seriously_late",
                                                           "off_target")))
        out.print(table)


@plan_app.command("supervise")
@friendly
def plan_supervise(task: Annotated[int, typer.Argument(help="Task number.")],
                   to: Annotated[str, typer.Option(help="department:CODE or county:ADCODE.")],
                   plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """督办函 (.docx) to a department or county on an overdue or at-risk task; recorded and audited."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    kind, _, code = to.partition(":")
    with db.session(url) as s:
        t = service.task_by_number(s, task, _plan(s, plan, ws.as_of))
        x = service.supervise(s, ws.root, acting_scope(url, None), t.id, kind, code, as_of=ws.as_of,
                              settings=settings, ctx=ctx)
        out.print(f"{x.doc_number} → {ws.root / x.document}", markup=False)


@plan_app.command("bind")
@friendly
def plan_bind(commitment: Annotated[int, typer.Argument(help="Commitment id (lantian plan status --json, "
                                                             "/api/plan/tasks/ID).")],
              indicator: Annotated[Optional[str], typer.Argument(help=_indicator_help() + " Omit to "
                                                                      "unbind.")] = None,
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
               plan: PlanOpt = None, workspace: WorkspaceOpt = None):
    """Close a task as done (the office's decision, audited), or --reopen it."""
    from lantian import db
    from lantian.plan import service
    from lantian.workspace import open_workspace
    url = workspace_url(workspace)
    with db.session(url) as s:
        t = service.task_by_number(s, task, _plan(s, plan, open_workspace(workspace).as_of))
        service.close_task(s, acting_scope(url, None), t.id, done=not reopen)
    out.print(f"task {task}: {'reopened' if reopen else 'done'}", markup=False)
