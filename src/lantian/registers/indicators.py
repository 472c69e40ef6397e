"""The registers' measured key results for the plan: a task bound to a register rule (or named check)
is green when no row violates it on the as-of date, red otherwise, and "no data" when the register is
empty or the check cannot decide (a polygon not uploaded). E.g. task 9 bound to
``heating-not-stable`` turns red while a retrofitted village does not run stably. ``task=N`` keeps the
findings of that task only (the 制度建设成果台账 serves several tasks: ``rule=deliverables-issued, task=22``)."""
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
    task = int(params["task"]) if params.get("task") not in (None, "") else None
    known = service.known_rules(_root(ctx), ctx.config)
    if rule is not None:
        if rule not in known:
            return Measured(NAME, params, None, "—", f"未知规则 {rule}", ctx.as_of)
        reg_id = known[rule][1]
    if reg_id not in registers():
        return Measured(NAME, params, None, "—", f"未知台账 {reg_id}" if reg_id else "缺少参数 rule 或 register",
                        ctx.as_of)
    reg = registers()[reg_id]
    memo = ("register_check", ctx.as_of)
    if memo not in ctx.memo:                # one check of every register serves all the plan's bindings
        with db.session(ctx.url) as s:
            ctx.memo[memo] = service.check(s, Scope.office(ctx.url, "indicator"), ctx.as_of, ctx.config, _root(ctx))
    found = ctx.memo[memo]
    from lantian.registers.checks import CHECKS
    if not found.rows.get(reg_id) and not (rule in CHECKS and CHECKS[rule].ledger):
        return Measured(NAME, params, None, "—", f"「{reg.label}」无台账数据", ctx.as_of)
    if task is not None and any(f.name == "task" for f in reg.fields):
        with db.session(ctx.url) as s:
            if not service.count_rows(s, reg_id, task=task):
                return Measured(NAME, params, None, "—", f"「{reg.label}」无任务{task}的记录", ctx.as_of)
    if rule in found.undecided:
        return Measured(NAME, params, None, "—", f"{known[rule][0]}：{found.undecided[rule]}", ctx.as_of)
    hits = [f for f in found.violations if (f.rule == rule if rule else f.register == reg_id)
            and (not county or f.county == county) and (task is None or f.task == task)]
    what = (known[rule][0] if rule else reg.label) + (f"（任务{task}）" if task is not None else "")
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
    (2, "建成区内及周边重污染企业按期搬迁改造或关停退出（退城搬迁台账）", "relocation-overdue"),
    (4, "主城区规划区内及周边20km钢铁、焦化、火电企业率先完成深度治理（深度治理台账）", "deep-treatment-20km"),
    (5, "计划点名的9家企业完成超低排放改造和监测评估（超低排放改造台账）", "ultra-low-named-nine"),
    (7, "产业集群排查、分类治理和“一群一策”方案（产业集群排查整治台账）", "cluster-one-policy"),
    (10, "在用高污染燃料炉窑和煤气发生炉列入清洁能源替代（炉窑清洁能源替代台账）", "kiln-switch-tracked"),
    (18, "活性炭每年5月底前完成一轮更换（活性炭更换台账）", "activated-carbon-yearly-round"),
    (23, "异常车辆倒查排放检验机构（联合执法检查记录）", "abnormal-vehicle-trace"),
]

#: tasks whose 制度 part (a mechanism, a procedure, a revised list) is measured by its deliverables: (task, label)
_DELIVERABLES = [
    (20, "探索臭氧污染应急响应机制（制度建设成果台账）"),
    (22, "绩效分级程序、应急减排清单修订、重污染天气应对机制（制度建设成果台账）"),
    (23, "联合执法常态化路检路查工作机制（制度建设成果台账）"),
]

#: what the demo data makes of each binding on 2023-06-30: True green, False red
DEMO_EXPECTED = {1: False, 8: True, 9: False, 12: True, 13: False, 16: True, 17: False, 19: True, 24: False,
                 25: False, 26: False, 2: False, 4: True, 5: False, 7: False, 10: True, 18: False, 23: False,
                 20: True, 22: False}


def demo_bindings() -> list[tuple[int, str, str, dict]]:
    """(task number, label, indicator, params) to add to the demo plan as measured milestones
    (``plan.service.add_milestone(..., indicator=, params=)``; these tasks have no commitment to bind)."""
    return [(task, label, NAME, {"rule": rule}) for task, label, rule in _BINDINGS] + \
        [(task, label, NAME, {"rule": "deliverables-issued", "task": task}) for task, label in _DELIVERABLES]
