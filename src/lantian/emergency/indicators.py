"""The emergency room's measured key results for the plan.

- ``staggered_calendar`` (task 21, 秋冬季差异化错峰生产): the calendar in force on the as-of date (the latest
  issued on or before it, :func:`lantian.emergency.staggered.in_force`) — green when every enterprise on
  it acknowledged it, red when one has not by the 签收期限 (``[emergency.staggered] ack_days`` ⚠ after
  issue), "no data" when none was issued.
- ``ozone_response`` (task 20, 夏季臭氧污染应急管控): the ozone responses of the as-of year up to the as-of
  date, read through :func:`lantian.emergency.service.ozone_response_records` — the days they ran, the
  share of enterprises that acknowledged their 10–18 h measures and the share verified as complying
  (≥ ``[emergency.ozone] compliance_percent`` ⚠, 100); "no data" while no response is recorded.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

from lantian.plan.indicators import Context, Indicator, register
from lantian.plan.status import Measured
from lantian.standards.rounding import round_half_even

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


def _staggered_calendar(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.emergency import staggered
    with db.session(ctx.url) as s:
        cal = staggered.in_force(s, ctx.as_of)
        if cal is None:
            return Measured("staggered_calendar", params, None, "—", f"截至{ctx.as_of}未下达错峰生产计划", ctx.as_of)
        d = staggered.detail(s, Scope.office(ctx.url, "indicator"), cal.id)
    listed, received, acked = d["listed"], d["received"], d["acknowledged"]
    missing = [e["name"] for e in d["enterprises"] if not e["acknowledged_at"]]
    deadline = dt.date.fromisoformat(d["ack_deadline"])
    share = f"{_percent(acked, listed)}%" if listed else "—"
    detail = (f"{d['season']}—{d['season'] + 1}年错峰生产计划（{d['doc_number']}，{d['issued_on']}下达）：企业{listed}家，"
              f"已送达{received}家，已签收{acked}家（{share}），签收期限{deadline}"
              + (f"；未签收：{'、'.join(missing[:5])}" if missing else "")
              + ("（合成数据）" if d["synthetic"] else ""))
    if not missing:
        ok = True
    elif ctx.as_of > deadline:
        ok = False
    else:
        ok = None                                     # still within the time to acknowledge
    return Measured("staggered_calendar", params, ok, f"{acked}/{listed}", detail, ctx.as_of,
                    synthetic=bool(d["synthetic"]))


def _percent(part: int, whole: int) -> str:
    return f"{float(round_half_even(Fraction(part, whole) * 100, 1)):g}"


def _ozone_response(ctx: Context, params: dict) -> Measured:
    from lantian import db
    from lantian.emergency import seasonal, service
    need = Fraction(str(seasonal.settings(ctx.config, "ozone", seasonal.OZONE).get("compliance_percent", 100)))
    start = dt.date(ctx.as_of.year, 1, 1)
    with db.session(ctx.url) as s:
        records = service.ozone_response_records(s, start, ctx.as_of)
    if not records:
        return Measured("ozone_response", params, None, "—",
                        f"{start}至{ctx.as_of}无臭氧污染应急响应记录（无数据）", ctx.as_of)
    days = sorted({d for r in records for d in r.days})
    listed, acked = sum(r.listed for r in records), sum(r.acknowledged for r in records)
    verified, complied = sum(r.verified for r in records), sum(r.complied for r in records)
    ack_ok = acked == listed
    comply = Fraction(complied, verified) * 100 if verified else None
    ok = ack_ok and comply is not None and comply >= need
    detail = (f"{start}至{ctx.as_of}：应急响应{len(records)}次、{len(days)}天；涉及企业{listed}家次，签收{acked}家次；"
              f"核查{verified}家次，落实{complied}家次"
              + (f"（{_percent(complied, verified)}%，要求≥{float(need):g}%）" if verified else "（未核查）")
              + ("（含合成数据）" if any(r.synthetic for r in records) else ""))
    verdict = False if not ack_ok else (ok if verified else None)       # unsigned lines fail; unverified: pending
    return Measured("ozone_response", params, verdict, f"{complied}/{verified}", detail, ctx.as_of,
                    synthetic=any(r.synthetic for r in records))


register(Indicator("staggered_calendar", "错峰生产计划送达签收", (), _staggered_calendar))
register(Indicator("ozone_response", "臭氧污染应急响应落实", (), _ozone_response))


def citations(root, config) -> list:
    """Tasks 20 and 21 measured from the emergency room's records (bound on import, any workspace)."""
    from lantian.plan.indicators import Citation
    return [Citation(21, "任务21：实施秋冬季差异化错峰生产……按照企业环保绩效水平、所处位置，实施差异化错峰生产",
                     "秋冬季错峰生产计划送达、签收（错峰生产计划记录）", "staggered_calendar", {}),
            Citation(20, "任务20：实施夏季臭氧污染应急管控……臭氧污染应急响应期间",
                     "臭氧污染应急响应：签收与核查落实（臭氧应急响应记录）", "ozone_response", {})]
