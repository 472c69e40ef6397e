"""Task 15 measured (行动计划 任务15 持续强化露天焚烧秸秆防治): green when no fire point of the county
(or the city, ``unit = "all"``) is past its verification deadline unverified, and the latest straw
utilisation rate entered is at or above the target (秸秆综合利用率稳定达到90％以上, ⚠ setting)."""
from __future__ import annotations

import datetime as dt

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


def _fires(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.fires import service
    from lantian.fires.settings import fire_settings
    unit = str(params["unit"])
    st = fire_settings(ctx.config)
    at = min(db.now_utc(), db.to_utc(ctx.as_of + dt.timedelta(days=1)))     # the end of the as-of day
    with db.session(ctx.url) as s:
        late = service.overdue(s, unit, at)
        straw = service.latest_utilisation(s, unit, st.utilisation_target)
        seen = service.any_cases(s, unit)
        name = "全市" if unit == "all" else service.county_names(s).get(unit, unit)
    if not seen and straw is None:
        return Measured("fires", params, None, "—", f"{name}：无火点、无秸秆利用数据", ctx.as_of)
    parts = [f"逾期未核查火点{late}个"]
    ok = late == 0
    if straw is not None:
        year, rate = straw
        parts.append(f"{year}年秸秆综合利用率{rate['rate_percent']:g}%（目标≥{rate['target_percent']:g}%）")
        ok = ok and rate["met"]
    else:
        parts.append("秸秆综合利用率未录入")
    return Measured("fires", params, ok, str(late), f"{name}：" + "，".join(parts), ctx.as_of)


register(Indicator("fires", "秸秆焚烧火点核查与秸秆综合利用率", ("unit",), _fires))


def citations(root, config) -> list:
    """Task 15: fire points verified in time and the straw utilisation rate, city-wide."""
    from lantian.plan.indicators import Citation
    return [Citation(15, "任务15：秸秆综合利用率要稳定达到90％以上……提高秸秆焚烧火点监测精准度",
                     "秸秆焚烧火点按时核查、秸秆综合利用率达标（火点核查）", "fires", {"unit": "all"})]
