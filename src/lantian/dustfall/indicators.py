"""Task 14 measured: a county's latest monthly dust fall at or below the threshold is green."""
from __future__ import annotations

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


def _dustfall(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.dustfall.service import latest, threshold
    from lantian.standards.dustfall import published
    unit = str(params["unit"])
    limit = threshold(ctx.config)
    if unit == "all":
        return _all(ctx, params, limit)
    with db.session(ctx.url) as s:
        found = latest(s, unit)
    if found is None:
        return Measured("dustfall", params, None, "—", f"{unit}：无降尘数据", ctx.as_of)
    period, value = found
    shown = published(value)
    return Measured("dustfall", params, shown <= limit, f"{float(shown):g}",
                    f"{period}降尘{float(shown):g}吨/月·平方公里（限值{float(limit):g}）", ctx.as_of)


register(Indicator("dustfall", "月降尘量", ("unit",), _dustfall))


def _all(ctx: Context, params: dict, limit) -> Measured:
    """Every county in the latest bulletin at or below the threshold (task 14 as a whole)."""
    from lantian import db
    from lantian.dustfall.models import DustfallValue
    from lantian.dustfall.service import bulletin
    import sqlalchemy as sa
    with db.session(ctx.url) as s:
        period = s.scalar(sa.select(sa.func.max(DustfallValue.period)))
        if period is None:
            return Measured("dustfall", params, None, "—", "无降尘数据", ctx.as_of)
        b = bulletin(s, period, ctx.config)
    above = b["above"]
    return Measured("dustfall", params, not above, str(len(above)),
                    f"{period}全市降尘均值{b['city']['mean']:g}，" + (f"超限：{'、'.join(above)}" if above
                                                               else f"各县区均不高于{float(limit):g}"), ctx.as_of)


def citations(root, config) -> list:
    """Task 14: 平均降尘量高于7吨／月·平方公里的县区要组织开展降尘专项整治 — every county at or below the threshold."""
    from lantian.plan.indicators import Citation
    return [Citation(14, "任务14：每月通报县区降尘量监测结果，平均降尘量高于7吨／月·平方公里的县区要组织开展降尘专项整治",
                     "各县区月降尘量不高于限值（降尘监测）", "dustfall", {"unit": "all"})]
