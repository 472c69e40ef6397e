"""The ledgers' measured key results for the plan: a task (or a county's sub-task) bound to a rule
is green when no facility violates it on the as-of date, red otherwise — e.g. task 3 bound to
``coke_oven_4_3m`` turns red while a 4.3 m coke oven still runs after 2023-06-30."""
from __future__ import annotations

from pathlib import Path

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured


def _root(ctx: Context) -> Path | None:
    store_root = getattr(ctx.store, "root", None)
    return Path(store_root).parent if store_root is not None else None


def _ledger_rule(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.enterprises import service
    rule = str(params["rule"])
    county = params.get("county") or params.get("unit")
    office = Scope.office(ctx.url, "indicator")
    with db.session(ctx.url) as s:
        found = service.check(s, office, ctx.as_of, _root(ctx))
        known = {r.id for r in service.load_rules(_root(ctx))}
    if rule not in known:
        return Measured("ledger_rule", params, None, "—", f"未知规则 {rule}", ctx.as_of)
    hits = [v for v in found.violations if v.rule == rule and (not county or v.county == county)]
    names = "、".join(sorted({f"{v.enterprise}{v.facility}" for v in hits})[:5])
    detail = f"截至{ctx.as_of}，{len(hits)}处违反" + (f"：{names}" if hits else "，全部合规")
    return Measured("ledger_rule", params, not hits, str(len(hits)), detail, ctx.as_of)


register(Indicator("ledger_rule", "台账规则检查", ("rule",), _ledger_rule))
