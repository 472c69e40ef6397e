"""重污染天气预警 — heavy-pollution warning levels on forecast AQI (docs/standards.md §5; ``tables/alerts.toml``).

Three rule sets: ``"875"`` 环办大气函〔2018〕875号 (2017/2018, with 蓝色预警), ``"648"``
环办大气函〔2019〕648号 (2019–2023) and ``"2024"`` 环大气〔2024〕6号. The document years ``"2018"`` and
``"2019"`` are accepted as aliases; :func:`ruleset_for_year` maps a year to its era.

* A condition is "AQI > X for ≥ H consecutive hours" or "AQI reaches X" (AQI ≥ X). Daily
  forecasts count H/24 consecutive days, hourly forecasts H consecutive hours of the forecast
  hourly AQI (no rolling 24-h AQI is derived here). Runs may lie anywhere in the forecast window.
* Conditions joined by 且 must hold within one episode: one unbroken run of values meeting the
  loosest of them ("AQI>200持续3天，且出现日AQI>300" — the >300 day belongs to that run).
* The warning is the highest satisfied level. The 2024 pre-warning (预测日AQI>150 或 日AQI>100
  持续48小时) is reported only when no level is satisfied, and is not a level.
* Lifting (解除): the forecast stays at or below the lift threshold for more than 36 h ⚠ from now:
  daily values need ⌊36/24⌋+1 = 2 days, hourly values 37 hours.
* :func:`step` moves an episode: issue, escalate, keep, downgrade, lift or none. A regional (区域)
  warning received raises the city's level to at least the regional one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping, Sequence

from lantian.standards.tables import load

Number = int | float | Fraction | Decimal
UNITS = ("day", "hour")
ACTIONS = ("issue", "escalate", "downgrade", "keep", "lift", "none")


def settings() -> dict[str, Any]:
    return load("alerts")


# ---------------------------------------------------------------------------------------------
# levels

def level_words() -> tuple[str, ...]:
    """``("none", "blue", "yellow", "orange", "red")``, lowest first."""
    lv = settings()["levels"]
    return tuple(sorted(lv, key=lambda k: lv[k]["rank"]))


def rank(level_word: str) -> int:
    lv = settings()["levels"]
    if level_word not in lv:
        raise ValueError(f"unknown warning level {level_word!r}; one of {', '.join(level_words())}")
    return lv[level_word]["rank"]


def level_name(level_word: str, lang: str = "zh") -> str:
    """黄色预警（Ⅲ级） / "yellow warning (level III)"; 无预警 for ``none``."""
    rank(level_word)
    entry = settings()["levels"][level_word]
    if lang == "en":
        return entry["en"]
    return f"{entry['zh']}（{entry['grade']}）" if "grade" in entry else entry["zh"]


# ---------------------------------------------------------------------------------------------
# rules as data

@dataclass(frozen=True)
class Condition:
    """AQI > ``aqi`` (``op="above"``) or AQI ≥ ``aqi`` (``op="reaches"``) for ≥ ``hours`` consecutive hours."""
    op: str
    aqi: int
    hours: int

    def passes(self, value: Number) -> bool:
        return value > self.aqi if self.op == "above" else value >= self.aqi

    def length(self, unit: str) -> int:
        """Consecutive values needed: hours/24 forecast days, or hours."""
        return math.ceil(self.hours / 24) if unit == "day" else self.hours

    def zh(self, unit: str) -> str:
        if self.op == "reaches":
            return f"AQI达到{self.aqi}"
        if unit == "hour":
            return f"AQI>{self.aqi}持续{self.hours}小时"
        days = self.length("day")
        if days == 1:
            return f"日AQI>{self.aqi}（1天）"
        return f"AQI>{self.aqi}持续{days}天（{self.hours}小时）"

    def en(self, unit: str) -> str:
        if self.op == "reaches":
            return f"AQI reaches {self.aqi}"
        if unit == "hour":
            return f"AQI > {self.aqi} for {self.hours} h"
        days = self.length("day")
        return f"AQI > {self.aqi} for {days} day{'s' if days > 1 else ''} ({self.hours} h)"


Alternative = tuple[Condition, ...]     # conditions joined by 且


@dataclass(frozen=True)
class AlertRules:
    key: str
    document: str
    title: str
    levels: tuple[str, ...]                             # lowest first, without "none"
    conditions: Mapping[str, tuple[Alternative, ...]]   # level → alternatives joined by 或
    pre_warning: tuple[Alternative, ...] = ()
    pre_warning_zh: str = ""
    pre_warning_en: str = ""
    lift_below_aqi: int = 200
    lift_more_than_hours: int = 36
    aliases: tuple[str, ...] = field(default=())

    @property
    def lowest(self) -> str:
        return self.levels[0]

    def check_level(self, level_word: str) -> str:
        """``level_word`` if it is ``none`` or a level of these rules; ValueError otherwise."""
        if level_word != "none" and level_word not in self.levels:
            raise ValueError(f"{self.document} has no level {level_word!r}; "
                             f"one of none, {', '.join(self.levels)}")
        return level_word


def _condition(raw: Mapping[str, Any]) -> Condition:
    ops = [op for op in ("above", "reaches") if op in raw]
    if len(ops) != 1 or "hours" not in raw:
        raise ValueError(f"a condition needs one of above/reaches and hours: {dict(raw)!r}")
    hours = int(raw["hours"])
    if hours <= 0:
        raise ValueError(f"a condition lasts at least one hour: {dict(raw)!r}")
    return Condition(ops[0], int(raw[ops[0]]), hours)


def _alternatives(raw: Sequence[Sequence[Mapping[str, Any]]]) -> tuple[Alternative, ...]:
    alts = tuple(tuple(_condition(c) for c in alt) for alt in raw)
    if any(not alt for alt in alts):
        raise ValueError("an alternative needs at least one condition")
    return alts


def parse_rules(key: str, table: Mapping[str, Any]) -> AlertRules:
    """Rules from a table shaped like ``[rulesets.<key>]`` of ``alerts.toml`` (e.g. a workspace override)."""
    levels = tuple(table["levels"])
    for lv in levels:
        if rank(lv) == 0:
            raise ValueError("'none' is not a warning level")
    if list(levels) != sorted(levels, key=rank):
        raise ValueError(f"levels must run lowest first: {levels}")
    missing = [lv for lv in levels if lv not in table["conditions"]]
    if missing:
        raise ValueError(f"no conditions for level(s) {', '.join(missing)}")
    pre = table.get("pre_warning", {})
    lift = table.get("lift", {})
    return AlertRules(
        key=key, document=table.get("document", key), title=table.get("title", ""), levels=levels,
        conditions={lv: _alternatives(table["conditions"][lv]) for lv in levels},
        pre_warning=_alternatives(pre.get("conditions", [])),
        pre_warning_zh=pre.get("zh", ""), pre_warning_en=pre.get("en", ""),
        lift_below_aqi=int(lift.get("below_aqi", 200)),
        lift_more_than_hours=int(lift.get("more_than_hours", 36)),
        aliases=tuple(table.get("aliases", ())))


def known_rulesets() -> tuple[str, ...]:
    """The rule sets' names, as the settings list them (the forecast verification scores each)."""
    return tuple(settings()["rulesets"])


def rules(ruleset: str | int | AlertRules) -> AlertRules:
    """The rules named ``"875"``, ``"648"``, ``"2024"`` (or alias ``"2018"``, ``"2019"``); rules pass through."""
    if isinstance(ruleset, AlertRules):
        return ruleset
    key = str(ruleset)
    tables = settings()["rulesets"]
    for name, table in tables.items():
        if key == name or key in table.get("aliases", ()):
            return _rules_named(name)
    aliases = [a for t in tables.values() for a in t.get("aliases", ())]
    raise ValueError(f"unknown warning rule set {ruleset!r}; known: {', '.join(tables)} "
                     f"(aliases {', '.join(aliases)})")


@cache
def _rules_named(name: str) -> AlertRules:
    return parse_rules(name, settings()["rulesets"][name])


def ruleset_for_year(year: int) -> str:
    """The rule set of the era ``year`` falls in (875号 2017/2018, 648号 2019–2023, 2024+)."""
    eras = sorted(((t["from_year"], name) for name, t in settings()["rulesets"].items()), reverse=True)
    for start, name in eras:
        if year >= start:
            return name
    raise ValueError(f"no warning rule set before {eras[-1][0]}")


# ---------------------------------------------------------------------------------------------
# forecasts

def _checked(values: Sequence[Number], what: str) -> tuple[Number, ...]:
    out = tuple(values)
    if not out:
        raise ValueError(f"the {what} forecast is empty")
    for v in out:
        if isinstance(v, bool) or not isinstance(v, (int, float, Fraction, Decimal)):
            raise TypeError(f"forecast AQI must be numbers, got {v!r}")
        if v != v or v < 0:      # NaN or negative
            raise ValueError(f"forecast AQI must be a non-negative number, got {v!r}")
    return out


def _runs(values: Sequence[Number], passes) -> list[tuple[int, int]]:
    """Maximal runs [start, end) of consecutive values for which ``passes`` holds."""
    runs, start = [], None
    for i, v in enumerate(values):
        if passes(v) and start is None:
            start = i
        elif not passes(v) and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(values)))
    return runs


def _longest(values: Sequence[Number], passes) -> int:
    return max((e - s for s, e in _runs(values, passes)), default=0)


def _holds(alt: Alternative, values: Sequence[Number], unit: str) -> bool:
    """All conditions of ``alt`` within one episode (a run meeting the loosest of them)."""
    def episode(v):
        return any(c.passes(v) for c in alt)
    for s, e in _runs(values, episode):
        segment = values[s:e]
        if all(_longest(segment, c.passes) >= c.length(unit) for c in alt):
            return True
    return False


def _satisfied(alts: Sequence[Alternative], values, unit) -> list[Alternative]:
    return [alt for alt in alts if _holds(alt, values, unit)]


def _zh(alt: Alternative, unit: str) -> str:
    return "且".join(c.zh(unit) for c in alt)


def _en(alt: Alternative, unit: str) -> str:
    return " and ".join(c.en(unit) for c in alt)


@dataclass(frozen=True)
class Decision:
    """The warning level a forecast calls for, with the conditions that call for it."""
    level: str                          # "none" | "blue" | "yellow" | "orange" | "red"
    ruleset: str
    reasons: tuple[str, ...]            # satisfied alternatives of ``level``, in Chinese
    pre_warning: bool
    pre_warning_reason: str | None
    evidence: tuple[Number, ...]        # the forecast AQI values judged
    unit: str = "day"                   # "day" | "hour"
    reasons_en: tuple[str, ...] = ()
    document: str = ""
    pre_warning_reason_en: str | None = None

    @property
    def name(self) -> str:
        return level_name(self.level)

    def explain(self) -> str:
        unit = "日AQI, daily" if self.unit == "day" else "小时AQI, hourly"
        lines = [
            f"预警级别 Warning level: {level_name(self.level)} — {level_name(self.level, 'en')}",
            f"规则 Rules: {self.document} ({self.ruleset})",
            f"预报 Forecast ({unit}): {', '.join(str(v) for v in self.evidence)}",
        ]
        if self.reasons:
            for zh, en in zip(self.reasons, self.reasons_en):
                lines.append(f"依据 Because: {zh} — {en}")
        else:
            lines.append("依据 Because: 未满足预警条件 — no warning condition met")
        if self.pre_warning:
            lines.append(f"预警提示 Pre-warning: {self.pre_warning_reason} — {self.pre_warning_reason_en}")
        return "\n".join(lines)


def _decide(values: Sequence[Number], ruleset, unit: str) -> Decision:
    r = rules(ruleset)
    for lv in reversed(r.levels):
        hit = _satisfied(r.conditions[lv], values, unit)
        if hit:
            return Decision(lv, r.key, tuple(_zh(a, unit) for a in hit), False, None, tuple(values),
                            unit, tuple(_en(a, unit) for a in hit), r.document)
    pre = _satisfied(r.pre_warning, values, unit)
    if not pre:
        return Decision("none", r.key, (), False, None, tuple(values), unit, (), r.document)
    zh = f"{'或'.join(_zh(a, unit) for a in pre)}：{r.pre_warning_zh}"
    en = f"{' or '.join(_en(a, unit) for a in pre)}: {r.pre_warning_en}"
    return Decision("none", r.key, (), True, zh, tuple(values), unit, (), r.document, en)


def level(forecast: Sequence[Number], ruleset: str | AlertRules) -> Decision:
    """The warning a daily AQI forecast (today first) calls for under ``ruleset``."""
    return _decide(_checked(forecast, "daily"), ruleset, "day")


def level_hourly(hourly_aqi: Sequence[Number], ruleset: str | AlertRules) -> Decision:
    """The warning an hourly AQI forecast (this hour first) calls for: "持续48小时" = 48 consecutive hours."""
    return _decide(_checked(hourly_aqi, "hourly"), ruleset, "hour")


# ---------------------------------------------------------------------------------------------
# lifting and the episode

def _lift(forecast: Sequence[Number], r: AlertRules, lift_hours: int | None, unit: str) -> tuple[bool, str]:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    hours = r.lift_more_than_hours if lift_hours is None else lift_hours
    if hours < 0:
        raise ValueError(f"lift hours must not be negative, got {hours}")
    values = _checked(forecast, "daily" if unit == "day" else "hourly")
    below = 0
    for v in values:
        if v > r.lift_below_aqi:
            break
        below += 1
    needed = hours // 24 + 1 if unit == "day" else hours + 1     # strictly more than ``hours``
    span = f"{below}天（{below * 24}小时）" if unit == "day" else f"{below}小时"
    return below >= needed, f"预测AQI≤{r.lift_below_aqi}持续{span}，解除需超过{hours}小时"


def should_lift(current_level: str, forecast: Sequence[Number], ruleset: str | AlertRules,
                lift_hours: int | None = None, *, unit: str = "day") -> bool:
    """True when a warning in force may be lifted: the forecast, from now, stays at or below the
    lift threshold for more than ``lift_hours`` (table default 36 h ⚠). ``unit`` is "day" or "hour"."""
    r = rules(ruleset)
    if r.check_level(current_level) == "none":
        return False
    return _lift(forecast, r, lift_hours, unit)[0]


@dataclass(frozen=True)
class Transition:
    action: str             # one of ACTIONS
    from_level: str
    to_level: str
    reasons: tuple[str, ...]
    decision: Decision
    ruleset: str

    def explain(self) -> str:
        head = (f"{self.action}: {level_name(self.from_level)} → {level_name(self.to_level)} "
                f"({self.from_level} → {self.to_level})")
        return "\n".join([head, *(f"· {r}" for r in self.reasons), self.decision.explain()])


def step(current: str, forecast: Sequence[Number], ruleset: str | AlertRules, *,
         hourly: Sequence[Number] | None = None, regional: str | None = None,
         lift_hours: int | None = None) -> Transition:
    """The next state of a warning episode.

    The daily ``forecast`` gives the level; ``hourly`` (if given) is used for the lift rule instead.
    A warning drops to ``none`` only by the lift rule; when the forecast satisfies no level but the
    lift rule is not met, a higher warning is downgraded to the lowest level and the lowest is kept.
    A regional warning ``regional`` sets a floor: the city adopts at least that level."""
    r = rules(ruleset)
    r.check_level(current)
    decision = level(forecast, r)
    target, reasons = decision.level, list(decision.reasons)
    if regional is not None and rank(r.check_level(regional)) > rank(target):
        target = regional
        reasons.append(f"区域预警：{level_name(regional)}（城市预警不低于区域预警）")

    def move(action: str, to: str, *extra: str) -> Transition:
        return Transition(action, current, to, tuple(reasons) + extra, decision, r.key)

    if current == "none":
        return move("none" if target == "none" else "issue", target)
    if rank(target) > rank(current):
        return move("escalate", target)
    if target == current:
        return move("keep", current)
    if target != "none":
        return move("downgrade", target)
    if hourly is not None:
        lifted, why = _lift(hourly, r, lift_hours, "hour")
    else:
        lifted, why = _lift(forecast, r, lift_hours, "day")
    if lifted:
        return move("lift", "none", why)
    if current == r.lowest:
        return move("keep", current, "未满足预警条件但未达解除条件：" + why)
    return move("downgrade", r.lowest, "未满足预警条件但未达解除条件：" + why)
