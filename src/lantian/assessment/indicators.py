"""The assessment room's indicators: a county's schedule progress (序时进度) — its year-to-date PM2.5
and good days against its annual targets, decided by the data (task 22 of the seed plan). Registered
through the plan's one entry point (:mod:`lantian.plan.indicators`)."""
from __future__ import annotations

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


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
                    + ("（合成目标）" if row.synthetic_targets else "") + _covered(row), row.date,
                    synthetic=bool(row.synthetic_targets))


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
