"""点源 — point sources from the enterprise ledgers: each facility's activity (fuel, production) ×
the factor of its process or fuel × (1 − η of its control technologies), and, where the facility
(or the outlet that serves it) has CEMS series in the measurement store, the measured emissions
in place of the calculated ones for the months the series cover (手册: 实测法优先于排放因子法).
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from lantian.inventory.cems import MeasuredMonths
from lantian.inventory.rows import Note, Row, emit
from lantian.inventory.tables import Tables, exact, worst

#: facility kind → (sector, process factor key, activity label)
PROCESS = {"coke_oven": ("2.2", "process.coke_oven"), "sinter": ("2.1", "process.sinter"),
           "pellet_shaft": ("2.1", "process.pellet_shaft"), "blast_furnace": ("2.1", "process.blast_furnace"),
           "converter": ("2.1", "process.converter"), "electric_furnace": ("2.4", "process.electric_furnace")}
KILN_SECTORS = {"水泥窑": "2.3.1", "砖瓦窑": "2.3.2", "石灰窑": "2.3.3", "耐火材料窑": "2.3.4"}
POWER_INDUSTRIES = ("火电", "供热")
NO_EMISSION = ("voc_treatment", "outlet")
CONTROL_FIELDS = {"desulfurization": "脱硫", "denitration": "脱硝", "dedusting": "除尘"}
GAS_FUELS = ("天然气", "煤气")
SULFUR_FUELS = {"燃煤": "sulfur_coal", "燃油": "sulfur_oil"}


def _n(x) -> str:
    """A ledger number as people write it (300000, not 300000.0)."""
    return str(int(x)) if float(x).is_integer() else str(x)


def operated_in(attrs: dict, status: str, year: int) -> bool:
    """Did the facility run in ``year``: commissioned by its end, and in use or stopped during it."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    commissioned, stopped = attrs.get("commissioned"), attrs.get("stopped_on")
    if isinstance(commissioned, dt.date) and commissioned > end:
        return False
    if status != "在用":
        return isinstance(stopped, dt.date) and stopped >= start
    return True


def _activity_class(attrs: dict, year: int) -> tuple[str, str]:
    """Ledger activity is class B for the inventory's year; another or no year makes it C, said so."""
    y = attrs.get("activity_year")
    if y == year:
        return "B", f"{year}年，企业台账"
    if y is None:
        return "C", "未注明年度，企业台账"
    return "C", f"沿用{y}年，企业台账"


def _removals(tables: Tables, attrs: dict) -> tuple[dict, list[str]]:
    """Pollutant → (η, technology text, class) from the facility's control fields (ultra-low ones
    left blank take the ⚠ typical set); the notes say what was assumed."""
    out, notes = {}, []
    defaults = tables.param("ultra_low_controls") if attrs.get("ultra_low") else {}
    for fld, label in CONTROL_FIELDS.items():
        tech = attrs.get(fld)
        assumed = False
        if not tech and fld in defaults:
            tech, assumed = defaults[fld], True
        if not tech:
            continue
        for c in tables.controls:
            if c.field == fld and tech in c.values:
                for p in c.pollutants:
                    klass = worst(c.klass, tables.parameters["ultra_low_controls"].klass if assumed else None)
                    out[p] = (c.values[tech], f"{label} {tech}" + ("（超低排放，按典型工艺）" if assumed else ""), klass)
        if assumed:
            notes.append(f"{label}按超低排放典型工艺（{tech}）")
    return out, notes


def _sulfur(tables: Tables, fuel: str | None, attrs: dict) -> tuple[Fraction | None, str | None]:
    if fuel not in SULFUR_FUELS:
        return None, None
    if attrs.get("sulfur") is not None:
        return exact(attrs["sulfur"]), "B"
    p = tables.parameters[SULFUR_FUELS[fuel]]
    return p.value, p.klass


def sector_of(f) -> str:
    """The sector a ledger facility's emissions count in."""
    a, kind = f.attrs, f.kind
    if kind == "boiler":
        return "1.1" if (f.industry or "") in POWER_INDUSTRIES else "1.2"
    if kind == "kiln":
        return KILN_SECTORS.get(a.get("kiln_type"), "2.6")
    if kind == "electric_furnace" and a.get("product") == "电弧炉炼钢":
        return "2.1"
    if kind in PROCESS:
        return PROCESS[kind][0]
    return "2.5" if kind == "gas_producer" else "2.6"


def _plan(f, tables: Tables) -> tuple | str:
    """(sector, factor key, amount in the factor's unit, activity text, fuel) of a facility, or the
    reason there is none."""
    a, kind, sector = f.attrs, f.kind, sector_of(f)
    if kind == "boiler":
        return _fuel_plan(a, sector)
    if kind == "kiln":
        key = f"process.kiln.{a.get('kiln_type')}"
        if a.get("production") is not None and tables.factor(key):
            return sector, key, exact(a["production"]) * 10000, f"产量 {_n(a['production'])} 万吨", None
        return _fuel_plan(a, sector)
    if kind in PROCESS:
        key = PROCESS[kind][1]
        if a.get("production") is None:
            return "年产量未填"
        return sector, key, exact(a["production"]) * 10000, f"产量 {_n(a['production'])} 万吨", None
    if kind == "gas_producer":
        if a.get("clean_energy_replaced"):
            return "已清洁能源替代"
        if a.get("fuel_use") is None:
            return "年用煤量未填"
        return sector, "process.gas_producer", exact(a["fuel_use"]), f"用煤 {_n(a['fuel_use'])} 吨", None
    return f"无{kind}的计算方法"


def _fuel_plan(a: dict, sector: str):
    fuel = a.get("fuel")
    if a.get("fuel_use") is None:
        return "年燃料消耗量未填"
    unit = "万立方米" if fuel in GAS_FUELS else "吨"
    return sector, f"fuel.{fuel}", exact(a["fuel_use"]), f"{fuel} {_n(a['fuel_use'])} {unit}", fuel


def facility_rows(facts, year: int, tables: Tables, measured: MeasuredMonths) -> tuple[list[Row], list[Note]]:
    """Rows of every ledger facility that ran in ``year``; notes for those without activity data."""
    rows, notes = [], []
    for f in facts:
        if f.kind in NO_EMISSION or not operated_in(f.attrs, f.status, year):
            continue
        who = f"{f.enterprise} {f.name}（{f.code}）"
        plan = _plan(f, tables)
        if isinstance(plan, str):
            notes.append(Note(sector_of(f), who, plan))
            continue
        sector, key, amount, activity_text, fuel = plan
        factor = tables.factor(key)
        if factor is None:
            notes.append(Note(sector, who, f"无排放因子 {key}"))
            continue
        klass, when = _activity_class(f.attrs, year)
        removals, assumed = _removals(tables, f.attrs)
        sulfur, sulfur_class = _sulfur(tables, fuel, f.attrs)
        if not any(f.attrs.get(k) for k in CONTROL_FIELDS) and not f.attrs.get("ultra_low") and key != "fuel.电":
            assumed.append("未填治理工艺，按无控制计")
        attrs = {"kind": f.kind, "code": f.code, "enterprise": f.enterprise, "industry": f.industry,
                 **{k: v for k, v in f.attrs.items() if isinstance(v, (str, int, float, bool)) and v is not None}}
        made = emit(tables, factor, amount, sector=sector, county=f.county, source=who,
                    activity=f"{activity_text}（{when}）" + ("；" + "；".join(assumed) if assumed else ""),
                    activity_class=klass, data_source="企业台账", removals=removals, sulfur=sulfur,
                    sulfur_class=sulfur_class, method=f"排放因子法：{factor.activity} × 排放因子",
                    enterprise_id=f.enterprise_id, facility=f.code, attrs=attrs)
        rows.extend(made)
    return measured.apply(rows, facts, year, tables), notes + measured.notes
