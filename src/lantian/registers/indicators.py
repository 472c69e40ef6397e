"""The registers' measured key results for the plan: a task bound to a register rule (or named check)
is green when no row violates it on the as-of date, red otherwise, and "no data" when the register is
empty or the check cannot decide (a polygon not uploaded). E.g. task 9 bound to
``heating-not-stable`` turns red while a retrofitted village does not run stably."""
from __future__ import annotations

from pathlib import Path

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

NAME = "register_rule"


def _root(ctx: Context) -> Path | None:
    store_root = getattr(ctx.store, "root", None)
    return Path(store_root).parent if store_root is not None else None


def _register_rule(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.registers import service
    from lantian.registers.kinds import registers
    rule, reg_id = params.get("rule"), params.get("register")
    county = params.get("county") or params.get("unit")
    known = service.known_rules(_root(ctx), ctx.config)
    if rule is not None:
        if rule not in known:
            return Measured(NAME, params, None, "—", f"未知规则 {rule}", ctx.as_of)
        reg_id = known[rule][1]
    if reg_id not in registers():
        return Measured(NAME, params, None, "—", f"未知台账 {reg_id}" if reg_id else "缺少参数 rule 或 register",
                        ctx.as_of)
    reg = registers()[reg_id]
    with db.session(ctx.url) as s:
        found = service.check(s, Scope.office(ctx.url, "indicator"), ctx.as_of, ctx.config, _root(ctx),
                              only=service._family(reg))
    if not found.rows.get(reg_id):
        return Measured(NAME, params, None, "—", f"「{reg.label}」无台账数据", ctx.as_of)
    if rule in found.undecided:
        return Measured(NAME, params, None, "—", f"{known[rule][0]}：{found.undecided[rule]}", ctx.as_of)
    hits = [f for f in found.violations if (f.rule == rule if rule else f.register == reg_id)
            and (not county or f.county == county)]
    what = known[rule][0] if rule else reg.label
    names = "、".join(sorted({f.label for f in hits})[:5])
    detail = f"截至{ctx.as_of}，{what}：{len(hits)}处违反" + (f"（{names}）" if hits else "，全部合规")
    return Measured(NAME, params, not hits, str(len(hits)), detail, ctx.as_of)


register(Indicator(NAME, "专项台账规则检查", (), _register_rule))


#: the plan's tasks measured from their registers on the demo workspace: (task, label, rule)
_BINDINGS = [
    (1, "市区规划区范围内不再新增“两高”项目（两高项目台账）", "two-high-planning-area"),
    (8, "全市煤炭消费量不超过年度控制目标（煤炭消费量台账）", "coal-cap"),
    (9, "已改造村（社区）清洁取暖稳定运行（清洁取暖改造台账）", "heating-not-stable"),
    (12, "新增或更换公共领域车辆全部为新能源（公共领域车辆台账）", "fleet-new-energy-share"),
    (13, "建筑工地“六个百分之百”（工地扬尘检查）", "site-six-hundred-percent"),
    (16, "主城区餐饮单位油烟在线监控联网（餐饮油烟台账）", "catering-online-main-city"),
    (17, "VOCs关键环节问题限期整治（VOCs关键环节排查）", "voc-link-overdue"),
    (19, "室外构筑物防护和道路交通标志使用低VOCs涂料（低VOCs原辅料替代）", "low-voc-outdoor-coatings"),
    (24, "黑加油站点等清理取缔（非法加油点台账）", "illegal-fuel-closed"),
    (25, "中重型货车按规定线路和时段通行（货车通行记录）", "truck-route-window"),
    (26, "清洁取暖改造常态化“回头看”（清洁取暖回头看）", "heating-lookback"),
]

#: what the demo data makes of each binding on 2023-06-30: True green, False red
DEMO_EXPECTED = {1: False, 8: True, 9: False, 12: True, 13: False, 16: True, 17: False, 19: True, 24: False,
                 25: False, 26: False}


def demo_bindings() -> list[tuple[int, str, str, dict]]:
    """(task number, label, indicator, params) to add to the demo plan as measured milestones
    (``plan.service.add_milestone(..., indicator=, params=)``; these tasks have no commitment to bind)."""
    return [(task, label, NAME, {"rule": rule}) for task, label, rule in _BINDINGS]
