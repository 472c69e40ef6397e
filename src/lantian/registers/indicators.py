"""The registers' measured key results for the plan: a task bound to a register rule (or named check)
is green when no row violates it on the as-of date, red otherwise, and "no data" when the register is
empty or the check cannot decide (a polygon not uploaded). E.g. task 9 bound to
``heating-not-stable`` turns red while a retrofitted village does not run stably. ``task=N`` keeps the
findings of that task only (the 制度建设成果台账 serves several tasks: ``rule=deliverables-issued, task=22``)."""
from __future__ import annotations

from pathlib import Path

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)

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
    return Measured(NAME, params, not hits, str(len(hits)), detail, ctx.as_of, synthetic=any(f.synthetic for f in hits))


register(Indicator(NAME, "专项台账规则检查", (), _register_rule))


#: one register rule of each task the demo data decides on 2023-06-30 (the import binds every rule citing
#: the task — :func:`citations`): (task, rule)
DEMO_RULES = [(1, "two-high-planning-area"), (8, "coal-cap"), (9, "heating-not-stable"),
              (12, "fleet-new-energy-share"), (13, "site-six-hundred-percent"), (16, "catering-online-main-city"),
              (17, "voc-link-overdue"), (19, "low-voc-outdoor-coatings"), (24, "illegal-fuel-closed"),
              (25, "truck-route-window"), (26, "heating-lookback"), (2, "relocation-overdue"),
              (4, "deep-treatment-20km"), (5, "ultra-low-named-nine"), (7, "cluster-one-policy"),
              (10, "kiln-switch-tracked"), (18, "activated-carbon-yearly-round"), (23, "abnormal-vehicle-trace"),
              (20, "deliverables-issued"), (22, "deliverables-issued")]

#: tasks whose 制度 part (a mechanism, a procedure, a revised list) is measured by its deliverables:
#: (task, the words of the task it quotes, label)
DELIVERABLES = [
    (20, "任务20：加强臭氧污染天气预测预报，探索臭氧污染应急响应机制", "探索臭氧污染应急响应机制（制度建设成果台账）"),
    (22, "任务22：规范企业绩效分级申报、审核、调整程序……修订完善重污染天气应急减排清单",
     "绩效分级程序、应急减排清单修订、重污染天气应对机制（制度建设成果台账）"),
    (23, "任务23：完善生态环境、城市管理、公安交管、交通运输等部门联合执法常态化路检路查工作机制",
     "联合执法常态化路检路查工作机制（制度建设成果台账）"),
]

#: what the demo data makes of each on 2023-06-30: True green, False red
DEMO_EXPECTED = {1: False, 8: True, 9: False, 12: True, 13: False, 16: True, 17: False, 19: True, 24: False,
                 25: False, 26: False, 2: False, 4: True, 5: False, 7: False, 10: True, 18: False, 23: False,
                 20: True, 22: False}


def citations(root, config) -> list:
    """Every register rule and named check citing a task of the plan (notices make nothing red: not bound)."""
    from lantian.plan.indicators import Citation
    from lantian.registers import checks, service
    from lantian.registers.kinds import registers
    known = registers()
    out = []
    for r in service.load_rules(root, service.settings_of(config)):
        if r.task and r.rule.severity != "notice":
            label = known[r.register].label if r.register in known else r.register
            out.append(Citation(r.task, r.rule.clause, f"{r.rule.title}（{label}）", NAME, {"rule": r.id}))
    for c in checks.CHECKS.values():
        if c.task and c.severity != "notice":
            label = known[c.registers[0]].label if c.registers[0] in known else c.registers[0]
            out.append(Citation(c.task, c.clause, f"{c.title}（{label}）", NAME, {"rule": c.id}))
    for task, clause, label in DELIVERABLES:
        out.append(Citation(task, clause, label, NAME, {"rule": "deliverables-issued", "task": task}))
    return out
