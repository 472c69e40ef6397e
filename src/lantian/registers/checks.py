"""The checks the row-level rule language cannot say: aggregates over many rows (a year's coal use
against its cap, a share, a rate, a monthly schedule, a checklist's completeness) and positions
against the office's polygons (市区规划区, 非道路移动机械排放控制区, 一城四区重点区域) or time windows.

Each check is a small named function citing its clause; its thresholds are ⚠ settings
(:mod:`lantian.registers.settings`). A check returns findings, or says why it cannot decide
(``undecided``: a polygon not uploaded, no cap for the year) — never a silent pass.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from lantian.measurements.geo import Polygon, point_in_multipolygon
from lantian.registers.rules import Finding, Row
from lantian.registers.settings import RegisterSettings, in_hours, parse_hours
from lantian.standards.rounding import round_half_even
from lantian.measurements.geodesy import to_polygons_km

NEW_ENERGY = ("纯电动", "插电式混合动力", "燃料电池")
EXEMPT = ("民生保障", "应急抢险")
BELOW_STAGE_IV = ("国一", "国二", "国三", "未知")        # 国三以下（含国三，“以下”包括本数）及阶段不明
VOC_LINKS = ("储罐", "装卸", "敞开液面", "泄漏检测与修复", "废气收集", "废气旁路", "治理设施", "加油站",
             "非正常工况", "产品VOCs含量")


@dataclass
class Zone:
    name: str
    title: str
    polygons: tuple[Polygon, ...]
    known: dict = field(default_factory=dict, repr=False, compare=False)    # (lon, lat) → km, once per point

    def contains(self, lon: float, lat: float) -> bool:
        return point_in_multipolygon(lon, lat, self.polygons)

    def distance_km(self, lon: float, lat: float) -> float:
        """0 inside; else the shortest geodesic (WGS84) distance to the boundary, km
        (:func:`lantian.measurements.geodesy.to_polygons_km`)."""
        if (lon, lat) not in self.known:
            self.known[(lon, lat)] = to_polygons_km(lon, lat, self.polygons)
        return self.known[(lon, lat)]


@dataclass(frozen=True)
class LedgerEnterprise:
    """An enterprise of the ledger (台账) as the checks read it: where it is and what it does."""
    id: int
    credit_code: str
    name: str
    county: str | None
    industry: str | None
    grade: str | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass
class LedgerView:
    """The part of the ledgers the caller may see (read through the ledgers' service): enterprises,
    their facilities (:class:`lantian.enterprises.rules.FacilityFacts`, ``enterprise_id`` set) and
    the 产业集群 by name."""
    enterprises: list[LedgerEnterprise] = field(default_factory=list)
    facilities: list = field(default_factory=list)
    clusters: list[dict] = field(default_factory=list)

    def by_id(self) -> dict[int, LedgerEnterprise]:
        return {e.id: e for e in self.enterprises}


@dataclass
class Context:
    rows: dict[str, list[Row]]           # by register id, already confined to the caller's scope
    zones: dict[str, Zone]
    settings: RegisterSettings
    on: dt.date
    names: dict[str, str] = field(default_factory=dict)    # county adcode → name
    ledger_source: object = None         # a LedgerView, or a function giving one (called once, when needed)
    attached_source: object = None       # row ids with an evidence file, or a function giving them

    def of(self, register: str) -> list[Row]:
        return self.rows.get(register, [])

    @property
    def ledger(self) -> LedgerView:
        if callable(self.ledger_source):
            self.ledger_source = self.ledger_source()
        return self.ledger_source or LedgerView()

    @property
    def attached(self) -> set[int]:
        if callable(self.attached_source):
            self.attached_source = self.attached_source()
        return set(self.attached_source or ())


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    undecided: str | None = None         # why the check could not decide


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    clause: str
    task: int | None
    registers: tuple[str, ...]           # the first is the register its findings are shown under
    run: Callable[["Check", Context], Outcome]
    section: str | None = None
    severity: str = "violation"
    ledger: bool = False                 # it judges the ledger's facts too: an empty register is no excuse

    def finding(self, ctx: Context, label: str, message: str, *, row: Row | None = None,
                county: str | None = None, severity: str | None = None, register: str | None = None,
                upcoming: bool = False, deadline: dt.date | None = None, days: int | None = None,
                task: int | None = None) -> Finding:
        return Finding(rule=self.id, title=self.title, clause=self.clause, task=task or self.task,
                       section=self.section, severity=severity or self.severity, upcoming=upcoming,
                       register=register or self.registers[0], row_id=row.id if row else None,
                       row_key=row.key if row else None, label=label,
                       county=row.county if row else county, message=message, deadline=deadline, days=days,
                       source="check", synthetic=bool(row and row.synthetic))


CHECKS: dict[str, Check] = {}


def check(id: str, title: str, clause: str, task: int | None, registers: tuple[str, ...], **kw):
    def add(fn):
        CHECKS[id] = Check(id, title, clause, task, registers, fn, **kw)
        return fn
    return add


def _number(value) -> Fraction:
    return Fraction(str(value))


def _position(row: Row) -> tuple[float, float] | None:
    lon, lat = row.values.get("lon"), row.values.get("lat")
    return None if lon is None or lat is None else (float(lon), float(lat))


def _percent(part: int | Fraction, whole: int | Fraction) -> Fraction:
    return Fraction(round_half_even(Fraction(part) / Fraction(whole) * 100, 1))


def _show(value: Fraction) -> str:
    return f"{float(value):g}"


# ----------------------------------------------------------------------------- 任务1
@check("two-high-planning-area", "市区规划区范围内不再新增“两高”项目",
       "任务1：严格“两高”项目准入，市区规划区范围内不再新增“两高”项目。", 1, ("two_high_projects",))
def two_high_planning_area(c: Check, ctx: Context) -> Outcome:
    """A 两高 project planned or under construction (新增) whose location lies in 市区规划区."""
    zone = ctx.zones.get(ctx.settings.planning_area_zone)
    if zone is None:
        return Outcome(undecided=f"未上传市区规划区（区域 {ctx.settings.planning_area_zone}）")
    out = Outcome()
    for row in ctx.of("two_high_projects"):
        v = row.values
        if not v.get("two_high") or v.get("stage") not in ("拟建", "在建"):
            continue
        where = _position(row)
        if where is None:
            out.findings.append(c.finding(ctx, row.label, f"{row.label}（{v['stage']}“两高”项目）未填经纬度，"
                                          "无法判断是否位于市区规划区", row=row, severity="notice"))
        elif zone.contains(*where):
            out.findings.append(c.finding(ctx, row.label, f"{row.label}（{v['sector']}，{v['stage']}）位于"
                                          f"{zone.title}内，属新增“两高”项目", row=row))
    return out


# ----------------------------------------------------------------------------- 任务8
@check("coal-cap", "全市煤炭消费量不超过年度控制目标", "任务8：严格控制煤炭消费总量。", 8,
       ("coal_use", "coal_caps"))
def coal_cap(c: Check, ctx: Context) -> Outcome:
    """Each year's summed coal use (all counties and sectors) against that year's cap, exactly."""
    caps = {int(r.values["year"]): _number(r.values["cap"]) for r in ctx.of("coal_caps")}
    if not caps:
        return Outcome(undecided="未登记煤炭消费总量控制目标")
    totals: dict[int, Fraction] = defaultdict(Fraction)
    for r in ctx.of("coal_use"):
        totals[int(r.values["year"])] += _number(r.values["amount"])
    out = Outcome()
    for year, total in sorted(totals.items()):
        cap = caps.get(year)
        if cap is not None and year <= ctx.on.year and total > cap:
            out.findings.append(c.finding(ctx, f"{year}年全市", f"{year}年全市煤炭消费量{_show(total)}万吨，"
                                          f"超过控制目标{_show(cap)}万吨（超{_show(total - cap)}万吨）"))
    return out


# ----------------------------------------------------------------------------- 任务9、26
@check("heating-lookback", "清洁取暖改造常态化“回头看”",
       "任务26：持续巩固提升冬季清洁取暖改造成效，常态化实施“回头看”排查评估，查遗补漏，优化提升。", 26,
       ("heating_villages", "heating_inspections"))
def heating_lookback(c: Check, ctx: Context) -> Outcome:
    """Every retrofitted village inspected within ``lookback_days`` ⚠ of the check date."""
    latest: dict[str, dt.date] = {}
    for r in ctx.of("heating_inspections"):
        day = r.values["inspected_on"]
        if day <= ctx.on and (r.values["village"] not in latest or day > latest[r.values["village"]]):
            latest[r.values["village"]] = day
    limit = ctx.settings.lookback_days
    out = Outcome()
    for row in ctx.of("heating_villages"):
        if row.values.get("mode") == "未改造":
            continue
        last = latest.get(row.values["code"])
        if last is None or (ctx.on - last).days > limit:
            when = f"最近一次{last}，已{(ctx.on - last).days}天" if last else "从未开展"
            out.findings.append(c.finding(ctx, row.label, f"{row.label}已改造（{row.values['mode']}），"
                                          f"“回头看”{when}（应每{limit}天至少一次）", row=row))
    return out


# ----------------------------------------------------------------------------- 任务12
@check("fleet-new-energy-share", "新增或更换公共领域车辆新能源比例",
       "任务12：新增或更换的公交车、出租车（含网约车）、环卫车辆、邮政快递等市政公共领域车辆全部使用电动汽车等"
       "新能源汽车。", 12, ("public_fleet",))
def fleet_new_energy_share(c: Check, ctx: Context) -> Outcome:
    """Per county, the share of new-energy vehicles among those added or replaced since
    ``fleet_since`` ⚠, against ``fleet_new_energy_percent`` ⚠ (全部 = 100)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in ctx.of("public_fleet"):
        v = r.values
        if v["acquired"] in ("新增", "更换") and ctx.settings.fleet_since <= v["registered_on"] <= ctx.on:
            counts[r.county][0] += v["fuel"] in NEW_ENERGY
            counts[r.county][1] += 1
    out = Outcome()
    need = ctx.settings.fleet_new_energy_percent
    for county, (ne, total) in sorted(counts.items(), key=lambda x: x[0] or ""):
        share = _percent(ne, total)
        if share < need:
            name = ctx.names.get(county or "", county or "全市")
            out.findings.append(c.finding(ctx, name, f"{name}{ctx.settings.fleet_since}以来新增或更换公共领域车辆"
                                          f"{total}辆，新能源{ne}辆，占{_show(share)}%（应达{_show(need)}%）",
                                          county=county))
    return out


@check("nonroad-control-zone", "排放控制区内禁用国三以下、未编码登记、冒黑烟非道路移动机械",
       "任务12：全市非道路移动机械排放控制区不得使用国三以下排放标准及未编码登记、冒黑烟等超标排放非道路移动机械，"
       "涉及民生保障和应急抢险等情形除外。", 12, ("nonroad_machinery",))
def nonroad_control_zone(c: Check, ctx: Context) -> Outcome:
    zone = ctx.zones.get(ctx.settings.nonroad_zone)
    if zone is None:
        return Outcome(undecided=f"未上传非道路移动机械排放控制区（区域 {ctx.settings.nonroad_zone}）")
    out = Outcome()
    for row in ctx.of("nonroad_machinery"):
        v = row.values
        where = _position(row)
        if where is None or v.get("exemption") in EXEMPT or not zone.contains(*where):
            continue
        why = []
        if v["stage"] in BELOW_STAGE_IV:
            why.append(f"排放阶段{v['stage']}")
        if not v.get("registration"):
            why.append("未编码登记")
        if v.get("black_smoke"):
            why.append("冒黑烟")
        if why:
            out.findings.append(c.finding(ctx, row.label, f"{v['machine_type']}（出厂编号{v['serial']}）在"
                                          f"{zone.title}内作业（{v.get('site') or '地点未填'}）：{'、'.join(why)}",
                                          row=row))
    return out


# ----------------------------------------------------------------------------- 任务13
@check("road-mechanised-rate", "道路机械化清扫率",
       "任务13：推进城市建成区道路吸尘式机械化湿式清扫作业……进一步提高市区主城区机械化清扫率。", 13,
       ("road_cleaning",))
def road_mechanised_rate(c: Check, ctx: Context) -> Outcome:
    """Per county, Σ mechanised area / Σ cleaned area, GB/T 8170 to 0.1 %, against
    ``mechanised_rate_percent`` ⚠ (the plan says only 进一步提高)."""
    sums: dict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for r in ctx.of("road_cleaning"):
        sums[r.county][0] += _number(r.values["mechanised_area"])
        sums[r.county][1] += _number(r.values["area"])
    out = Outcome()
    need = ctx.settings.mechanised_rate_percent
    for county, (mech, area) in sorted(sums.items(), key=lambda x: x[0] or ""):
        if not area:
            continue
        rate = _percent(mech, area)
        if rate < need:
            name = ctx.names.get(county or "", county or "全市")
            out.findings.append(c.finding(ctx, name, f"{name}道路机械化清扫率{_show(rate)}%（机械化{_show(mech)}"
                                          f"万平方米／清扫{_show(area)}万平方米），低于{_show(need)}%", county=county))
    return out


def _tracks(ctx: Context) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in ctx.of("muck_tracks"):
        out[r.values["plate"]].append(r)
    for points in out.values():
        points.sort(key=lambda r: r.values["at"])
    return out


@check("muck-key-area-new-energy", "重点区域5km范围内渣土车使用新能源车",
       "任务13：一城四区重点区域5km范围内的渣土运输车使用新能源车。", 13, ("muck_trucks", "muck_tracks"))
def muck_key_area(c: Check, ctx: Context) -> Outcome:
    """A non-new-energy muck truck with a GPS point within ``key_area_km`` ⚠ of 一城四区重点区域."""
    zone = ctx.zones.get(ctx.settings.key_area_zone)
    if zone is None:
        return Outcome(undecided=f"未上传一城四区重点区域（区域 {ctx.settings.key_area_zone}）")
    tracks = _tracks(ctx)
    limit = float(ctx.settings.key_area_km)
    out = Outcome()
    for truck in ctx.of("muck_trucks"):
        if truck.values["fuel"] in NEW_ENERGY:
            continue
        near = [(p, zone.distance_km(p.values["lon"], p.values["lat"])) for p in tracks.get(truck.values["plate"], [])]
        near = [(p, d) for p, d in near if d <= limit]
        if near:
            p, d = near[0]
            out.findings.append(c.finding(ctx, truck.label, f"{truck.values['fuel']}渣土车{truck.values['plate']}"
                                          f"在{zone.title}{_show(ctx.settings.key_area_km)}km范围内行驶{len(near)}次"
                                          f"（首次{p.values['at']}，距离{d:.2f}km），应使用新能源车", row=truck))
    return out


@check("muck-hours", "渣土车按规定时间行驶",
       "任务13：要通过安装GPS定位系统、规定行驶时间和行驶路线的方式进一步加强城市渣土运输车辆管理，开展常态化执法检查，"
       "严查未使用新能源车按规定时间和路线行驶……等违法行为。", 13, ("muck_trucks", "muck_tracks"))
def muck_hours(c: Check, ctx: Context) -> Outcome:
    """GPS points outside ``muck_hours`` ⚠ (default 22:00-06:00)."""
    windows = parse_hours(ctx.settings.muck_hours)
    out = Outcome()
    trucks = {t.values["plate"]: t for t in ctx.of("muck_trucks")}
    for plate, points in sorted(_tracks(ctx).items()):
        late = [p for p in points if not in_hours(_minute(p.values["at"]), windows)]
        if late and plate in trucks:
            out.findings.append(c.finding(ctx, plate, f"渣土车{plate}有{len(late)}个定位点不在规定行驶时间"
                                          f"（{ctx.settings.muck_hours}）内，首个{late[0].values['at']}",
                                          row=trucks[plate]))
    return out


@check("muck-route", "渣土车按规定路线行驶",
       "任务13：要通过安装GPS定位系统、规定行驶时间和行驶路线的方式进一步加强城市渣土运输车辆管理。", 13,
       ("muck_trucks", "muck_tracks"))
def muck_route(c: Check, ctx: Context) -> Outcome:
    """GPS points outside the office's route polygon (``muck_route_zone``)."""
    zone = ctx.zones.get(ctx.settings.muck_route_zone)
    if zone is None:
        return Outcome(undecided=f"未上传渣土车规定路线（区域 {ctx.settings.muck_route_zone}）")
    out = Outcome()
    trucks = {t.values["plate"]: t for t in ctx.of("muck_trucks")}
    for plate, points in sorted(_tracks(ctx).items()):
        off = [p for p in points if not zone.contains(p.values["lon"], p.values["lat"])]
        if off and plate in trucks:
            out.findings.append(c.finding(ctx, plate, f"渣土车{plate}有{len(off)}个定位点偏离{zone.title}，"
                                          f"首个{off[0].values['at']}", row=trucks[plate]))
    return out


def _minute(at: str) -> int:
    hh, mm = at[11:16].split(":")
    return int(hh) * 60 + int(mm)


# ----------------------------------------------------------------------------- 任务17
@check("voc-checklist-complete", "十个关键环节逐一排查",
       "任务17：组织企业针对挥发性有机液体储罐、装卸、敞开液面、泄漏检测与修复（LDAR）、废气收集、废气旁路、治理设施、"
       "加油站、非正常工况、产品挥发性有机物含量等10个关键环节持续开展排查整治。", 17, ("voc_links",))
def voc_checklist_complete(c: Check, ctx: Context) -> Outcome:
    links: dict[str, set[str]] = defaultdict(set)
    first: dict[str, Row] = {}
    for r in ctx.of("voc_links"):
        links[r.values["credit_code"]].add(r.values["link"])
        first.setdefault(r.values["credit_code"], r)
    out = Outcome()
    for code, done in sorted(links.items()):
        missing = [x for x in VOC_LINKS if x not in done]
        if missing:
            row = first[code]
            out.findings.append(c.finding(ctx, row.values["enterprise_name"], f"{row.values['enterprise_name']}"
                                          f"十个关键环节尚有{len(missing)}个未排查：{'、'.join(missing)}", row=row))
    return out


@check("voc-patrol-monthly", "5月—9月每月开展VOCs走航巡查",
       "任务17：每年5月—9月，针对上述重点企业和重点环节，每月开展挥发性有机物走航巡查执法专项行动。", 17,
       ("voc_patrols",))
def voc_patrol_monthly(c: Check, ctx: Context) -> Outcome:
    """Each month of ``voc_patrol_months`` ⚠ of the check date's year that has ended has a patrol."""
    done = {(r.values["patrol_on"].year, r.values["patrol_on"].month) for r in ctx.of("voc_patrols")}
    out = Outcome()
    year = ctx.on.year
    for month in ctx.settings.voc_patrol_months:
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        if last < ctx.on and (year, month) not in done:
            out.findings.append(c.finding(ctx, f"{year}年{month}月", f"{year}年{month}月未开展挥发性有机物走航巡查"))
    return out


# ----------------------------------------------------------------------------- 任务25
@check("truck-route-window", "中重型货车按规定线路和时段通行",
       "任务25：合理优化中重型货车运输通行路线和时间，对穿行城市（县城）规划区的运输通道实施绕行或改线工程建设，"
       "同步优化车辆进出卡口，避开城市（县城）建成区或其他环境敏感区域。", 25, ("truck_passages", "truck_routes"))
def truck_route_window(c: Check, ctx: Context) -> Outcome:
    """A gate or GPS record inside a route's 限行区域 outside its allowed hours (none = never)."""
    routes = ctx.of("truck_routes")
    if not routes:
        return Outcome(undecided="未登记货车通行线路")
    missing = sorted({r.values["restricted_zone"] for r in routes} - set(ctx.zones))
    if missing:
        return Outcome(undecided=f"未上传限行区域：{'、'.join(missing)}")
    out = Outcome()
    for p in ctx.of("truck_passages"):
        v = p.values
        for route in routes:
            rv = route.values
            if rv["vehicles"] != v["vehicle"]:
                continue
            zone = ctx.zones[rv["restricted_zone"]]
            windows = parse_hours(rv["hours"]) if rv.get("hours") else []
            if zone.contains(v["lon"], v["lat"]) and not in_hours(_minute(v["at"]), windows):
                allowed = f"允许时段{rv['hours']}" if rv.get("hours") else "全天禁行"
                out.findings.append(c.finding(ctx, p.label, f"{v['vehicle']}{v['plate']}于{v['at']}"
                                              f"{'经' + v['gate'] if v.get('gate') else ''}进入{zone.title}"
                                              f"（{rv['name']}，{allowed}）", row=p))
                break
    return out


def run_all(ctx: Context, only: set[str] | None = None) -> dict[str, Outcome]:
    """Every check whose registers the caller may see (``only``: the registers in scope)."""
    return {cid: chk.run(chk, ctx) for cid, chk in CHECKS.items()
            if only is None or all(r in only for r in chk.registers)}


# the checks of the plan's industrial and enforcement tasks (2, 4, 5, 7, 10, 18, 23) and its 制度 deliverables
from lantian.registers import enforcement, industry  # noqa: E402,F401  (they register with @check)
