"""The ledgers' measured key results for the plan: a task (or a county's sub-task) bound to a rule
is green when no facility violates it on the as-of date, red otherwise — e.g. task 3 bound to
``coke_oven_4_3m`` turns red while a 4.3 m coke oven still runs after 2023-06-30."""
from __future__ import annotations

from pathlib import Path

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


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
    key = ("ledger_check", ctx.as_of)
    if key not in ctx.memo:                  # one check of the ledger for all the rules citing it
        with db.session(ctx.url) as s:
            ctx.memo[key] = (service.check(s, office, ctx.as_of, _root(ctx)),
                             {r.id: r for r in service.load_rules(_root(ctx))},
                             [(f.kind, f.county) for f in service.facts(s, service.visible_enterprises(s, office))])
    found, known, facilities = ctx.memo[key]
    kinds = {kind for kind, where in facilities if not county or where == county}
    if rule not in known:
        return Measured("ledger_rule", params, None, "—", f"未知规则 {rule}", ctx.as_of)
    if known[rule].kind not in kinds:
        return Measured("ledger_rule", params, None, "—", f"{known[rule].title}：台账中尚无此类设施", ctx.as_of)
    hits = [v for v in found.violations if v.rule == rule and (not county or v.county == county)]
    names = "、".join(sorted({f"{v.enterprise}{v.facility}" for v in hits})[:5])
    detail = f"截至{ctx.as_of}，{len(hits)}处违反" + (f"：{names}" if hits else "，全部合规")
    return Measured("ledger_rule", params, not hits, str(len(hits)), detail, ctx.as_of,
                    synthetic=any(v.synthetic for v in hits))


register(Indicator("ledger_rule", "台账规则检查", ("rule",), _ledger_rule))


def citations(root, config) -> list:
    """Every ledger rule citing a task of the plan (shipped, then the workspace's ``rules/*.toml``)."""
    from lantian.enterprises.service import load_rules
    from lantian.plan.indicators import Citation
    return [Citation(r.task, r.clause, f"{r.title}（企业台账）", "ledger_rule", {"rule": r.id})
            for r in load_rules(root) if r.task and r.severity != "notice"]
