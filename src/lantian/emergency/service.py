"""What the emergency pages, API and CLI show and do, through the caller's scope.

The reduction list reads each enterprise's grade and industry from the ledgers' service; the
measures come from :mod:`measures`; the level from :mod:`lantian.standards.alerts`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from lantian import audit, geography
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing, to_utc, url_of
from lantian.emergency import measures as M
from lantian.emergency.models import (LEVELS, POLLUTANTS, Alert, AlertEnterprise, Baseline, CityTotal, CountyAck,
                                      ListEntry, Verification)
from lantian.enterprises import service as ledgers
from lantian.documents.office import Office, office_of
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.standards.rounding import round_half_even
from lantian.assessment.networks import official_stations
from lantian.assessment.statistics import area_daily_units
from lantian.documents import render_docx
from lantian.documents.content import Heading, OfficialDocument, Paragraph, Table
from lantian.emergency import seasonal
from lantian.emergency.listfile import pollutant_name, decimal_text
from lantian.emergency.seasonal import stricter
from lantian.emergency.verification import Commitment, VerifySettings, achieved, verify
from lantian.inventory import service as inventory
from lantian.measurements.facility import FacilityStore
from lantian.registers import service as registers
from lantian.registers.settings import register_settings
from lantian.standards import alerts as rules

#: ⚠ default (648号, docs/standards.md §5.3): city-wide reduction required at each level, percent of total emissions
REQUIRED = {"yellow": 10, "orange": 20, "red": 30}
LEVEL_NAMES = {"none": "无预警", "blue": "蓝色预警", "yellow": "黄色预警（Ⅲ级）", "orange": "橙色预警（Ⅱ级）",
               "red": "红色预警（Ⅰ级）"}
MANAGE = policy.OFFICE


def required(config: dict) -> dict[str, int]:
    section = config.get("emergency", {}).get("required_percent")
    return dict(REQUIRED, **section) if section else dict(REQUIRED)


# --------------------------------------------------------------------------- the reduction list
@dataclass(frozen=True)
class Listed:
    """An enterprise on the reduction list with what the list keeps of it (保障类, 一企一策)."""
    enterprise_id: int
    protected: bool = False
    protected_reason: str | None = None
    own_measures: str | None = None


def entries(s: Session) -> list[Listed]:
    """The reduction list: every enterprise whose ledger says 纳入应急减排清单 = 是 (one fact, kept by the
    ledger), with its list particulars."""
    extra = {e.enterprise_id: e for e in s.scalars(sa.select(ListEntry))}
    out = []
    for enterprise_id in sorted(ledgers.listed_ids(s)):
        e = extra.get(enterprise_id)
        out.append(Listed(enterprise_id) if e is None else
                    Listed(enterprise_id, bool(e.protected), e.protected_reason, e.own_measures))
    return out


def list_entry(s: Session, enterprise_id: int) -> Listed:
    e = s.get(ListEntry, enterprise_id)
    return Listed(enterprise_id) if e is None else Listed(enterprise_id, bool(e.protected), e.protected_reason,
                                                            e.own_measures)


def enterprise_measure(table: M.MeasureTable, profile: dict, entry: Listed, level: str,
                       planning_area: bool = False, steps: int = 1) -> dict:
    """The measure an enterprise takes at ``level``: its own (一企一策) if set, the 保障类 exemption,
    or the table's for its industry and grade — ``steps`` grades stricter when it lies inside 市区规划区
    (task 2: 对市区规划区内的重污染企业，实施更为严格的……重污染天气应急减排措施)."""
    if entry.protected:
        return {"text": f"保障类企业，豁免（{entry.protected_reason or '民生保障'}）", "cut": {p: 0 for p in POLLUTANTS},
                "verified": True, "source": "保障类"}
    own = json.loads(entry.own_measures).get(level) if entry.own_measures else None
    if own:
        return {"text": own["text"], "cut": {p: Fraction(str(own.get("cut", 0))) for p in POLLUTANTS},
                "verified": True, "source": "一企一策"}
    grade = stricter(profile["grade"], steps) if planning_area else profile["grade"]
    m = table.lookup(profile["industry"], grade, level)
    if m is None:
        return {"text": "（无适用措施：请补充本行业模板）", "cut": {p: 0 for p in POLLUTANTS}, "verified": False,
                "source": "—"}
    if planning_area:
        return {"text": f"{m.text}（市区规划区内，按{grade or '未评级'}级从严执行）", "cut": m.cut, "verified": m.verified,
                "source": f"{m.source}；任务2市区规划区从严"}
    return {"text": m.text, "cut": m.cut, "verified": m.verified, "source": m.source}


def planning_area(s: Session, profiles: dict[int, dict], config: dict | None = None) -> tuple[set[int] | None, str | None]:
    """The enterprises (by id) inside 市区规划区 — the polygon the registers room keeps ([registers]
    planning_area_zone) — by their ledger location, and the polygon's title; (None, None) without the polygon."""
    zone = registers.zones(s).get(register_settings(config or {}).planning_area_zone)
    if zone is None:
        return None, None
    inside = {i for i, p in profiles.items()
              if p.get("lon") is not None and p.get("lat") is not None and zone.contains(p["lon"], p["lat"])}
    return inside, zone.title


def _planning_steps(config: dict | None) -> int:
    return int(seasonal.settings(config, "staggered", seasonal.STAGGERED)["planning_area_steps"])


def baselines(s: Session) -> dict[int, dict[str, tuple[Fraction, str]]]:
    out: dict[int, dict] = {}
    for b in s.scalars(sa.select(Baseline)):
        out.setdefault(b.enterprise_id, {})[b.pollutant] = (Fraction(b.tonnes), b.source)
    return out


def totals(s: Session, year: int) -> dict[str, tuple[Fraction, str]]:
    return {t.pollutant: (Fraction(t.tonnes), t.source) for t in s.scalars(sa.select(CityTotal)
                                                                          .where(CityTotal.year == year))}


def _county_names(s: Session) -> dict[str, str]:
    """county or zone code → its name (what a page or a notice prints: 潞州区, not 140403)."""
    return geography.names(s)


def reduction(s: Session, scope: Scope, level: str, year: int, root: Path | None = None,
              config: dict | None = None) -> dict:
    """Expected reduction at ``level``, summed over the list, against the city total (docs/standards.md §5.3):
    per pollutant the tonnes a year removed, the share of the total, the share required and the shortfall.
    It names every enterprise: the city-wide roles only (:data:`lantian.accounts.policy.WHOLE_CITY_LISTS`)."""
    policy.require_whole_city(scope, "the reduction list is the city's")
    if level not in LEVELS:
        raise UsageError(f"level is one of {', '.join(LEVELS)}")
    table = M.load(root)
    need = Fraction(required(config or {})[level], 100)
    ents = entries(s)
    prof = ledgers.profiles(s, [e.enterprise_id for e in ents])
    inside, zone = planning_area(s, prof, config)
    steps = _planning_steps(config)
    used = inventory.reduction_inputs(s, year, [e.enterprise_id for e in ents], POLLUTANTS, config)
    base, tot = (used["baselines"], used["totals"]) if used else (baselines(s), totals(s, year))
    names = _county_names(s)
    rows, sums = [], {p: Fraction(0) for p in POLLUTANTS}
    for e in sorted(ents, key=lambda x: (prof[x.enterprise_id]["county"] or "", prof[x.enterprise_id]["name"])):
        p = prof[e.enterprise_id]
        m = enterprise_measure(table, p, e, level, bool(inside and e.enterprise_id in inside), steps)
        cut = {}
        for pol in POLLUTANTS:
            t = base.get(e.enterprise_id, {}).get(pol, (Fraction(0), ""))[0]
            cut[pol] = t * Fraction(m["cut"][pol])
            sums[pol] += cut[pol]
        rows.append({"enterprise_id": e.enterprise_id, "name": p["name"], "county": p["county"],
                     "county_name": names.get(p["county"] or "", p["county"]),
                     "industry": p["industry"], "grade": p["grade"] or "未评级", "measure": m["text"],
                     "verified": m["verified"], "source": m["source"], "protected": e.protected,
                     "planning_area": None if inside is None else e.enterprise_id in inside,
                     "reduction": {k: float(round_half_even(v, 2)) for k, v in cut.items()},
                     "baseline_source": sorted({src for _, src in base.get(e.enterprise_id, {}).values()})})
    check = {}
    for pol in POLLUTANTS:
        total = tot.get(pol)
        share = sums[pol] / total[0] if total and total[0] else None
        check[pol] = {"reduction_t": float(round_half_even(sums[pol], 2)),
                      "total_t": float(total[0]) if total else None, "total_source": total[1] if total else None,
                      "share_percent": None if share is None else float(round_half_even(share * 100, 1)),
                      "required_percent": float(need * 100),
                      "met": None if share is None else share >= need,
                      "shortfall_t": None if share is None or share >= need
                      else float(round_half_even(need * total[0] - sums[pol], 2))}
    return {"level": level, "year": year, "enterprises": rows, "check": check,
            "emissions_source": used["label"] if used else "录入值（无本年度排放清单）",
            "unverified_measures": sum(1 for r in rows if not r["verified"]),
            "planning_area": zone or "未上传市区规划区：规划区内从严（任务2）未判定"}


# --------------------------------------------------------------------------- warnings
def decide(forecast: list[int], ruleset: str):
    from lantian.standards import alerts
    try:
        decision = alerts.level(forecast, ruleset)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return decision


def _rank(level: str) -> int:
    return ("none", "blue", "yellow", "orange", "red").index(level)


def issue(s: Session, root: Path, scope: Scope, forecast: list[int], ruleset: str, *, start: dt.date,
          regional: str | None = None, config: dict | None = None, forecast_run: dict | None = None,
          synthetic: bool = False) -> Alert:
    """Issue a warning from a forecast (or a regional warning adopted): the record, the enterprises
    under it with their measures at the level, and the notice (.docx). ``forecast_run``: the stored
    forecast it relies on (:func:`lantian.forecast.service.get`), named in the record and the notice.
    ``synthetic``: a demo's warning (演示/合成数据), labelled so wherever it is reported."""
    policy.require(scope, "approve", "emergency", refusal="预警由市大气办发布 (the city office issues warnings)")
    decision = decide(forecast, ruleset)
    level = decision.level
    reasons = list(decision.reasons)
    if regional and _rank(regional) > _rank(level):
        level = regional
        reasons.append(f"执行区域{LEVEL_NAMES[regional]}（区域预警优先）")
    if level in ("none", "blue"):
        raise UsageError(f"the forecast {forecast} gives no warning under {ruleset}"
                         + (f" ({'; '.join(decision.reasons)})" if decision.reasons else ""))
    if s.scalar(sa.select(Alert.id).where(Alert.state == "active")) is not None:
        raise UsageError("a warning is already active: lift it (or adjust its level) first")
    days = len(forecast)
    alert = Alert(level=level, ruleset=ruleset, forecast=json.dumps(forecast), reasons=json.dumps(reasons,
                  ensure_ascii=False), regional=regional, start=to_utc(start), expected_end=start + dt.timedelta(days=days - 1),
                  state="active", issued_by=scope.who.username, issued_at=now_utc(),
                  forecast_run_id=forecast_run["id"] if forecast_run else None, synthetic=synthetic)
    s.add(alert)
    s.flush()
    office = office_of(s, config)
    alert.doc_number = office.number("发", start.year, alert.id)
    table = M.load(root)
    ents = entries(s)
    prof = ledgers.profiles(s, [e.enterprise_id for e in ents])
    inside, _ = planning_area(s, prof, config)
    steps = _planning_steps(config)
    listed = []
    for e in ents:
        p = prof[e.enterprise_id]
        m = enterprise_measure(table, p, e, level, bool(inside and e.enterprise_id in inside), steps)
        s.add(AlertEnterprise(alert_id=alert.id, enterprise_id=e.enterprise_id, county_code=p["county"],
                              measures=json.dumps([m["text"]], ensure_ascii=False),
                              cut=json.dumps({k: str(v) for k, v in m["cut"].items()})))
        listed.append((p, m))
    alert.document = _notice(root, alert, listed, forecast, reasons, start, ledgers.county_names(s),
                             source=_forecast_source(forecast_run), office=office)
    audit.record(s, actor=scope.who.username, action="issue", entity="alert", entity_id=str(alert.id),
                 after={"level": level, "ruleset": ruleset, "forecast": forecast, "enterprises": len(listed),
                        "forecast_run": forecast_run["id"] if forecast_run else None,
                        **({"synthetic": True} if synthetic else {})})
    return alert


def _forecast_source(run: dict | None) -> str:
    """The stored forecast a notice relies on, in words (empty without one)."""
    if not run:
        return ""
    return (f"（{run['unit_name']}空气质量预报第{run['id']}号，{run['base_day']}起报，模型{run['model']}，"
            f"数据{run['data_from']}至{run['data_to']}）")


def _notice(root: Path, alert: Alert, listed, forecast, reasons, start: dt.date, names: dict | None = None,
            source: str = "", office: Office | None = None) -> str:
    name = LEVEL_NAMES[alert.level]
    office = office or office_of(object_session(alert))
    rows = [["企业", "县区", "绩效分级", f"{name}措施"]]
    names = _county_names(object_session(alert))
    for p, m in sorted(listed, key=lambda x: (x[0]["county"] or "", x[0]["name"])):
        rows.append([p["name"], (names or {}).get(p["county"] or "", p["county"] or ""), p["grade"] or "未评级",
                     m["text"]])
    days = "、".join(f"{(start + dt.timedelta(days=i)).month}月{(start + dt.timedelta(days=i)).day}日AQI {v}"
                    for i, v in enumerate(forecast))
    doc = OfficialDocument(
        title=f"关于启动重污染天气{name}的通知", recipients=office.addressees("市直各有关单位"),
        blocks=[Paragraph(f"据预测{source}：{days}。依据{alert.ruleset}规则（{'；'.join(reasons)}），经研究，决定自"
                          f"{start.year}年{start.month}月{start.day}日起启动重污染天气{name}。"),
                Heading("应急减排措施"),
                Paragraph("应急减排清单内企业按绩效分级落实下表措施（一企一策）；保障类企业按核定情况执行。"),
                Table(rows, caption="应急减排清单企业措施", widths=[3, 1, 1, 5]),
                Heading("工作要求"),
                Paragraph("各县区、各有关部门立即组织落实，加强执法检查和用电监控核查，每日报送措施落实情况；"
                          "预警解除另行通知。")],
        issuer=office.issuer, issuer_mark=office.issuer,
        date=start, red_head=True, doc_number=alert.doc_number)
    out = root / "alerts" / f"{start.isoformat()}-{alert.level}-预警通知.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    render_docx("document", doc, out)
    return str(out.relative_to(root))


def update(s: Session, root: Path, scope: Scope, alert_id: int, forecast: list[int], *,
           hourly: list[int] | None = None, regional: str | None = None, today: dt.date,
           config: dict | None = None) -> str:
    """A new forecast during a warning: escalate, downgrade, keep or lift (the 36 h rule, with hourly
    values when given), by :func:`lantian.standards.alerts.step`. A new level re-issues the measures
    and the notice; every change is audited. Returns the action."""
    policy.require(scope, "approve", "emergency", refusal="预警由市大气办调整 (the city office adjusts warnings)")
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    if a.state != "active":
        raise UsageError(f"warning {a.id} is lifted")
    try:
        move = rules.step(a.level, forecast, a.ruleset, hourly=hourly, regional=regional)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    before = a.level
    if move.action == "lift":
        a.state, a.lifted_at = "lifted", now_utc()
    elif move.action in ("escalate", "downgrade"):
        a.level, a.forecast = move.to_level, json.dumps(forecast)
        a.reasons = json.dumps(list(move.reasons), ensure_ascii=False)
        a.expected_end = today + dt.timedelta(days=len(forecast) - 1)
        table = M.load(root)
        prof = ledgers.profiles(s)
        inside, _ = planning_area(s, prof, config)
        steps = _planning_steps(config)
        listed = []
        for row in s.scalars(sa.select(AlertEnterprise).where(AlertEnterprise.alert_id == a.id)):
            entry = list_entry(s, row.enterprise_id)
            m = enterprise_measure(table, prof[row.enterprise_id], entry, a.level,
                                   bool(inside and row.enterprise_id in inside), steps)
            row.measures = json.dumps([m["text"]], ensure_ascii=False)
            row.cut = json.dumps({k: str(v) for k, v in m["cut"].items()})
            row.acknowledged_by = row.acknowledged_at = None          # the new measures need a new 签收
            listed.append((prof[row.enterprise_id], m))
        a.document = _notice(root, a, listed, forecast, list(move.reasons), today, ledgers.county_names(s))
    audit.record(s, actor=scope.who.username, action=move.action, entity="alert", entity_id=str(a.id),
                 before={"level": before}, after={"level": move.to_level, "forecast": forecast,
                                                  "reasons": list(move.reasons)})
    return move.action


def lift(s: Session, scope: Scope, alert_id: int) -> Alert:
    policy.require(scope, "approve", "emergency", refusal="预警由市大气办解除 (the city office lifts warnings)")
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    if a.state != "active":
        raise UsageError(f"warning {a.id} is already lifted")
    a.state, a.lifted_at = "lifted", now_utc()
    audit.record(s, actor=scope.who.username, action="lift", entity="alert", entity_id=str(a.id),
                 before={"state": "active"}, after={"state": "lifted"})
    return a


def _sees(scope: Scope, row: AlertEnterprise) -> bool:
    """An enterprise sees its own line of a warning, a county its county's, the city-wide roles all."""
    return policy.may(scope, "read", "emergency", policy.Record(unit=row.county_code, enterprise_id=row.enterprise_id))


def _row_record(row: dict) -> policy.Record:
    """The scope of a computed row (``enterprise_id``, ``county``): the reduction list's, the calendar's, the
    ozone schedule's."""
    return policy.Record(unit=row.get("county"), enterprise_id=row.get("enterprise_id"))


def notice(s: Session, scope: Scope, alert_id: int) -> str:
    """The warning notice's path (under the workspace): it lists every enterprise's measures, so the
    city-wide roles only (:data:`lantian.accounts.policy.WHOLE_CITY_LISTS`)."""
    policy.require_whole_city(scope, "no such notice")
    return alert_detail(s, scope, alert_id)["document"]


def alerts(s: Session, scope: Scope) -> list[dict]:
    out = []
    for a in s.scalars(sa.select(Alert).order_by(Alert.id.desc())):
        out.append(alert_detail(s, scope, a.id))
    return out


def alert_detail(s: Session, scope: Scope, alert_id: int) -> dict:
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    prof = ledgers.profiles(s)
    names = _county_names(s)
    rows = []
    for r in s.scalars(sa.select(AlertEnterprise).where(AlertEnterprise.alert_id == a.id)
                       .order_by(AlertEnterprise.county_code, AlertEnterprise.enterprise_id)):
        if _sees(scope, r):
            p = prof.get(r.enterprise_id, {})
            rows.append({"id": r.id, "enterprise_id": r.enterprise_id, "name": p.get("name"), "county": r.county_code,
                         "county_name": names.get(r.county_code, r.county_code), "grade": p.get("grade") or "未评级", "measures": json.loads(r.measures),
                         "acknowledged_by": r.acknowledged_by,
                         "acknowledged_at": to_beijing(r.acknowledged_at).isoformat(timespec="minutes")
                         if r.acknowledged_at else None})
    acks = {c.county_code: c.acknowledged_by for c in s.scalars(sa.select(CountyAck).where(CountyAck.alert_id == a.id))}
    return {"id": a.id, "level": a.level, "level_name": LEVEL_NAMES[a.level], "ruleset": a.ruleset,
            "forecast": json.loads(a.forecast), "reasons": json.loads(a.reasons), "regional": a.regional,
            "lifted_at": to_beijing(a.lifted_at).isoformat() if a.lifted_at else None,
            "start": to_beijing(a.start).date().isoformat(), "expected_end": a.expected_end.isoformat()
            if a.expected_end else None, "state": a.state, "doc_number": a.doc_number, "document": a.document,
            "enterprises": rows, "county_acks": acks if scope.who.role != "enterprise" else {},
            "issued_by": a.issued_by, "synthetic": bool(a.synthetic),
            "acknowledged": sum(1 for r in rows if r["acknowledged_by"]), "listed": len(rows)}


def acknowledge(s: Session, scope: Scope, alert_id: int) -> str:
    """An enterprise acknowledges its measures; a county acknowledges the warning for its county."""
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    role = scope.who.role
    refusal = "预警由企业和县区签收 (enterprises and counties acknowledge)"
    if role == "enterprise":
        row = s.scalar(sa.select(AlertEnterprise).where(AlertEnterprise.alert_id == a.id,
                                                         AlertEnterprise.enterprise_id == scope.who.enterprise_id))
        if row is None:
            raise NotFound("your enterprise is not under this warning")
        policy.require(scope, "write", "emergency", policy.Record(unit=row.county_code, enterprise_id=row.enterprise_id),
                       refusal)
        if row.acknowledged_at is None:
            row.acknowledged_by, row.acknowledged_at = scope.who.username, now_utc()
        unit = row.county_code
    elif role == "county":
        policy.require(scope, "write", "emergency", policy.Record(unit=scope.unit), refusal)
        if s.scalar(sa.select(CountyAck.id).where(CountyAck.alert_id == a.id,
                                                  CountyAck.county_code == scope.unit)) is None:
            s.add(CountyAck(alert_id=a.id, county_code=scope.unit, acknowledged_by=scope.who.username,
                            acknowledged_at=now_utc()))
        unit = scope.unit
    else:
        raise Forbidden(refusal)
    audit.record(s, actor=scope.who.username, action="acknowledge", entity="alert", entity_id=str(a.id),
                 scope_unit=unit)
    return "acknowledged"


# --------------------------------------------------------------------------- list maintenance
def put_on_list(s: Session, enterprise_id: int, *, actor: str, protected: bool = False, reason: str | None = None):
    """Put an enterprise on the list (its ledger's 纳入应急减排清单) with its 保障类 exemption, if any."""
    ledgers.set_emergency_list(s, enterprise_id, True, actor=actor)
    row = s.get(ListEntry, enterprise_id)
    if row is None and not protected:
        return list_entry(s, enterprise_id)
    if row is None:
        row = ListEntry(enterprise_id=enterprise_id, added_by=actor, added_at=now_utc())
        s.add(row)
    row.protected, row.protected_reason = protected, reason
    s.flush()
    return list_entry(s, enterprise_id)


def set_total(s: Session, year: int, pollutant: str, tonnes: str, source: str, *, scope: Scope | None = None,
              actor: str | None = None) -> bool:
    """The city's total annual emission of a pollutant (全社会排放总量, t/a) with its source, entered by the
    city office (``scope``; lantian's own work — the demo — the office's as ``actor``); audited.
    True when it changed."""
    scope = scope or Scope.office(url_of(s), actor or "system")
    policy.require(scope, "approve", "emergency", refusal="全市排放总量由市大气办录入 (the city office enters the totals)")
    actor = scope.who.username
    name = pollutant_name(pollutant or "")
    if name is None:
        raise UsageError(f"pollutant is one of {', '.join(POLLUTANTS)}, not {pollutant!r}")
    pollutant = name
    try:
        value = Fraction(str(tonnes).replace(",", ""))
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{tonnes!r} is not a number of tonnes") from None
    if value <= 0:
        raise UsageError("the city total must be above 0")
    if not (source or "").strip():
        raise UsageError("the city total needs its source (--source: the emission inventory it comes from)")
    source = source.strip()[:128]
    if not 1900 < year < 2200:
        raise UsageError(f"year {year} is not a year")
    row = s.scalar(sa.select(CityTotal).where(CityTotal.year == year, CityTotal.pollutant == pollutant))
    if row is not None and Fraction(row.tonnes) == value and row.source == source:
        return False
    before = None if row is None else row.tonnes
    if row is None:
        row = CityTotal(year=year, pollutant=pollutant)
        s.add(row)
    row.tonnes, row.source, row.updated_by, row.updated_at = str(value), source, actor, now_utc()
    audit.record(s, actor=actor, action="set", entity="emission_total", entity_id=f"{year}-{pollutant}",
                 before={"tonnes": before}, after={"tonnes": row.tonnes, "source": source})
    return True


def city_totals(s: Session) -> list[dict]:
    """Every city total entered: year, pollutant, tonnes (exact decimal), source, who and when."""
    return [{"year": t.year, "pollutant": t.pollutant, "tonnes": decimal_text(Fraction(t.tonnes)), "source": t.source,
             "updated_by": t.updated_by, "updated_at": to_beijing(t.updated_at).isoformat(timespec="minutes")}
            for t in s.scalars(sa.select(CityTotal).order_by(CityTotal.year.desc(), CityTotal.pollutant))]


# --------------------------------------------------------------------------- seasonal control
def ozone(s: Session, scope: Scope, start: dt.date, forecast_o3_8h: list[float], config: dict | None = None) -> dict:
    """臭氧污染应急 (task 20): which forecast days trigger, and each concerned enterprise's schedule (the rows
    of the caller's scope: an enterprise its own, a county its county's)."""
    days = seasonal.ozone_days(start, forecast_o3_8h, config)
    triggered = [d for d in days if d.triggered]
    schedule = policy.readable(scope, "emergency", seasonal.ozone_schedule(
        list(ledgers.profiles(s).values()), ledgers.voc_enterprises(s), config), _row_record) if triggered else []
    trigger = seasonal.settings(config, "ozone", seasonal.OZONE)["iaqi_above"]
    return {"trigger": f"O3-8h IAQI > {trigger}（默认，可配置）",
            "days": [{"day": d.day.isoformat(), "o3_8h": d.o3_8h, "iaqi": d.iaqi, "triggered": d.triggered}
                     for d in days],
            "schedule": schedule, "city_wide": list(seasonal.CITY_WIDE_OZONE) if triggered else []}


@dataclass(frozen=True)
class OzoneResponseRecord:
    """One ozone response (臭氧污染应急响应, task 20) as the plan measures it: the days it ran, the
    enterprises under its 10–18 h measures, how many acknowledged them, and how many of those verified
    complied."""
    issued_on: dt.date
    days: tuple[dt.date, ...]
    listed: int
    acknowledged: int
    verified: int
    complied: int
    synthetic: bool = False


def ozone_response_records(s: Session, start: dt.date, end: dt.date) -> list[OzoneResponseRecord]:
    """The ozone responses that ran between ``start`` and ``end`` (inclusive), from their records
    (:mod:`lantian.emergency.ozone`): one :class:`OzoneResponseRecord` per response whose days overlap."""
    from lantian.emergency import ozone
    return [OzoneResponseRecord(**r) for r in ozone.records(s, start, end)]


def staggered(s: Session, scope: Scope, season_year: int, config: dict | None = None) -> list[dict]:
    """秋冬季错峰生产 (task 21): the season's calendar per enterprise of the listed industries, by grade and
    location (20 km of the centre; inside 市区规划区 stricter again, task 2) — the lines of the caller's scope."""
    prof = ledgers.profiles(s)
    inside, _ = planning_area(s, prof, config)
    plan = seasonal.staggered_plan(sorted(prof.values(), key=lambda p: (p["county"] or "", p["name"])),
                                   season_year, config, planning_area=inside)
    names = _county_names(s)
    return policy.readable(scope, "emergency", [
        {"enterprise_id": x.enterprise_id, "name": x.name, "county": x.county,
         "county_name": names.get(x.county, x.county), "grade": x.grade or "未评级",
         "near": x.near, "planning_area": x.planning_area, "applied_grade": x.applied_grade,
         "start": x.start.isoformat(), "end": x.end.isoformat(), "measure": x.measure, "notes": x.notes}
        for x in plan], _row_record)


# --------------------------------------------------------------------------- verification
def commitments_for(s: Session, alert_id: int, facilities: list[str]) -> tuple[dict, tuple, list[str]]:
    """The verification commitments of a warning for series facilities named ``CREDITCODE:CODE``
    (the enterprise's credit code and the ledger facility code): each facility's cut is its
    enterprise's (the largest over pollutants). Returns (commitments, warning window, unmatched)."""
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    rows = {r.enterprise_id: r for r in s.scalars(sa.select(AlertEnterprise).where(AlertEnterprise.alert_id == a.id))}
    by_code = {p.get("credit_code"): p for p in ledgers.credit_codes(s)}
    out, unmatched = {}, []
    for f in facilities:
        code = f.split(":", 1)[0]
        p = by_code.get(code)
        row = rows.get(p["id"]) if p else None
        if row is None:
            unmatched.append(f)
            continue
        cut = max(Fraction(v) for v in json.loads(row.cut).values())
        out[f] = Commitment(f, float(cut), True)
    start = to_beijing(a.start).replace(tzinfo=None)
    end_day = a.expected_end or start.date()
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time())
    return out, (start, end), unmatched


def suspects_json(suspects) -> list[dict]:
    return [{"facility": x.facility, "kind": x.kind, "severity": x.severity, "hours": x.hours,
             "metric": x.evidence.metric, "unit": x.evidence.unit, "baseline": round(x.evidence.baseline, 2),
             "observed": round(x.evidence.observed, 2),
             "expected_max": None if x.evidence.expected_max is None else round(x.evidence.expected_max, 2),
             "expected_min": None if x.evidence.expected_min is None else round(x.evidence.expected_min, 2),
             "coverage": round(x.evidence.coverage, 3),
             "periods": [[a.isoformat(), b.isoformat()] for a, b in x.evidence.periods]} for x in suspects]


def verify_alert(s: Session, measurements: Path, scope: Scope, alert_id: int, table, *, source: str,
                 synthetic: bool = False) -> dict:
    """应急减排核查 of a warning: the uploaded facility series go into the measurement store (their
    own source, :mod:`lantian.measurements.facility`); the warning is then checked on everything
    stored for its facilities (the baseline week and the warning), and the run is kept."""
    policy.require(scope, "approve", "emergency", refusal="verification is run by the city office")
    import pyarrow as pa
    import pyarrow.compute as pc
    facilities = sorted(set(table.column("facility").to_pylist()))
    matched, window, unmatched = commitments_for(s, alert_id, facilities)
    if not matched:
        raise UsageError(f"none of the file's facilities is under warning {alert_id} (facility = the enterprise's "
                         f"统一社会信用代码:设施编号): {', '.join(unmatched[:5])}")
    store = FacilityStore(measurements)
    stored = store.ingest(table.filter(pc.is_in(table.column("facility"), pa.array(sorted(matched)))))
    first = window[0] - dt.timedelta(days=VerifySettings().baseline_days)
    known = sorted(set(store.read(None, first, window[1]).column("facility").to_pylist()))
    commitments, _, _ = commitments_for(s, alert_id, known)       # every facility of the warning stored so far
    series = store.read(sorted(commitments), first, window[1])
    found = verify(series, commitments, window)
    got = achieved(series, commitments, window)
    run = Verification(alert_id=alert_id, source=source, facilities=len(commitments),
                       unmatched=json.dumps(unmatched, ensure_ascii=False),
                       suspects=json.dumps(suspects_json(found), ensure_ascii=False),
                       achieved=json.dumps(got, ensure_ascii=False), synthetic=synthetic,
                       run_by=scope.who.username, run_at=now_utc())
    s.add(run)
    s.flush()
    audit.record(s, actor=scope.who.username, action="verify", entity="alert", entity_id=str(alert_id),
                 after={"verification": run.id, "source": source, "facilities": len(commitments),
                        "suspects": len(found), "stored": stored.as_dict()})
    s.commit()
    return {**verification_json(run), "stored": stored.as_dict()}


def verification_json(run: Verification, own_code: str | None = None) -> dict:
    """A run as the pages show it; ``own_code`` (an enterprise's credit code) keeps its facilities only."""
    def mine(facility: str) -> bool:
        return own_code is None or facility.split(":", 1)[0] == own_code
    got = {f: v for f, v in json.loads(run.achieved).items() if mine(f)}
    return {"id": run.id, "alert_id": run.alert_id, "source": run.source, "facilities": run.facilities,
            "unmatched": [f for f in json.loads(run.unmatched) if mine(f)],
            "suspects": [x for x in json.loads(run.suspects) if mine(x["facility"])],
            "achieved": got, "summary": achieved_summary(got), "synthetic": run.synthetic,
            "run_by": run.run_by, "run_at": to_beijing(run.run_at).isoformat(timespec="minutes")}


def achieved_summary(got: dict) -> dict:
    """Per metric over the facilities: the share achieved (1 − Σ observed / Σ baseline over the judged
    hours) beside the committed cut averaged the same way (weighted by baseline)."""
    out = {}
    for metric in ("production_kw", "so2_kgh", "nox_kgh", "pm_kgh"):
        rows = [v[metric] for v in got.values() if metric in v]
        base = sum(r["baseline_mean"] * r["hours"] for r in rows)
        if not rows or base <= 0:
            continue
        seen = sum(r["observed_mean"] * r["hours"] for r in rows)
        committed = sum(r["committed_percent"] * r["baseline_mean"] * r["hours"] for r in rows) / base
        out[metric] = {"facilities": len(rows), "achieved_percent": round(100 * (1 - seen / base), 1),
                       "committed_percent": round(committed, 1),
                       "reduced": round((base - seen) / (1000 if metric != "production_kw" else 1), 3),
                       "reduced_unit": "t" if metric != "production_kw" else "kWh"}
    return out


def latest_verification(s: Session, scope: Scope, alert_id: int) -> dict | None:
    """The latest run of a warning, as the caller may see it: the city-wide roles all of it, an
    enterprise its own facilities; counties see their enterprises' facilities."""
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    run = s.scalars(sa.select(Verification).where(Verification.alert_id == alert_id)
                    .order_by(Verification.id.desc()).limit(1)).first()
    if run is None:
        return None
    if scope.who.role == "enterprise":
        code = next((p.get("credit_code") for p in ledgers.credit_codes(s) if p["id"] == scope.who.enterprise_id), None)
        return verification_json(run, own_code=code or "—")
    result = verification_json(run)
    if scope.who.role == "county":
        ours = {i for i, p in ledgers.profiles(s).items()
                if policy.may(scope, "read", "emergency", policy.Record(unit=p["county"], enterprise_id=i))}
        codes = {p["credit_code"] for p in ledgers.credit_codes(s) if p["id"] in ours}
        keep = lambda f: f.split(":", 1)[0] in codes
        result["suspects"] = [x for x in result["suspects"] if keep(x["facility"])]
        result["achieved"] = {f: v for f, v in result["achieved"].items() if keep(f)}
        result["summary"] = achieved_summary(result["achieved"])
        result["unmatched"] = []
    return result


# --------------------------------------------------------------------------- 复盘 (episode review)
def review(s: Session, scope: Scope, store, con, alert_id: int, root: Path | None = None,
           config: dict | None = None) -> dict:
    """After an episode: each day's forecast against the observed city AQI (HJ 633 daily AQI of the
    city's evaluation stations), the level the observed days would have given under the same rule
    set, acknowledgements, and the reduction declared at the level — the city-wide roles' (it names
    every enterprise)."""
    policy.require_whole_city(scope, "the review is the city's")
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound("no such warning")
    forecast = json.loads(a.forecast)
    start = to_beijing(a.start).date()
    end = start + dt.timedelta(days=len(forecast) - 1)
    members = official_stations(url_of(s), config)
    city = members.only([members.city])            # the city's assessment stations, dated
    observed = {}
    if city.units:
        rows = area_daily_units(store, city, start, end, con).table.to_pylist()
        observed = {r["date"]: r["AQI"] for r in rows}
    days = []
    for i, f in enumerate(forecast):
        day = start + dt.timedelta(days=i)
        o = observed.get(day)
        days.append({"day": day.isoformat(), "forecast": f, "observed": o, "error": None if o is None else o - f})
    seen = [d["observed"] for d in days]
    observed_level = decide(seen, a.ruleset).level if seen and all(v is not None for v in seen) else None
    detail = alert_detail(s, scope, alert_id)
    declared = reduction(s, scope, a.level, start.year, root, config)["check"]
    errors = [abs(d["error"]) for d in days if d["error"] is not None]
    return {"id": a.id, "level": a.level, "level_name": LEVEL_NAMES[a.level], "ruleset": a.ruleset, "days": days,
            "observed_level": observed_level, "mean_abs_error": round(sum(errors) / len(errors), 1) if errors else None,
            "coverage": f"{len(errors)}/{len(days)}", "listed": detail["listed"], "acknowledged": detail["acknowledged"],
            "compliance_percent": round(100 * detail["acknowledged"] / detail["listed"], 1) if detail["listed"] else None,
            "county_acks": len(detail["county_acks"]), "declared": declared,
            "verification": latest_verification(s, scope, alert_id), "issuer": office_of(s, config).issuer}


METRIC_NAMES = {"production_kw": "生产用电", "so2_kgh": "SO2排放", "nox_kgh": "NOx排放", "pm_kgh": "颗粒物排放"}


def _achieved_blocks(v: dict | None) -> list:
    if not v:
        return [Paragraph("实际减排：尚无设施用电/CEMS数据，未核算。")]
    rows = [["指标", "承诺削减（%）", "实际削减（%）", "削减量"]] + [
        [METRIC_NAMES.get(m, m), str(x["committed_percent"]), str(x["achieved_percent"]), f"{x['reduced']} {x['reduced_unit']}"]
        for m, x in v["summary"].items()]
    return [Paragraph(f"实际减排按{v['run_at']}核查（{v['facilities']}个设施，预警期间对比前7天同时段基线），"
                      f"疑似违规{len(v['suspects'])}项" + ("（合成数据）" if v["synthetic"] else "") + "。"),
            Table(rows, caption="实际减排", widths=[2, 1, 1, 1])]


def review_docx(r: dict, out: Path) -> Path:
    """The 复盘 as a document through the one document service."""
    rows = [["日期", "预报AQI", "实测AQI", "偏差"]] + [[d["day"], str(d["forecast"]), "—" if d["observed"] is None
                                                         else str(d["observed"]), "—" if d["error"] is None
                                                         else f"{d['error']:+d}"] for d in r["days"]]
    checks = [["污染物", "申报减排比例（%）", "要求（%）", "结论"]] + [
        [p, "—" if c["share_percent"] is None else str(c["share_percent"]), str(c["required_percent"]),
         "—" if c["met"] is None else ("达到" if c["met"] else f"未达到，差{c['shortfall_t']}吨/年")]
        for p, c in r["declared"].items()]
    observed = {None: "实测数据不全", "none": "实测未达到预警条件"}.get(r["observed_level"],
                                                                 LEVEL_NAMES.get(r["observed_level"] or "none"))
    doc = OfficialDocument(
        title=f"重污染天气{r['level_name']}过程复盘", blocks=[
            Paragraph(f"本次预警依据{r['ruleset']}规则发布{r['level_name']}。按实测城市日AQI，同一规则下应为：{observed}；"
                      f"预报平均绝对偏差{r['mean_abs_error'] if r['mean_abs_error'] is not None else '—'}"
                      f"（有效{r['coverage']}天）。"),
            Heading("预报与实测"), Table(rows, caption="逐日预报与实测", widths=[2, 1, 1, 1]),
            Heading("措施落实"),
            Paragraph(f"清单企业{r['listed']}家，签收{r['acknowledged']}家（{r['compliance_percent']}%），"
                      f"县区签收{r['county_acks']}个。"),
            *_achieved_blocks(r.get("verification")),
            Heading("减排核算"), Table(checks, caption="申报减排比例", widths=[1, 2, 1, 2])],
        issuer=r["issuer"])
    out.parent.mkdir(parents=True, exist_ok=True)
    return render_docx("document", doc, out)
