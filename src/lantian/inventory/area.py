"""面源与移动源 — area and mobile sources from the registers (专项台账), each source as its guide
computes it (docs/inventory.md has the formula of each):

- 民用散煤与清洁取暖: the 煤炭消费量台账's 居民生活 coal for a county when given (statistics), else
  households × coal per household (未改造 villages, and the 复烧 households the latest inspection of
  a retrofitted village found); 煤改气 households × gas per household.
- 道路机动车: 保有量 × 年均行驶里程 × EF(车型, 燃料, 排放阶段).
- 非道路移动机械: 额定功率 × 负荷因子 × 年使用小时 × EF(排放阶段).
- 施工扬尘: 施工面积 × 施工月数 × EF × (1 − η by the latest 六个百分之百 inspection).
- 道路扬尘, 裸地扬尘: area × EF × (1 − η) (lantian's area estimate, class D — see the factor).
- 餐饮油烟: 灶头数 × EF × (1 − η of a purifier that runs).
- 溶剂使用: 用量 × VOCs含量 × (1 − 去除效率).
- 畜禽养殖, 氮肥施用: 存栏量 × EF; 施氮量 × EF.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from lantian.inventory.rows import Note, Row, emit
from lantian.inventory.tables import Tables, exact
from lantian.registers import service as registers

VEHICLE_SECTORS = {"小型载客": "3.1.1", "中型载客": "3.1.1", "大型载客": "3.1.1", "轻型载货": "3.1.2",
                   "中型载货": "3.1.2", "重型载货": "3.1.2", "摩托车": "3.1.3"}
ZERO_EXHAUST = ("纯电动", "燃料电池")
SOLVENT_SECTORS = {"工业涂装": "4.1", "包装印刷": "4.2", "建筑涂料": "4.3", "胶粘剂": "4.3", "汽修喷涂": "4.4",
                   "干洗": "4.5", "其他": "4.5"}
SIX = ("fence", "cover", "wash", "harden", "wet", "sealed")         # 六个百分之百 in site_inspections


class Registers:
    """The register rows the inventory reads, through the registers room's service."""

    def __init__(self, s):
        self._s, self._service, self._cache = s, registers, {}

    def rows(self, register_id: str) -> list[dict]:
        if register_id not in self._cache:
            self._cache[register_id] = self._service.county_rows(self._s, register_id)
        return self._cache[register_id]

    def of_year(self, register_id: str, year: int) -> list[dict]:
        return [r for r in self.rows(register_id) if r.get("year") == year]


def _p(tables: Tables, name: str):
    return tables.parameters[name]


def residential(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows, notes = [], []
    coal_stats = defaultdict(Fraction)
    for r in reg.of_year("coal_use", year):
        if r.get("sector") == "居民生活" and r.get("amount") is not None:
            coal_stats[r["county"]] += exact(r["amount"]) * 10000
    coal = tables.factor("residential.散煤")
    sulfur = _p(tables, "sulfur_coal")
    for county, tonnes in sorted(coal_stats.items()):
        rows += emit(tables, coal, tonnes, sector="1.3.1", county=county, source=f"{names.get(county, county)} 居民生活散煤",
                     activity=f"居民生活耗煤 {float(tonnes / 10000):g} 万吨（{year}年，煤炭消费量台账）", activity_class="B",
                     data_source="煤炭消费量台账", profile="heating", sulfur=sulfur.value, sulfur_class=sulfur.klass,
                     attrs={"source": "coal_use", "fuel": "散煤"})
    latest = _latest(reg.rows("heating_inspections"), "village", "inspected_on", year)
    coal_households, gas_households = defaultdict(int), defaultdict(int)
    for v in reg.rows("heating_villages"):
        county, households = v["county"], int(v.get("households") or 0)
        if v.get("mode") == "未改造" or (v.get("retrofit_year") or 0) > year:
            coal_households[county] += households
            continue
        coal_households[county] += int((latest.get(v["code"]) or {}).get("reburning_households") or 0)
        if v.get("mode") == "煤改气":
            gas_households[county] += households
    per = _p(tables, "coal_per_household")
    for county, n in sorted(coal_households.items()):
        if county in coal_stats:
            notes.append(Note("1.3.1", names.get(county, county), "已按煤炭消费量台账居民生活耗煤计，清洁取暖台账户数不重复计"))
            continue
        if n:
            rows += emit(tables, coal, n * per.value, sector="1.3.1", county=county,
                         source=f"{names.get(county, county)} 未改造及复烧农户散煤（{n}户）",
                         activity=f"{n}户 × {float(per.value):g} 吨/户（清洁取暖台账与复烧核查）", activity_class="B",
                         extra_classes=(per.klass,), data_source="清洁取暖台账", profile="heating", sulfur=sulfur.value,
                         sulfur_class=sulfur.klass, attrs={"source": "heating", "fuel": "散煤", "households": n})
    gas, gper = tables.factor("residential.天然气"), _p(tables, "gas_per_household")
    for county, n in sorted(gas_households.items()):
        rows += emit(tables, gas, n * gper.value, sector="1.3.2", county=county,
                     source=f"{names.get(county, county)} 煤改气农户（{n}户）",
                     activity=f"{n}户 × {float(gper.value):g} 万m³/户（清洁取暖台账）", activity_class="B",
                     extra_classes=(gper.klass,), data_source="清洁取暖台账", profile="heating",
                     attrs={"source": "heating", "fuel": "天然气", "households": n})
    if not coal_stats and not reg.rows("heating_villages"):
        notes.append(Note("1.3", "民用燃烧", "无煤炭消费量台账居民生活数据，也无清洁取暖台账"))
    return rows, notes


def _latest(rows: list[dict], parent: str, day: str, year: int) -> dict:
    """The latest child row per parent key up to the end of ``year``."""
    out = {}
    end = dt.date(year, 12, 31)
    for r in rows:
        when = r.get(day)
        if when is None or when > end:
            continue
        if r[parent] not in out or out[r[parent]][day] < when:
            out[r[parent]] = r
    return out


def vehicles(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows, notes = [], []
    found = reg.of_year("vehicle_population", year)
    if not found:
        return [], [Note("3.1", "道路移动源", f"机动车保有量台账无{year}年数据")]
    vkt, unknown = _p(tables, "vkt"), _p(tables, "unknown_stage")
    for r in found:
        vtype, fuel, stage = r["vehicle_type"], r["fuel"], r["stage"]
        count = int(r["count"])
        if fuel in ZERO_EXHAUST:
            continue
        key = f"vehicle.{vtype}.{fuel}"
        if fuel == "插电式混合动力":
            key, stage = f"vehicle.{vtype}.汽油", "国六"
        factor = tables.factor(key)
        if factor is None:
            notes.append(Note(VEHICLE_SECTORS[vtype], f"{names.get(r['county'])} {vtype}{fuel}", f"无排放因子 {key}"))
            continue
        classes = []
        if stage == "未知":
            stage = unknown.value
            classes.append(unknown.klass)
        km = r.get("km")
        if km is None:
            km = vkt.value[vtype]
            classes.append(vkt.klass)
        else:
            km = exact(km)
        amount = count * km
        rows += emit(tables, factor, amount, sector=VEHICLE_SECTORS[vtype], county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} {vtype}（{r['fuel']}，{r['stage']}）",
                     activity=f"{count}辆 × {float(km):g} 公里（{year}年，机动车保有量台账）", activity_class="B",
                     extra_classes=tuple(classes), data_source="机动车保有量台账", stage=tables.stages.index(stage),
                     method="排放因子法：保有量 × 年均行驶里程 × 排放因子",
                     attrs={"source": "vehicles", "vehicle_type": vtype, "fuel": r["fuel"], "stage": r["stage"],
                            "count": count})
    return rows, notes


def nonroad(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows = []
    machines = reg.rows("nonroad_machinery")
    if not machines:
        return [], [Note("3.2", "非道路移动源", "非道路移动机械台账无数据")]
    factor = tables.factor("nonroad.柴油")
    power_p, hours_p, load_p = _p(tables, "nonroad_power"), _p(tables, "nonroad_hours"), _p(tables, "nonroad_load")
    for m in machines:
        classes = [load_p.klass]
        stage = m.get("stage")
        if stage not in tables.nonroad_stages:
            stage = "国二"
            classes.append("D")
        power = m.get("power")
        if power is None:
            power = power_p.value.get(m.get("machine_type"), power_p.value["其他"])
            classes.append(power_p.klass)
        hours = m.get("hours")
        if hours is None:
            hours = hours_p.value
            classes.append(hours_p.klass)
        kwh = exact(power) * load_p.value * exact(hours)
        rows += emit(tables, factor, kwh, sector="3.2", county=m["county"],
                     source=f"{names.get(m['county'], m['county'])} {m.get('machine_type')}（{m.get('serial')}，{m.get('stage')}）",
                     activity=f"{float(exact(power)):g} kW × {float(load_p.value):g} × {float(exact(hours)):g} h（非道路移动机械台账）",
                     activity_class="B", extra_classes=tuple(classes), data_source="非道路移动机械台账",
                     stage=tables.nonroad_stages.index(stage),
                     method="排放因子法：额定功率 × 负荷因子 × 年使用小时 × 排放因子",
                     attrs={"source": "nonroad", "machine_type": m.get("machine_type"), "stage": m.get("stage")})
    return rows, []


def construction(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows, notes = [], []
    factor = tables.factor("dust.施工")
    months_p, control_p = _p(tables, "construction_months"), _p(tables, "construction_control")
    latest = _latest(reg.rows("site_inspections"), "site", "inspected_on", year)
    for site in reg.rows("construction_sites"):
        who = f"{names.get(site['county'], site['county'])} {site.get('name')}（{site.get('code')}）"
        if site.get("area") is None:
            notes.append(Note("6.1", who, "施工面积未填"))
            continue
        classes = []
        months = site.get("work_months")
        if months is None:
            months = months_p.value if site.get("status") == "在建" else 0
            classes.append(months_p.klass)
        if not months:
            continue
        check = latest.get(site["code"])
        done = [bool(check.get(k)) for k in SIX] if check else []
        state = "未检查" if not check else ("全部落实" if all(done) else "部分落实" if any(done) else "未检查")
        eta = control_p.value[state]
        rows += emit(tables, factor, exact(site["area"]) * months, sector="6.1", county=site["county"], source=who,
                     activity=f"{float(exact(site['area'])):g} 万m² × {int(months)} 月（建筑工地台账）", activity_class="B",
                     extra_classes=tuple(classes), data_source="建筑工地台账", profile="construction",
                     removals={p: (eta, f"六个百分之百{state}", control_p.klass) for p in ("PM10", "PM2.5")},
                     method="排放因子法：施工面积 × 施工月数 × 排放系数",
                     attrs={"source": "construction", "status": site.get("status"), "control": state})
    return rows, notes


def roads(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows = []
    factor, eta = tables.factor("dust.道路"), _p(tables, "road_cleaning_control")
    by_county = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for r in reg.rows("road_cleaning"):
        by_county[r["county"]][0] += exact(r.get("area") or 0)
        by_county[r["county"]][1] += exact(r.get("mechanised_area") or 0)
    for county, (area, mech) in sorted(by_county.items()):
        effective = area - min(mech, area) * eta.value
        rows += emit(tables, factor, effective, sector="6.2", county=county, source=f"{names.get(county, county)} 城市道路",
                     activity=f"清扫保洁面积 {float(area):g} 万m²，其中机械化 {float(mech):g} 万m²（控制效率 {float(eta.value):g}，道路机械化清扫台账）",
                     activity_class="B", extra_classes=(eta.klass,), data_source="道路机械化清扫台账",
                     method="面积强度估算：（面积 − 机械化面积 × 控制效率）× 排放强度", attrs={"source": "roads"})
    return rows, ([] if by_county else [Note("6.2", "道路扬尘", "道路机械化清扫台账无数据")])


def bare_land(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows = []
    factor, control = tables.factor("dust.裸地"), _p(tables, "bare_land_control")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for r in reg.rows("bare_land"):
        found, fixed = r.get("found_on"), r.get("remediated_on")
        if r.get("area") is None or (found and found > end) or (fixed and fixed < start and r.get("measure") in ("绿化", "硬化")):
            continue
        measure = r.get("measure") or "未整治"
        eta = control.value.get(measure, Fraction(0))
        rows += emit(tables, factor, exact(r["area"]) / 10000, sector="6.3", county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} 裸地 {r.get('location')}（{r.get('code')}）",
                     activity=f"{float(exact(r['area'])):g} m²（裸地排查整治台账）", activity_class="B",
                     data_source="裸地排查整治台账", removals={p: (eta, f"整治措施{measure}", control.klass)
                                                           for p in ("PM10", "PM2.5")},
                     method="面积强度估算：裸地面积 × 排放强度", attrs={"source": "bare_land", "measure": measure})
    return rows, []


def catering(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows = []
    factor, stoves_p, removal = tables.factor("catering"), _p(tables, "stoves_per_unit"), _p(tables, "purifier_removal")
    for r in reg.rows("catering"):
        classes = []
        stoves = r.get("stoves")
        if stoves is None:
            stoves = stoves_p.value
            classes.append(stoves_p.klass)
        running = bool(r.get("purifier")) and r.get("purifier_running") is True
        removals = {p: (eta, "油烟净化设施稳定运行", removal.klass) for p, eta in removal.value.items()} if running else {}
        rows += emit(tables, factor, exact(stoves), sector="10.1", county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} {r.get('name')}（{r.get('code')}）",
                     activity=f"{int(stoves)} 个灶头（餐饮油烟台账）" + ("" if running else "；净化设施未安装或未稳定运行"),
                     activity_class="B", extra_classes=tuple(classes), data_source="餐饮油烟台账", removals=removals,
                     method="排放因子法：灶头数 × 排放因子", attrs={"source": "catering", "purifier_running": running})
    return rows, []


def solvents(reg: Registers, year: int, tables: Tables, names: dict, enterprises: dict[str, int]) -> tuple[list[Row], list[Note]]:
    rows = []
    factor, content_p = tables.factor("solvent"), _p(tables, "solvent_voc_content")
    found = reg.of_year("solvent_use", year)
    for r in found:
        classes = []
        content = r.get("voc_content")
        if content is None:
            content = content_p.value[r["category"]]
            classes.append(content_p.klass)
        voc = exact(r["amount"]) * exact(content) / 100
        removal = exact(r.get("removal") or 0) / 100
        rows += emit(tables, factor, voc, sector=SOLVENT_SECTORS[r["category"]], county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} {r.get('user')}（{r['category']}）",
                     activity=f"用量 {float(exact(r['amount'])):g} 吨 × VOCs含量 {float(exact(content)):g}%（{year}年，溶剂使用台账）",
                     activity_class="B", extra_classes=tuple(classes), data_source="溶剂使用台账",
                     removals={"VOCs": (removal, "收集与治理", "B")} if removal else {},
                     method="物料衡算：用量 × VOCs含量", enterprise_id=enterprises.get(r.get("credit_code") or ""),
                     attrs={"source": "solvent", "category": r["category"], "credit_code": r.get("credit_code")})
    return rows, ([] if found else [Note("4", "溶剂使用源", f"溶剂使用台账无{year}年数据")])


def agriculture(reg: Registers, year: int, tables: Tables, names: dict) -> tuple[list[Row], list[Note]]:
    rows, notes = [], []
    animals = reg.of_year("livestock", year)
    for r in animals:
        factor = tables.factor(f"livestock.{r['animal']}")
        rows += emit(tables, factor, exact(r["head"]), sector="5.1", county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} {r['animal']}",
                     activity=f"存栏 {r['head']} 头（只）（{year}年，畜禽养殖台账）", activity_class="B",
                     data_source="畜禽养殖台账", method="排放因子法：存栏量 × 排放因子",
                     attrs={"source": "livestock", "animal": r["animal"]})
    fertilisers = reg.of_year("fertilizer", year)
    for r in fertilisers:
        factor = tables.factor(f"fertilizer.{r['fertilizer']}")
        rows += emit(tables, factor, exact(r["nitrogen"]), sector="5.2", county=r["county"],
                     source=f"{names.get(r['county'], r['county'])} {r['fertilizer']}",
                     activity=f"施用 {float(exact(r['nitrogen'])):g} 吨（折纯氮，{year}年，氮肥施用台账）", activity_class="B",
                     data_source="氮肥施用台账", profile="fertilizer", method="排放因子法：施氮量 × 排放因子",
                     attrs={"source": "fertilizer", "fertilizer": r["fertilizer"]})
    if not animals:
        notes.append(Note("5.1", "畜禽养殖", f"畜禽养殖台账无{year}年数据"))
    if not fertilisers:
        notes.append(Note("5.2", "氮肥施用", f"氮肥施用台账无{year}年数据"))
    return rows, notes
