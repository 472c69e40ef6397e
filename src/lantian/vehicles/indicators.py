"""Tasks 11 and 23 measured (行动计划 任务11 运输结构, 任务23 门禁系统联网): ``gate_violations`` is green when,
over the last N days up to the as-of date (30 ⚠, ``[vehicles] indicator_days``), no violation found at
the gates is left unresolved and no gate is silent; ``unit`` is a county adcode or ``all``."""
from __future__ import annotations

import datetime as dt

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


def _gate_violations(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.vehicles import service
    from lantian.vehicles.settings import settings
    unit = str(params["unit"])
    end = ctx.as_of
    start = end - dt.timedelta(days=settings(ctx.config).indicator_days - 1)
    with db.session(ctx.url) as s:
        st = service.status(s, Scope.office(ctx.url, "indicator"), start, end, ctx.config,
                            county=None if unit == "all" else unit)
    if not st["gates"]:
        return Measured("gate_violations", params, None, "—", f"{unit}：无联网门禁系统", ctx.as_of)
    unresolved, silent = st["unresolved"], st["silent"]
    detail = (f"{start}至{end}：门禁{st['gates']}个，未处理违规{len(unresolved)}起，停传{len(silent)}个"
              + (f"（{'、'.join(g['enterprise'] for g in silent[:5])}）" if silent else ""))
    return Measured("gate_violations", params, not unresolved and not silent, str(len(unresolved) + len(silent)),
                    detail, ctx.as_of)


register(Indicator("gate_violations", "门禁违规与停传", ("unit",), _gate_violations))


def citations(root, config) -> list:
    """Tasks 11 and 23: the gates of the key freight enterprises, city-wide."""
    from lantian.plan.indicators import Citation
    return [Citation(11, "任务11：加快推进年货运量150万吨以上工矿企业铁路专用线和联运转运衔接设施建设",
                     "重点企业门禁：运输车辆合规、门禁联网（门禁数据）", "gate_violations", {"unit": "all"}),
            Citation(23, "任务23：持续推进门禁系统建设与联网工作，重点用车单位全部按规范要求安装车辆门禁系统并与生态环境部门联网",
                     "重点用车企业门禁：预警期间禁用车辆（门禁数据）", "gate_violations", {"unit": "all"})]
