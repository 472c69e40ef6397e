"""臭氧污染应急响应 (task 20) as a record, alike to a heavy-pollution warning (:class:`Alert`): issued by the
city office from a forecast whose days trigger it (:func:`lantian.emergency.seasonal.ozone_days`), with
its notice (.docx), each concerned enterprise's measure for the hours 10:00–18:00 (⚠ ``[emergency.ozone]
hours``) and the plan's city-wide controls with their lead departments — among them 加油站错时加油
(鼓励加油站出台错时加油优惠政策) and 露天烧烤 (市区建成区及县城建成区内严禁露天烧烤) — each acknowledged:
an enterprise its own measure, a department its controls, a county for its county; lifted by the office.
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
from lantian.emergency.models import OzoneCountyAck, OzoneMeasure, OzoneResponse
from lantian.enterprises import service as ledgers
from lantian.documents.office import Office, office_of
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.plan.service import plan_title
from lantian.documents import render_docx
from lantian.documents.content import Heading, OfficialDocument, Paragraph, Table
from lantian.emergency import seasonal

MANAGE = policy.OFFICE
#: who records the 核查 of an enterprise's measure: the office, inspectors, and a county for its own enterprises
VERIFY = MANAGE | {"inspector", "county"}
#: 行动计划 任务20 的全市管控措施 and the department that leads each (the task names 市生态环境局、市工信局、
#: 市城市管理局、市交通运输局、市商务局按职责分工牵头)
CONTROLS = (
    ("户外涂装", "严禁户外涂装作业和城市建成区建筑墙体涂刷（每日{hours}）", "cgj"),
    ("户外工程避峰", "道路划线、栏杆喷涂、道路沥青铺装等户外工程高温时段（每日{hours}）避峰作业", "jtysj"),
    ("生活源错时", "引导汽车维修、干洗等涉挥发性有机物生活污染源高温时段（每日{hours}）避峰作业", "sthjj"),
    ("加油站错时加油", "鼓励加油站出台错时加油优惠政策，引导公众错时加油", "swj"),
    ("露天烧烤", "市区建成区及县城建成区内严禁露天烧烤", "cgj"),
)


def _hours(config: dict | None) -> str:
    return seasonal.settings(config, "ozone", seasonal.OZONE)["hours"].replace("-", "—")


def issue(s: Session, root: Path, scope: Scope, start: dt.date, forecast_o3_8h: list[float],
          config: dict | None = None) -> OzoneResponse:
    """Issue the response for the forecast days from ``start`` (HJ 633 O3-8h IAQI of each day's rule set)."""
    policy.require(scope, "approve", "emergency", refusal="臭氧应急由市大气办启动 (the city office issues it)")
    days = seasonal.ozone_days(start, forecast_o3_8h, config)
    triggered = [d for d in days if d.triggered]
    if not triggered:
        trigger = seasonal.settings(config, "ozone", seasonal.OZONE)["iaqi_above"]
        raise UsageError(f"no forecast day has an O3-8h IAQI above {trigger}: no ozone response")
    if s.scalar(sa.select(OzoneResponse.id).where(OzoneResponse.state == "active")) is not None:
        raise UsageError("an ozone response is already active: lift it first")
    hours = _hours(config)
    trigger = seasonal.settings(config, "ozone", seasonal.OZONE)["iaqi_above"]
    r = OzoneResponse(start=triggered[0].day, end=triggered[-1].day, hours=hours, state="active",
                      forecast=json.dumps([{"day": d.day.isoformat(), "o3_8h": d.o3_8h, "iaqi": d.iaqi,
                                            "triggered": d.triggered} for d in days], ensure_ascii=False),
                      trigger=f"O3-8h IAQI > {trigger}（可配置）", issued_by=scope.who.username, issued_at=now_utc())
    s.add(r)
    s.flush()
    office = office_of(s, config)
    r.doc_number = office.number("发", start.year, f"O{r.id}")
    schedule = seasonal.ozone_schedule(list(ledgers.profiles(s).values()), ledgers.voc_enterprises(s), config)
    for e in schedule:
        s.add(OzoneMeasure(response_id=r.id, kind="enterprise", enterprise_id=e["enterprise_id"], county_code=e["county"],
                           name=e["name"], measure=e["measure"]))
    for name, text, dept in CONTROLS:
        s.add(OzoneMeasure(response_id=r.id, kind="control", department_code=dept, name=name,
                           measure=text.format(hours=hours)))
    s.flush()
    r.document = _notice(s, root, r, days, schedule, office)
    audit.record(s, actor=scope.who.username, action="issue", entity="ozone_response", entity_id=str(r.id),
                 after={"start": r.start.isoformat(), "end": r.end.isoformat(), "enterprises": len(schedule)})
    return r


def _notice(s: Session, root: Path, r: OzoneResponse, days, schedule: list[dict], office: Office) -> str:
    names = dict(s.execute(sa.text("SELECT code, name FROM departments")).all())
    said = "、".join(f"{d.day.month}月{d.day.day}日O3-8h {d.o3_8h:g}微克/立方米（IAQI {d.iaqi}）" for d in days)
    rows = [["企业", "县区", "行业", f"每日{r.hours}措施"]] + [[e["name"], e["county"] or "", e["industry"], e["measure"]]
                                                       for e in sorted(schedule, key=lambda x: (x["county"] or "", x["name"]))]
    controls = [["管控事项", "措施", "牵头部门"]] + [[m.name, m.measure, names.get(m.department_code, m.department_code)]
                                           for m in s.scalars(sa.select(OzoneMeasure).where(
                                               OzoneMeasure.response_id == r.id, OzoneMeasure.kind == "control"))]
    doc = OfficialDocument(
        title="关于启动臭氧污染应急响应的通知", recipients=office.addressees("市直各有关单位"),
        blocks=[Paragraph(f"据预测：{said}。依据《{plan_title(s, r.start)}》任务20（{r.trigger}），经研究，决定"
                          f"{r.start.month}月{r.start.day}日至{r.end.month}月{r.end.day}日启动臭氧污染应急响应。"),
                Heading("工业企业错时生产"),
                Paragraph("化工、焦化等不可中断工序的涉挥发性有机物工段通过压减负荷、错时出焦等方式降低污染排放；可中断的"
                          f"工业涂装、包装印刷等行业实施涉挥发性有机物排放工序高温时段（每日{r.hours}）错时生产。"),
                Table(rows, caption="企业措施", widths=[3, 1.2, 1.2, 4.6]),
                Heading("全市管控措施"),
                Table(controls, caption="管控事项与牵头部门", widths=[2, 5, 2]),
                Heading("工作要求"),
                Paragraph("各县区、各有关部门立即组织落实并签收，每日报送措施落实情况；响应解除另行通知。")],
        issuer=office.issuer, issuer_mark=office.issuer,
        date=r.start, red_head=True, doc_number=r.doc_number)
    out = Path(root) / "alerts" / f"{r.start.isoformat()}-臭氧应急-{r.id}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx("document", doc, out)
    return str(out.relative_to(root))


def lift(s: Session, scope: Scope, response_id: int) -> OzoneResponse:
    policy.require(scope, "approve", "emergency", refusal="臭氧应急由市大气办解除 (the city office lifts it)")
    r = _get(s, response_id)
    if r.state != "active":
        raise UsageError(f"ozone response {r.id} is already lifted")
    r.state, r.lifted_by, r.lifted_at = "lifted", scope.who.username, now_utc()
    audit.record(s, actor=scope.who.username, action="lift", entity="ozone_response", entity_id=str(r.id),
                 before={"state": "active"}, after={"state": "lifted"})
    return r


def _get(s: Session, response_id: int) -> OzoneResponse:
    r = s.get(OzoneResponse, response_id)
    if r is None:
        raise NotFound("no such ozone response")
    return r


def _sees(scope: Scope, m: OzoneMeasure) -> bool:
    role = scope.who.role
    if m.kind == "control":
        return role != "enterprise"
    return policy.may(scope, "read", "emergency", policy.Record(unit=m.county_code, enterprise_id=m.enterprise_id))


def detail(s: Session, scope: Scope, response_id: int) -> dict:
    r = _get(s, response_id)
    fmt = lambda t: to_beijing(t).isoformat(timespec="minutes") if t else None
    measures = [{"id": m.id, "kind": m.kind, "name": m.name, "measure": m.measure, "county": m.county_code,
                 "department": m.department_code, "enterprise_id": m.enterprise_id,
                 "acknowledged_by": m.acknowledged_by, "acknowledged_at": fmt(m.acknowledged_at),
                 "complied": m.complied, "verified_by": m.verified_by, "verified_at": fmt(m.verified_at),
                 "verification_note": m.verification_note}
                for m in s.scalars(sa.select(OzoneMeasure).where(OzoneMeasure.response_id == r.id).order_by(OzoneMeasure.id))
                if _sees(scope, m)]
    acks = {a.county_code: a.acknowledged_by for a in s.scalars(sa.select(OzoneCountyAck).where(
        OzoneCountyAck.response_id == r.id))} if scope.who.role != "enterprise" else {}
    return {"id": r.id, "start": r.start.isoformat(), "end": r.end.isoformat(), "hours": r.hours, "state": r.state,
            "trigger": r.trigger, "forecast": json.loads(r.forecast), "doc_number": r.doc_number, "document": r.document,
            "issued_by": r.issued_by, "issued_at": fmt(r.issued_at), "lifted_at": fmt(r.lifted_at),
            "measures": measures, "county_acks": acks,
            "acknowledged": sum(1 for m in measures if m["acknowledged_by"]), "listed": len(measures)}


def notice(s: Session, scope: Scope, response_id: int) -> dict:
    """The response as its notice shows it (it names every enterprise): the city-wide roles only."""
    policy.require_whole_city(scope, "no such notice")
    return detail(s, scope, response_id)


def responses(s: Session, scope: Scope) -> list[dict]:
    return [detail(s, scope, rid) for rid in s.scalars(sa.select(OzoneResponse.id).order_by(OzoneResponse.id.desc()))]


def acknowledge(s: Session, scope: Scope, response_id: int) -> int:
    """签收: an enterprise its measure, a department its controls, a county the response for its county."""
    r = _get(s, response_id)
    role, n = scope.who.role, 0
    if role == "enterprise":
        rows = s.scalars(sa.select(OzoneMeasure).where(OzoneMeasure.response_id == r.id,
                                                       OzoneMeasure.enterprise_id == scope.who.enterprise_id))
    elif role == "department":
        rows = s.scalars(sa.select(OzoneMeasure).where(OzoneMeasure.response_id == r.id, OzoneMeasure.kind == "control",
                                                       OzoneMeasure.department_code == scope.who.department_code))
    elif role == "county":
        if s.scalar(sa.select(OzoneCountyAck.id).where(OzoneCountyAck.response_id == r.id,
                                                       OzoneCountyAck.county_code == scope.unit)) is None:
            s.add(OzoneCountyAck(response_id=r.id, county_code=scope.unit, acknowledged_by=scope.who.username,
                                 acknowledged_at=now_utc()))
            n = 1
        rows = []
    else:
        raise Forbidden("臭氧应急由企业、县区和牵头部门签收")
    for m in rows:
        if m.acknowledged_at is None:
            m.acknowledged_by, m.acknowledged_at = scope.who.username, now_utc()
            n += 1
    if role in ("enterprise", "department") and n == 0 and not list(s.scalars(sa.select(OzoneMeasure.id).where(
            OzoneMeasure.response_id == r.id, (OzoneMeasure.enterprise_id == scope.who.enterprise_id) if role == "enterprise"
            else (OzoneMeasure.department_code == scope.who.department_code)))):
        raise NotFound("nothing of yours is under this ozone response")
    audit.record(s, actor=scope.who.username, action="acknowledge", entity="ozone_response", entity_id=str(r.id),
                 scope_unit=scope.unit)
    return n


def verify(s: Session, scope: Scope, response_id: int, measure_id: int, complied: bool, note: str = "") -> OzoneMeasure:
    """核查: record whether an enterprise carried out its 10:00–18:00 measure (task 20 "可核查"), by the
    office, an inspector, or the enterprise's county; audited. Only enterprise lines are verified."""
    if scope.who.role not in VERIFY:
        raise Forbidden("核查由市大气办、执法人员或所在县区记录")
    r = _get(s, response_id)
    m = s.get(OzoneMeasure, measure_id)
    if m is None or m.response_id != r.id or not _sees(scope, m):
        raise NotFound("no such measure under this ozone response")
    if m.kind != "enterprise":
        raise UsageError("only an enterprise's measure is verified (the city-wide controls are acknowledged)")
    if len(note) > 2000:
        raise UsageError("the verification note is longer than 2,000 characters")
    before = {"complied": m.complied}
    m.complied, m.verified_by, m.verified_at, m.verification_note = complied, scope.who.username, now_utc(), note or None
    audit.record(s, actor=scope.who.username, action="verify", entity="ozone_measure", entity_id=str(m.id),
                 before=before, after={"complied": complied, "note": note}, scope_unit=scope.unit)
    return m


def records(s: Session, start: dt.date, end: dt.date) -> list[dict]:
    """The responses whose days overlap [start, end], as task 20 measures them: the days each ran (to its
    end, or to the day it was lifted), its enterprise lines, how many acknowledged, were verified and complied."""
    out = []
    for r in s.scalars(sa.select(OzoneResponse).where(OzoneResponse.start <= end, OzoneResponse.end >= start)
                       .order_by(OzoneResponse.start)):
        last = r.end
        if r.lifted_at is not None:
            last = min(last, to_beijing(r.lifted_at).date())
        days = tuple(d for d in (r.start + dt.timedelta(n) for n in range((last - r.start).days + 1)) if start <= d <= end)
        lines = list(s.scalars(sa.select(OzoneMeasure).where(OzoneMeasure.response_id == r.id,
                                                             OzoneMeasure.kind == "enterprise")))
        out.append({"issued_on": to_beijing(r.issued_at).date(), "days": days, "listed": len(lines),
                    "acknowledged": sum(1 for m in lines if m.acknowledged_at is not None),
                    "verified": sum(1 for m in lines if m.complied is not None),
                    "complied": sum(1 for m in lines if m.complied)})
    return out
