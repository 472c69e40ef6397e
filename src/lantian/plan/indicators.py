"""Measured key results: a milestone or commitment bound to an indicator is decided by the data,
not typed in. Each indicator is a function of the workspace (store, database, as-of date) and its
parameters, giving green, red or "no data".

Rooms register their indicators here: the assessment room's schedule progress (序时进度) below,
the ledgers' rule checks in :mod:`lantian.enterprises.indicators`. (County dust fall above 7 t/(km²·month), task 14, is registered by the dust-fall room.)
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Callable

from lantian.errors import UsageError
from lantian.plan.status import Measured


@dataclass
class Context:
    url: str
    store: object
    con: object
    as_of: dt.date
    config: dict = field(default_factory=dict)
    lock: object = None
    memo: dict = field(default_factory=dict)

    def engine(self):
        return self.lock if self.lock is not None else contextlib.nullcontext()

    def know_progress(self, rows) -> None:
        """序时进度 rows of the as-of day, computed elsewhere with the same rule (the monthly
        bulletin's): the schedule indicators read them instead of computing them again."""
        self.memo[("progress", self.as_of)] = {r.unit: r for r in rows}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str                      # 中文名, as pages show it
    params: tuple[str, ...]         # required parameters
    evaluate: Callable[[Context, dict], Measured]


REGISTRY: dict[str, Indicator] = {}
#: the rooms that register indicators here, imported on first use
PROVIDERS = ("lantian.enterprises.indicators", "lantian.dustfall.indicators", "lantian.vehicles.indicators", "lantian.fires.indicators",
             "lantian.registers.indicators", "lantian.emergency.indicators")
_loaded = False


def register(indicator: Indicator) -> None:
    REGISTRY[indicator.name] = indicator


def registry() -> dict[str, Indicator]:
    global _loaded
    if not _loaded:
        import importlib
        for module in PROVIDERS:
            importlib.import_module(module)
        _loaded = True
    return REGISTRY


def check(name: str, params: dict) -> None:
    """A clear error for an unknown indicator or missing parameters (before anything is stored)."""
    known = registry()
    if name not in known:
        raise UsageError(f"unknown indicator {name!r}; known: {', '.join(sorted(known))}")
    missing = [p for p in known[name].params if p not in params]
    if missing:
        raise UsageError(f"indicator {name} needs {', '.join(missing)} (e.g. unit=140403)")


def measure(ctx: Context, name: str, params_json: str | None) -> Measured:
    params = json.loads(params_json) if params_json else {}
    key = (name, json.dumps(params, sort_keys=True), ctx.as_of)
    if key not in ctx.memo:
        known = registry()
        if name not in known:
            ctx.memo[key] = Measured(name, params, None, "—", f"未知指标 {name}")
        else:
            ctx.memo[key] = known[name].evaluate(ctx, params)
    return ctx.memo[key]


# --------------------------------------------------------------------------- 序时进度 (assessment)
def _progress_row(ctx: Context, unit: str):
    """The assessment's 序时进度 of ``unit`` on the last day with data up to the as-of date."""
    memo_key = ("progress", ctx.as_of)
    if memo_key not in ctx.memo:
        from lantian import db
        from lantian.assessment.progress import progress, progress_rule
        from lantian.assessment.service import latest_data_day
        from lantian.assessment.networks import official_stations
        from lantian.assessment.targets import targets
        day = latest_data_day(ctx.store, ctx.as_of)
        members = official_stations(ctx.url, ctx.config)
        with db.session(ctx.url) as s:
            t = targets(s, day.year, list(members.units))
        with ctx.engine():
            rows = progress(ctx.store, members, members.names, day, t, ctx.con, rule=progress_rule(ctx.config))
        ctx.memo[memo_key] = {r.unit: r for r in rows}
    return ctx.memo[memo_key].get(unit)


def _pm25_schedule(ctx: Context, params: dict) -> Measured:
    unit = str(params["unit"])
    row = _progress_row(ctx, unit)
    if row is None or row.pm25 is None or row.pm25_target is None:
        return Measured("pm25_schedule", params, None, "—", f"{unit}：无数据或无年度目标", ctx.as_of)
    ok = row.verdict is not None and row.verdict.status == "on_schedule"
    target = float(row.pm25_target)
    return Measured("pm25_schedule", params, ok, f"{row.pm25}",
                    f"截至{row.date}，{row.name}PM2.5累计浓度{row.pm25}微克/立方米，年度目标{target:g}"
                    + ("（合成目标）" if row.synthetic_targets else "") + _covered(row), row.date)


def _covered(row) -> str:
    """What the figure's data covers, and 数据不完整 when it falls short of the HJ 663 minimums."""
    if row.coverage is None:
        return ""
    said = f"（{row.coverage.text()}）"
    return said if row.complete else said + f"；数据不完整：{row.coverage.problem()}"


def _good_day_schedule(ctx: Context, params: dict) -> Measured:
    unit = str(params["unit"])
    row = _progress_row(ctx, unit)
    if row is None or row.good is None:
        return Measured("good_day_schedule", params, None, "—", f"{unit}：无数据或无年度目标", ctx.as_of)
    ok = bool(row.good.on_track)
    return Measured("good_day_schedule", params, ok, f"{row.good_ratio}",
                    f"截至{row.date}，{row.name}优良天数{row.good_days}天，比例{row.good_ratio}%，年度目标"
                    f"{float(row.good_ratio_target * 100):g}%" + _covered(row), row.date)


register(Indicator("pm25_schedule", "PM2.5序时进度", ("unit",), _pm25_schedule))
register(Indicator("good_day_schedule", "优良天数序时进度", ("unit",), _good_day_schedule))


# --------------------------------------------------------------------------- citations
@dataclass(frozen=True)
class Citation:
    """A rule, register check or data source that measures a clause of the plan: the task number it
    cites and the words it quotes (``…`` for what it leaves out) — bound to the task that holds those
    words when a plan is imported (:mod:`lantian.plan.bindings`)."""
    task: int
    clause: str
    label: str                      # the bound milestone's title
    indicator: str
    params: dict


def citations(root=None, config: dict | None = None) -> list[Citation]:
    """Every citation of the rooms that register indicators (their module's ``citations(root, config)``)."""
    import importlib
    registry()
    out = []
    for module in PROVIDERS:
        found = getattr(importlib.import_module(module), "citations", None)
        if found is not None:
            out.extend(found(root, config or {}))
    return out
