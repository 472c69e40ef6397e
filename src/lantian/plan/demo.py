"""The plan room's demo: the plan (长政办发〔2023〕14号) imported from the seed text beside the data folder
as ``lantian plan import`` does, and the labelled demo sub-tasks (示例) added through the plan service.
Re-running changes nothing."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts import service as accounts
from lantian.accounts.scope import Scope
from lantian.enterprises.demo import own_enterprise
from lantian.plan import importer, service
from lantian.plan.models import Milestone

#: demo sub-tasks (labelled 示例): (task, title, due, owner kind, owner code, indicator)
DEMO_SUBTASKS = [
    (22, "潞州区PM2.5浓度达到年度序时进度（示例，数据判定）", None, "county", "140403", "pm25_schedule"),
    (22, "屯留区PM2.5浓度达到年度序时进度（示例，数据判定）", None, "county", "140405", "pm25_schedule"),
    (13, "潞州区完成城区建筑工地视频监控联网（示例）", dt.date(2023, 5, 15), "county", "140403", None),
    (13, "屯留区完成城区建筑工地视频监控联网（示例）", dt.date(2023, 9, 30), "county", "140405", None),
    (6, "完成全市工业窑炉动态管理台账（示例）", dt.date(2023, 7, 15), "department", "gxj", None),
]


def seed_plan(data: Path) -> Path | None:
    """The plan text beside the data folder (../shared/seeds/), if present."""
    seeds = data.parent / "seeds"
    found = sorted(seeds.glob("*.txt")) if seeds.is_dir() else []
    return found[0] if found else None


def demo_plan(url: str, data: Path, root: Path | None = None) -> int:
    """Import the plan (长政办发〔2023〕14号) as ``lantian plan import`` does — its county clause's
    sub-tasks for the 14 counties and zones, the rules and registers citing its tasks bound — and add
    the labelled demo sub-tasks through the plan service; the number of sub-tasks (0: no plan text
    found beside the data folder). Idempotent."""
    path = seed_plan(data)
    if path is None:
        return 0
    parsed, raw = importer.read_document(path)
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        accounts.seed_departments(s)
        done = importer.import_document(s, parsed, raw, path.name, actor="demo", root=root)
        if done.created:
            for number, title, due, kind, code, indicator in _subtasks(s):
                task = service.task_by_number(s, number, done.plan)
                service.add_milestone(s, office, task.id, title, due=due, owner_kind=kind, owner_code=code,
                                      indicator=indicator, params={"unit": code} if indicator else None,
                                      synthetic=True)
        return s.scalar(sa.select(sa.func.count()).select_from(Milestone))


def _subtasks(s) -> list[tuple]:
    """The demo sub-tasks, with the demo enterprise account's own when it exists."""
    subtasks = list(DEMO_SUBTASKS)
    ent = own_enterprise(s)
    if ent is not None:
        subtasks.append((5, f"{ent.name}完成焦炉超低排放改造评估监测（示例）", dt.date(2023, 10, 31),
                         "enterprise", str(ent.id), None))
    return subtasks
