"""A parsed plan document becomes records: sections, tasks, their departments, commitments and the
dated milestones its deadlines imply (2023年6月底前 → 2023-06-30; 每年5月底前 → 31 May of every
plan year from the year of issue; 当年采暖季前 → the day before the heating season starts).

The office reviews the parse first (``lantian plan import FILE --dry-run --json``), may correct
that JSON and import it instead of the document; either way the same records result.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit
from lantian.accounts.models import Department
from lantian.db import now_utc
from lantian.errors import InputError, UsageError
from lantian.plan import parse as P
from lantian.plan.models import Commitment, Measure, Milestone, Plan, Section, Task, TaskUnit
from lantian.plan.settings import DEFAULT, PlanSettings
from lantian.plan.bindings import bind_citations
from lantian.plan.counties import ensure_county_subtasks

_CLAUSE_END = re.compile(r"[。；;]")
_PART_END = re.compile(r"[。；;，,]")


def read_document(path: Path) -> tuple[P.ParsedPlan, bytes]:
    """A plan document (.txt, any common Chinese encoding) or its corrected parse (.json)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        return from_json(path, data), data
    return P.parse_file(path), data


def from_json(path: Path, data: bytes) -> P.ParsedPlan:
    """The ``--dry-run --json`` output, possibly corrected by the office, back into a parsed plan."""
    try:
        d = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(path, f"not a JSON plan: {exc}", line=line,
                         expected="the output of `lantian plan import FILE --dry-run --json`") from None
    if not isinstance(d, dict) or not isinstance(d.get("tasks"), list) or not d["tasks"]:
        raise InputError(path, "no tasks in the JSON plan", expected="an object with a non-empty `tasks` list")

    def day(value, where):
        if value in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(path, f"{where}: {value!r} is not a date", expected="YYYY-MM-DD") from None

    tasks, seen = [], set()
    for i, t in enumerate(d["tasks"], 1):
        where = f"tasks[{i}]"
        for key in ("number", "title", "lead", "cooperating"):
            if key not in t:
                raise InputError(path, f"{where} has no `{key}`", column=key)
        if not isinstance(t["number"], int) or t["number"] in seen:
            raise InputError(path, f"{where}: number {t['number']!r} is not a new whole number", column="number")
        seen.add(t["number"])
        for key in ("lead", "cooperating", "implementing"):
            if not isinstance(t.get(key, []), list) or not all(isinstance(x, str) and x.strip()
                                                               for x in t.get(key, [])):
                raise InputError(path, f"{where}.{key} must be a list of unit names", column=key)
        deadlines = [P.ParsedDeadline(text=x.get("text", ""), kind=x.get("kind", "date"),
                                      due=day(x.get("due"), f"{where}.deadlines"), month=x.get("month"),
                                      day=x.get("day")) for x in t.get("deadlines", [])]
        commitments = [P.ParsedCommitment(text=x.get("text", ""), subject=x.get("subject", ""),
                                          operator=x.get("operator", ""), value=str(x.get("value", "")),
                                          unit=x.get("unit", "")) for x in t.get("commitments", [])]
        tasks.append(P.ParsedTask(
            number=t["number"], title=str(t["title"]), body=str(t.get("body", t["title"])),
            section=t.get("section"), subsection=t.get("subsection"), line=int(t.get("line") or 0),
            lead=[x.strip() for x in t["lead"]], lead_mode=t.get("lead_mode", "lead"),
            cooperating=[x.strip() for x in t["cooperating"]], implementing=list(t.get("implementing", [])),
            responsibility_text=t.get("responsibility_text"), deadlines=deadlines, commitments=commitments))
    sections = [P.ParsedSection(number=x["number"], title=x["title"], line=x.get("line", 0),
                                subsections=[P.ParsedSubsection(number=y["number"], title=y["title"],
                                                                line=y.get("line", 0))
                                             for y in x.get("subsections", [])])
                for x in d.get("sections", [])]
    period = d.get("period")
    return P.ParsedPlan(
        title=str(d.get("title") or path.stem), document_number=d.get("document_number"),
        issued=day(d.get("issued"), "issued"), period=tuple(period) if period else None, sections=sections,
        tasks=tasks, measures=[], county_clause=d.get("county_clause"), implementing=list(d.get("implementing", [])),
        problems=[])


# --------------------------------------------------------------------------- departments
def department_code(name: str) -> str:
    """A stable code for a unit the plan names that is not yet a department (the office may rename it)."""
    return "u" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def match_department(s: Session, name: str, create: bool = True) -> Department | None:
    """The department named ``name`` as written (whitespace ignored), created when missing."""
    clean = re.sub(r"\s+", "", name)
    found = s.scalar(sa.select(Department).where(Department.name == clean))
    if found is None and create:
        found = Department(code=department_code(clean), name=clean)
        s.add(found)
        s.flush()
    return found


# --------------------------------------------------------------------------- import
def _clause(body: str, text: str) -> str:
    """The words of ``body`` around a deadline, as the milestone's title: the comma-delimited part
    holding it, with the part before when the deadline does not open it or the part is short."""
    at = body.find(text)
    if at < 0:
        return text
    cuts = [m.end() for m in _PART_END.finditer(body, 0, at)]
    start = cuts[-1] if cuts else 0
    end = _PART_END.search(body, at + len(text))
    stop = end.start() if end else len(body)
    if (at > start or stop - start < 15) and len(cuts) > 1 and not _CLAUSE_END.match(body, cuts[-1] - 1):
        start = cuts[-2]
    return body[start:stop].strip("，, ")[:250]


def milestone_dates(deadline: P.ParsedDeadline, issued: dt.date | None, period: tuple[int, int] | None,
                    settings: PlanSettings) -> list[dt.date]:
    """The due dates one deadline gives: one for a date, one per plan year for a recurring one."""
    first = max(period[0] if period else 0, issued.year if issued else 0) or (issued.year if issued else None)
    last = period[1] if period else first
    if deadline.kind == "date":
        return [deadline.due] if deadline.due else []
    if deadline.kind == "plan_end":
        return [deadline.due] if deadline.due else ([dt.date(last, 12, 31)] if last else [])
    if first is None or last is None:
        return []
    years = range(first, last + 1)
    if deadline.kind == "yearly" and deadline.month and deadline.day:
        return [dt.date(y, deadline.month, deadline.day) for y in years]
    if deadline.kind == "heating_season":
        month, day = settings.heating_season
        return [dt.date(y, month, day) - dt.timedelta(days=1) for y in years]
    return []


def signature(parsed_tasks) -> list:
    """What makes two imports of a plan the same plan: its tasks' numbers, titles and units."""
    return sorted((t["number"], t["title"], tuple(t["lead"]), tuple(t["cooperating"])) for t in parsed_tasks)


def _stored_signature(s: Session, plan: Plan) -> list:
    tasks = list(s.scalars(sa.select(Task).where(Task.plan_id == plan.id)))
    units = {}
    for u in s.scalars(sa.select(TaskUnit).where(TaskUnit.task_id.in_([t.id for t in tasks]))
                       .order_by(TaskUnit.position)):
        units.setdefault((u.task_id, u.role), []).append(u.written)
    return signature([{"number": t.number, "title": t.title, "lead": units.get((t.id, "lead"), []),
                       "cooperating": units.get((t.id, "cooperating"), [])} for t in tasks])


def same_document(s: Session, parsed: P.ParsedPlan) -> Plan | None:
    """A plan already imported from the same document in another file (the .docx of an imported .txt,
    its corrected JSON): the same 文号, or the same title and date of issue when it has none."""
    q = sa.select(Plan)
    if parsed.document_number:
        q = q.where(Plan.document_number == parsed.document_number)
    else:
        q = q.where(Plan.title == parsed.title[:255], Plan.issued == parsed.issued)
    return s.scalars(q.order_by(Plan.id)).first()


def import_plan(s: Session, parsed: P.ParsedPlan, data: bytes, source_name: str, *, actor: str,
                settings: PlanSettings = DEFAULT) -> tuple[Plan, bool]:
    """Store ``parsed``; (plan, created). Importing the same document again (any form of it) changes
    nothing; a different version of an imported document is refused (correct it with ``plan units``)."""
    if any(p.severity == "error" for p in parsed.problems):
        raise UsageError("the plan has parse errors; fix them first (see --dry-run)")
    sha = hashlib.sha256(data).hexdigest()
    existing = s.scalar(sa.select(Plan).where(Plan.source_sha256 == sha))
    if existing is not None:
        _measures(s, existing, parsed)
        return existing, False
    twin = same_document(s, parsed)
    if twin is not None:
        if _stored_signature(s, twin) == signature([{"number": t.number, "title": t.title[:255], "lead": t.lead,
                                                     "cooperating": t.cooperating} for t in parsed.tasks]):
            _measures(s, twin, parsed)
            return twin, False
        raise UsageError(f"{source_name}: {parsed.document_number or parsed.title} is already imported as plan "
                         f"{twin.id} ({twin.source_name}) with other tasks or units; correct the imported plan "
                         "(lantian plan units N --plan ID …) rather than importing a second version")
    plan = Plan(title=parsed.title[:255], document_number=parsed.document_number, issued=parsed.issued,
                first_year=parsed.period[0] if parsed.period else None,
                last_year=parsed.period[1] if parsed.period else None, county_clause=parsed.county_clause,
                source_name=source_name[:255], source_sha256=sha, imported_by=actor, imported_at=now_utc())
    s.add(plan)
    s.flush()
    _measures(s, plan, parsed)
    by_title = _sections(s, plan, parsed)
    for t in parsed.tasks:
        section = by_title.get((t.section, t.subsection)) or by_title.get((t.section, None))
        task = Task(plan_id=plan.id, section_id=section, number=t.number, title=t.title[:255], body=t.body,
                    line=t.line or None, lead_mode=t.lead_mode, responsibility_text=t.responsibility_text, done=False,
                    implementing=json.dumps(t.implementing, ensure_ascii=False) if t.implementing else None)
        s.add(task)
        s.flush()
        set_units(s, task, t.lead, t.cooperating)
        for c in t.commitments:
            s.add(Commitment(task_id=task.id, text=c.text, subject=c.subject or None, operator=c.operator or None,
                             value=c.value or None, unit=c.unit or None))
        for d in t.deadlines:
            for due in milestone_dates(d, parsed.issued, parsed.period, settings):
                title = _clause(t.body, d.text) if d.text in t.body else f"{t.title}（{d.text}）"
                if len(milestone_dates(d, parsed.issued, parsed.period, settings)) > 1:
                    title = f"{due.year}年：{title}"
                s.add(Milestone(task_id=task.id, title=title[:255], due=due, deadline_text=d.text[:64],
                                state="open", percent=0, origin="deadline", created_by=actor, created_at=now_utc()))
    s.flush()
    audit.record(s, actor=actor, action="import", entity="plan", entity_id=str(plan.id),
                 after={"title": plan.title, "tasks": len(parsed.tasks), "source": source_name, "sha256": sha})
    return plan, True


def _measures(s: Session, plan: Plan, parsed: P.ParsedPlan) -> None:
    """The plan's 保障措施 items as written; a plan stored before it had them (migration 0023) gets them
    when its document is imported again — nothing else changes."""
    if not parsed.measures or s.scalar(sa.select(Measure.id).where(Measure.plan_id == plan.id).limit(1)):
        return
    for m in parsed.measures:
        s.add(Measure(plan_id=plan.id, section=(m.section or None) and m.section[:255], number=m.number[:16],
                      title=m.title[:255], body=m.body, line=m.line or None))
    s.flush()


@dataclass
class Imported:
    plan: Plan
    created: bool
    tasks: int
    counties: object = None           # counties.CountyDuties
    bindings: object = None           # bindings.Bound


def import_document(s: Session, parsed: P.ParsedPlan, data: bytes, source_name: str, *, actor: str,
                    settings: PlanSettings = DEFAULT, root: Path | None = None, config: dict | None = None) -> Imported:
    """Import a plan and make it work: its county clause's sub-tasks for every county and zone of the
    workspace, and the measured milestones of every rule and register that cites one of its tasks."""
    plan, created = import_plan(s, parsed, data, source_name, actor=actor, settings=settings)
    if not created:
        return Imported(plan, False, len(parsed.tasks))
    duties = ensure_county_subtasks(s, plan, actor=actor)
    bound = bind_citations(s, plan, actor=actor, root=root, config=config)
    return Imported(plan, True, len(parsed.tasks), duties, bound)


def _sections(s: Session, plan: Plan, parsed: P.ParsedPlan) -> dict:
    out, position = {}, 0
    for sec in parsed.sections:
        position += 1
        row = Section(plan_id=plan.id, parent_id=None, number=sec.number, title=sec.title[:255], position=position)
        s.add(row)
        s.flush()
        out[(sec.title, None)] = row.id
        for sub in sec.subsections:
            position += 1
            child = Section(plan_id=plan.id, parent_id=row.id, number=sub.number, title=sub.title[:255],
                            position=position)
            s.add(child)
            s.flush()
            out[(sec.title, sub.title)] = child.id
    return out


def set_units(s: Session, task: Task, lead: list[str], cooperating: list[str]) -> None:
    """Replace the task's lead and cooperating departments (names as written; created when new)."""
    s.execute(sa.delete(TaskUnit).where(TaskUnit.task_id == task.id))
    s.flush()
    for role, names in (("lead", lead), ("cooperating", cooperating)):
        seen = set()
        for i, name in enumerate(names):
            dept = match_department(s, name)
            if dept.code in seen:
                continue
            seen.add(dept.code)
            s.add(TaskUnit(task_id=task.id, department_code=dept.code, role=role, written=name[:128], position=i))
    s.flush()
