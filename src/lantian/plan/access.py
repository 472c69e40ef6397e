"""Who may see and report on which part of the plan.

- the city office and admins: everything, and they manage the plan (import, milestones, 督办函);
- inspectors and viewers: read everything;
- a department: the tasks it leads or supports (牵头/配合), and reports on them;
- a county: its own sub-tasks (milestones it owns), and reports on them;
- an enterprise: the milestones it owns, and reports on them.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.plan.models import Milestone, Task, TaskUnit

READ_ALL = policy.READ_ALL
MANAGE = policy.OFFICE


def reads_all(scope: Scope) -> bool:
    return scope.who.role in READ_ALL


def manages(scope: Scope) -> bool:
    """The office's acts on the plan (import, milestones, units, 督办函): the policy's ``approve`` in ``plan``."""
    return policy.may(scope, "approve", "plan")


def require_manager(scope: Scope) -> None:
    policy.require(scope, "approve", "plan", refusal="只有市大气办可以维护行动计划 (the city office manages the plan)")


def owner_record(kind: str | None, code: str | None) -> policy.Record | None:
    """The scope a milestone's owner gives it (a county's, an enterprise's, a department's)."""
    if kind == "county":
        return policy.Record(unit=code)
    if kind == "enterprise" and code and code.isdigit():
        return policy.Record(enterprise_id=int(code))
    if kind == "department":
        return policy.Record(department_code=code)
    return None


def sees_county(scope: Scope, code: str) -> bool:
    """A county's page of sub-tasks: the county itself and the city-wide readers."""
    return reads_all(scope) or (scope.who.role == "county" and policy.may(scope, "read", "plan", policy.Record(unit=code)))


def sees_department(scope: Scope, code: str) -> bool:
    """A department's page of tasks: the department itself and the city-wide readers."""
    return reads_all(scope) or (scope.who.role == "department"
                                and policy.may(scope, "read", "plan", policy.Record(department_code=code)))


def owner(scope: Scope) -> tuple[str, str] | None:
    """The (kind, code) a milestone owned by the caller carries, if the caller is such an owner."""
    role = scope.who.role
    if role == "department" and scope.who.department_code:
        return "department", scope.who.department_code
    if role == "county" and scope.unit:
        return "county", scope.unit
    if role == "enterprise" and scope.who.enterprise_id is not None:
        return "enterprise", str(scope.who.enterprise_id)
    return None


def department_tasks(s: Session, code: str) -> set[int]:
    return set(s.scalars(sa.select(TaskUnit.task_id).where(TaskUnit.department_code == code)))


def owned_milestones(s: Session, scope: Scope) -> list[Milestone]:
    me = owner(scope)
    if me is None:
        return []
    return list(s.scalars(sa.select(Milestone).where(Milestone.owner_kind == me[0], Milestone.owner_code == me[1])))


def visible_tasks(s: Session, scope: Scope) -> set[int] | None:
    """The task ids the caller may see (None: all of them)."""
    if reads_all(scope):
        return None
    ids = {m.task_id for m in owned_milestones(s, scope)}
    if scope.who.role == "department" and scope.who.department_code:
        ids |= department_tasks(s, scope.who.department_code)
    return ids


def sees_whole_task(s: Session, scope: Scope, task: Task) -> bool:
    """All of a task's milestones and reports (the office, readers, its departments); a county or an
    enterprise sees only its own part of a task."""
    if reads_all(scope):
        return True
    return scope.who.role == "department" and task.id in department_tasks(s, scope.who.department_code or "")


def may_report(s: Session, scope: Scope, task: Task, milestone: Milestone | None = None) -> bool:
    """A progress report on the task (or one of its milestones) by the caller."""
    if manages(scope):
        return True
    me = owner(scope)
    if me is None:
        return False
    record = owner_record(milestone.owner_kind, milestone.owner_code) if milestone is not None else None
    if record is not None and policy.may(scope, "write", "plan", record):
        return True
    if milestone is not None and milestone.owner_kind is not None:
        return False            # another unit's milestone (a county's sub-task, an enterprise's, a department's)
    if me[0] == "department":
        return task.id in department_tasks(s, me[1])
    return False
