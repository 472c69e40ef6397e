"""The emergency room's page and API: the level a forecast gives, warnings issued with each
enterprise's measures, acknowledgements, and the reduction list checked against 10/20/30 %."""
from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastAPIPath
from fastapi.responses import FileResponse, RedirectResponse

from lantian.accounts import policy
from lantian import db
from lantian.attachments import too_large
from lantian.accounts.scope import Scope
from lantian.emergency import service
from lantian.emergency.listfile import POLLUTANT_NAMES, pollutant_name
from lantian.emergency.models import LEVELS, POLLUTANTS
from lantian.errors import InputError
from lantian.web.params import DAY, VALUES, Day, documented, one_of, parse_day, parse_values
from lantian.web.refusals import as_http
from lantian.web.scoping import scoped
from lantian.web.security import api_scope, form_post, page_scope
from lantian.web.templating import render
from lantian.web.writes import submit

router = APIRouter()
Id = Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)]


def _rulesets() -> str:
    """The warning rule sets and their aliases (standards/alerts settings) as the pattern the API declares."""
    from lantian.standards.alerts import settings
    names = [n for name, t in settings()["rulesets"].items() for n in (name, *t.get("aliases", ()))]
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


RULESETS = _rulesets()
#: SO2, NOx, PM, VOCs in every spelling the list file takes (二氧化硫, 颗粒物…)
POLLUTANT_SPELLINGS = [v for v in {*POLLUTANTS, *POLLUTANT_NAMES} if pollutant_name(v)]
#: a positive number of tonnes (a decimal with a digit other than 0; 1,000 and 1e3 are taken too)
TONNES = r"^([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)$"


def _forecast(text: str) -> list[int]:
    return parse_values(text, int, "forecast {text}: daily AQI values separated by commas, e.g. 210,230,190",
                        "forecast: one to many daily AQI values, 0–2000")


@router.get("/api/alerts/level", tags=["emergency"])
@scoped("signed_in")
def level_api(request: Request, forecast: str = Query(..., max_length=400, pattern=VALUES, description="daily AQI, e.g. 210,230,190"),
              ruleset: str = Query("2024", pattern=RULESETS), scope: Scope = Depends(api_scope)) -> dict:
    """The warning level a forecast gives under a rule set (875, 648, 2024), with the reasons and any
    pre-warning (docs/standards.md §5.2)."""
    with as_http():
        d = service.decide(_forecast(forecast), ruleset)
    return {"level": d.level, "ruleset": ruleset, "reasons": list(d.reasons), "pre_warning": d.pre_warning}


@router.get("/api/alerts", tags=["emergency"])
@scoped("signed_in")
def alerts_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Warnings issued, each with the enterprises (of the caller's scope) and their measures."""
    with db.session(request.app.state.db_url) as s:
        return service.alerts(s, scope)


@router.post("/api/alerts", tags=["emergency"], status_code=201)
@scoped("signed_in")
def issue_api(request: Request, forecast: Annotated[str, Form(max_length=400, json_schema_extra=documented(pattern=VALUES))],
              ruleset: Annotated[str, Form(max_length=8, pattern=RULESETS)] = "2024",
              start: Annotated[str | None, Form(pattern=DAY)] = None,
              regional: Annotated[str | None, Form(max_length=8, pattern=one_of(LEVELS, empty=True))] = None, csrf_token: Annotated[str, Form()] = "",
              scope: Scope = Depends(api_scope)):
    """Issue a warning from a forecast (the city office): record, enterprises and measures, notice .docx."""
    page = form_post(request, csrf_token)
    if regional and regional not in LEVELS:
        raise HTTPException(422, f"regional is one of {', '.join(LEVELS)}")
    day = parse_day(start) or request.app.state.workspace.as_of
    with as_http(), db.session(request.app.state.db_url) as s:
        a = service.issue(s, request.app.state.workspace.root, scope, _forecast(forecast), ruleset, start=day,
                          regional=regional or None, config=request.app.state.workspace.config)
        result = {"id": a.id, "level": a.level}
    if page:
        return RedirectResponse("/emergency", status_code=303)
    return result


@router.post("/api/alerts/{alert_id}/ack", tags=["emergency"])
@scoped("signed_in")
def ack_api(request: Request, alert_id: Id, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """签收: an enterprise acknowledges its measures, a county the warning."""
    return submit(request, csrf_token, "/emergency",
                  lambda s: {"id": alert_id, "state": service.acknowledge(s, scope, alert_id)})


@router.post("/api/alerts/{alert_id}/lift", tags=["emergency"])
@scoped("signed_in")
def lift_api(request: Request, alert_id: Id, csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """Lift a warning (the city office)."""
    def lift(s):
        a = service.lift(s, scope, alert_id)
        return {"id": a.id, "state": a.state}
    return submit(request, csrf_token, "/emergency", lift)


@router.get("/api/alerts/{alert_id}/notice", tags=["emergency"])
@scoped("signed_in")
def notice_api(request: Request, alert_id: Id, scope: Scope = Depends(api_scope)):
    """The warning notice (.docx); it lists every enterprise's measures, so the city-wide roles only."""
    with as_http(), db.session(request.app.state.db_url) as s:
        document = service.notice(s, scope, alert_id)
    path = request.app.state.workspace.root / document
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def _review(request: Request, scope: Scope, alert_id: int) -> dict:
    st = request.app.state
    with as_http(), db.session(st.db_url) as s, st.engine_lock:
        return service.review(s, scope, st.store, st.con, alert_id, st.workspace.root, st.workspace.config)


@router.get("/api/alerts/{alert_id}/review", tags=["emergency"])
@scoped("signed_in")
def review_api(request: Request, alert_id: Id, format: str = Query("json", pattern="^(json|docx)$"),
               scope: Scope = Depends(api_scope)):
    """复盘: forecast vs observed city AQI, the level observed, acknowledgements, the declared reduction
    (``format=docx`` for the document)."""
    r = _review(request, scope, alert_id)
    if format == "docx":
        out = request.app.state.workspace.root / "alerts" / f"复盘-{alert_id}.docx"
        service.review_docx(r, out)
        return FileResponse(out, filename=out.name,
                            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return r


@router.get("/emergency/alerts/{alert_id}/review", include_in_schema=False)
@scoped("signed_in")
def review_page(request: Request, alert_id: Id, scope: Scope = Depends(page_scope)):
    return render(request, "emergency/review.html", r=_review(request, scope, alert_id), names=service.LEVEL_NAMES)


@router.get("/api/ozone", tags=["emergency"])
@scoped("signed_in")
def ozone_api(request: Request, forecast_o3: str = Query(..., max_length=400, pattern=VALUES, description="O3 8-h µg/m³ per day"),
              start: Day = None, scope: Scope = Depends(api_scope)) -> dict:
    """臭氧应急 (task 20): the days a forecast triggers and the concerned enterprises' schedule (of the
    caller's scope)."""
    try:
        values = [float(x) for x in forecast_o3.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise HTTPException(422, "forecast_o3: µg/m³ values separated by commas") from None
    if not values or any(v < 0 or v > 2000 for v in values):
        raise HTTPException(422, "forecast_o3: one or more values, 0–2000 µg/m³")
    ws = request.app.state.workspace
    with db.session(request.app.state.db_url) as s:
        return service.ozone(s, scope, parse_day(start) or ws.as_of, values, ws.config)


@router.post("/api/alerts/{alert_id}/verify", tags=["emergency"])
@scoped("signed_in")
async def verify_api(request: Request, alert_id: Id, file: Annotated[UploadFile, File()],
                     csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """用电监控/CEMS verification of a warning (city office): upload hourly facility series (CSV
    facility,time,metric,value,unit; facility = CREDITCODE:CODE). They are kept in the measurement
    store; the run lists suspected violations and the reduction each facility achieved."""
    import tempfile
    from pathlib import Path
    from lantian.emergency.series import read_csv
    page = form_post(request, csrf_token)
    ws = request.app.state.workspace
    with as_http(), tempfile.TemporaryDirectory(prefix="lantian-series-") as tmp:
        name = Path(file.filename or "series.csv").name
        path = Path(tmp) / name
        data = await file.read(UPLOAD_LIMIT + 1)
        if len(data) > UPLOAD_LIMIT:
            raise HTTPException(413, too_large(name, file.size or len(data), UPLOAD_LIMIT) + "; upload it month by month")
        path.write_bytes(data)
        try:
            table = read_csv(path)
        except InputError as exc:
            raise dataclasses.replace(exc, file=name) from None
        with db.session(request.app.state.db_url) as s:
            result = service.verify_alert(s, ws.measurements, scope, alert_id, table, source=name)
    if page:
        return RedirectResponse(f"/emergency/alerts/{alert_id}/verification", status_code=303)
    return result


@router.get("/api/alerts/{alert_id}/verification", tags=["emergency"])
@scoped("signed_in")
def verification_api(request: Request, alert_id: Id, scope: Scope = Depends(api_scope)) -> dict:
    """The latest verification of a warning: suspects and achieved reduction (an enterprise sees its
    own facilities, a county its enterprises')."""
    with as_http(), db.session(request.app.state.db_url) as s:
        run = service.latest_verification(s, scope, alert_id)
    if run is None:
        raise HTTPException(404, "not verified yet (POST /api/alerts/{id}/verify)")
    return run


@router.get("/emergency/alerts/{alert_id}/verification", include_in_schema=False)
@scoped("signed_in")
def verification_page(request: Request, alert_id: Id, scope: Scope = Depends(page_scope)):
    with as_http(), db.session(request.app.state.db_url) as s:
        run = service.latest_verification(s, scope, alert_id)
        alert = service.alert_detail(s, scope, alert_id)
    return render(request, "emergency/verification.html", run=run, alert=alert, names=service.LEVEL_NAMES,
                  manages=scope.who.role in service.MANAGE, metrics=METRIC_NAMES, kinds=KIND_NAMES)


UPLOAD_LIMIT = 50 * 2**20
METRIC_NAMES = {"production_kw": "生产用电", "so2_kgh": "SO₂排放速率", "nox_kgh": "NOx排放速率", "pm_kgh": "颗粒物排放速率"}
KIND_NAMES = {"production_not_reduced": "未按要求减产", "treatment_off": "生产时治污设施停运",
              "emissions_not_reduced": "排放未相应下降"}


@router.get("/api/reduction", tags=["emergency"])
@scoped("signed_in")
def reduction_api(request: Request, level: Literal["yellow", "orange", "red"] = Query("orange"), year: int | None = Query(None, ge=1901,
                  le=2199), scope: Scope = Depends(api_scope)) -> dict:
    """The reduction list at a level: each enterprise's measure and reduction, the sums against the
    city total and the 10/20/30 % required (shortfall shown)."""
    ws = request.app.state.workspace
    with as_http(), db.session(request.app.state.db_url) as s:
        return service.reduction(s, scope, level, year or ws.as_of.year, ws.root, ws.config)


# --------------------------------------------------------------------------- 错峰生产计划 (task 21)
@router.get("/api/staggered", tags=["emergency"])
@scoped("signed_in")
def calendars_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """Issued 错峰生产 calendars with each line the caller may see, delivered (送达) and acknowledged (签收)."""
    from lantian.emergency import staggered
    with db.session(request.app.state.db_url) as s:
        return staggered.calendars(s, scope)


@router.post("/api/staggered", tags=["emergency"], status_code=201)
@scoped("signed_in")
def issue_calendar_api(request: Request, season: Annotated[int, Form(ge=2000, le=2100)],
                       on: Annotated[str | None, Form(pattern=DAY)] = None, csrf_token: Annotated[str, Form()] = "",
                       scope: Scope = Depends(api_scope)):
    """Issue the season's calendar (the city office): every enterprise's line, frozen, and the notice."""
    from lantian.emergency import staggered
    ws = request.app.state.workspace

    def issue(s):
        cal = staggered.issue(s, ws.root, scope, season, on=parse_day(on) or ws.as_of, config=ws.config)
        return {"id": cal.id, "season": cal.season, "doc_number": cal.doc_number}
    return submit(request, csrf_token, "/emergency", issue)


@router.post("/api/staggered/{calendar_id}/{action}", tags=["emergency"])
@scoped("signed_in")
def calendar_ack_api(request: Request, calendar_id: Id,
                     action: Annotated[str, FastAPIPath(pattern="^(ack|receive)$")],
                     enterprise_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
                     csrf_token: Annotated[str, Form()] = "", scope: Scope = Depends(api_scope)):
    """签收 (``ack``) or 送达 (``receive``) of a calendar: an enterprise its own line, a county a line of its
    county (``enterprise_id``)."""
    from lantian.emergency import staggered
    step = staggered.acknowledge if action == "ack" else staggered.receive
    return submit(request, csrf_token, "/emergency",
                  lambda s: {"id": calendar_id, "state": step(s, scope, calendar_id, enterprise_id)})


@router.get("/api/staggered/{calendar_id}/notice", tags=["emergency"])
@scoped("signed_in")
def calendar_notice_api(request: Request, calendar_id: Id, scope: Scope = Depends(api_scope)):
    """The calendar's notice (.docx); it lists every enterprise, so the city-wide roles only."""
    from lantian.emergency import staggered
    with as_http(), db.session(request.app.state.db_url) as s:
        d = staggered.detail(s, scope, calendar_id)
    if not d["document"]:
        raise HTTPException(404, "no notice")
    path = request.app.state.workspace.root / d["document"]
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.get("/emergency", include_in_schema=False)
@scoped("signed_in")
def emergency_page(request: Request, level: str = Query("orange", max_length=8), scope: Scope = Depends(page_scope)):
    if level not in LEVELS:
        raise HTTPException(422, f"level is one of {', '.join(LEVELS)}")
    ws = request.app.state.workspace
    with db.session(request.app.state.db_url) as s:
        issued = service.alerts(s, scope)
        table = service.reduction(s, scope, level, ws.as_of.year, ws.root, ws.config) \
            if policy.sees_whole_city(scope) else None
        season = ws.as_of.year if ws.as_of.month >= 7 else ws.as_of.year - 1
        calendar = service.staggered(s, scope, season, ws.config)
        from lantian.emergency import staggered
        current = staggered.in_force(s, ws.as_of)
        in_force = staggered.detail(s, scope, current.id) if current is not None else None
        from lantian.emergency import ozone
        ozone_responses = ozone.responses(s, scope)
    from lantian.forecast import service as forecasts
    return render(request, "emergency/emergency.html", issued=issued, table=table, level=level, levels=LEVELS,
                  forecasts=forecasts.latest(scope),
                  calendar=calendar, season=season, in_force=in_force, ozone_responses=ozone_responses,
                  names=service.LEVEL_NAMES, manages=scope.who.role in service.MANAGE)



# --------------------------------------------------------------------------- the reduction list (应急减排清单)
LIST_READERS = policy.EVERYONE
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_file(request: Request, scope: Scope, fmt: str, empty: bool) -> FileResponse:
    import tempfile
    from pathlib import Path
    from lantian.emergency import listfile, reduction
    from lantian.enterprises import service as ledgers
    with db.session(request.app.state.db_url) as s:
        rows = [] if empty else reduction.rows(s, scope)
        counties = sorted({k for k, v in ledgers.county_lookup(s).items() if k != v})
        names = reduction.county_names(s)
    out = Path(tempfile.mkdtemp(prefix="lantian-list-")) / f"应急减排清单{'模板' if empty else ''}.{fmt}"
    listfile.write(out, rows, counties=counties, county_names=names)
    return FileResponse(out, filename=out.name, media_type=CSV if fmt == "csv" else XLSX)


@router.get("/api/reduction/template", tags=["emergency"])
@scoped("signed_in")
def list_template_api(request: Request, format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
                      scope: Scope = Depends(api_scope)):
    """The reduction list's template (统一社会信用代码, 企业名称, 县区, 行业, 绩效等级, 污染物, 基准排放量（吨/年）,
    数据来源, 纳入清单), .xlsx with drop-downs and notes, or .csv."""
    return _list_file(request, scope, format, empty=True)


@router.get("/api/reduction/export", tags=["emergency"])
@scoped("signed_in")
def list_export_api(request: Request, format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
                    scope: Scope = Depends(api_scope)):
    """The list as the caller may see it (a county its own enterprises), in the template's layout."""
    if scope.who.role not in LIST_READERS:
        raise HTTPException(404, "no such list")
    return _list_file(request, scope, format, empty=False)


@router.get("/api/reduction/list", tags=["emergency"])
@scoped("signed_in")
def list_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The list, one row per enterprise and pollutant (a county sees its own enterprises, an enterprise itself)."""
    from lantian.emergency import reduction
    with db.session(request.app.state.db_url) as s:
        return reduction.rows(s, scope)


@router.post("/api/reduction/import", tags=["emergency"])
@scoped("signed_in")
async def list_import_api(request: Request, file: Annotated[UploadFile, File()],
                          dry_run: Annotated[bool, Form()] = False, csrf_token: Annotated[str, Form()] = "",
                          scope: Scope = Depends(api_scope)):
    """Import the list (.xlsx, .xls or .csv): the city office's is applied, a county's becomes a proposal
    for the office (its own enterprises only). 422 with every error (row, column, reason) on a bad file;
    nothing stored then."""
    import tempfile
    from pathlib import Path
    from lantian.emergency import listfile, reduction
    from lantian.enterprises import service as ledgers
    page = form_post(request, csrf_token)
    data = await file.read(UPLOAD_LIMIT + 1)
    name = Path(file.filename or "list.xlsx").name
    if len(data) > UPLOAD_LIMIT:
        raise HTTPException(413, too_large(name, file.size or len(data), UPLOAD_LIMIT))
    with tempfile.TemporaryDirectory(prefix="lantian-list-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with db.session(request.app.state.db_url) as s:
            try:
                rows = listfile.read(path, counties=ledgers.county_lookup(s), name=name)
            except listfile.ListImportError as exc:
                raise HTTPException(422, {"message": str(exc), "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]}) \
                    from None
            except InputError as exc:
                raise HTTPException(422, str(exc)) from None
            with as_http():
                result = reduction.import_rows(s, scope, rows, source=name, dry_run=dry_run)
    if page:
        return RedirectResponse("/emergency/reduction", status_code=303)
    return result


@router.get("/api/reduction/proposals", tags=["emergency"])
@scoped("signed_in")
def proposals_api(request: Request, scope: Scope = Depends(api_scope)) -> list[dict]:
    """The counties' proposals to the list (a county sees its own)."""
    from lantian.emergency import reduction
    with db.session(request.app.state.db_url) as s:
        return reduction.proposals(s, scope)


@router.post("/api/reduction/proposals/{proposal_id}/{decision}", tags=["emergency"])
@scoped("signed_in")
def decide_api(request: Request, proposal_id: Id, decision: Annotated[str, FastAPIPath(pattern="^(confirm|reject)$")],
               note: Annotated[str, Form(max_length=500)] = "", csrf_token: Annotated[str, Form()] = "",
               scope: Scope = Depends(api_scope)):
    """The city office confirms a county's proposal (applied as an import, audited) or rejects it."""
    from lantian.emergency import reduction
    return submit(request, csrf_token, "/emergency/reduction",
                  lambda s: reduction.decide(s, scope, proposal_id, confirm=decision == "confirm", note=note))


@router.post("/api/reduction/totals", tags=["emergency"])
@scoped("signed_in")
def totals_api(request: Request, pollutant: Annotated[str, Form(max_length=16, json_schema_extra=documented(POLLUTANT_SPELLINGS))],
               tonnes: Annotated[str, Form(max_length=32, json_schema_extra=documented(pattern=TONNES))],
               source: Annotated[str, Form(max_length=128, pattern=r"\S")],
               year: Annotated[int | None, Form(ge=1901, le=2199)] = None, csrf_token: Annotated[str, Form()] = "",
               scope: Scope = Depends(api_scope)):
    """The city's total emission of a pollutant (t/a, with its source), the denominator of the 10/20/30 %
    check (the city office); audited."""
    page = form_post(request, csrf_token)
    with as_http(), db.session(request.app.state.db_url) as s:
        changed = service.set_total(s, year or request.app.state.workspace.as_of.year, pollutant, tonnes, source,
                                    scope=scope)
    if page:
        return RedirectResponse("/emergency/reduction", status_code=303)
    return {"pollutant": pollutant, "tonnes": tonnes, "source": source, "changed": changed}


@router.get("/emergency/reduction", include_in_schema=False)
@scoped("signed_in")
def reduction_page(request: Request, scope: Scope = Depends(page_scope)):
    from lantian.emergency import reduction
    with db.session(request.app.state.db_url) as s:
        rows = reduction.rows(s, scope)
        proposals = reduction.proposals(s, scope)
        totals = service.city_totals(s) if policy.sees_whole_city(scope) else []
        names = reduction.county_names(s)
    listed = {r["credit_code"] for r in rows if r["listed"]}
    return render(request, "emergency/reduction.html", rows=rows, proposals=proposals, totals=totals, names=names,
                  listed=len(listed), manages=scope.who.role in service.MANAGE,
                  proposes=scope.who.role == "county")


from lantian.emergency import ozone_routes  # noqa: E402  (the ozone response, task 20)

router.include_router(ozone_routes.router)
