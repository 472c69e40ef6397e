"""Named checks of the plan's industrial tasks that read the enterprise ledgers (台账) beside the
registers: positions against the office's polygons (建成区, 市区规划区 and its 20 km), the nine
enterprises task 5 names, the 产业集群 and their 一群一策 plans, the high-polluting-fuel kilns and,
for activated carbon, the history of replacements against each year's deadline.

Each check cites its clause; every number the plan does not give is a ⚠ setting
(:mod:`lantian.registers.settings`). Without its polygon a check is undecided, never a silent pass.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from lantian.enterprises.rules import show_value as _d
from lantian.registers.checks import Check, Context, LedgerEnterprise, Outcome, Zone, check
from lantian.registers.rules import Row
from lantian.registers.kinds import registers

#: 计划印发日: the ledger rules of tasks 5 and 10 count a furnace commissioned from this day as 新建
PLAN_ISSUED = dt.date(2023, 6, 7)
DONE = ("已完成", "已验收")


def _km(value: float) -> str:
    return f"{value:.2f}"


def _position(values: dict, enterprise: LedgerEnterprise | None = None) -> tuple[float, float] | None:
    lon, lat = values.get("lon"), values.get("lat")
    if lon is not None and lat is not None:
        return float(lon), float(lat)
    if enterprise is not None and enterprise.lon is not None and enterprise.lat is not None:
        return enterprise.lon, enterprise.lat
    return None


def within(zone: Zone, enterprises: list[LedgerEnterprise], km) -> tuple[list[tuple[LedgerEnterprise, float]],
                                                                           list[LedgerEnterprise]]:
    """The enterprises inside ``zone`` or within ``km`` of it (geodesic), nearest first, with their
    distance (0 inside); and those whose location the ledger does not give."""
    covered, unknown = [], []
    for e in enterprises:
        if e.lon is None or e.lat is None:
            unknown.append(e)
            continue
        d = zone.distance_km(e.lon, e.lat)
        if d <= float(km):
            covered.append((e, d))
    covered.sort(key=lambda x: (x[1], x[0].name))
    return covered, unknown


def _where(zone: Zone, d: float) -> str:
    return f"位于{zone.title}内" if d == 0 else f"距{zone.title}{_km(d)}公里"


def _codes(ctx: Context) -> dict[int, str]:
    return {e.id: e.credit_code for e in ctx.ledger.enterprises}


def _left(on: dt.date, due: dt.date) -> tuple[str, int]:
    if on <= due:
        return f"期限{_d(due)}，还有{(due - on).days}天", (due - on).days
    return f"已过期限{_d(due)}{(on - due).days}天", (on - due).days


# ----------------------------------------------------------------------------- 任务2 退城搬迁
CLAUSE_2 = ("任务2：持续推进市区及县城建成区内及周边钢铁、焦化、水泥、化工等重污染企业搬迁改造或关停退出……对市区规划区"
            "内的重污染企业，实施更为严格的差异化错峰生产、重污染天气应急减排措施。")


@check("relocation-built-up", "建成区内及周边重污染企业明确搬迁改造或关停退出", CLAUSE_2, 2, ("relocation",))
def relocation_built_up(c: Check, ctx: Context) -> Outcome:
    """A registered enterprise inside a built-up area (建成区) or within ``built_up_near_km`` ⚠ of one
    (周边) must have a decision; the planning-area ones are named (their stricter measures are applied
    by the emergency room)."""
    zone = ctx.zones.get(ctx.settings.built_up_zone)
    if zone is None:
        return Outcome(undecided=f"未上传建成区（区域 {ctx.settings.built_up_zone}）")
    planning = ctx.zones.get(ctx.settings.planning_area_zone)
    by_code = {e.credit_code: e for e in ctx.ledger.enterprises}
    near = float(ctx.settings.built_up_near_km)
    out = Outcome()
    for row in ctx.of("relocation"):
        v = row.values
        where = _position(v, by_code.get(v.get("credit_code")))
        if where is None:
            out.findings.append(c.finding(ctx, row.label, f"{row.label}未填经纬度（台账也无），无法判断是否位于建成区"
                                          "内及周边", row=row, severity="notice"))
            continue
        d = zone.distance_km(*where)
        if d > near or v.get("decision") not in (None, "未决策"):
            continue
        strict = "；位于市区规划区内，错峰生产和应急减排从严执行" if planning and planning.contains(*where) else ""
        out.findings.append(c.finding(ctx, row.label, f"{row.label}（{v['industry']}）{_where(zone, d)}（周边按"
                                      f"{_show(ctx.settings.built_up_near_km)}公里），未明确搬迁改造或关停退出{strict}",
                                      row=row))
    return out


@check("relocation-listed", "建成区内及周边重污染企业列入退城搬迁台账", CLAUSE_2, 2, ("relocation",), ledger=True)
def relocation_listed(c: Check, ctx: Context) -> Outcome:
    """Every ledger enterprise of ``relocation_industries`` ⚠ inside or near a built-up area is in the register."""
    zone = ctx.zones.get(ctx.settings.built_up_zone)
    if zone is None:
        return Outcome(undecided=f"未上传建成区（区域 {ctx.settings.built_up_zone}）")
    listed = {r.values.get("credit_code") for r in ctx.of("relocation")}
    heavy = [e for e in ctx.ledger.enterprises if e.industry in ctx.settings.relocation_industries]
    covered, _ = within(zone, heavy, ctx.settings.built_up_near_km)
    out = Outcome()
    for e, d in covered:
        if e.credit_code not in listed:
            out.findings.append(c.finding(ctx, e.name, f"{e.name}（{e.industry}）{_where(zone, d)}，未列入退城搬迁台账",
                                          county=e.county))
    return out


def _show(value) -> str:
    return f"{float(value):g}"


# ----------------------------------------------------------------------------- 任务4 深度治理
CLAUSE_4 = ("任务4：推进主城区规划区内及周边20km范围内的钢铁、焦化、火电企业率先实施深度治理，鼓励其他区域范围内的钢铁、"
            "焦化、火电企业同步实施改造。")


def deep_treatment_cover(ctx: Context) -> tuple[Zone | None, list[tuple[LedgerEnterprise, float]], list[LedgerEnterprise]]:
    """The steel, coking and power enterprises (``deep_treatment_industries`` ⚠) of the ledger inside
    市区规划区 or within ``deep_treatment_km`` ⚠ of it (geodesic), and those without a location."""
    zone = ctx.zones.get(ctx.settings.planning_area_zone)
    if zone is None:
        return None, [], []
    concerned = [e for e in ctx.ledger.enterprises if e.industry in ctx.settings.deep_treatment_industries]
    covered, unknown = within(zone, concerned, ctx.settings.deep_treatment_km)
    return zone, covered, unknown


@check("deep-treatment-20km", "主城区规划区内及周边20km钢铁、焦化、火电企业率先完成深度治理", CLAUSE_4, 4,
       ("deep_treatment",), ledger=True)
def deep_treatment_20km(c: Check, ctx: Context) -> Outcome:
    """Each in-use facility (``deep_treatment_kinds`` ⚠) of an enterprise in the 20 km zone has a
    deep-treatment record, done (已完成/已验收) by ``deep_treatment_due`` ⚠; before it, not done is upcoming."""
    zone, covered, unknown = deep_treatment_cover(ctx)
    if zone is None:
        return Outcome(undecided=f"未上传市区规划区（区域 {ctx.settings.planning_area_zone}）")
    km, due = _show(ctx.settings.deep_treatment_km), ctx.settings.deep_treatment_due
    rows = {(r.values.get("credit_code"), r.values.get("facility_code")): r for r in ctx.of("deep_treatment")}
    facilities = defaultdict(list)
    for f in ctx.ledger.facilities:
        if f.kind in ctx.settings.deep_treatment_kinds and f.status == "在用":
            facilities[f.enterprise_id].append(f)
    out = Outcome()
    for e in unknown:
        out.findings.append(c.finding(ctx, e.name, f"{e.name}（{e.industry}）台账无经纬度，无法判断是否在{km}公里范围内",
                                      county=e.county, severity="notice"))
    for e, d in covered:
        if not facilities[e.id]:
            out.findings.append(c.finding(ctx, e.name, f"{e.name}（{e.industry}，{_where(zone, d)}）台账中无在用的深度治理"
                                          "对象设施，请核对台账", county=e.county, severity="notice"))
        for f in facilities[e.id]:
            label = f"{e.name}{f.name}（{f.code}）"
            row = rows.get((e.credit_code, f.code))
            if row is None:
                out.findings.append(c.finding(ctx, label, f"{label}{_where(zone, d)}（{km}公里范围内），未列入深度治理台账",
                                              county=e.county))
                continue
            state = row.values.get("state")
            if state in DONE:
                continue
            text, days = _left(ctx.on, due)
            late = ctx.on > due
            if late or days <= ctx.settings.horizon_days:
                out.findings.append(c.finding(ctx, label, f"{label}{_where(zone, d)}，深度治理{state}（{text}）", row=row,
                                              upcoming=not late, deadline=due, days=days))
    return out


# ----------------------------------------------------------------------------- 任务5 超低排放
CLAUSE_5 = ("任务5：按照省定时限，完成沁县华安焦化、沁源县沁新焦化和明源焦化3家焦化企业和潞州区红旗水泥和科保水泥、上党区"
            "陶清河水泥和三元王庄华泰、壶关县红旗水泥、屯留区瑞昌水泥6家水泥粉磨站超低排放改造工程建设。已完成超低排放改造"
            "的企业要加快实施监测评估。")


def named_enterprises() -> tuple[str, ...]:
    """The nine enterprises task 5 names, as the register's 计划点名企业 lists them."""
    return registers()["ultra_low"].field("plan_name").choices


@check("ultra-low-named-nine", "计划点名的3家焦化企业和6家水泥粉磨站完成超低排放改造及监测评估", CLAUSE_5, 5,
       ("ultra_low",))
def ultra_low_named_nine(c: Check, ctx: Context) -> Outcome:
    """Each named enterprise: registered, construction complete (已完工) and 监测评估 done (已完成). Red
    while one is not, whatever the date; the province's deadline (``ultra_low_due`` ⚠) is shown."""
    rows = defaultdict(list)
    for r in ctx.of("ultra_low"):
        if r.values.get("plan_name"):
            rows[r.values["plan_name"]].append(r)
    due = ctx.settings.ultra_low_due
    text, days = _left(ctx.on, due)
    out = Outcome()
    for name in named_enterprises():
        found = rows.get(name)
        if not found:
            out.findings.append(c.finding(ctx, name, f"{name}：未登记超低排放改造情况（省定{text}）", deadline=due, days=days))
            continue
        for row in found:
            v = row.values
            missing = ([f"改造工程{v.get('construction')}"] if v.get("construction") != "已完工" else []) + \
                      ([{"未开展": "监测评估未开展"}.get(v.get("assessment"), f"监测评估未完成（{v.get('assessment')}）")]
                       if v.get("assessment") != "已完成" else [])
            if missing:
                out.findings.append(c.finding(ctx, row.label, f"{name}（{row.label}）：{'，'.join(missing)}（省定{text}）",
                                              row=row, deadline=due, days=days))
    return out


# ----------------------------------------------------------------------------- 任务7 产业集群
CLAUSE_7 = ("任务7：深入开展……特色产业集群排查整治，对排查出的涉气产业集群实施分类治理，明确产业发展定位，“一群一策”制定"
            "整治提升方案，按照“疏堵结合、分类施治”的原则，淘汰关停一批、搬迁入园一批、就地改造一批、做优做强一批。")


def cluster_gaps(row: Row, attached: set[int]) -> list[str]:
    """What a cluster still lacks: 排查, 分类, the 一群一策 plan (named and its file attached)."""
    v = row.values
    gaps = []
    if v.get("investigated_on") is None:
        gaps.append("未开展排查")
    if v.get("gas_related") is False:
        return gaps                                   # 非涉气集群：不要求分类治理
    if not v.get("classification"):
        gaps.append("未分类治理（淘汰关停/搬迁入园/就地改造/做优做强）")
    if not v.get("plan_document"):
        gaps.append("未制定“一群一策”整治提升方案")
    elif row.id not in attached:
        gaps.append(f"“一群一策”方案（{v['plan_document']}）未上传文件")
    return gaps


@check("cluster-one-policy", "产业集群排查、分类治理和“一群一策”方案", CLAUSE_7, 7, ("clusters",), ledger=True)
def cluster_one_policy(c: Check, ctx: Context) -> Outcome:
    """Every cluster in the register is investigated, classified and has its plan document attached;
    every cluster of the ledger has a record here."""
    out = Outcome()
    names = set()
    attached = ctx.attached
    for row in ctx.of("clusters"):
        names.add(row.values.get("name"))
        gaps = cluster_gaps(row, attached)
        if gaps:
            v = row.values
            progress = (f"；进展{v['done_enterprises']}/{v['target_enterprises']}家"
                        if v.get("target_enterprises") is not None and v.get("done_enterprises") is not None else "")
            out.findings.append(c.finding(ctx, row.label, f"{row.label}（{v['kind']}）：{'；'.join(gaps)}{progress}", row=row))
    for cl in ctx.ledger.clusters:
        if cl["name"] not in names:
            out.findings.append(c.finding(ctx, cl["name"], f"{cl['name']}（企业台账产业集群，{cl['industry']}，"
                                          f"{cl['strategy']}）未建立排查整治档案", county=cl.get("county_code")))
    return out


# ----------------------------------------------------------------------------- 任务10 清洁能源替代
CLAUSE_10 = ("任务10：现有使用高污染燃料的工业炉窑要积极推进改用工业余热、电能、天然气等。使用煤气发生炉的企业采用清洁能源"
             "替代，或者采取园区（集群）集中供气、分散使用的方式。")


def _switch_concerned(ctx: Context, f) -> str | None:
    """Why a ledger facility needs a switch (None: it does not): an existing kiln on a high-polluting
    fuel (``high_polluting_fuels`` ⚠), or a gas producer not yet replaced."""
    if f.status != "在用":
        return None
    if f.kind == "kiln":
        fuel, built = f.attrs.get("fuel"), f.attrs.get("commissioned")
        if fuel in ctx.settings.high_polluting_fuels and (built is None or built < PLAN_ISSUED):
            return f"{f.attrs.get('kiln_type') or '工业炉窑'}使用{fuel}"
    if f.kind == "gas_producer" and f.attrs.get("clean_energy_replaced") is not True:
        return "煤气发生炉未清洁能源替代"
    return None


@check("kiln-switch-tracked", "在用高污染燃料炉窑和煤气发生炉列入清洁能源替代台账", CLAUSE_10, 10, ("kiln_switch",),
       ledger=True)
def kiln_switch_tracked(c: Check, ctx: Context) -> Outcome:
    out = Outcome()
    codes = _codes(ctx)
    by_id = ctx.ledger.by_id()
    rows = {(r.values.get("credit_code"), r.values.get("facility_code")): r for r in ctx.of("kiln_switch")}
    for f in ctx.ledger.facilities:
        why = _switch_concerned(ctx, f)
        if why is None:
            continue
        label = f"{f.enterprise}{f.name}（{f.code}）"
        row = rows.get((codes.get(f.enterprise_id), f.code))
        county = by_id[f.enterprise_id].county if f.enterprise_id in by_id else f.county
        if row is None:
            out.findings.append(c.finding(ctx, label, f"{label}{why}，未列入炉窑清洁能源替代台账", county=county))
        elif row.values.get("state") == "已完成":
            out.findings.append(c.finding(ctx, label, f"{label}替代已完成（{row.values['target']}），企业台账仍为"
                                          f"“{why}”，请更新企业台账", row=row, severity="notice"))
    return out


# ----------------------------------------------------------------------------- 任务18 活性炭、光氧、等离子
CLAUSE_18_CARBON = "任务18：使用活性炭吸附工艺的企业，要足额充填符合要求的活性炭，在每年5月底前完成一轮活性炭更换"
CLAUSE_18_UV = ("任务18：使用等离子、光氧催化工艺的企业，要进一步加强设施维护，及时更换并补充光氧灯管、及时清理催化板油污和"
                "电场积污、及时更换过滤棉，制定运行维护台账，常态化开展自查排查")
CLAUSE_18_WASTE = "任务18：废活性炭要按规范及时转移处置……更换的废旧灯管要按照规范要求及时转移处置。"
# the one-year limit is the law's (《中华人民共和国固体废物污染环境防治法》第八十一条：贮存危险废物不得超过一年), not the plan's words


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:                                  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def yearly_deadlines(on: dt.date, month: int, day: int) -> tuple[dt.date, dt.date]:
    """The latest deadline strictly before ``on`` and the next one on or after it (as the ledger rules'
    ``every_year``)."""
    this_year = dt.date(on.year, month, day)
    if this_year < on:
        return this_year, dt.date(on.year + 1, month, day)
    return dt.date(on.year - 1, month, day), this_year


def round_done(dates, deadline: dt.date) -> bool:
    """One round for the year of ``deadline``: a replacement in [deadline − 1 year, deadline]. A
    replacement after the deadline counts for nothing that year (it may count for the next)."""
    start = _shift_year(deadline, -1)
    return any(start <= d <= deadline for d in dates)


def _carbon_units(ctx: Context):
    return [f for f in ctx.ledger.facilities if f.kind == "voc_treatment" and f.status == "在用"
            and "活性炭" in str(f.attrs.get("process") or "")]


@check("activated-carbon-yearly-round", "活性炭每年5月底前完成一轮更换", CLAUSE_18_CARBON, 18, ("carbon_replacements",),
       ledger=True)
def activated_carbon_yearly_round(c: Check, ctx: Context) -> Outcome:
    """Each in-use activated-carbon unit of the ledger: its replacements (this register's rows and the
    ledger's 最近更换日期) hold one in the year up to the last deadline (``carbon_deadline`` ⚠, 05-31);
    the next deadline within the horizon without one is upcoming."""
    dates: dict[tuple, set[dt.date]] = defaultdict(set)
    for r in ctx.of("carbon_replacements"):
        if r.values["replaced_on"] <= ctx.on:
            dates[(r.values["credit_code"], r.values["facility_code"])].add(r.values["replaced_on"])
    codes = _codes(ctx)
    by_id = ctx.ledger.by_id()
    passed, coming = yearly_deadlines(ctx.on, *ctx.settings.carbon_deadline)
    out = Outcome()
    for f in _carbon_units(ctx):
        known = set(dates.get((codes.get(f.enterprise_id), f.code), ()))
        if isinstance(f.attrs.get("carbon_replaced_on"), dt.date) and f.attrs["carbon_replaced_on"] <= ctx.on:
            known.add(f.attrs["carbon_replaced_on"])
        label = f"{f.enterprise}{f.name}（{f.code}）"
        county = by_id[f.enterprise_id].county if f.enterprise_id in by_id else f.county
        latest = max(known) if known else None
        if not round_done(known, passed):
            late = sorted(d for d in known if d > passed)
            why = (f"；{_d(late[0])}的更换在期限后，不计入{passed.year}年度" if late else "")
            out.findings.append(c.finding(
                ctx, label, f"{label}未在{_d(passed)}前完成{passed.year}年度活性炭更换（最近更换：{_d(latest) if latest else '无记录'}{why}）",
                county=county, deadline=passed, days=(ctx.on - passed).days))
        elif not round_done(known, coming) and (coming - ctx.on).days <= ctx.settings.horizon_days:
            out.findings.append(c.finding(
                ctx, label, f"{label}须于{_d(coming)}前完成{coming.year}年度活性炭更换（最近更换：{_d(latest)}），还有"
                f"{(coming - ctx.on).days}天", county=county, upcoming=True, deadline=coming,
                days=(coming - ctx.on).days))
    return out


#: 维护事项 each process needs, by group (the register's 维护事项 values that satisfy it)
MAINTENANCE = {
    "光氧灯管": ("更换光氧灯管", "补充光氧灯管"),
    "催化板": ("清理催化板油污",),
    "电场": ("清理电场积污",),
    "过滤棉": ("更换过滤棉",),
    "自查": ("自查",),
}
NEEDS = {"光氧化": ("光氧灯管", "过滤棉", "自查"), "UV光解": ("光氧灯管", "过滤棉", "自查"),
         "光催化": ("光氧灯管", "催化板", "过滤棉", "自查"), "低温等离子": ("电场", "过滤棉", "自查")}


@check("uv-plasma-maintenance", "光氧、等离子设施及时维护并常态化自查", CLAUSE_18_UV, 18, ("voc_maintenance",), ledger=True)
def uv_plasma_maintenance(c: Check, ctx: Context) -> Outcome:
    """Each in-use 光氧化/UV光解/光催化/低温等离子 unit of the ledger: every maintenance its process needs
    recorded within ``maintenance_days`` ⚠ of the check date (the plan says 及时 and 常态化)."""
    last: dict[tuple, dt.date] = {}
    for r in ctx.of("voc_maintenance"):
        v = r.values
        if v["done_on"] > ctx.on:
            continue
        for group, items in MAINTENANCE.items():
            key = (v["credit_code"], v["facility_code"], group)
            if v["item"] in items and (key not in last or v["done_on"] > last[key]):
                last[key] = v["done_on"]
    codes = _codes(ctx)
    by_id = ctx.ledger.by_id()
    limit = ctx.settings.maintenance_days
    out = Outcome()
    for f in ctx.ledger.facilities:
        process = f.attrs.get("process")
        if f.kind != "voc_treatment" or f.status != "在用" or process not in NEEDS:
            continue
        stale = []
        for group in NEEDS[process]:
            done = last.get((codes.get(f.enterprise_id), f.code, group))
            if done is None:
                stale.append(f"{group}无记录")
            elif (ctx.on - done).days > limit:
                stale.append(f"{group}最近{_d(done)}（已{(ctx.on - done).days}天）")
        if stale:
            label = f"{f.enterprise}{f.name}（{f.code}）"
            county = by_id[f.enterprise_id].county if f.enterprise_id in by_id else f.county
            out.findings.append(c.finding(ctx, label, f"{label}（{process}）运行维护不及时：{'；'.join(stale)}（应每{limit}天内）",
                                          county=county))
    return out


@check("voc-waste-transfer", "废活性炭、废灯管及时转移处置", CLAUSE_18_WASTE, 18, ("carbon_replacements", "voc_maintenance"))
def voc_waste_transfer(c: Check, ctx: Context) -> Outcome:
    """A replacement (活性炭, 光氧灯管) not transferred within ``waste_transfer_days`` ⚠ (365: 危险废物贮存
    不得超过一年) of the replacement."""
    limit = ctx.settings.waste_transfer_days
    out = Outcome()
    waste = [(r, r.values["replaced_on"], "废活性炭") for r in ctx.of("carbon_replacements")
             if r.values.get("waste_amount") != 0]
    waste += [(r, r.values["done_on"], "废灯管") for r in ctx.of("voc_maintenance") if r.values["item"] == "更换光氧灯管"]
    for row, day, what in waste:
        if row.values.get("transferred_on") is None and (ctx.on - day).days > limit:
            v = row.values
            out.findings.append(c.finding(ctx, row.label, f"{v['enterprise_name']}{v['facility_code']}于{_d(day)}更换产生的{what}"
                                          f"已{(ctx.on - day).days}天未转移处置（应在{limit}天内）", row=row,
                                          register=row.register))
    return out
