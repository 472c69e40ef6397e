"""Registers and rules drive the plan's status in every workspace: each rule, register check or data
source that cites a task (:class:`lantian.plan.indicators.Citation`) becomes a measured milestone of the
task whose text holds the words it quotes — on import, whatever the workspace, no hand binding.

A citation names a task number and quotes the clause (``任务9：已完成清洁取暖改造但不能稳定运行……``).
It is bound where the quote stands: to the cited task when its text holds the quoted words (every
fragment between ``……`` marks, in order), else to the one task that holds them (a successor plan that
renumbered its tasks); a plan that does not contain the words (another city's) binds nothing of it,
and the import says which citations found no clause.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.db import now_utc
from lantian.plan.indicators import Citation, citations
from lantian.plan.models import Milestone, Plan, Task
from lantian import audit
from lantian.plan.parse import _half

_TASK_PREFIX = re.compile(r"^\s*任务\s*\d+\s*[：:]")
_ELLIPSIS = re.compile(r"…+|\.{3,}|[。；;]")   # a quote may leave text out between its sentences
_MIN_FRAGMENT = 4


def _norm(text: str) -> str:
    """Words only: punctuation, spaces and full/half width set aside (／ and / alike)."""
    return re.sub(r"[^\w]", "", _half(text))


def fragments(clause: str) -> list[str]:
    """The quoted words of a citation, split where it leaves text out (``……``) and between its sentences."""
    body = _TASK_PREFIX.sub("", clause or "")
    return [f for f in (_norm(part) for part in _ELLIPSIS.split(body)) if len(f) >= _MIN_FRAGMENT]


def quotes(body: str, clause: str) -> bool:
    """The task text holds every fragment of the quote, in order."""
    parts = fragments(clause)
    if not parts:
        return False
    text, at = _norm(body), 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def target(tasks: list[Task], citation: Citation) -> Task | None:
    """The task a citation binds to: the cited one when it quotes it, else the only one that does."""
    cited = next((t for t in tasks if t.number == citation.task), None)
    if cited is not None and quotes(cited.body, citation.clause):
        return cited
    holding = [t for t in tasks if quotes(t.body, citation.clause)]
    return holding[0] if len(holding) == 1 else None


@dataclass
class Bound:
    bound: int = 0                     # milestones added
    kept: int = 0                      # already bound
    unbound: list[str] = field(default_factory=list)    # citations whose words the plan does not hold

    def as_dict(self) -> dict:
        return {"bound": self.bound, "kept": self.kept, "unbound": self.unbound}


def bind_citations(s: Session, plan: Plan, *, actor: str, root: Path | None = None,
                   config: dict | None = None) -> Bound:
    """Add a measured milestone (origin ``citation``) for every citation the plan holds; idempotent."""
    tasks = list(s.scalars(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.number)))
    have = {(m.task_id, m.indicator, m.indicator_params) for m in s.scalars(
        sa.select(Milestone).join(Task, Task.id == Milestone.task_id).where(Task.plan_id == plan.id,
                                                                              Milestone.indicator.is_not(None)))}
    out = Bound()
    for c in citations(root, config):
        task = target(tasks, c)
        if task is None:
            out.unbound.append(f"{c.indicator}:{c.params.get('rule') or c.params.get('unit', '')}（任务{c.task}）")
            continue
        params = json.dumps(c.params, ensure_ascii=False)
        if (task.id, c.indicator, params) in have:
            out.kept += 1
            continue
        s.add(Milestone(task_id=task.id, title=c.label[:255], owner_kind=None, owner_code=None, due=None,
                        state="open", percent=0, indicator=c.indicator, indicator_params=params, origin="citation",
                        created_by=actor, created_at=now_utc()))
        have.add((task.id, c.indicator, params))
        out.bound += 1
    s.flush()
    if out.bound:
        audit.record(s, actor=actor, action="bind", entity="plan", entity_id=str(plan.id), after=out.as_dict())
    return out
