"""秋冬季差异化错峰生产 as a record (task 21): the office issues the season's calendar (the enterprises of
the listed industries, each with its grade, the grade applied — 20 km of the centre, 市区规划区 — and its
measure, frozen at issue, and a notice); each line is delivered (送达) and acknowledged (签收). The plan's
task 21 is measured from these records: who received and acknowledged the calendar in force.

Who does what (docs/architecture.md "Roles and scope"): the city office issues; an enterprise records receipt of and
acknowledges its own line; a county records delivery and paper acknowledgements for the enterprises of
its county; the city-wide roles read all lines, a county its county's, an enterprise its own.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian import audit
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing
from lantian.emergency import seasonal
from lantian.emergency.models import CalendarEnterprise, StaggeredCalendar
from lantian.documents.office import Office, office_of
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.plan.service import plan_title
from lantian.documents import render_docx
from lantian.documents.content import Heading, OfficialDocument, Paragraph, Table
from lantian.emergency import service
from lantian.enterprises import service as ledgers

MANAGE = policy.OFFICE


def issue(s: Session, root: Path | None, scope: Scope, season: int, *, on: dt.date, config: dict | None = None,
          synthetic: bool = False) -> StaggeredCalendar:
    """Issue (or issue again) the season's calendar on day ``on``: every line as
    :func:`lantian.emergency.service.staggered` computes it, and the notice (.docx when ``root`` is given)."""
    policy.require(scope, "approve", "emergency", refusal="错峰生产计划由市大气办下达 (the city office issues the calendar)")
    rows = service.staggered(s, scope, season, config)
    if not rows:
        raise UsageError(f"no enterprise of the staggered industries in the ledger for the {season} season")
    settings = seasonal.settings(config, "staggered", seasonal.STAGGERED)
    profiles = {r["enterprise_id"]: r for r in rows}
    _, zone = service.planning_area(s, ledgers.profiles(s, list(profiles)), config)
    first = rows[0]
    cal = StaggeredCalendar(season=season, issued_on=on, start=dt.date.fromisoformat(first["start"]),
                            end=dt.date.fromisoformat(first["end"]), rule=json.dumps(settings, ensure_ascii=False),
                            planning_area=zone, synthetic=synthetic, issued_by=scope.who.username, issued_at=now_utc())
    s.add(cal)
    s.flush()
    office = office_of(s, config)
    cal.doc_number = office.number("发", on.year, f"错峰{cal.id}")
    for r in rows:
        s.add(CalendarEnterprise(calendar_id=cal.id, enterprise_id=r["enterprise_id"], county_code=r["county"],
                                 grade=None if r["grade"] == "未评级" else r["grade"], applied_grade=r["applied_grade"],
                                 measure=r["measure"], notes=json.dumps(r["notes"], ensure_ascii=False),
                                 planning_area=r["planning_area"]))
    if root is not None:
        counties = {code: name for name, code in ledgers.county_lookup(s).items() if name != code}
        cal.document = _notice(root, cal, rows, counties, office, plan_title(s, on))
    audit.record(s, actor=scope.who.username, action="issue", entity="staggered_calendar", entity_id=str(cal.id),
                 after={"season": season, "issued_on": on.isoformat(), "enterprises": len(rows),
                        "planning_area": zone})
    return cal


def _notice(root: Path, cal: StaggeredCalendar, rows: list[dict], counties: dict[str, str], office: Office,
            plan: str) -> str:
    table = [["企业", "县区", "分级", "执行", "措施", "说明"]]
    for r in rows:
        table.append([r["name"], counties.get(r["county"] or "", r["county"] or ""), r["grade"], r["applied_grade"] or "",
                      r["measure"], "；".join(r["notes"])])
    doc = OfficialDocument(
        title=f"关于下达{cal.season}—{cal.season + 1}年秋冬季差异化错峰生产计划的通知",
        recipients=office.addressees("有关企业"),
        blocks=[Paragraph(f"按照《{plan}》任务21，以钢铁、水泥等高排放行业为重点，按企业环保"
                          f"绩效水平和所处位置实施差异化错峰生产。错峰时段：{cal.start.year}年{cal.start.month}月{cal.start.day}日至"
                          f"{cal.end.year}年{cal.end.month}月{cal.end.day}日。"
                          + (f"位于{cal.planning_area}内的企业从严执行（任务2）。" if cal.planning_area else "")),
                Heading("企业错峰生产安排"), Table(table, caption="错峰生产计划", widths=[3, 1.6, 1.4, 1.4, 3, 3.4]),
                Heading("工作要求"),
                Paragraph("各企业收到本通知后在lantian系统中签收；各县区负责送达并督促落实，对未签收企业逐一送达。")],
        issuer=office.issuer, issuer_mark=office.issuer,
        date=cal.issued_on, red_head=True, doc_number=cal.doc_number)
    out = root / "staggered" / f"{cal.season}-错峰生产计划-{cal.id}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx("document", doc, out)
    return str(out.relative_to(root))


def _line(s: Session, scope: Scope, calendar_id: int, enterprise_id: int | None) -> CalendarEnterprise:
    if s.get(StaggeredCalendar, calendar_id) is None:
        raise NotFound("no such calendar")
    role = scope.who.role
    if role == "enterprise":
        enterprise_id = scope.who.enterprise_id
    elif enterprise_id is None:
        raise UsageError("name the enterprise (enterprise_id)")
    line = s.scalar(sa.select(CalendarEnterprise).where(CalendarEnterprise.calendar_id == calendar_id,
                                                        CalendarEnterprise.enterprise_id == enterprise_id))
    if line is None or not _sees(scope, line):
        raise NotFound("this enterprise is not on the calendar")
    return line


def receive(s: Session, scope: Scope, calendar_id: int, enterprise_id: int | None = None) -> str:
    """送达: the calendar reached the enterprise — the enterprise, its county or the office records it."""
    if scope.who.role not in {"enterprise", "county"} | MANAGE:
        raise Forbidden("送达由企业、县区或市大气办登记 (enterprises, counties and the office record delivery)")
    line = _line(s, scope, calendar_id, enterprise_id)
    if line.received_at is None:
        line.received_by, line.received_at = scope.who.username, now_utc()
        audit.record(s, actor=scope.who.username, action="receive", entity="staggered_calendar",
                     entity_id=f"{calendar_id}:{line.enterprise_id}", scope_unit=line.county_code)
    return "received"


def acknowledge(s: Session, scope: Scope, calendar_id: int, enterprise_id: int | None = None) -> str:
    """签收: the enterprise acknowledges its line (a county may record a paper acknowledgement of an
    enterprise of its county); acknowledging marks it delivered too."""
    if scope.who.role not in ("enterprise", "county"):
        raise Forbidden("错峰生产计划由企业签收，县区可登记企业的书面签收 (enterprises and counties acknowledge)")
    line = _line(s, scope, calendar_id, enterprise_id)
    now = now_utc()
    if line.received_at is None:
        line.received_by, line.received_at = scope.who.username, now
    if line.acknowledged_at is None:
        line.acknowledged_by, line.acknowledged_at = scope.who.username, now
        audit.record(s, actor=scope.who.username, action="acknowledge", entity="staggered_calendar",
                     entity_id=f"{calendar_id}:{line.enterprise_id}", scope_unit=line.county_code)
    return "acknowledged"


def _sees(scope: Scope, line: CalendarEnterprise) -> bool:
    """An enterprise sees its own line, a county its county's, the city-wide roles all (the policy)."""
    return policy.may(scope, "read", "emergency", policy.Record(unit=line.county_code, enterprise_id=line.enterprise_id))


def _when(value: dt.datetime | None) -> str | None:
    return to_beijing(value).strftime("%Y-%m-%d %H:%M") if value else None


def detail(s: Session, scope: Scope, calendar_id: int) -> dict:
    """One issued calendar: its lines the caller may see, each delivered / acknowledged or not, and the counts."""
    cal = s.get(StaggeredCalendar, calendar_id)
    if cal is None:
        raise NotFound("no such calendar")
    names = {i: p["name"] for i, p in ledgers.profiles(s).items()}
    counties = {code: name for name, code in ledgers.county_lookup(s).items() if name != code}
    lines = [x for x in s.scalars(sa.select(CalendarEnterprise).where(CalendarEnterprise.calendar_id == cal.id)
                                  .order_by(CalendarEnterprise.county_code, CalendarEnterprise.enterprise_id))
             if _sees(scope, x)]
    rows = [{"enterprise_id": x.enterprise_id, "name": names.get(x.enterprise_id), "county": x.county_code,
             "county_name": counties.get(x.county_code or "", x.county_code),
             "grade": x.grade or "未评级", "applied_grade": x.applied_grade, "measure": x.measure,
             "notes": json.loads(x.notes), "planning_area": x.planning_area,
             "received_by": x.received_by, "received_at": _when(x.received_at),
             "acknowledged_by": x.acknowledged_by, "acknowledged_at": _when(x.acknowledged_at)} for x in lines]
    return {"id": cal.id, "season": cal.season, "issued_on": cal.issued_on.isoformat(), "start": cal.start.isoformat(),
            "end": cal.end.isoformat(), "doc_number": cal.doc_number,
            "document": cal.document if policy.sees_whole_city(scope) else None,       # it lists every enterprise
            "planning_area": cal.planning_area, "synthetic": cal.synthetic,
            "ack_deadline": ack_deadline(cal).isoformat(), "enterprises": rows, "listed": len(rows),
            "received": sum(1 for r in rows if r["received_at"]),
            "acknowledged": sum(1 for r in rows if r["acknowledged_at"])}


def ack_deadline(cal: StaggeredCalendar) -> dt.date:
    """签收期限: ``ack_days`` ⚠ after the issue day, as set when it was issued."""
    days = int(json.loads(cal.rule).get("ack_days", seasonal.STAGGERED["ack_days"]))
    return cal.issued_on + dt.timedelta(days=days)


def calendars(s: Session, scope: Scope) -> list[dict]:
    """Every issued calendar, newest first, as the caller may see it."""
    return [detail(s, scope, c) for c in s.scalars(sa.select(StaggeredCalendar.id)
                                                  .order_by(StaggeredCalendar.id.desc()))]


def in_force(s: Session, on: dt.date) -> StaggeredCalendar | None:
    """The calendar the office relies on at ``on``: the latest issued on or before it."""
    return s.scalars(sa.select(StaggeredCalendar).where(StaggeredCalendar.issued_on <= on)
                     .order_by(StaggeredCalendar.issued_on.desc(), StaggeredCalendar.id.desc()).limit(1)).first()
