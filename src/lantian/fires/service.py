"""秸秆焚烧火点: import, merge, dispatch, verify, count (行动计划 任务15; docs/standards.md §6.3).

Import. A FIRMS file or a report file (:mod:`lantian.fires.reader`) is read whole first (a bad cell
refuses it, naming file, line and column — nothing stored), then each point is placed with the
workspace's county polygons (the boundary loaded with the station registry; the city is the union
of its counties; :mod:`lantian.measurements.geo`) and, when a township layer is given, its
township. Points outside the city are not kept. A point already imported (same source, satellite,
time and position — the fingerprint) is not imported again, so re-importing a file changes
nothing. A new point within ``merge_distance_km`` and ``merge_hours`` of a detection of an
existing fire is the same fire seen again (another satellite or pass, or a report of it) and joins
that case (single linkage; ⚠ defaults 2 km, 12 h); otherwise it opens a case.

The import summary: ``read`` data rows = ``inside_city`` + ``outside_city`` + bad rows skipped
(``--lenient`` only); ``inside_city`` = ``new_detections`` + ``already_imported`` + points below
``min_confidence``; ``rejected`` = bad rows skipped + points below ``min_confidence``;
``merged_duplicates`` = new detections that joined a fire already known (``new_detections`` −
``new_cases``).

Dispatch. Each case belongs to its county: the county verifies it (核查) by its deadline, counted
from the fire's first detection (``deadline_hours``, ⚠ 24 h), recording the finding — 秸秆焚烧,
工业热源, 误报 or 其他 — with a note, the GPS position where it was checked, who and when; photos go
through the evidence service (:mod:`lantian.attachments`, entity ``fire_case``). A case not verified
by its deadline is 逾期未核查（已升级）: escalated to the city office, computed against the
workspace's as-of moment (the end of the as-of day, or now if earlier; docs/architecture.md "Time").

Statistics. Per county, for a year or a season of it (``[fires.seasons]``), with the same period a
year before and the change (GB/T 8170 round half even, 1 decimal); fire points exclude cases
verified as 误报 or 工业热源 (docs/standards.md §6.3: "counts exclude misjudged points"); per 1 000 ha of
cultivated land when the county entered its area (2 decimals); the plan's four key time slots —
收工时 and 上半夜 are clock windows of the fire's Beijing time, 下雨前 (the rain day and
``rain_days_before`` days before a rain forecast the county entered) and 播种前 (inside a sowing
window the county entered) are date-based; and the straw utilisation rate (秸秆综合利用率 =
utilised / produced, target ≥ 90 %, compared exactly — 全数值比较).

Scope: a county user sees and acts on its county's cases only; the city-wide roles see all (the
office, admins and inspectors act; departments and viewers read); enterprises see none.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian import audit, geography
from lantian.accounts import policy
from lantian.accounts.scope import Scope
from lantian.db import now_utc, to_beijing, to_utc
from lantian.errors import Forbidden, NotFound, UsageError
from lantian.fires import reader
from lantian.fires.models import CalendarEntry, Case, CountyFigure, Detection
from lantian.fires.reader import Observation, decimal_text
from lantian.fires.settings import CONFIDENCE, FireSettings, fire_settings
from lantian.measurements.geo import Area, Boundaries, geometry_polygons, load_geojson
from lantian.standards.rounding import round_half_even
from lantian import attachments

KINDS = {"straw": "秸秆焚烧", "industrial": "工业热源", "false_alarm": "误报", "other": "其他"}
KIND_OF = {**{k: k for k in KINDS}, **{v: k for k, v in KINDS.items()}}
#: not straw fires: left out of the counts (docs/standards.md §6.3 "counts exclude misjudged points")
EXCLUDED = ("false_alarm", "industrial")
STATUS = {"pending": "待核查", "escalated": "逾期未核查（已升级）", "verified": "已核查"}
SOURCES = {"modis": "MODIS", "viirs": "VIIRS", "manual": "人工巡查", "video": "视频监控", "drone": "无人机"}
SLOTS = ("收工时", "上半夜", "下雨前", "播种前")
CALENDAR = {"rain": "降雨预报", "sowing": "播种时段"}
#: the names a calendar entry's kind may be given by
CALENDAR_KINDS = {"rain": "rain", "降雨": "rain", "下雨": "rain", "sowing": "sowing", "播种": "sowing"}
#: roles that verify and report anywhere in the city (a county user: in its own county)
ACTORS = policy.OFFICE | {"inspector"}
#: roles that enter any county's figures and calendar (a county user: its own)
OFFICE = policy.OFFICE
EARTH_RADIUS_KM = 6371.0088


# --------------------------------------------------------------------------- time
def moment(config: dict | None, now: dt.datetime | None = None) -> dt.datetime:
    """The as-of moment overdue is computed against: the end of the workspace's as-of day (24:00
    Beijing), or now if that is earlier; now when no as-of date is set."""
    now = now or now_utc()
    value = (config or {}).get("workspace", {}).get("as_of")
    if value is None:
        return now
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return min(now, to_utc(day + dt.timedelta(days=1)))


def _local(value: dt.datetime) -> dt.datetime:
    return to_beijing(value)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else _local(value).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- places
def county_boundaries(s: Session) -> Boundaries:
    """The workspace's county polygons (as loaded with the station registry)."""
    areas = [Area(code, name, geometry_polygons(geometry, (code, name)))
             for code, name, geometry in geography.polygons(s, "county")]
    if not areas:
        raise UsageError("the workspace has no county boundaries: load them with "
                         "`lantian import stations FILE --boundaries 140400_full.json`")
    return Boundaries(areas)


def township_layer(path: str | Path | None) -> Boundaries | None:
    """A township layer (GeoJSON with a name per feature), when one is given."""
    return None if path is None else Boundaries(load_geojson(path))


def county_names(s: Session) -> dict[str, str]:
    return geography.names(s, "county")


def county_code(s: Session, text: str) -> str:
    """A county of the workspace by adcode or name."""
    code = geography.code_of(s, text, "county")
    if code is not None:
        return code
    names = county_names(s)
    raise UsageError(f"unknown county {text!r}; one of {', '.join(f'{c} {n}' for c, n in sorted(names.items()))}")


def distance_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


# --------------------------------------------------------------------------- scope
def _record(county: str | None) -> policy.Record:
    return policy.Record(unit=county)


def _sees(scope: Scope, county: str | None) -> bool:
    """A fire point of the city's counties: the county its own, the city-wide roles all, enterprises none
    (the policy's ``read`` in ``fires``)."""
    return county is not None and policy.may(scope, "read", "fires", _record(county))


def _may_act(scope: Scope, county: str) -> None:
    """核查 and reports: the county of the point, inspectors, the city office (``write`` in ``fires``)."""
    policy.require(scope, "write", "fires", _record(county),
                   "火点核查由所在县区、执法检查人员或市大气办办理 (the county, inspectors or the city office act)")


def visible_county_names(s: Session, scope: Scope) -> dict[str, str]:
    """The counties (code → name) whose fire points the caller sees."""
    return {c: n for c, n in county_names(s).items() if _sees(scope, c)}


def _may_enter(scope: Scope, county: str) -> None:
    """A county's figures and calendar: the county itself or the city office (not inspectors)."""
    if scope.who.role != "inspector" and policy.may(scope, "write", "fires", _record(county)):
        return
    if scope.who.role == "county":
        raise Forbidden(f"只能录入本县区的耕地面积、秸秆数据和降雨、播种日期，{county} 不是本县区 "
                        f"(a county enters its own figures only; {county} is not yours)")
    raise Forbidden("耕地面积、秸秆数据和降雨、播种日期由县区或市大气办录入 (the county or the city office enters them)")


def _visible_query(scope: Scope):
    q = sa.select(Case)
    if not policy.allows(scope.who.role, "read", "fires"):
        return q.where(sa.false())
    if scope.unit is not None:
        q = q.where(Case.county_code == scope.unit)
    return q


def _case(s: Session, scope: Scope, case_id: int) -> Case:
    c = s.get(Case, case_id) if 0 < case_id < 2**31 else None
    if c is None or not _sees(scope, c.county_code):
        raise NotFound("no such fire point")
    return c


def case_unit(s: Session, scope: Scope, case_id: str) -> str:
    """The county of a case the caller may see (the evidence service's ATTACHABLE lookup)."""
    try:
        number = int(case_id)
    except (TypeError, ValueError):
        raise NotFound("no such fire point") from None
    return _case(s, scope, number).county_code


# --------------------------------------------------------------------------- import
def fingerprint(o: Observation) -> str:
    key = "|".join([o.source, o.satellite or "", o.observed_at.astimezone(dt.timezone.utc).isoformat(),
                    decimal_text(o.lat), decimal_text(o.lon), o.reporter or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _matching_case(s: Session, o: Observation, st: FireSettings) -> Case | None:
    """The fire this point is a further sighting of: a detection within the distance and time window
    (across a county border too: one fire, verified by the county that saw it first)."""
    window = dt.timedelta(hours=st.merge_hours)
    near = s.execute(sa.select(Detection.case_id, Detection.lat, Detection.lon)
                     .where(Detection.observed_at >= o.observed_at - window,
                            Detection.observed_at <= o.observed_at + window)
                     .order_by(Detection.case_id, Detection.id))
    limit = float(st.merge_distance_km)
    for case_id, lat, lon in near:
        if distance_km(o.lat, o.lon, Decimal(lat), Decimal(lon)) <= limit:
            return s.get(Case, case_id)
    return None


def _ingest(s: Session, o: Observation, county: str, township: str | None, st: FireSettings, *, actor: str,
            source_file: str, synthetic: bool, now: dt.datetime) -> tuple[Case, bool]:
    """Store one new detection; (its case, whether the case is new)."""
    case = _matching_case(s, o, st)
    created = case is None
    if created:
        case = Case(county_code=county, township=township, lat=decimal_text(o.lat), lon=decimal_text(o.lon),
                    first_seen=o.observed_at, last_seen=o.observed_at, detections=0, sources=o.source,
                    deadline=o.observed_at + dt.timedelta(hours=st.deadline_hours), state="pending",
                    synthetic=synthetic, created_by=actor, created_at=now)
        s.add(case)
        s.flush()
    else:
        case.first_seen = min(case.first_seen, o.observed_at)
        case.deadline = min(case.deadline, o.observed_at + dt.timedelta(hours=st.deadline_hours))   # from the first sighting
        case.last_seen = max(case.last_seen, o.observed_at)
        if o.source not in case.sources.split(","):
            case.sources = f"{case.sources},{o.source}"
        case.synthetic = case.synthetic and synthetic
    case.detections += 1
    s.add(Detection(fingerprint=fingerprint(o), case_id=case.id, source=o.source, satellite=o.satellite,
                    observed_at=o.observed_at, lat=decimal_text(o.lat), lon=decimal_text(o.lon), county_code=county,
                    township=township, confidence=o.confidence, brightness=o.brightness, frp=o.frp,
                    daynight=o.daynight, reporter=o.reporter, note=o.note, synthetic=synthetic,
                    source_file=source_file[:255], source_line=o.line, imported_by=actor, imported_at=now))
    s.flush()
    return case, created


def _place(bounds: Boundaries, towns: Boundaries | None, o: Observation) -> tuple[str, str | None] | None:
    hit = bounds.assign(float(o.lon), float(o.lat))
    if hit is None:
        return None
    town = towns.assign(float(o.lon), float(o.lat)) if towns is not None else None
    return hit[0], (town[1][:64] if town else None)


def import_file(s: Session, path: str | Path, *, actor: str, config: dict | None = None, lenient: bool = False,
                townships: str | Path | None = None, synthetic: bool = False) -> dict:
    """Import a FIRMS or report file: keep the points inside the city, merge, open cases. Audited."""
    path = Path(path)
    batch = reader.read(path, lenient=lenient)
    st = fire_settings(config)
    bounds = county_boundaries(s)
    towns = township_layer(townships or None)
    x0 = min(a.bbox[0] for a in bounds)
    y0 = min(a.bbox[1] for a in bounds)
    x1 = max(a.bbox[2] for a in bounds)
    y1 = max(a.bbox[3] for a in bounds)
    keep_from = CONFIDENCE.index(st.min_confidence)
    now = now_utc()
    summary = {"file": path.name, "layout": batch.layout, "read": batch.read, "inside_city": 0, "outside_city": 0,
               "rejected": sum(batch.rejected.values()), "rejected_reasons": dict(batch.rejected),
               "new_detections": 0, "already_imported": 0, "merged_duplicates": 0, "new_cases": 0,
               "cases": [], "counties": {}, "notes": list(batch.notes), "errors": list(batch.errors)}
    seen = set(s.scalars(sa.select(Detection.fingerprint).where(Detection.source_file == path.name)))
    for o in sorted(batch.rows, key=lambda o: (o.observed_at, o.line or 0)):
        if not (x0 <= o.lon <= x1 and y0 <= o.lat <= y1):
            summary["outside_city"] += 1
            continue
        placed = _place(bounds, towns, o)
        if placed is None:
            summary["outside_city"] += 1
            continue
        summary["inside_city"] += 1
        grade = o.confidence_class()
        if grade is not None and CONFIDENCE.index(grade) < keep_from:
            summary["rejected"] += 1
            reason = f"confidence below {st.min_confidence}"
            summary["rejected_reasons"][reason] = summary["rejected_reasons"].get(reason, 0) + 1
            continue
        key = fingerprint(o)
        if key in seen or s.scalar(sa.select(Detection.id).where(Detection.fingerprint == key)) is not None:
            summary["already_imported"] += 1
            seen.add(key)
            continue
        seen.add(key)
        case, created = _ingest(s, o, placed[0], placed[1], st, actor=actor, source_file=path.name,
                                synthetic=synthetic, now=now)
        summary["new_detections"] += 1
        if created:
            summary["new_cases"] += 1
            summary["cases"].append(case.id)
            summary["counties"][case.county_code] = summary["counties"].get(case.county_code, 0) + 1
        else:
            summary["merged_duplicates"] += 1
    if summary["new_detections"]:
        audit.record(s, actor=actor, action="import", entity="fire_points", entity_id=path.name[:128],
                     after={k: summary[k] for k in ("read", "inside_city", "new_detections", "merged_duplicates",
                                                     "new_cases", "cases", "rejected")})
    return summary


def add_report(s: Session, scope: Scope, *, time: dt.datetime, lat, lon, source: str, reporter: str,
               note: str | None = None, config: dict | None = None, synthetic: bool = False) -> dict:
    """A fire reported by a patrol, a video camera or a drone (人防、技防): placed, merged, dispatched.
    The same report sent twice changes nothing."""
    kind = reader.report_source(source or "")
    if kind is None:
        raise UsageError(f"source {source!r}: one of manual, video, drone (人工, 视频, 无人机)")
    if not (reporter or "").strip():
        raise UsageError("a report names its reporter")
    when = to_utc(time)
    if when > now_utc() + dt.timedelta(minutes=5):
        raise UsageError(f"{_iso(when)} is in the future")
    o = Observation(source=kind, satellite=None, observed_at=when, lat=_coordinate(lat, "lat", 90),
                    lon=_coordinate(lon, "lon", 180), reporter=reporter.strip()[:64], note=(note or "").strip() or None)
    st = fire_settings(config)
    placed = _place(county_boundaries(s), township_layer(None), o)
    if placed is None:
        raise UsageError(f"({decimal_text(o.lon)}, {decimal_text(o.lat)}) is outside the city's counties")
    _may_act(scope, placed[0])
    existing = s.scalar(sa.select(Detection).where(Detection.fingerprint == fingerprint(o)))
    if existing is not None:
        return {"case": existing.case_id, "created": False, "merged": False, "already_reported": True}
    case, created = _ingest(s, o, placed[0], placed[1], st, actor=scope.who.username, source_file=f"report:{kind}",
                            synthetic=synthetic, now=now_utc())
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="report", entity="fire_case",
                 entity_id=str(case.id), after={"source": kind, "time": _iso(when), "lat": decimal_text(o.lat),
                                                "lon": decimal_text(o.lon), "reporter": o.reporter, "note": o.note,
                                                "new_case": created, "synthetic": synthetic},
                 scope_unit=case.county_code)
    return {"case": case.id, "created": created, "merged": not created, "already_reported": False}


def _coordinate(value, name: str, limit: int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number.copy_abs() > limit:
        raise UsageError(f"{name} {value!r}: decimal degrees between -{limit} and {limit}")
    return number


# --------------------------------------------------------------------------- cases
def status_of(c: Case, at: dt.datetime) -> str:
    if c.state == "verified":
        return "verified"
    return "escalated" if at > c.deadline else "pending"


def _calendars(s: Session) -> dict[str, list[CalendarEntry]]:
    out: dict[str, list[CalendarEntry]] = {}
    for e in s.scalars(sa.select(CalendarEntry).order_by(CalendarEntry.start)):
        out.setdefault(e.county_code, []).append(e)
    return out


def slots_of(when: dt.datetime, entries: list[CalendarEntry], st: FireSettings) -> list[str]:
    """The plan's key time slots a fire at ``when`` falls in (行动计划 任务15: 收工时、上半夜、下雨前、播种前)."""
    local = _local(when)
    minute = local.hour * 60 + local.minute
    day = local.date()
    out = []
    if st.work_end.contains(minute):
        out.append("收工时")
    if st.first_half_night.contains(minute):
        out.append("上半夜")
    if any(e.kind == "rain" and e.start - dt.timedelta(days=st.rain_days_before) <= day <= e.start for e in entries):
        out.append("下雨前")
    if any(e.kind == "sowing" and e.start <= day <= e.end for e in entries):
        out.append("播种前")
    return out


def _row(c: Case, at: dt.datetime, names: dict, entries: list[CalendarEntry], st: FireSettings) -> dict:
    status = status_of(c, at)
    return {"id": c.id, "county": c.county_code, "county_name": names.get(c.county_code, c.county_code),
            "township": c.township, "lat": float(c.lat), "lon": float(c.lon), "first_seen": _iso(c.first_seen),
            "last_seen": _iso(c.last_seen), "detections": c.detections, "sources": c.sources.split(","),
            "source_names": [SOURCES.get(x, x) for x in c.sources.split(",")], "deadline": _iso(c.deadline),
            "status": status, "status_name": STATUS[status], "finding": c.finding,
            "finding_name": KINDS.get(c.finding) if c.finding else None, "finding_note": c.finding_note,
            "finding_lat": None if c.finding_lat is None else float(c.finding_lat),
            "finding_lon": None if c.finding_lon is None else float(c.finding_lon),
            "found_by": c.found_by, "found_at": _iso(c.found_at),
            "late": c.found_at is not None and c.found_at > c.deadline,
            "slots": slots_of(c.first_seen, entries, st), "synthetic": c.synthetic}


def period_bounds(text: str | None) -> tuple[dt.date, dt.date] | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (Beijing dates) as [first day, last day]."""
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 4:
            year = int(text)
            if not 1900 < year < 2200:
                raise ValueError(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(text) == 7:
            first = dt.date.fromisoformat(text + "-01")
            if not 1900 < first.year < 2200:
                raise ValueError(text)
            after = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, after - dt.timedelta(days=1)
        day = dt.date.fromisoformat(text)
        if not 1900 < day.year < 2200:
            raise ValueError(text)
        return day, day
    except ValueError:
        raise UsageError(f"period {text!r}: YYYY, YYYY-MM or YYYY-MM-DD, years 1901–2199") from None


def cases(s: Session, scope: Scope, *, county: str | None = None, status: str | None = None,
          period: str | None = None, config: dict | None = None, at: dt.datetime | None = None) -> list[dict]:
    """The fire cases the caller may see, newest first, filtered by county, status and period."""
    if status and status not in STATUS:
        raise UsageError(f"status {status!r}: one of {', '.join(STATUS)}")
    at = at or moment(config)
    st = fire_settings(config)
    q = _visible_query(scope)
    if county:
        q = q.where(Case.county_code == county_code(s, county))
    bounds = period_bounds(period)
    if bounds:
        q = q.where(Case.first_seen >= to_utc(bounds[0]), Case.first_seen < to_utc(bounds[1] + dt.timedelta(days=1)))
    if status == "verified":
        q = q.where(Case.state == "verified")
    elif status == "pending":
        q = q.where(Case.state == "pending", Case.deadline >= at)
    elif status == "escalated":
        q = q.where(Case.state == "pending", Case.deadline < at)
    names, calendars = county_names(s), _calendars(s)
    return [_row(c, at, names, calendars.get(c.county_code, []), st)
            for c in s.scalars(q.order_by(Case.first_seen.desc(), Case.id.desc()))]


def case_detail(s: Session, scope: Scope, case_id: int, config: dict | None = None,
                at: dt.datetime | None = None) -> dict:
    """One case with its detections and evidence files; may the caller act on it."""
    c = _case(s, scope, case_id)
    at = at or moment(config)
    row = _row(c, at, county_names(s), _calendars(s).get(c.county_code, []), fire_settings(config))
    row["detections_list"] = [
        {"id": d.id, "source": d.source, "source_name": SOURCES.get(d.source, d.source), "satellite": d.satellite,
         "time": _iso(d.observed_at), "time_utc": d.observed_at.strftime("%Y-%m-%d %H:%M"), "lat": float(d.lat),
         "lon": float(d.lon), "confidence": d.confidence, "brightness": d.brightness, "frp": d.frp,
         "daynight": d.daynight, "reporter": d.reporter, "note": d.note, "file": d.source_file,
         "line": d.source_line, "synthetic": d.synthetic}
        for d in s.scalars(sa.select(Detection).where(Detection.case_id == c.id).order_by(Detection.observed_at,
                                                                                          Detection.id))]
    row["photos"] = [{"id": a.id, "filename": a.filename, "size": a.size, "by": a.uploaded_by,
                      "at": _iso(a.uploaded_at)} for a in attachments.of(s, "fire_case", str(c.id))]
    try:
        _may_act(scope, c.county_code)
        row["may_act"] = True
    except Forbidden:
        row["may_act"] = False
    return row


def record_finding(s: Session, scope: Scope, case_id: int, kind: str, *, note: str | None = None,
                   lat=None, lon=None, by: str | None = None, at: dt.datetime | dt.date | None = None) -> dict:
    """核查结果: what the fire was (秸秆焚烧 / 工业热源 / 误报 / 其他), a note, where it was checked (GPS),
    who checked it and when (default now; Beijing time when naive). A later finding corrects the
    earlier one (both in the audit log)."""
    c = _case(s, scope, case_id)
    _may_act(scope, c.county_code)
    finding = KIND_OF.get((kind or "").strip())
    if finding is None:
        raise UsageError(f"finding {kind!r}: one of {', '.join(f'{k} ({v})' for k, v in KINDS.items())}")
    if (lat is None or lat == "") != (lon is None or lon == ""):
        raise UsageError("the GPS position needs both lat and lon")
    gps = None if lat in (None, "") else (_coordinate(lat, "lat", 90), _coordinate(lon, "lon", 180))
    when = to_utc(at) if at is not None else now_utc()
    if when < c.first_seen:
        raise UsageError(f"checked at {_iso(when)}, before the fire was seen ({_iso(c.first_seen)})")
    if when > now_utc() + dt.timedelta(minutes=5):
        raise UsageError(f"checked at {_iso(when)}: in the future")
    before = _finding_json(c)
    c.state, c.finding = "verified", finding
    c.finding_note = (note or "").strip() or None
    c.finding_lat, c.finding_lon = (decimal_text(gps[0]), decimal_text(gps[1])) if gps else (None, None)
    who = scope.who.username
    c.found_by = (f"{by.strip()}（{who}）" if by and by.strip() else who)[:64]
    c.found_at = when
    s.flush()
    audit.record(s, actor=who, role=scope.who.role, action="finding", entity="fire_case", entity_id=str(c.id),
                 before=before, after=_finding_json(c), scope_unit=c.county_code)
    return {"id": c.id, "status": "verified", "finding": finding, "finding_name": KINDS[finding],
            "late": c.found_at > c.deadline}


def _finding_json(c: Case) -> dict | None:
    if c.state != "verified":
        return None
    return {"finding": c.finding, "note": c.finding_note, "lat": c.finding_lat, "lon": c.finding_lon,
            "by": c.found_by, "at": _iso(c.found_at)}


def add_photo(s: Session, root: Path, scope: Scope, case_id: int, filename: str, data: bytes):
    """A photo of the check, stored by the evidence service on the case (entity ``fire_case``)."""
    c = _case(s, scope, case_id)
    _may_act(scope, c.county_code)
    return attachments.add(s, root, entity="fire_case", entity_id=str(c.id), filename=filename, data=data,
                           actor=scope.who.username, role=scope.who.role, scope_unit=c.county_code)


# --------------------------------------------------------------------------- county figures and calendar
def _amount(value, name: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number.copy_abs() > AMOUNT_MAX \
            or number != number.quantize(Decimal("0.0001"), rounding="ROUND_DOWN"):
        raise UsageError(f"{name} {value!r}: a number from 0 to {AMOUNT_MAX:,} with at most 4 decimals")
    return decimal_text(number)


AMOUNT_MAX = Decimal(10) ** 9


def set_figures(s: Session, scope: Scope, county: str, year: int, *, farmland_ha=None, straw_produced_t=None,
                straw_utilised_t=None, source: str | None = None) -> dict:
    """A county's figures of a year: cultivated area (ha), straw produced and utilised (t). Given values
    replace, missing ones are kept. Audited."""
    code = county_code(s, county)
    _may_enter(scope, code)
    if not 1900 < int(year) < 2200:
        raise UsageError(f"year {year!r}")
    values = {"farmland_ha": _amount(farmland_ha, "farmland_ha"),
              "straw_produced_t": _amount(straw_produced_t, "straw_produced_t"),
              "straw_utilised_t": _amount(straw_utilised_t, "straw_utilised_t")}
    row = s.scalar(sa.select(CountyFigure).where(CountyFigure.county_code == code, CountyFigure.year == int(year)))
    before = None if row is None else _figure_json(row)
    merged = {k: v if v is not None else (getattr(row, k) if row is not None else None) for k, v in values.items()}
    if merged["farmland_ha"] is not None and Decimal(merged["farmland_ha"]) == 0:
        raise UsageError("farmland_ha must be above 0")
    if merged["straw_produced_t"] is not None and merged["straw_utilised_t"] is not None and \
            Decimal(merged["straw_utilised_t"]) > Decimal(merged["straw_produced_t"]):
        raise UsageError(f"straw utilised {merged['straw_utilised_t']} t is more than produced "
                         f"{merged['straw_produced_t']} t")
    if row is None:
        row = CountyFigure(county_code=code, year=int(year))
        s.add(row)
    for key, value in merged.items():
        setattr(row, key, value)
    if source:
        row.source = source.strip()[:255]
    row.entered_by, row.entered_at = scope.who.username, now_utc()
    s.flush()
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="figures", entity="fire_county_figure",
                 entity_id=f"{code}/{year}", before=before, after=_figure_json(row), scope_unit=code)
    return _figure_json(row)


def _figure_json(row: CountyFigure) -> dict:
    return {"county": row.county_code, "year": row.year, "farmland_ha": row.farmland_ha,
            "straw_produced_t": row.straw_produced_t, "straw_utilised_t": row.straw_utilised_t, "source": row.source}


def add_calendar(s: Session, scope: Scope, county: str, kind: str, start: dt.date, end: dt.date | None = None,
                 note: str | None = None) -> dict:
    """A rain forecast day (``rain``: 下雨前 counts the days up to it) or a sowing window (``sowing``:
    播种前), entered by the county. Re-entering the same start replaces it. Audited."""
    code = county_code(s, county)
    _may_enter(scope, code)
    kind = CALENDAR_KINDS.get(kind)
    if kind is None:
        raise UsageError("kind: rain (降雨预报) or sowing (播种时段)")
    end = start if kind == "rain" or end is None else end
    if end < start:
        raise UsageError(f"the window ends ({end}) before it starts ({start})")
    row = s.scalar(sa.select(CalendarEntry).where(CalendarEntry.county_code == code, CalendarEntry.kind == kind,
                                                  CalendarEntry.start == start))
    before = None if row is None else {"end": row.end.isoformat(), "note": row.note}
    if row is None:
        row = CalendarEntry(county_code=code, kind=kind, start=start)
        s.add(row)
    row.end, row.note = end, (note or "").strip() or None
    row.entered_by, row.entered_at = scope.who.username, now_utc()
    s.flush()
    audit.record(s, actor=scope.who.username, role=scope.who.role, action="calendar", entity="fire_calendar",
                 entity_id=str(row.id), before=before,
                 after={"county": code, "kind": kind, "start": start.isoformat(), "end": end.isoformat(),
                        "note": row.note}, scope_unit=code)
    return {"id": row.id, "county": code, "kind": kind, "start": start.isoformat(), "end": end.isoformat(),
            "note": row.note}


def calendar(s: Session, scope: Scope) -> list[dict]:
    names = county_names(s)
    return [{"id": e.id, "county": e.county_code, "county_name": names.get(e.county_code, e.county_code),
             "kind": e.kind, "kind_name": CALENDAR[e.kind], "start": e.start.isoformat(), "end": e.end.isoformat(),
             "note": e.note}
            for e in s.scalars(sa.select(CalendarEntry).order_by(CalendarEntry.start, CalendarEntry.county_code))
            if _sees(scope, e.county_code)]


# --------------------------------------------------------------------------- statistics
def _text(value: Fraction) -> str:
    """A sum of decimals as exact decimal text (its denominator is 2^a·5^b)."""
    return decimal_text(Decimal(value.numerator) / Decimal(value.denominator))


def utilisation(produced: Fraction | str | None, utilised: Fraction | str | None, target: Fraction) -> dict | None:
    """秸秆综合利用率 = utilised / produced (percent, 1 decimal half even); met when the exact value ≥ target."""
    if produced is None or utilised is None or Fraction(produced) == 0:
        return None
    produced, utilised = Fraction(produced), Fraction(utilised)
    rate = utilised / produced * 100
    return {"produced_t": _text(produced), "utilised_t": _text(utilised), "rate_percent": float(round_half_even(rate, 1)),
            "target_percent": float(target), "met": rate >= target}


def _period(st: FireSettings, year: int, season: str | None) -> tuple[dt.date, dt.date, str]:
    if not season:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"
    for x in st.seasons:
        if x.name == season:
            start, end = x.dates(year)
            return start, end, f"{year}年{x.name}（{start:%m-%d}至{end:%m-%d}）"
    raise UsageError(f"season {season!r}: one of {', '.join(x.name for x in st.seasons)} ([fires.seasons])")


def _in_period(s: Session, q, start: dt.date, end: dt.date):
    return s.scalars(q.where(Case.first_seen >= to_utc(start), Case.first_seen < to_utc(end + dt.timedelta(days=1))))


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else float(round_half_even(Fraction(now - before, before) * 100, 1))


def _intensity(fires: int, farmland: str | None) -> float | None:
    """Fire points per 1 000 ha (千公顷) of cultivated land (docs/standards.md §6.3), 2 decimals half even."""
    if farmland is None or Fraction(farmland) == 0:
        return None
    return float(round_half_even(Fraction(fires) * 1000 / Fraction(farmland), 2))


def statistics(s: Session, scope: Scope, year: int, season: str | None = None, config: dict | None = None,
               at: dt.datetime | None = None) -> dict:
    """Per county and for the city: fire points of the year (or season) and the same period a year
    before, the change, per 1 000 ha, the key time slots, the cases' status, the straw utilisation rate."""
    if not policy.allows(scope.who.role, "read", "fires"):
        raise NotFound("fire-point statistics are the counties' and the city's")
    st = fire_settings(config)
    at = at or moment(config)
    start, end, label = _period(st, year, season)
    names = {code: name for code, name in county_names(s).items() if _sees(scope, code)}
    calendars = _calendars(s)
    current = list(_in_period(s, _visible_query(scope), start, end))
    before_start, before_end, _ = _period(st, year - 1, season)
    earlier = list(_in_period(s, _visible_query(scope), before_start, before_end))
    figures = {f.county_code: f for f in s.scalars(sa.select(CountyFigure).where(CountyFigure.year == year))}
    rows = []
    for code, name in sorted(names.items()):
        mine = [c for c in current if c.county_code == code]
        rows.append(_county_stats(code, name, mine, [c for c in earlier if c.county_code == code],
                                  figures.get(code), calendars.get(code, []), st, at))
    total = _county_stats(None, "全市" if scope.city_wide else "合计", current, earlier, None, [], st, at,
                          slot_rows=rows)
    if rows and all(r["farmland_ha"] is not None for r in rows):
        total["farmland_ha"] = _text(sum(Fraction(r["farmland_ha"]) for r in rows))
        total["per_1000_ha"] = _intensity(total["fires"], total["farmland_ha"])
    with_straw = [figures[c] for c in names if c in figures and figures[c].straw_produced_t is not None
                  and figures[c].straw_utilised_t is not None]
    if with_straw:
        total["utilisation"] = utilisation(sum(Fraction(f.straw_produced_t) for f in with_straw),
                                           sum(Fraction(f.straw_utilised_t) for f in with_straw), st.utilisation_target)
        if total["utilisation"]:
            total["utilisation"]["counties"] = len(with_straw)
    return {"year": year, "season": season, "label": label, "start": start.isoformat(), "end": end.isoformat(),
            "previous": f"{before_start}至{before_end}",
            "as_of": _iso(at), "counties": rows, "total": total, "slots": list(SLOTS),
            "settings": {"work_end": str(st.work_end), "first_half_night": str(st.first_half_night),
                         "rain_days_before": st.rain_days_before, "utilisation_target": float(st.utilisation_target),
                         "merge_distance_km": float(st.merge_distance_km), "merge_hours": st.merge_hours,
                         "deadline_hours": st.deadline_hours,
                         "seasons": {x.name: str(x) for x in st.seasons}}}


def _county_stats(code, name, mine: list[Case], before: list[Case], figure: CountyFigure | None,
                  entries: list[CalendarEntry], st: FireSettings, at: dt.datetime, slot_rows=None) -> dict:
    counted = [c for c in mine if c.finding not in EXCLUDED]
    fires, previous = len(counted), len([c for c in before if c.finding not in EXCLUDED])
    statuses = {k: 0 for k in STATUS}
    for c in mine:
        statuses[status_of(c, at)] += 1
    if slot_rows is None:
        slots = {k: 0 for k in SLOTS}
        for c in counted:
            for slot in slots_of(c.first_seen, entries, st):
                slots[slot] += 1
    else:
        slots = {k: sum(r["slots"][k] for r in slot_rows) for k in SLOTS}
    farmland = figure.farmland_ha if figure is not None else None
    return {"county": code, "name": name, "fires": fires, "previous": previous, "change_percent": _change(fires, previous),
            "detections": sum(c.detections for c in counted),
            "straw": sum(1 for c in mine if c.finding == "straw"),
            "excluded": len(mine) - fires, "status": statuses, "slots": slots,
            "farmland_ha": farmland, "per_1000_ha": _intensity(fires, farmland),
            "utilisation": None if figure is None else utilisation(figure.straw_produced_t, figure.straw_utilised_t,
                                                                   st.utilisation_target)}


def overdue(s: Session, unit: str, at: dt.datetime) -> int:
    """Cases of ``unit`` (a county, or "all") not verified by their deadline at ``at``."""
    q = sa.select(sa.func.count()).select_from(Case).where(Case.state == "pending", Case.deadline < at)
    if unit != "all":
        q = q.where(Case.county_code == unit)
    return int(s.scalar(q) or 0)


def latest_utilisation(s: Session, unit: str, target: Fraction) -> tuple[int, dict] | None:
    """The latest year with straw figures for ``unit`` (or the city's sum over the counties that year)."""
    q = sa.select(CountyFigure).where(CountyFigure.straw_produced_t.is_not(None),
                                      CountyFigure.straw_utilised_t.is_not(None))
    if unit != "all":
        q = q.where(CountyFigure.county_code == unit)
    rows = list(s.scalars(q))
    if not rows:
        return None
    year = max(r.year for r in rows)
    rows = [r for r in rows if r.year == year]
    rate = utilisation(sum(Fraction(r.straw_produced_t) for r in rows),
                       sum(Fraction(r.straw_utilised_t) for r in rows), target)
    return None if rate is None else (year, dict(rate, counties=len(rows)))


def any_cases(s: Session, unit: str) -> bool:
    q = sa.select(Case.id).limit(1)
    if unit != "all":
        q = q.where(Case.county_code == unit)
    return s.scalar(q) is not None


def map_points(rows: list[dict]) -> list[dict]:
    """What the map draws: position, status, county, link."""
    return [{"id": r["id"], "lon": r["lon"], "lat": r["lat"], "status": r["status"], "status_name": r["status_name"],
             "county": r["county_name"], "time": r["first_seen"], "finding": r["finding_name"]} for r in rows]


def status_counts(rows: list[dict]) -> dict[str, int]:
    out = {k: 0 for k in STATUS}
    for r in rows:
        out[r["status"]] += 1
    return out

