"""The demo workspace: Changzhi's stations and counties, real hourly data, an account per role.

Everything is read from the data folder (never copied into the repository) and kept in the
workspace: the station registry with county assignments, the January 2019 national month and
Changzhi's 2019 year in the measurement store, the plan's departments, one account per role and
the as-of date 2023-06-30 (the plan's first hard deadline). Re-running it changes nothing.
Synthetic records (the demo enterprise) are labelled synthetic in the data and on screen. Each room
builds its own demo through its own ways in (``lantian.<room>.demo``); this module only calls them in
order — the rooms' records after the stations and accounts, the bulletin's and the analysis room's
after the measurements. January 2019 gets labelled demo records (演示数据) for every section of its
月度通报 whose real data is of another period (:mod:`lantian.bulletins.demo`):
``lantian report monthly --month 2019-01``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts import service as accounts
from lantian.accounts.models import User
from lantian.analysis.demo import demo_met
from lantian.assessment.demo import demo_targets
from lantian.assessment.networks import official_stations
from lantian.assessment.statistics import area_daily_units
from lantian.dustfall.demo import demo_dustfall
from lantian.emergency.demo import demo_reduction, demo_staggered
from lantian.enterprises.demo import demo_ledger, demo_own_enterprise
from lantian.fires.demo import demo_fires
from lantian.inventory.demo import demo_inventory
from lantian.measurements import stations as registry
from lantian.measurements.feed import Feed, FeedRules, load_feed, recompute, write_all
from lantian.measurements.feed_diff import DiffReport, diff
from lantian.measurements.importer import import_files
from lantian.measurements.station_keys import StationKeys
from lantian.measurements.series import DailySeries
from lantian.measurements.store import Store
from lantian.plan.demo import demo_plan
from lantian.registers.demo import demo_registers
from lantian.bulletins.demo import demo_bulletin
from lantian.vehicles.demo import demo_vehicles
from lantian.workspace import Workspace, init

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


def demo_accounts(url: str) -> list[tuple[str, str, str]]:
    """The plan's departments and one account per role (:data:`ACCOUNTS`), the enterprise account bound
    to the demo enterprise (synthetic, :func:`lantian.enterprises.demo.demo_own_enterprise`); idempotent."""
    with db.session(url) as s:
        accounts.seed_departments(s)
        ent = demo_own_enterprise(s)
        out = []
        for username, role, binding, name in ACCOUNTS:
            if s.scalar(sa.select(User).where(User.username == username)) is None:
                enterprise = ent.id if binding.get("enterprise") else None
                accounts.add_user(s, username, PASSWORD, role, county=binding.get("county"),
                                  department=binding.get("department"), enterprise=enterprise,
                                  display_name=name, actor="demo")
            out.append((username, role, name))
        return out


def build(data: Path, workspace: Path, con, progress=None) -> DemoResult:
    """Build (or complete) the demo workspace: each room's demo in order, then the measurements."""
    ws = init(workspace)
    url = ws.database_url
    db.upgrade(url)
    registry.import_stations(url, data / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data / "boundaries" / "140400_full.json", changed_by="demo")
    made = demo_accounts(url)
    demo_targets(url)
    milestones = demo_plan(url, data, ws.root)
    demo_ledger(url)
    demo_registers(url, data, ws.root)
    demo_reduction(url)
    demo_staggered(url, ws.root, ws.config)
    demo_dustfall(url, data)
    demo_fires(url, data)
    demo_vehicles(url, ws.root)
    demo_inventory(ws)                             # synthetic CEMS year at one stack; the 2023 inventory built
    january = sorted((data / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))
    source = data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    registered = StationKeys.of(url)               # as `lantian import cnemc` checks them
    import_files(ws.measurements, "cnemc", january, progress=progress, registry=registered)
    import_files(ws.measurements, "cnemc", [source], progress=progress, registry=registered)
    ws.set_as_of(AS_OF)
    feed = load_feed([source])
    outdir = ws.root / "demo" / "cnemc"
    written = write_all(recompute(feed, con, FeedRules()), outdir)
    report = diff(source.parent, outdir)
    demo_bulletin(ws, con)                         # January 2019: every bulletin section, labelled 演示数据
    demo_met(ws, data)                             # the analysis room's roses: one UCI Beijing station's wind
    members = official_stations(url, ws.config)
    members = members.only([members.city])         # the city's national points
    evaluation = members.units.get(members.city, [])
    store = Store(ws.measurements)
    city = area_daily_units(store, members, dt.date(2019, 1, 1), dt.date(2019, 12, 31), con)
    with_data = sorted(set(store.hourly(stations=evaluation, pollutants=["PM2_5"]).table.column("station")
                           .to_pylist()))
    return DemoResult(ws, feed, written, report, store.count(), city, with_data, made, milestones)
