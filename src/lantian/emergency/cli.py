"""``lantian alert``: heavy-pollution warnings (重污染天气预警) — level, issue, update, lift, the
reduction list, ozone and staggered production, verification and review. Thin: calls
:mod:`lantian.emergency.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.measurements.engine import connect
from lantian.terminal import (AsOpt, JsonOpt, WorkspaceOpt, acting_scope, err, friendly, open_upgraded, out,
                              parse_date, workspace_url)

alert_app = typer.Typer(help="Heavy-pollution warnings (重污染天气预警): level, issue, lift, the reduction list.",
                        no_args_is_help=True)
ForecastOpt = Annotated[str, typer.Option(help="Forecast daily AQI from the start day, comma-separated: 210,230,190.")]
RulesetOpt = Annotated[str, typer.Option(help="875 (2018), 648 (2019–2023) or 2024 (环大气〔2024〕6号).")]


def _forecast_values(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--forecast {text!r}: daily AQI values separated by commas, e.g. 210,230,190") from None
    if not values:
        raise UsageError("--forecast needs at least one daily AQI value")
    return values


FromForecastOpt = Annotated[bool, typer.Option("--from-forecast", help="Use the latest stored forecast (lantian "
                                                                         "forecast run) of --unit.")]
ForecastRunOpt = Annotated[Optional[int], typer.Option("--forecast-run", help="Use this stored forecast (its id).")]
ForecastUnitOpt = Annotated[Optional[str], typer.Option("--unit", help="With --from-forecast: the unit (default the "
                                                                       "city).")]


def _stored_forecast(url: str, from_forecast: bool, run_id: int | None, unit: str | None) -> dict | None:
    """The stored forecast a warning decision relies on (None when neither option is given)."""
    if not from_forecast and run_id is None:
        return None
    from lantian.forecast import service as forecasts
    scope = acting_scope(url, None)
    if run_id is not None:
        return forecasts.get(scope, run_id)
    if unit is None:
        from lantian import geography
        unit = geography.city_of(url)
    runs = forecasts.latest(scope, unit)
    if not runs:
        raise UsageError(f"no stored forecast of {unit} (lantian forecast run --unit {unit})")
    return runs[0]


@alert_app.command("level")
@friendly
def alert_level(forecast: Annotated[Optional[str], typer.Option(help="Forecast daily AQI from the start day, "
                                                                    "comma-separated: 210,230,190.")] = None,
                ruleset: RulesetOpt = "2024",
                explain: Annotated[bool, typer.Option("--explain", help="Why: the conditions met, and any "
                                                                        "pre-warning.")] = False,
                from_forecast: FromForecastOpt = False, forecast_run: ForecastRunOpt = None,
                unit: ForecastUnitOpt = None, workspace: WorkspaceOpt = None):
    """The warning level a forecast gives, as one word: none, blue, yellow, orange or red."""
    from lantian.emergency.service import decide
    if (forecast is None) == (not from_forecast and forecast_run is None):
        raise UsageError("give --forecast or --from-forecast (one of them)")
    run = None
    if forecast is None:
        from lantian.forecast import service as forecasts
        run = _stored_forecast(workspace_url(workspace), from_forecast, forecast_run, unit)
        values = forecasts.aqi_values(run)
    else:
        values = _forecast_values(forecast)
    d = decide(values, ruleset)
    out.print(d.level, markup=False)
    if run is not None:
        out.print(f"forecast {run['id']}: {run['unit_name']} made on {run['base_day']} ({run['model']}), "
                  f"AQI {','.join(str(v) for v in values)} from {run['days'][0]['day']}", markup=False)
    if explain:
        out.print(d.explain(), markup=False)


@alert_app.command("issue")
@friendly
def alert_issue(forecast: Annotated[Optional[str], typer.Option(help="Forecast daily AQI from the start day, "
                                                                    "comma-separated: 210,230,190.")] = None,
                forecast_file: Annotated[Optional[Path], typer.Option(help="Or a CSV date,aqi (its first date "
                                                                           "is the start).")] = None,
                ruleset: RulesetOpt = "2024",
                start: Annotated[Optional[str], typer.Option(help="First day (default the as-of date).")] = None,
                regional: Annotated[Optional[str], typer.Option(help="A regional warning received: yellow, orange "
                                                                     "or red (adopted when higher).")] = None,
                from_forecast: FromForecastOpt = False, forecast_run: ForecastRunOpt = None,
                unit: ForecastUnitOpt = None, workspace: WorkspaceOpt = None):
    """Issue a warning: the record, every listed enterprise's measures at the level, the notice (.docx)."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    stored = from_forecast or forecast_run is not None
    if (forecast is not None) + (forecast_file is not None) + stored != 1:
        raise UsageError("give --forecast, --forecast-file or --from-forecast (one of them)")
    run = None
    if stored:
        from lantian.forecast import service as forecasts
        run = _stored_forecast(url, from_forecast, forecast_run, unit)
        values = forecasts.aqi_values(run)
        start = start or run["days"][0]["day"]
    elif forecast_file is not None:
        from lantian.emergency.forecast import read
        first, values = read(forecast_file)
        start = start or first.isoformat()
    else:
        values = _forecast_values(forecast)
    with db.session(url) as s:
        a = service.issue(s, ws.root, acting_scope(url, None), values, ruleset,
                          start=parse_date(start) or ws.as_of, regional=regional, config=ws.config,
                          forecast_run=run)
        listed = len(service.entries(s))
        out.print(f"{service.LEVEL_NAMES[a.level]} {a.doc_number}, {listed} enterprises of the reduction list with "
                  f"their measures: warning {a.id} → {ws.root / a.document}", markup=False)
    if not listed:
        err.print("note: the reduction list is empty, so the notice has no enterprise table "
                  "(lantian reduction import FILE)", markup=False)


@alert_app.command("update")
@friendly
def alert_update(alert_id: int, forecast: ForecastOpt,
                 hourly: Annotated[Optional[str], typer.Option(help="Hourly forecast AQI from now (for the 36 h "
                                                                    "lift rule), comma-separated.")] = None,
                 regional: Annotated[Optional[str], typer.Option(help="A regional warning in force.")] = None,
                 workspace: WorkspaceOpt = None):
    """A new forecast during a warning: escalate, downgrade, keep or lift it (36 h rule)."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    from lantian.emergency.models import Alert
    with db.session(url) as s:
        found = s.get(Alert, alert_id)
        before = found.level if found is not None else None
        action = service.update(s, ws.root, acting_scope(url, None), alert_id, _forecast_values(forecast),
                                hourly=_forecast_values(hourly) if hourly else None, regional=regional,
                                today=ws.as_of, config=ws.config)
        after = s.get(Alert, alert_id)
        level, document = after.level, after.document
    was, now = service.LEVEL_NAMES[before], service.LEVEL_NAMES[level]
    said = {"escalate": f"升级为{now}（原{was}）", "downgrade": f"降级为{now}（原{was}）",
            "keep": f"维持{now}", "lift": f"解除{was}"}.get(action, action)
    out.print(f"预警 {alert_id}：{said} — warning {alert_id}: {action}"
              + (f" {before} → {level}" if action in ("escalate", "downgrade") else "")
              + (f"; notice {ws.root / document}" if action in ("escalate", "downgrade") and document else ""),
              markup=False, soft_wrap=True)


@alert_app.command("lift")
@friendly
def alert_lift(alert_id: int, workspace: WorkspaceOpt = None):
    """Lift a warning."""
    from lantian import db
    from lantian.emergency import service
    url = workspace_url(workspace)
    with db.session(url) as s:
        service.lift(s, acting_scope(url, None), alert_id)
    out.print(f"warning {alert_id} lifted", markup=False)


@alert_app.command("reduction")
@friendly
def alert_reduction(level: Annotated[str, typer.Option(help="yellow, orange or red.")] = "orange",
                    year: Annotated[Optional[int], typer.Option(help="Year of the city totals (default the "
                                                                     "as-of year).")] = None,
                    as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The reduction list at a level: each enterprise's measure and reduction, the sums against the city
    total and the share required (10/20/30 %), with the shortfall."""
    from lantian import db
    from lantian.emergency import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.reduction(s, acting_scope(ws.database_url, user), level, year or ws.as_of.year, ws.root, ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{service.LEVEL_NAMES[level]} — reduction list, {r['year']}", title_justify="left")
    for col in ("pollutant", "reduction t/a", "city total t/a", "share %", "required %", "verdict"):
        table.add_column(col)
    for p, c in r["check"].items():
        verdict = "—" if c["met"] is None else ("met" if c["met"] else f"SHORT by {c['shortfall_t']} t/a")
        table.add_row(p, str(c["reduction_t"]), f"{c['total_t']} ({c['total_source']})" if c["total_t"] else "—",
                      "—" if c["share_percent"] is None else str(c["share_percent"]), str(c["required_percent"]),
                      verdict)
    out.print(table)
    if r["unverified_measures"]:
        out.print(f"{r['unverified_measures']} enterprise(s) on industry templates not verified against 340号",
                  markup=False)


@alert_app.command("ozone")
@friendly
def alert_ozone(forecast_o3: Annotated[str, typer.Option("--forecast-o3", help="Forecast O3 8-h µg/m³ per day from "
                                                                              "the start day: 180,220,170.")],
                start: Annotated[Optional[str], typer.Option(help="First day (default the as-of date).")] = None,
                issue: Annotated[bool, typer.Option("--issue", help="Issue the response as a record with its notice "
                                                                     "(.docx), measures and controls to acknowledge.")]
                = False,
                as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """夏季臭氧污染应急 (task 20): the days a forecast triggers (default O3-8h IAQI > 150, a setting) and each
    concerned enterprise's 10:00–18:00 schedule; with --issue, the response issued as a record."""
    from lantian import db
    from lantian.emergency import service
    ws = open_upgraded(workspace, create=True)
    try:
        values = [float(x) for x in forecast_o3.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--forecast-o3 {forecast_o3!r}: µg/m³ values separated by commas") from None
    scope = acting_scope(ws.database_url, user)
    if issue:
        from lantian.emergency import ozone
        with db.session(ws.database_url) as s:
            made = ozone.issue(s, ws.root, scope, parse_date(start) or ws.as_of, values, ws.config)
            d = ozone.detail(s, scope, made.id)
        if as_json:
            out.print_json(json.dumps(d, ensure_ascii=False))
            return
        out.print(f"ozone response {d['id']} ({d['doc_number']}) {d['start']} … {d['end']}, {d['listed']} measures "
                  f"and controls → {ws.root / d['document']}", markup=False)
        return
    with db.session(ws.database_url) as s:
        r = service.ozone(s, scope, parse_date(start) or ws.as_of, values, ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    for d in r["days"]:
        out.print(f"{d['day']}  O3-8h {d['o3_8h']:g} µg/m³  IAQI {d['iaqi']}  {'响应 triggered' if d['triggered'] else '—'}",
                  markup=False)
    for e in r["schedule"]:
        out.print(f"  {e['name']}（{e['industry']}）：{e['measure']}", markup=False)
    for m in r["city_wide"]:
        out.print(f"  全市：{m}", markup=False)


@alert_app.command("ozone-lift")
@friendly
def alert_ozone_lift(response_id: int, workspace: WorkspaceOpt = None):
    """Lift an ozone response (audited)."""
    from lantian import db
    from lantian.accounts.scope import Scope
    from lantian.emergency import ozone
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        ozone.lift(s, Scope.office(ws.database_url, "cli"), response_id)
    out.print(f"ozone response {response_id} lifted")


@alert_app.command("ozone-verify")
@friendly
def alert_ozone_verify(response_id: int, measure_id: int,
                       complied: Annotated[bool, typer.Option("--complied/--not-complied",
                                                              help="Whether the enterprise carried out its measure.")],
                       note: Annotated[str, typer.Option(help="What was checked (现场核查, 用电监控 …).")] = "",
                       user: AsOpt = None, workspace: WorkspaceOpt = None):
    """核查 an enterprise's 10:00–18:00 measure under an ozone response (task 20 "可核查"; audited)."""
    from lantian import db
    from lantian.emergency import ozone
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        m = ozone.verify(s, acting_scope(ws.database_url, user), response_id, measure_id, complied, note)
        name = m.name
    out.print(f"ozone response {response_id}: {name} {'落实 complied' if complied else '未落实 not complied'}", markup=False)


@alert_app.command("staggered")
@friendly
def alert_staggered(season: Annotated[int, typer.Option(help="The season starting in this year's autumn.")],
                    issue: Annotated[bool, typer.Option("--issue", help="Issue it: record the calendar (each "
                                                                        "enterprise's line, frozen) and its notice "
                                                                        "(.docx), to be acknowledged.")] = False,
                    on: Annotated[Optional[str], typer.Option(help="Issue day (default the as-of date).")] = None,
                    as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """秋冬季差异化错峰生产 (task 21): the calendar by grade and location (within 20 km of the centre one
    grade stricter; inside 市区规划区 stricter again, task 2), for the high-emission industries."""
    from lantian import db
    from lantian.emergency import service, staggered
    ws = open_upgraded(workspace, create=True)
    url = ws.database_url
    with db.session(url) as s:
        scope = acting_scope(url, user)
        rows = service.staggered(s, scope, season, ws.config)
        issued = staggered.issue(s, ws.root, scope, season, on=parse_date(on) or ws.as_of,
                                 config=ws.config) if issue else None
        if issued is not None:
            message = f"calendar {issued.id} {issued.doc_number}: {len(rows)} enterprises → {ws.root / issued.document}"
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
    else:
        table = Table(title=f"错峰生产 {season}–{season + 1}", title_justify="left")
        for col in ("enterprise", "grade", "applied", "规划区", "from", "to", "measure", "notes"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["name"], r["grade"], r["applied_grade"], {True: "内", False: "外", None: "未判定"}[r["planning_area"]],
                          r["start"], r["end"], r["measure"], "；".join(r["notes"]))
        out.print(table)
    if issued is not None:
        (err if as_json else out).print(message, markup=False)


@alert_app.command("calendars")
@friendly
def alert_calendars(as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The issued 错峰生产 calendars: each enterprise's line, delivered (送达) and acknowledged (签收)."""
    from lantian import db
    from lantian.emergency import staggered
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        found = staggered.calendars(s, acting_scope(ws.database_url, user))
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    for c in found:
        out.print(f"calendar {c['id']} {c['doc_number']} {c['season']}–{c['season'] + 1}: issued {c['issued_on']}, "
                  f"{c['acknowledged']}/{c['listed']} acknowledged, {c['received']} delivered "
                  f"(签收期限 {c['ack_deadline']})", markup=False)
        for e in c["enterprises"]:
            out.print(f"  {e['name']}  {e['applied_grade']}  {e['measure']}  送达 {e['received_at'] or '—'}  "
                      f"签收 {e['acknowledged_at'] or '—'}", markup=False)


@alert_app.command("calendar-ack")
@friendly
def alert_calendar_ack(calendar: Annotated[int, typer.Argument(help="The calendar id (lantian alert calendars).")],
                       user: Annotated[str, typer.Option("--as", help="The acknowledging user: an enterprise, or a "
                                                                     "county recording a paper acknowledgement.")],
                       enterprise: Annotated[Optional[int], typer.Option(help="The enterprise (for a county).")] = None,
                       receipt_only: Annotated[bool, typer.Option("--received", help="Record delivery (送达) only.")]
                       = False, workspace: WorkspaceOpt = None):
    """签收 (or, with --received, 送达) of an issued 错峰生产 calendar."""
    from lantian import db
    from lantian.emergency import staggered
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        scope = acting_scope(ws.database_url, user)
        done = (staggered.receive if receipt_only else staggered.acknowledge)(s, scope, calendar, enterprise)
    out.print(f"calendar {calendar}: {done}", markup=False)


@alert_app.command("verify")
@friendly
def alert_verify(series: Annotated[Optional[Path], typer.Argument(help="Facility series CSV: facility,time,metric,"
                                                                     "value,unit (facility = CREDITCODE:CODE).")]
                 = None,
                 alert: Annotated[Optional[int], typer.Option(help="The warning whose commitments are checked.")]
                 = None,
                 synthetic: Annotated[bool, typer.Option("--synthetic", help="Verify a generated set (marked "
                                                                             "synthetic) and score it against its "
                                                                             "kept-apart truth.")] = False,
                 seed: Annotated[int, typer.Option(help="Seed of the generated set (the held-out one is 2).")] = 2,
                 as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """用电监控/CEMS verification: from hourly facility series, list suspected violations of a warning's
    measures (production not reduced, treatment off while producing, emissions not reduced)."""
    from lantian.emergency import service
    from lantian.emergency.verification import score, verify
    result = {}
    if synthetic:
        from lantian.emergency.synthetic import generate
        gen = generate(seed=seed)
        found = verify(gen.table, gen.commitments, gen.warning)
        sc = score(found, gen.truth)
        result = {"facilities": len(gen.commitments), "precision": round(sc.precision, 3),
                  "recall": round(sc.recall, 3), "tp": sc.tp, "fp": sc.fp, "fn": sc.fn}
    else:
        if series is None or alert is None:
            raise UsageError("give a series CSV and --alert ID, or --synthetic")
        from lantian import db
        from lantian.accounts.scope import Scope
        from lantian.emergency.series import read_csv
        from lantian.workspace import open_workspace
        table = read_csv(series)
        ws = open_workspace(workspace)
        with db.session(ws.database_url) as s:
            result = service.verify_alert(s, ws.measurements, Scope.office(ws.database_url, "cli"), alert, table,
                                          source=series.name)
    if synthetic:
        result["suspects"] = service.suspects_json(found)
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
        return
    if synthetic:
        out.print(f"synthetic set, seed {seed}: {result['facilities']} facilities — precision {result['precision']}, "
                  f"recall {result['recall']} (tp {result['tp']}, fp {result['fp']}, fn {result['fn']})", markup=False)
    elif result["unmatched"]:
        out.print(f"not under warning {alert} (skipped): {', '.join(result['unmatched'])}", markup=False)
    for metric, x in result.get("summary", {}).items():
        out.print(f"achieved {metric}: {x['achieved_percent']} % (committed {x['committed_percent']} %) over "
                  f"{x['facilities']} facilities", markup=False)
    for x in result["suspects"]:
        if x.get("expected_max") is not None:
            bound = f"allowed ≤ {x['expected_max']} {x['unit']}"
        elif x.get("expected_min") is not None:
            bound = f"a running treatment line draws ≥ {x['expected_min']} {x['unit']}"
        else:
            bound = "no bound"
        out.print(f"{x['severity']:8} {x['facility']}  {x['kind']}  {x['hours']} h  {x['metric']}: observed "
                  f"{x['observed']} vs baseline {x['baseline']} {x['unit']} ({bound})", markup=False)


@alert_app.command("review")
@friendly
def alert_review(alert_id: int, docx_out: Annotated[Optional[Path], typer.Option("--docx", help="Also write the "
                                                                                  "复盘 as .docx here.")] = None,
                 as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """复盘: forecast against the observed city AQI, the level the observed days give, acknowledgements,
    the reduction declared."""
    from lantian import db
    from lantian.emergency import service
    from lantian.measurements.store import Store
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.review(s, acting_scope(ws.database_url, user), Store(ws.measurements), connect(None, ws.config), alert_id, ws.root, ws.config)
    if docx_out is not None:
        service.review_docx(r, docx_out)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False, default=str))
        return
    out.print(f"{r['level_name']} ({r['ruleset']}); observed days give: {r['observed_level'] or 'incomplete data'}; "
              f"mean |error| {r['mean_abs_error']} over {r['coverage']} days", markup=False)
    for d in r["days"]:
        out.print(f"  {d['day']}  forecast {d['forecast']}  observed {d['observed'] if d['observed'] is not None else '—'}",
                  markup=False)
    out.print(f"acknowledged {r['acknowledged']}/{r['listed']} ({r['compliance_percent']}%)", markup=False)
    if docx_out is not None:
        out.print(f"复盘 → {docx_out}", markup=False)


# --------------------------------------------------------------------------- the reduction list (应急减排清单)
reduction_app = typer.Typer(help="The emergency reduction list (应急减排清单, task 22): import, template, export, "
                                 "city totals, county proposals.", no_args_is_help=True)
AsUserOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this user (a county's import becomes a "
                                                              "proposal for the city office); default the office.")]


def _county_choices(s) -> tuple[dict, list[str]]:
    from lantian.enterprises import service as ledgers
    lookup = ledgers.county_lookup(s)
    return lookup, sorted({k for k, v in lookup.items() if k != v})


@reduction_app.command("template")
@friendly
def reduction_template(file: Annotated[Path, typer.Argument(help="Where to write it: .xlsx (drop-downs, notes) "
                                                                 "or .csv.")],
                       workspace: WorkspaceOpt = None):
    """The list's template: 统一社会信用代码, 企业名称, 县区, 行业, 绩效等级, 污染物, 基准排放量（吨/年）, 数据来源, 纳入清单."""
    from lantian import db
    from lantian.emergency import listfile
    with db.session(workspace_url(workspace)) as s:
        _, counties = _county_choices(s)
    listfile.write(file, [], counties=counties)
    out.print(f"template → {file}", markup=False)


@reduction_app.command("import")
@friendly
def reduction_import(file: Annotated[Path, typer.Argument(help="The list: .xlsx, .xls or .csv (UTF-8 or GBK) "
                                                               "with the template's Chinese headers.")],
                     dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show what would change; "
                                                                             "store nothing.")] = False,
                     user: AsUserOpt = None, as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Check every row (row, column, reason for each error; nothing stored on any), then create or
    update the enterprises it names, their list membership and baselines — audited. A county user's
    import (--as) is a proposal the city office confirms."""
    from lantian import db
    from lantian.emergency import listfile, reduction
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    url = workspace_url(workspace)
    scope = acting_scope(url, user)
    with db.session(url) as s:
        lookup, _ = _county_choices(s)
        rows = listfile.read(file, counties=lookup)
        result = reduction.import_rows(s, scope, rows, source=file.name, dry_run=dry_run)
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
        return
    head = (f"{file.name}: {result['rows']} rows — {len(result['created'])} enterprises created, "
            f"{len(result['updated'])} updated, {len(result['unchanged'])} unchanged; "
            f"{len(result['joined'])} joined the list, {len(result['left'])} left it; "
            f"{result['baselines_set']} baselines set, {result['baselines_unchanged']} unchanged")
    if dry_run:
        head += "; dry run, nothing stored"
    elif "proposal" in result:
        head += f"; proposal {result['proposal']} awaits the city office (lantian reduction confirm {result['proposal']})"
    out.print(head, markup=False)


@reduction_app.command("export")
@friendly
def reduction_export(file: Annotated[Path, typer.Argument(help="Where to write it: .xlsx or .csv.")],
                     user: AsUserOpt = None, workspace: WorkspaceOpt = None):
    """The list as the caller sees it, in the template's layout: it re-imports unchanged."""
    from lantian import db
    from lantian.emergency import listfile, reduction
    url = workspace_url(workspace)
    with db.session(url) as s:
        rows = reduction.rows(s, acting_scope(url, user))
        _, counties = _county_choices(s)
        names = reduction.county_names(s)
    listfile.write(file, rows, counties=counties, county_names=names)
    out.print(f"{len({r['credit_code'] for r in rows})} enterprises, {len(rows)} rows → {file}", markup=False)


@reduction_app.command("list")
@friendly
def reduction_list(user: AsUserOpt = None, as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The list: each enterprise with its membership, grade and baselines (t/a, with their source)."""
    from lantian import db
    from lantian.emergency import reduction
    url = workspace_url(workspace)
    with db.session(url) as s:
        rows = reduction.rows(s, acting_scope(url, user))
        names = reduction.county_names(s)
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"应急减排清单 — {sum(1 for r in {x['credit_code']: x for x in rows}.values() if r['listed'])} "
                        "enterprises on the list", title_justify="left")
    for col in ("enterprise", "county", "industry", "grade", "on list", "pollutant", "t/a", "source"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], names.get(r["county"] or "", r["county"] or ""), r["industry"] or "",
                      r["grade"] or "未评级", "是" if r["listed"] else "否", r["pollutant"] or "—", r["tonnes"] or "—",
                      r["source"] or "")
    out.print(table)


@reduction_app.command("total")
@friendly
def reduction_total(pollutant: Annotated[str, typer.Argument(help="SO2, NOx, PM or VOCs.")],
                    tonnes: Annotated[str, typer.Argument(help="The city's total emission, t/a.")],
                    source: Annotated[str, typer.Option(help="Where the number comes from (排放清单, year, …).")],
                    year: Annotated[Optional[int], typer.Option(help="Year (default the as-of year).")] = None,
                    user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The city's total (全社会) emission of a pollutant, the denominator of the 10/20/30 % check; audited."""
    from lantian import db
    from lantian.emergency import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        changed = service.set_total(s, year or ws.as_of.year, pollutant, tonnes, source,
                                    scope=acting_scope(ws.database_url, user))
    out.print(f"city total {year or ws.as_of.year} {pollutant}: {tonnes} t/a ({source})"
              + ("" if changed else " — unchanged"), markup=False)


@reduction_app.command("proposals")
@friendly
def reduction_proposals(user: AsUserOpt = None, as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The counties' proposals to the list, pending first."""
    from lantian import db
    from lantian.emergency import reduction
    url = workspace_url(workspace)
    with db.session(url) as s:
        found = reduction.proposals(s, acting_scope(url, user))
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    for p in sorted(found, key=lambda x: (x["state"] != "pending", -x["id"])):
        sm = p["summary"]
        out.print(f"{p['id']}  {p['state']:9} {p['county_name']}  {p['source']}  by {p['submitted_by']} "
                  f"{p['submitted_at']}: {sm['rows']} rows, {len(sm['created'])} new, {len(sm['joined'])} join, "
                  f"{len(sm['left'])} leave, {sm['baselines_set']} baselines", markup=False)


@reduction_app.command("confirm")
@friendly
def reduction_confirm(proposal: int, note: Annotated[str, typer.Option(help="A note for the county.")] = "",
                      workspace: WorkspaceOpt = None):
    """Confirm a county's proposal: it is applied as an import (audited)."""
    from lantian import db
    from lantian.emergency import reduction
    url = workspace_url(workspace)
    with db.session(url) as s:
        r = reduction.decide(s, acting_scope(url, None), proposal, confirm=True, note=note)
    out.print(f"proposal {proposal} of {r['county_name']} confirmed: {len(r['applied']['created'])} created, "
              f"{len(r['applied']['updated'])} updated, {r['applied']['baselines_set']} baselines set", markup=False)


@reduction_app.command("reject")
@friendly
def reduction_reject(proposal: int, note: Annotated[str, typer.Option(help="Why (the county sees it).")],
                     workspace: WorkspaceOpt = None):
    """Reject a county's proposal, saying why."""
    from lantian import db
    from lantian.emergency import reduction
    url = workspace_url(workspace)
    with db.session(url) as s:
        reduction.decide(s, acting_scope(url, None), proposal, confirm=False, note=note)
    out.print(f"proposal {proposal} rejected", markup=False)
