"""The demo workspace: Changzhi's stations and counties, real hourly data, an account per role.

Everything is read from the data folder (never copied into the repository) and kept in the
workspace: the station registry with county assignments, the January 2019 national month and
Changzhi's 2019 year in the measurement store, the plan's departments, one account per role and
the as-of date 2023-06-30 (the plan's first hard deadline). Re-running it changes nothing.
Synthetic records (the demo enterprise) are labelled synthetic in the data and on screen. January
2019 gets labelled demo records (演示数据) for every section of its 月度通报 whose real data is of
another period (:mod:`lantian.bulletins.demo`): ``lantian report monthly --month 2019-01``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lantian import db, geography
from lantian.accounts import service as accounts
from lantian.accounts.models import Enterprise, User
from lantian.enterprises.demo import demo_credit_code  # noqa: F401 — also what tests and rooms name demo records by
from lantian.measurements import stations as registry
from lantian.measurements.feed import Feed, FeedRules, load_feed, recompute, write_all
from lantian.measurements.feed_diff import DiffReport, diff
from lantian.measurements.importer import import_files
from lantian.measurements.station_keys import StationKeys
from lantian.measurements.series import DailySeries
from lantian.measurements.store import Store
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
SYNTHETIC_ENTERPRISE = ("长治示例焦化有限公司（合成数据）", 0, "140403")     # name, demo serial, county


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


def _own_enterprise(s):
    """The demo enterprise account's enterprise (synthetic), if created."""
    return s.scalar(sa.select(Enterprise).where(Enterprise.credit_code == demo_credit_code(SYNTHETIC_ENTERPRISE[1])))


def _accounts(url: str) -> list[tuple[str, str, str]]:
    from lantian.enterprises import service as ledgers
    with db.session(url) as s:
        accounts.seed_departments(s)
        ent = _own_enterprise(s)
        if ent is None:                       # through the ledger's service, as the reduction list's import does
            ledgers.upsert_identity(s, {"credit_code": demo_credit_code(SYNTHETIC_ENTERPRISE[1]),
                                        "name": SYNTHETIC_ENTERPRISE[0], "county": SYNTHETIC_ENTERPRISE[2],
                                        "industry": "焦化"},
                                    actor="demo", note="演示企业账户（合成）", synthetic=True)
            ent = _own_enterprise(s)
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
        city_code = geography.city_code(s)
        if targets(s, 2019, [city_code]):
            return
        units = sorted({r.unit_code for r in registry.list_stations(url, include_stopped=True) if r.unit_code})
        for indicator, value in DEMO_TARGETS.items():
            city = set_target(s, city_code, 2019, indicator, value, by="demo", synthetic=True,
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


def _plan(url: str, data: Path, root: Path | None = None) -> int:
    """Import the plan (长政办发〔2023〕14号) as ``lantian plan import`` does — its county clause's
    sub-tasks for the 14 counties and zones, the rules and registers citing its tasks bound — and add
    the labelled demo sub-tasks through the plan service; idempotent."""
    from lantian.accounts.scope import Scope
    from lantian.plan import importer, service
    from lantian.plan.models import Milestone
    path = seed_plan(data)
    if path is None:
        return 0
    parsed, raw = importer.read_document(path)
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        accounts.seed_departments(s)
        done = importer.import_document(s, parsed, raw, path.name, actor="demo", root=root)
        if done.created:
            ent = _own_enterprise(s)
            subtasks = list(DEMO_SUBTASKS)
            if ent is not None:
                subtasks.append((5, f"{ent.name}完成焦炉超低排放改造评估监测（示例）", dt.date(2023, 10, 31),
                                 "enterprise", str(ent.id), None))
            for number, title, due, kind, code, indicator in subtasks:
                task = service.task_by_number(s, number, done.plan)
                service.add_milestone(s, office, task.id, title, due=due, owner_kind=kind, owner_code=code,
                                      indicator=indicator, params={"unit": code} if indicator else None,
                                      synthetic=True)
        return s.scalar(sa.select(sa.func.count()).select_from(Milestone))


LEDGER = Path(__file__).parent / "enterprises" / "demo" / "ledger.toml"


def _ledger(url: str) -> int:
    """The demo ledger (enterprises of task 5, synthetic facilities), imported as the office would; idempotent."""
    import tomllib
    from types import SimpleNamespace
    from lantian.accounts.scope import Scope
    from lantian.enterprises import service as ledgers
    from lantian.enterprises.kinds import FACILITY_KINDS
    data = tomllib.loads(LEDGER.read_text(encoding="utf-8"))
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        counties = ledgers.county_lookup(s)
        enterprises, facilities = [], []
        for e in data["enterprise"]:
            code = demo_credit_code(e["serial"])
            enterprises.append({"name": e["name"], "credit_code": code, "county": counties[e["county"]],
                                "industry": e["industry"], "grade": e.get("grade"), "lon": e.get("lon"),
                                "lat": e.get("lat"),
                                "emergency_list": e.get("emergency_list", False), "key_unit": e.get("key_unit", False)})
            for f in e.get("facilities", []):
                kind = FACILITY_KINDS[f["kind"]]
                values = {fld.name: f.get(fld.name) for fld in kind.fields}
                facilities.append(dict(values, kind=f["kind"], enterprise=code))
        ent = _own_enterprise(s)
        if ent is not None:
            enterprises.append({"name": ent.name, "credit_code": ent.credit_code, "county": ent.county_code,
                                "industry": "焦化", "grade": None, "emergency_list": True, "key_unit": False,
                                "lon": DEMO_OWN_LOCATION[0], "lat": DEMO_OWN_LOCATION[1]})
            for f in DEMO_OWN_FACILITIES:
                facilities.append(dict({fld.name: f.get(fld.name) for fld in FACILITY_KINDS[f["kind"]].fields},
                                       kind=f["kind"], enterprise=ent.credit_code))
        clusters = [dict(c, county=counties[c["county"]]) for c in data.get("cluster", [])]
        batch = SimpleNamespace(enterprises=enterprises, facilities=facilities, clusters=clusters,
                                rows=len(enterprises) + len(facilities))
        ledgers.import_batch(s, office, batch, actor="demo", source=LEDGER.name, synthetic=True)
        return len(facilities)


#: the demo's 2022–2023 staggered-production calendar (synthetic): issued on this day, then delivered and
#: acknowledged by some — the enterprise account for itself, the county accounts on paper for theirs
STAGGERED_ISSUED = dt.date(2022, 11, 1)
STAGGERED_ACKS = [("qiye", None, "ack"), ("luzhou", "长治市潞州区红旗水泥有限公司", "ack"),
                  ("luzhou", "长治市科保水泥有限公司", "ack"), ("tunliu", "长治市屯留区瑞昌水泥有限公司", "receive")]


def _staggered(url: str, root: Path, config: dict | None = None) -> int:
    """Issue the 2022 season's 错峰生产 calendar and record the demo's deliveries and acknowledgements,
    through the emergency room's service as the office, the enterprise and the counties would; idempotent."""
    from lantian.accounts.scope import Scope
    from lantian.emergency import staggered
    from lantian.emergency.models import StaggeredCalendar
    from lantian.enterprises import service as ledgers
    with db.session(url) as s:
        if s.scalar(sa.select(StaggeredCalendar.id).where(StaggeredCalendar.season == STAGGERED_ISSUED.year)):
            return 0
        cal = staggered.issue(s, root, Scope.office(url, "demo"), STAGGERED_ISSUED.year, on=STAGGERED_ISSUED,
                              config=config, synthetic=True)
        ids = {p["name"]: i for i, p in ledgers.profiles(s).items()}
        for username, name, action in STAGGERED_ACKS:
            user = s.scalar(sa.select(User).where(User.username == username))
            scope = Scope.of(accounts.principal(user), url)
            (staggered.acknowledge if action == "ack" else staggered.receive)(s, scope, cal.id,
                                                                              ids.get(name) if name else None)
        return cal.id


def _dustfall(url: str, data: Path) -> int:
    """Changzhi's published county dust fall of October 2021 (the first real case); idempotent."""
    from lantian.dustfall import service as dustfall
    from lantian.dustfall.models import DustfallValue
    path = data / "dustfall" / "changzhi_dustfall_2021-10.csv"
    if not path.is_file():
        return 0
    with db.session(url) as s:
        if s.scalar(sa.select(sa.func.count()).select_from(DustfallValue).where(DustfallValue.period == "2021-10")):
            return 0
        return dustfall.import_file(s, path, period="2021-10", actor="demo")["rows"]


def _emergency(url: str) -> int:
    """The reduction list (the ledger's enterprises of ``emergency/demo.toml``, on the list) with synthetic
    baselines and city totals (labelled), through the office's own ways in: a list file in the template's
    layout read by :mod:`lantian.emergency.listfile` and imported by :mod:`lantian.emergency.reduction`,
    the totals as ``lantian reduction total`` sets them; idempotent."""
    import tempfile
    import tomllib
    from lantian.accounts.scope import Scope
    from lantian.emergency import listfile, reduction
    from lantian.emergency import service as emergency
    from lantian.enterprises import service as ledgers
    data = tomllib.loads((Path(__file__).parent / "emergency" / "demo.toml").read_text(encoding="utf-8"))
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        profiles = {p["name"]: p for p in ledgers.profiles(s).values()}
        codes = {p["id"]: p["credit_code"] for p in ledgers.credit_codes(s)}
        rows = []
        for name, values in data["baselines"].items():
            p = profiles.get(name)
            if p is None:
                continue
            for pollutant, tonnes in values.items():
                rows.append({"credit_code": codes[p["id"]], "name": name, "county": p["county"],
                             "industry": p["industry"], "grade": p["grade"], "pollutant": pollutant,
                             "tonnes": str(tonnes), "source": data["source"], "listed": True})
        with tempfile.TemporaryDirectory(prefix="lantian-demo-") as tmp:
            path = listfile.write(Path(tmp) / "应急减排清单（合成演示）.csv", rows,
                                  county_names=reduction.county_names(s))
            read = listfile.read(path, counties=ledgers.county_lookup(s))
        if read:
            reduction.import_rows(s, office, read, source=path.name)
        for pollutant, tonnes in data["totals"].items():
            emergency.set_total(s, data["year"], pollutant, str(tonnes), data["total_source"], actor="demo")
        return len(emergency.entries(s))


#: where the demo enterprise account's plant is (synthetic): ~6 km outside the demo's 市区规划区
DEMO_OWN_LOCATION = (113.20, 36.10)
#: the facilities of the demo enterprise account (qiye), synthetic
DEMO_OWN_FACILITIES = [
    {"kind": "coke_oven", "code": "JL-1", "name": "1#焦炉", "status": "在用", "chamber_height": 4.3, "quenching": "湿法",
     "production": 30, "dedusting": "袋式", "activity_year": 2023},
    {"kind": "voc_treatment", "code": "TA-1", "name": "化产回收VOCs治理", "status": "在用", "process": "活性炭吸附",
     "carbon_fill": 600, "carbon_required": 800, "carbon_replaced_on": dt.date(2022, 5, 10)},
]


def _met(ws, data: Path) -> None:
    """A met file for the analysis room's wind/pollution roses (WORKSPACE/met/): UCI Beijing's
    Aotizhongxin (wind and pollutants, 2013–2017; Changzhi's stations carry no wind)."""
    import shutil
    source = data / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv"
    if source.is_file():
        (ws.root / "met").mkdir(exist_ok=True)
        shutil.copy(source, ws.root / "met" / source.name)


def build(data: Path, workspace: Path, con, progress=None) -> DemoResult:
    ws = init(workspace)
    db.upgrade(ws.database_url)
    registry.import_stations(ws.database_url, data / "cnemc" / "stations" / "NewSiteList_utf8.csv",
                             boundaries=data / "boundaries" / "140400_full.json", changed_by="demo")
    made = _accounts(ws.database_url)
    _targets(ws.database_url)
    milestones = _plan(ws.database_url, data, ws.root)
    _ledger(ws.database_url)
    from lantian.registers.demo import demo_registers
    demo_registers(ws.database_url, data, ws.root)
    _emergency(ws.database_url)
    _staggered(ws.database_url, ws.root, ws.config)
    _dustfall(ws.database_url, data)
    from lantian.fires.demo import demo_fires
    demo_fires(ws.database_url, data)
    from lantian.vehicles.demo import demo_vehicles
    demo_vehicles(ws.database_url, ws.root)
    from lantian.inventory.demo import demo_inventory
    demo_inventory(ws)                             # synthetic CEMS year at one stack; the 2023 inventory built
    january = sorted((data / "cnemc" / "2019-01").glob("china_sites_*.csv.gz"))
    source = data / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    registered = StationKeys.of(ws.database_url)        # as `lantian import cnemc` checks them
    import_files(ws.measurements, "cnemc", january, progress=progress, registry=registered)
    import_files(ws.measurements, "cnemc", [source], progress=progress, registry=registered)
    ws.set_as_of(AS_OF)
    feed = load_feed([source])
    outdir = ws.root / "demo" / "cnemc"
    written = write_all(recompute(feed, con, FeedRules()), outdir)
    report = diff(source.parent, outdir)
    from lantian.bulletins.demo import demo_bulletin
    demo_bulletin(ws, con)                         # January 2019: every bulletin section, labelled 演示数据
    _met(ws, data)                                 # the analysis room's roses: one UCI Beijing station's wind
    from lantian.assessment.networks import official_stations
    from lantian.assessment.statistics import area_daily_units
    members = official_stations(ws.database_url, ws.config)
    members = members.only([members.city])         # the city's national points
    evaluation = members.units.get(members.city, [])
    store = Store(ws.measurements)
    city = area_daily_units(store, members, dt.date(2019, 1, 1), dt.date(2019, 12, 31), con)
    with_data = sorted(set(store.hourly(stations=evaluation, pollutants=["PM2_5"]).table.column("station")
                           .to_pylist()))
    return DemoResult(ws, feed, written, report, store.count(), city, with_data, made, milestones)
