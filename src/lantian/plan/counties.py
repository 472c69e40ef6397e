"""The county clause becomes work: "以下各项任务和行动均需各县、区人民政府，长治高新区、经开区管委会
负责落实，不再列出" makes every task it covers each county's and zone's too — a sub-task (a milestone
owned by the county, origin ``county``) per covered task and per county or zone it names, which the
county's account sees, reports on with evidence, and which 调度 counts (26 × 14 for the seed).

The clause's units are matched to the workspace's geography: 各县、区… / 各县（市、区）… names every
county (and district), 各开发区/各园区… every zone, a named unit (长治高新区管委会, 沁县人民政府) the
county or zone whose name it holds. A sub-task is due when its task's last dated milestone is (the
task done by then), undated for a task without a deadline. Counties that appear later (the boundaries
imported after the plan) get theirs from :func:`ensure_county_subtasks`, run again; idempotent.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import geography
from lantian.db import now_utc
from lantian.plan.models import Milestone, Plan, Task
from lantian import audit

_ALL_COUNTIES = re.compile(r"^各(?:县|区|市县|县市|旗)")
_ALL_ZONES = re.compile(r"^各(?:类)?(?:开发区|园区|功能区|工业园区|管委会)")


@dataclass
class CountyDuties:
    created: int = 0
    kept: int = 0
    units: list[str] = field(default_factory=list)       # the counties and zones holding sub-tasks
    unmatched: list[str] = field(default_factory=list)   # clause units naming no county or zone here
    tasks: int = 0                                       # tasks the clause covers

    def as_dict(self) -> dict:
        return {"created": self.created, "kept": self.kept, "units": self.units, "unmatched": self.unmatched,
                "tasks": self.tasks}


def match_units(names: list[str], units: list) -> tuple[list, list[str]]:
    """The counties and zones (:class:`lantian.geography.Unit`) the clause's unit names name, and the names matching none."""
    counties = [u for u in units if u.kind == "county"]
    zones = [u for u in units if u.kind == "zone"]
    found, unmatched = [], []
    for raw in names:
        name = re.sub(r"\s+", "", raw)
        if _ALL_COUNTIES.match(name):
            hits = counties + (zones if "开发区" in name or "园区" in name else [])
        elif _ALL_ZONES.match(name):
            hits = zones
        else:
            hits = [u for u in counties + zones if u.name and u.name in name]
        if not hits:
            unmatched.append(raw)
        found.extend(u for u in hits if u not in found)
    return sorted(found, key=lambda u: (u.kind != "county", u.code)), unmatched


def _due(s: Session, task: Task):
    return s.scalar(sa.select(sa.func.max(Milestone.due)).where(Milestone.task_id == task.id,
                                                                 Milestone.origin == "deadline"))


def ensure_county_subtasks(s: Session, plan: Plan, *, actor: str) -> CountyDuties:
    """One sub-task per task the county clause covers and per county or zone it names; idempotent."""
    units = geography.units(s, geography.LOCAL)
    out = CountyDuties()
    tasks = [t for t in s.scalars(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.number))
             if t.implementing and json.loads(t.implementing)]
    out.tasks = len(tasks)
    have = {(m.task_id, m.owner_code) for m in s.scalars(
        sa.select(Milestone).join(Task, Task.id == Milestone.task_id)
        .where(Task.plan_id == plan.id, Milestone.origin == "county"))}
    names = set()
    for task in tasks:
        matched, unmatched = match_units(json.loads(task.implementing), units)
        out.unmatched.extend(u for u in unmatched if u not in out.unmatched)
        due = _due(s, task)
        for unit in matched:
            names.add(unit.name)
            if (task.id, unit.code) in have:
                out.kept += 1
                continue
            s.add(Milestone(task_id=task.id, title=f"{unit.name}落实：{task.title}"[:255], owner_kind="county",
                            owner_code=unit.code, due=due, deadline_text=None, state="open", percent=0,
                            origin="county", created_by=actor, created_at=now_utc()))
            out.created += 1
    out.units = sorted(names)
    s.flush()
    if out.created:
        audit.record(s, actor=actor, action="county_subtasks", entity="plan", entity_id=str(plan.id),
                     after={"created": out.created, "tasks": out.tasks, "units": out.units})
    return out


def ensure_all(s: Session, *, actor: str) -> dict[int, CountyDuties]:
    """Every plan's county sub-tasks (after the workspace's counties changed)."""
    return {p.id: ensure_county_subtasks(s, p, actor=actor) for p in s.scalars(sa.select(Plan).order_by(Plan.id))}
