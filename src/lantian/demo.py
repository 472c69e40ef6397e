"""The demo workspace: Changzhi's stations and counties, real hourly data, an account per role.

Everything is read from the data folder (never copied into the repository) and kept in the
workspace: the station registry with county assignments, the January 2019 national month and
Changzhi's 2019 year in the measurement store, the plan's departments, one account per role and
the as-of date 2023-06-30 (the plan's first hard deadline). Re-running it changes nothing.
Synthetic records (the demo enterprise) are labelled synthetic in the data and on screen.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts import service as accounts
from lantian.accounts.models import Enterprise, User
from lantian.measurements import stations as registry
from lantian.measurements.feed import Feed, FeedRules, load_feed, recompute, write_all
from lantian.measurements.feed_diff import DiffReport, diff
from lantian.measurements.importer import import_files
from lantian.measurements.series import DailySeries, area_daily
from lantian.measurements.store import Store
from lantian.workspace import Workspace, init

CITY = "长治市"
AS_OF = dt.date(2023, 6, 30)
PASSWORD = "lantian-demo"
#: one demo account per role: username, role, binding, display name
ACCOUNTS = [
    ("admin", "admin", {}, "系统管理员"),
    ("daqiban", "city", {}, "市大气办"),
    ("gongxin", "department", {"department": "gxj"}, "市工信局"),
    ("luzhou", "county", {"county": "140403"}, "潞州区"),
    ("tunliu", "county", {"county": "140405"}, "屯留区"),
    ("qiye", "enterprise", {"enterprise": "synthetic"}, "示例企业（合成）"),
    ("jiancha", "inspector", {}, "执法检查"),
    ("guancha", "viewer", {}, "只读"),
]
SYNTHETIC_ENTERPRISE = ("长治示例焦化有限公司（合成数据）", "91140400SYNTH00001", "140403")


@dataclass
class DemoResult:
    workspace: Workspace
    feed: Feed
    written: list[Path]
    report: DiffReport
    stored: int
    city: DailySeries
    stations: list[str]
    accounts: list[tuple[str, str, str]]
    plan_milestones: int = 0              # 0: no plan text found beside the data folder


def _accounts(url: str) -> list[tuple[str, str, str]]:
    with db.session(url) as s:
        accounts.seed_departments(s)
        ent = s.scalar(sa.select(Enterprise).where(Enterprise.credit_code == SYNTHETIC_ENTERPRISE[1]))
        if ent is None:
            ent = Enterprise(name=SYNTHETIC_ENTERPRISE[0], credit_code=SYNTHETIC_ENTERPRISE[1],
                             county_code=SYNTHETIC_ENTERPRISE[2], synthetic=True)
            s.add(ent)
            s.flush()
        out = []
        for username, role, binding, name in ACCOUNTS:
            if s.scalar(sa.select(User).where(User.username == username)) is None:
                enterprise = ent.id if binding.get("enterprise") else None
                accounts.add_user(s, username, PASSWORD, role, county=binding.get("county"),
                                  department=binding.get("department"), enterprise=enterprise,
                                  display_name=name, actor="demo")
            out.append((username, role, name))
        return out


#: synthetic demo targets for 2019 (no 2019 targets exist): the city's, decomposed to its counties
DEMO_TARGETS = {"pm25_mean": "45", "good_day_ratio": "65"}


def _targets(url: str) -> None:
    from lantian.assessment.targets import set_target, targets
    with db.session(url) as s:
        if targets(s, 2019, ["140400"]):
            return
        units = sorted({r.unit_code for r in registry.list_stations(url, include_stopped=True) if r.unit_code})
        for indicator, value in DEMO_TARGETS.items():
            city = set_target(s, "140400", 2019, indicator, value, by="demo", synthetic=True,
                              note="合成演示目标 synthetic demo target")
            for unit in units:
                set_target(s, unit, 2019, indicator, value, by="demo", parent=city.id, synthetic=True,
                           note="由市级目标分解（合成） decomposed from the city's (synthetic)")


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


def _plan(url: str, data: Path) -> int:
    """Import the plan (长政办发〔2023〕14号) and add the labelled demo sub-tasks; idempotent."""
    from lantian.accounts.scope import Scope
    from lantian.accounts.service import Principal
    from lantian.plan import importer, service
    from lantian.plan.models import Milestone
    path = seed_plan(data)
    if path is None:
        return 0
    parsed, raw = importer.read_document(path)
    office = Scope(Principal(0, "demo", "city"), url, None)
    with db.session(url) as s:
        accounts.seed_departments(s)
        plan, created = importer.import_plan(s, parsed, raw, path.name, actor="demo")
        if created:
            ent = s.scalar(sa.select(Enterprise).where(Enterprise.credit_code == SYNTHETIC_ENTERPRISE[1]))
            subtasks = list(DEMO_SUBTASKS)
            if ent is not None:
                subtasks.append((5, f"{ent.name}完成焦炉超低排放改造评估监测（示例）", dt.date(2023, 10, 31),
                                 "enterprise", str(ent.id), None))
            for number, title, due, kind, code, indicator in subtasks:
                task = service.task_by_number(s, number)
                service.add_milestone(s, office, task.id, title, due=due, owner_kind=kind, owner_code=code,
                                      indicator=indicator, params={"unit": code} if indicator else None)
        return s.scalar(sa.select(sa.func.count()).select_from(Milestone))


def build(data: Path, workspace: Path, con, progress=None) -> DemoResult:
    ws = init(workspace)
    db.upgrade(ws.database_url)
    registry.import_stations(ws.database_url, data / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data / "boundaries" / "140400_full.json", changed_by="demo")
    made = _accounts(ws.database_url)
    _targets(ws.database_url)
    milestones = _plan(ws.database_url, data)
    january = sorted((data / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))
    source = data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    import_files(ws.measurements, "cnemc", january, progress=progress)
    import_files(ws.measurements, "cnemc", [source], progress=progress)
    ws.set_as_of(AS_OF)
    feed = load_feed([source])
    outdir = ws.root / "demo" / "cnemc"
    written = write_all(recompute(feed, con, FeedRules()), outdir)
    report = diff(source.parent, outdir)
    evaluation = [r.code for r in registry.list_stations(ws.database_url, include_stopped=True)
                  if r.prefecture == CITY and not r.control_point]
    store = Store(ws.measurements)
    city = area_daily(store, evaluation, dt.date(2019, 1, 1), dt.date(2019, 12, 31), con)
    with_data = sorted(set(store.hourly(stations=evaluation, pollutants=["PM2_5"]).table.column("station")
                           .to_pylist()))
    return DemoResult(ws, feed, written, report, store.count(), city, with_data, made, milestones)
