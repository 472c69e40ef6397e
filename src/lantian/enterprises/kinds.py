"""What a ledger (台账) records: the enterprise's own fields and, per facility kind, the fields of
that kind — with their Chinese headers, types and allowed values. The Excel templates, the import
validation, the pages and the rule engine all read these definitions; nothing else lists fields.

Field types: ``str``, ``int``, ``float`` (a decimal number), ``bool`` (是/否), ``date``
(YYYY-MM-DD), ``choice`` (one of ``choices``).
"""
from __future__ import annotations

import math

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str                      # identifier, English
    label: str                     # 中文表头
    type: str = "str"              # str | int | float | bool | date | choice
    choices: tuple[str, ...] = ()
    required: bool = False
    unit: str = ""                 # shown after the label: 炭化室高度（米）
    low: float | None = None       # inclusive bounds for numbers
    high: float | None = None

    @property
    def header(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


#: 2020 重污染天气重点行业应急减排措施制定技术指南 — its industries (the ones Changzhi has first)
INDUSTRIES = ("钢铁", "焦化", "水泥", "铸造", "铁合金", "有色金属冶炼", "耐火材料", "石灰窑", "砖瓦窑", "陶瓷",
              "玻璃", "炭素", "化工", "制药", "农药", "涂料", "油墨", "工业涂装", "包装印刷", "人造板",
              "家具制造", "煤炭洗选", "活性炭", "火电", "供热", "其他")
GRADES = ("A", "B", "C", "D", "引领性")
STATUSES = ("在用", "停用", "已拆除")
CLUSTER_STRATEGIES = ("淘汰关停", "搬迁入园", "就地改造", "做优做强")
FUELS = ("燃煤", "天然气", "生物质", "电", "煤气", "燃油", "其他")

ENTERPRISE = Kind("enterprise", "企业", (
    Field("name", "企业名称", required=True),
    Field("credit_code", "统一社会信用代码", required=True),
    Field("county", "所在县区", required=True),            # a county name or adcode of the workspace
    Field("industry", "行业", "choice", INDUSTRIES, required=True),
    Field("address", "地址"),
    Field("lon", "经度", "float", low=73, high=136),
    Field("lat", "纬度", "float", low=3, high=54),
    Field("grade", "绩效分级", "choice", GRADES),
    Field("emergency_list", "纳入应急减排清单", "bool"),
    Field("key_unit", "重点排污单位", "bool"),
    Field("cluster", "所属产业集群"),
))

#: 治理工艺 — the control technologies the inventory's removal efficiencies are given for
DESULFURIZATION = ("无", "石灰石-石膏湿法", "氨法", "双碱法", "半干法", "干法", "活性焦", "其他")
DENITRATION = ("无", "SCR", "SNCR", "SNCR+SCR", "低氮燃烧", "活性焦", "其他")
DEDUSTING = ("无", "旋风", "湿式", "静电", "袋式", "电袋复合", "湿式电除尘", "其他")

# 活动水平 — what the emission inventory multiplies by its factors (docs/inventory.md); optional here
_YEAR_HOURS = (
    Field("activity_year", "活动水平年度", "int", low=2000, high=2100),
    Field("hours", "年运行时间", "float", unit="小时", low=0, high=8784),
)
_FUEL_USE = (
    Field("fuel_use", "年燃料消耗量", "float", unit="吨；天然气、煤气为万立方米", low=0),
    Field("sulfur", "燃料含硫率", "float", unit="%", low=0, high=10),
)
_PRODUCTION = (Field("production", "年产量", "float", unit="万吨", low=0),)
_CONTROLS = (
    Field("desulfurization", "脱硫工艺", "choice", DESULFURIZATION),
    Field("denitration", "脱硝工艺", "choice", DENITRATION),
    Field("dedusting", "除尘工艺", "choice", DEDUSTING),
)

_COMMON = (
    Field("enterprise", "企业统一社会信用代码", required=True),
    Field("code", "设施编号", required=True),
    Field("name", "设施名称", required=True),
    Field("status", "运行状态", "choice", STATUSES, required=True),
    Field("commissioned", "投运日期", "date"),
    Field("stopped_on", "停用/拆除日期", "date"),
)

FACILITY_KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("boiler", "锅炉", _COMMON + (
        Field("capacity", "额定蒸发量", "float", unit="蒸吨/小时", required=True, low=0),
        Field("fuel", "燃料", "choice", FUELS, required=True),
        Field("online_monitoring", "在线监测联网", "bool"),
        Field("ultra_low", "超低排放", "bool"),
    ) + _FUEL_USE + _CONTROLS + _YEAR_HOURS),
    Kind("kiln", "工业炉窑", _COMMON + (
        Field("kiln_type", "炉窑类型", "choice", ("加热炉", "热处理炉", "干燥炉", "熔化炉", "石灰窑", "砖瓦窑",
                                                  "耐火材料窑", "水泥窑", "其他"), required=True),
        Field("fuel", "燃料", "choice", FUELS, required=True),
        Field("process", "治理工艺"),
        Field("desulfurization_dedusting_integrated", "脱硫除尘一体化", "bool"),
        Field("online_monitoring", "在线监测联网", "bool"),
    ) + _FUEL_USE + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("coke_oven", "焦炉", _COMMON + (
        Field("chamber_height", "炭化室高度", "float", unit="米", required=True, low=2, high=9),
        Field("quenching", "熄焦方式", "choice", ("湿法", "干法"), required=True),
        Field("backup_dry_quenching", "备用干熄焦", "bool"),
        Field("capacity", "产能", "float", unit="万吨/年", low=0),
        Field("ultra_low", "超低排放", "bool"),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("sinter", "烧结机", _COMMON + (
        Field("area", "烧结面积", "float", unit="平方米", required=True, low=0),
        Field("sinter_type", "类型", "choice", ("带式", "步进式", "环式"), required=True),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("pellet_shaft", "球团竖炉", _COMMON + (
        Field("area", "竖炉面积", "float", unit="平方米", low=0),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("blast_furnace", "高炉", _COMMON + (
        Field("volume", "有效容积", "float", unit="立方米", required=True, low=0),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("converter", "转炉", _COMMON + (
        Field("tonnage", "公称容量", "float", unit="吨", required=True, low=0),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("electric_furnace", "电炉", _COMMON + (
        Field("furnace_type", "炉型", "choice", ("全封闭", "半封闭", "敞口"), required=True),
        Field("product", "产品", "choice", ("硅锰合金", "镍铁", "高碳铬铁", "高碳锰铁", "硅铁", "电弧炉炼钢",
                                            "其他"), required=True),
        Field("capacity", "容量", "float", unit="千伏安", low=0),
    ) + _PRODUCTION + _CONTROLS + _YEAR_HOURS),
    Kind("gas_producer", "煤气发生炉", _COMMON + (
        Field("gas_producer_type", "类型", "choice", ("单段式", "两段式", "其他")),
        Field("clean_energy_replaced", "已清洁能源替代", "bool"),
        Field("fuel_use", "年用煤量", "float", unit="吨", low=0),
    ) + _YEAR_HOURS),
    Kind("voc_treatment", "VOCs治理设施", _COMMON + (
        Field("process", "治理工艺", "choice", ("活性炭吸附", "活性炭吸附+脱附再生", "RTO", "RCO", "低温等离子",
                                                 "光催化", "光氧化", "喷淋", "UV光解", "生物法", "其他"),
              required=True),
        Field("combined", "组合工艺", "bool"),          # 单一低效工艺 vs combined with an efficient one
        Field("carbon_fill", "活性炭填充量", "float", unit="千克", low=0),
        Field("carbon_required", "设计填充量", "float", unit="千克", low=0),
        Field("carbon_replaced_on", "最近更换日期", "date"),
    )),
    Kind("outlet", "排放口", _COMMON + (
        Field("outlet_type", "类型", "choice", ("主要排放口", "一般排放口"), required=True),
        Field("online_monitoring", "在线监测联网", "bool"),
        Field("pollutants", "监测因子"),
        Field("serves", "对应设施编号"),          # comma-separated facility codes of the enterprise (CEMS → inventory)
    )),
)}

CLUSTER = Kind("cluster", "产业集群", (
    Field("name", "集群名称", required=True),
    Field("county", "所在县区", required=True),
    Field("industry", "行业", "choice", INDUSTRIES, required=True),
    Field("strategy", "一群一策", "choice", CLUSTER_STRATEGIES, required=True),
    Field("enterprises", "企业数量", "int", low=0),
))


_TRUE, _FALSE = {"是", "y", "yes", "true", "1", "on"}, {"否", "n", "no", "false", "0", "off"}


def parse_value(field: Field, raw):
    """A form or API value for ``field``, typed; None when empty. ValueError says what was expected."""
    import datetime as dt
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
    if field.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError("应为 是/否")
    if field.type in ("int", "float"):
        try:
            value = int(raw) if field.type == "int" else float(raw)
        except (TypeError, ValueError):
            raise ValueError("应为数字") from None
        if not math.isfinite(value):              # "inf", "nan", or 1e400 overflowing (docs/limits.md)
            raise ValueError("应为有限的数字")
        if (field.low is not None and value < field.low) or (field.high is not None and value > field.high):
            raise ValueError(f"应在 {field.low:g}–{field.high:g} 之间" if field.high is not None
                             else f"应不小于 {field.low:g}")
        return value
    if field.type == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError("应为日期 YYYY-MM-DD") from None
    if field.type == "choice" and raw not in field.choices:
        raise ValueError(f"应为 {'、'.join(field.choices)} 之一")
    return str(raw)
