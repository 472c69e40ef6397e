"""What the assessment pages and API show, confined to the caller's scope."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from lantian import db
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.assessment import letters as letter_service
from lantian.assessment.progress import progress
from lantian.assessment.ranking import rank_units
from lantian.assessment.targets import targets
from lantian.assessment.networks import official_stations
from lantian.assessment.units import unit_names
from lantian.standards import period as ref
from lantian import attachments
from lantian.assessment.models import Letter
from lantian.assessment.sand_dust import days_by_unit
from lantian.errors import Forbidden, NotFound, UsageError


def latest_data_day(store, as_of: dt.date) -> dt.date:
    """The as-of date, or the end of the last month with data before it (docs/architecture.md "Time": data pages
    default to the latest date that has data)."""
    import calendar
    months = store.months()
    if not months:
        return as_of
    y, m = months[-1]
    return min(as_of, dt.date(y, m, calendar.monthrange(y, m)[1]))


def _visible(scope: Scope, unit: str) -> bool:
    return scope.city_wide or unit == scope.unit


def _letter_visible(scope: Scope, unit: str) -> bool:
    """A warning letter is the county's and the city's: not its enterprises' (accounts/policy.py, ``letters``)."""
    return policy.may(scope, "read", "letters", policy.Record(unit=unit))


def visible_rows(scope: Scope, rows: list[dict]) -> list[dict]:
    """The rows of units ``scope`` sees (rows computed for the city office, then confined)."""
    return [r for r in rows if _visible(scope, r["unit"])]


def sand_dust_days(url: str, units, start: dt.date, end: dt.date):
    """沙尘天气 days entered for ``units`` from ``start`` to ``end`` (unit → dates), None when there are none."""
    with db.session(url) as s:
        days = days_by_unit(s, list(units), start, end)
    return days if any(days.values()) else None


def ranking(scope: Scope, store, con, p: ref.Period, yoy: bool = False, daily=None, *, config=None,
            members=None) -> list[dict]:
    """The counties ranked for ``p`` (the ranks are over every county); a county sees its own row.
    Each county's figure is formed from its assessment stations (:func:`official_stations` by the rule
    of ``config``, or ``members`` already found); ``daily``: the counties' daily values, already
    computed (:func:`rank_units`)."""
    members = (members or official_stations(scope.url, config)).local()
    previous = ref.same_period_last_year(p) if yoy else None
    result = rank_units(store, members, p, con, previous=previous, daily=daily,
                        sand_dust=sand_dust_days(scope.url, members.units, (previous or p).start, p.end))
    rows = []
    for r in result.table.to_pylist():
        if _visible(scope, r["unit"]):
            r["name"] = members.names.get(r["unit"], r["unit"])
            rows.append(r)
    return rows


def progress_rows(scope: Scope, store, con, day: dt.date, rule=None, findings=None, daily=None, *, config=None,
                  members=None):
    """序时进度 of every unit ``scope`` sees on ``day``, against its targets, with the sand-dust days
    entered deducted and the plan's ``findings`` (found on ``day`` too); and those sand-dust days (None
    when none). Figures from the units' assessment stations (:func:`official_stations` by the rule of
    ``config``, or ``members`` already found); ``daily``: the units' daily values from 1 January of the
    year before, already computed."""
    members = members or official_stations(scope.url, config)
    members = members.only(u for u in members.units if _visible(scope, u))
    with db.session(scope.url) as s:
        t = targets(s, day.year, list(members.units))
    dust = sand_dust_days(scope.url, members.units, dt.date(day.year - 1, 1, 1), day)
    kw = {} if rule is None else {"rule": rule}
    rows = progress(store, members, members.names, day, t, con, sand_dust=dust, findings=findings or None,
                    daily=daily, **kw)
    return rows, dust


def unit_progress(scope: Scope, store, con, day: dt.date, rule=None, findings=None, *, config=None) -> list[dict]:
    return [p.as_dict() for p in progress_rows(scope, store, con, day, rule, findings, config=config)[0]]


def letters(scope: Scope, root: Path | None = None) -> list[dict]:
    """The letters the caller may see; ``root`` (the workspace) to say which have a PDF copy."""
    names = unit_names(scope.url)
    with db.session(scope.url) as s:
        return [{"id": r.id, "kind": r.kind, "unit": r.unit_code, "name": names.get(r.unit_code, r.unit_code),
                 "assessed_on": r.assessed_on.isoformat(), "status": r.status, "doc_number": r.doc_number,
                 "document": _document(scope, r), "pdf": _has_pdf(scope, r, root),
                 "rectification_due": r.rectification_due.isoformat() if r.rectification_due else None,
                 "created_by": r.created_by, "synthetic": bool(r.synthetic)}
                for r in letter_service.letters(s) if _letter_visible(scope, r.unit_code)]


def _document(scope: Scope, row) -> str | None:
    """The letter's .docx path; a 约谈建议 lists every county concerned, so only the city sees it."""
    if row.kind == "interview" and not scope.city_wide:
        return None
    return row.document


def _has_pdf(scope: Scope, row, root: Path | None) -> bool:
    path = _document(scope, row)
    return bool(path) and root is not None and (root / path).with_suffix(".pdf").is_file()


def advance_letter(s, root: Path, scope: Scope, letter_id: int, status: str,
                   report: tuple[str, bytes] | None = None, *, on_paper: bool = False):
    """Move a letter on (draft → issued → received → rectified) as ``scope``'s principal — the one call the
    page and ``lantian letter advance [--as NAME]`` make. Who takes which step is the policy's
    (:data:`lantian.accounts.policy.LETTER_STEPS`: the office issues, the addressed county receives and
    reports its rectification); ``on_paper``: the office records a step taken on paper (the command line
    without ``--as``). A rectification needs its report, attached as evidence. Outside the caller's
    scope the letter does not exist (NotFound)."""
    row = s.get(Letter, letter_id)
    if row is None or not _letter_visible(scope, row.unit_code):
        raise NotFound(f"no letter {letter_id}")
    steps = policy.LETTER_STEPS.get(status)
    if steps is None:
        raise UsageError(f"status is one of {', '.join(policy.LETTER_STEPS)}")
    by_office = on_paper and scope.who.role in policy.OFFICE
    if not by_office and (scope.who.role not in steps
                          or not policy.may(scope, "write", "letters", policy.Record(unit=row.unit_code))):
        raise Forbidden("这一步不由你的角色办理 (not your step)")
    if status == "rectified" and not (report and report[1]):
        raise UsageError("整改报告必须作为附件上传 (a rectified letter needs its rectification report: "
                         "--report FILE on the command line)")
    row = letter_service.advance(s, letter_id, status, actor=scope.who.username)
    if report and report[1]:
        attachments.add(s, root, entity="letter", entity_id=str(letter_id), filename=report[0] or "report",
                        data=report[1], actor=scope.who.username, role=scope.who.role, scope_unit=row.unit_code)
    return row


def letter(scope: Scope, letter_id: int):
    with db.session(scope.url) as s:
        row = s.get(Letter, letter_id)
        if row is None or not _letter_visible(scope, row.unit_code):
            return None
        return {"id": row.id, "unit": row.unit_code, "document": _document(scope, row), "kind": row.kind}
