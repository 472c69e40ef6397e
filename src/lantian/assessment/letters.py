"""预警通知函 and 约谈 proposals from schedule progress: drafted as records with their .docx."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.assessment.models import Letter
from lantian.assessment.progress import UnitProgress
from lantian.db import now_utc
from lantian.documents.office import Office, office_of
from lantian.errors import UsageError
from lantian.plan.service import plan_clause
from lantian.assessment.coverage import RULE
from lantian.documents import render_docx
from lantian.documents.letters import (
    WarningLetterContext,
    InterviewCandidate,
    InterviewProposalContext,
    interview_proposal,
    warning_letter,
)
from lantian.documents.pdf import pdf_unavailable, to_pdf
from lantian.standards.progress import BEHIND_CONDITIONS, SERIOUS_CONDITIONS

RECTIFICATION_DAYS = 15          # ⚠ default: the rectification report is due 15 days after issue
STATUSES = ("draft", "issued", "received", "rectified")


@dataclass
class Draft:
    unit: str
    name: str
    kind: str                    # warning | interview
    status: str                  # the progress verdict behind it
    numbers: dict
    letter_id: int | None = None
    document: Path | None = None
    pdf: Path | None = None


def drafts(rows: list[UnitProgress], city: str | None = None) -> list[Draft]:
    """A warning letter for every county or zone behind schedule (never the city itself: the row of level
    ``city``, or the unit ``city``); an interview proposal for the seriously behind."""
    out = []
    for p in rows:
        if p.level == "city" or p.unit == city or p.verdict is None or p.verdict.status == "on_schedule":
            continue
        out.append(Draft(p.unit, p.name, "warning", p.verdict.status, p.as_dict()))
        if p.verdict.status == "seriously_behind":
            out.append(Draft(p.unit, p.name, "interview", p.verdict.status, p.as_dict()))
    return out


def _level(s: Session, unit: str) -> str | None:
    """county | zone | city — what the unit is (a zone's letters go to its 管委会)."""
    return geography.kind_of(s, unit)


def _incomplete(n: dict) -> str:
    """数据不完整：… — the top line of a letter whose figures fall short of the HJ 663 minimums."""
    if n.get("complete", True):
        return ""
    return (f"数据不完整：{n.get('name', '')}{n.get('coverage_problem')}（{RULE}）。本函所列累计数据未达到有效性"
            "要求，仅供参考，不作为考核依据。")


def _letter_context(d: Draft, day: dt.date, number: str, level: str | None = None, office: Office | None = None):
    n = d.numbers
    return WarningLetterContext(
        county=d.name, year=day.year, period_end=day, pm25=n["pm25"], pm25_target=n["pm25_target"],
        good_days=n["good_days"], valid_days=n["aqi_days"], good_ratio_target=n["good_ratio_target"],
        deadline=day + dt.timedelta(days=RECTIFICATION_DAYS), date=day, doc_number=number, level=level,
        pm25_allowance=n["remaining_allowance"], data_note=n.get("coverage_text") or "",
        stations=n.get("stations_text") or "", incomplete=_incomplete(n),
        **({"issuer": office.issuer, "basis": f"根据《{office.city}环境空气质量改善目标考核办法》"} if office else {}))


def _interview_context(found: list[Draft], day: dt.date, number: str, levels: dict | None = None,
                       office: Office | None = None, basis: str | None = None):
    words = {**BEHIND_CONDITIONS, **SERIOUS_CONDITIONS}
    rule = next((d.numbers.get("rule") for d in found if d.numbers.get("rule")), "")
    candidates = [InterviewCandidate(
        county=d.name, reasons=[words.get(r, r) for r in d.numbers.get("reasons", [])],
        level=(levels or {}).get(d.unit),
        pm25=d.numbers.get("pm25"), pm25_target=d.numbers.get("pm25_target"),
        pm25_last_year=d.numbers.get("pm25_last_year"), good_ratio=d.numbers.get("good_ratio"),
        good_ratio_target=d.numbers.get("good_ratio_target"), data_note=d.numbers.get("coverage_text") or "",
        incomplete=None if d.numbers.get("complete", True) else d.numbers.get("coverage_problem")) for d in found]
    return InterviewProposalContext(year=day.year, period_end=day, candidates=candidates, date=day, rule=rule,
                                    doc_number=number, **({"issuer": office.issuer} if office else {}),
                                    **({"basis": basis} if basis else {}))


def _pdf(docx: Path, pdf: bool) -> Path | None:
    if not pdf:
        return None
    return None if pdf_unavailable() else to_pdf(docx)


def issue_drafts(s: Session, root: Path, found: list[Draft], day: dt.date, *, actor: str,
                 pdf: bool = True, synthetic: bool = False, config: dict | None = None) -> list[Draft]:
    """Record each draft (status draft) and write its document under WORKSPACE/letters/: a 预警通知函
    per county behind schedule, one 约谈建议 for all the seriously behind; a PDF copy beside each
    .docx when LibreOffice is installed (``pdf``). ``synthetic``: letters of a demo (演示/合成数据)."""
    folder = root / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    office = office_of(s, config)
    interviews: list[tuple[Draft, Letter]] = []
    for d in found:
        existing = s.scalar(sa.select(Letter).where(Letter.unit_code == d.unit, Letter.kind == d.kind,
                                                    Letter.assessed_on == day))
        if existing is not None:                       # one letter per unit, kind and assessment date
            d.letter_id, d.document = existing.id, (root / existing.document if existing.document else None)
            continue
        row = Letter(kind=d.kind, unit_code=d.unit, assessed_on=day, status="draft",
                     numbers=json.dumps(d.numbers, ensure_ascii=False), created_by=actor, created_at=now_utc(),
                     rectification_due=day + dt.timedelta(days=RECTIFICATION_DAYS), synthetic=synthetic)
        s.add(row)
        s.flush()
        row.doc_number = office.number("函", day.year, row.id)
        if d.kind == "warning" and d.numbers.get("pm25") is not None:
            out = folder / f"{day.isoformat()}-{d.unit}-预警通知函.docx"
            render_docx("letter", warning_letter(_letter_context(d, day, row.doc_number, _level(s, d.unit), office)), out)
            row.document = str(out.relative_to(root))
            d.document = out
            d.pdf = _pdf(out, pdf)
        elif d.kind == "interview":
            interviews.append((d, row))
        d.letter_id = row.id
        audit.record(s, actor=actor, action="draft", entity="letter", entity_id=str(row.id),
                     after={"kind": d.kind, "unit": d.unit, "status": d.status}, scope_unit=d.unit)
    if interviews:                                     # one proposal lists every interview of the day
        out = folder / f"{day.isoformat()}-约谈建议.docx"
        rows = list(s.scalars(sa.select(Letter).where(Letter.kind == "interview", Letter.assessed_on == day)
                              .order_by(Letter.id)))
        listed = [Draft(r.unit_code, json.loads(r.numbers).get("name", r.unit_code), "interview", "",
                        json.loads(r.numbers)) for r in rows]
        levels = {r.unit_code: _level(s, r.unit_code) for r in rows}
        basis = plan_clause(s, day, "约谈")            # the plan in force, in its own words
        render_docx("letter", interview_proposal(_interview_context(listed, day, rows[0].doc_number, levels, office,
                                                                    basis)), out)
        made = _pdf(out, pdf)
        for r in rows:
            r.document = str(out.relative_to(root))
        for d, _ in interviews:
            d.document, d.pdf = out, made
    return found


def advance(s: Session, letter_id: int, status: str, *, actor: str) -> Letter:
    """Move a letter on: draft → issued → received → rectified (audited)."""
    if status not in STATUSES:
        raise UsageError(f"status is one of {', '.join(STATUSES)}")
    row = s.get(Letter, letter_id)
    if row is None:
        raise UsageError(f"no letter {letter_id}")
    if STATUSES.index(status) != STATUSES.index(row.status) + 1:
        raise UsageError(f"letter {letter_id} is {row.status}; it cannot become {status}")
    before = row.status
    row.status = status
    setattr(row, {"issued": "issued_at", "received": "received_at", "rectified": "rectified_at"}[status], now_utc())
    audit.record(s, actor=actor, action=status, entity="letter", entity_id=str(row.id), before={"status": before},
                 after={"status": status}, scope_unit=row.unit_code)
    return row


def letters(s: Session, unit: str | None = None) -> list[Letter]:
    q = sa.select(Letter).order_by(Letter.assessed_on.desc(), Letter.id)
    if unit is not None:
        q = q.where(Letter.unit_code == unit)
    return list(s.scalars(q))
