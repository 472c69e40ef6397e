"""``lantian fires``: import fire points, list cases, record findings, enter county figures and dates,
statistics (行动计划 任务15). Thin: parses arguments, calls :mod:`lantian.fires.service`, prints. The
command line acts as the city office, or as the user of ``--as`` (``--by`` names who checked a fire)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import AsOpt, WorkspaceOpt, acting_scope, friendly, open_upgraded, out, parse_date

app = typer.Typer(help="秸秆焚烧火点 (task 15): import FIRMS files and reports, dispatch, verify, statistics.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]




def _scope(ws, user: str | None):
    """The scope of ``--as`` (the service asks the policy as for the page), or the city office's."""
    return acting_scope(ws.database_url, user)


def _json(data) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command("import")
@friendly
def import_(file: Annotated[Path, typer.Argument(help="A NASA FIRMS MODIS/VIIRS CSV, or a report CSV "
                                                      "(time,lat,lon,source,reporter,note; Beijing time).")],
            townships: Annotated[Optional[Path], typer.Option(help="A township layer (GeoJSON) to name each "
                                                                   "point's township; default [fires] townships.")] = None,
            lenient: Annotated[bool, typer.Option("--lenient", help="Skip bad rows and count them instead of "
                                                                     "refusing the file.")] = False,
            as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Import fire points: keep those inside the city, assign counties, merge the same fire, open cases."""
    from lantian import db
    from lantian.fires import service
    from lantian.fires.settings import fire_settings
    ws = open_upgraded(workspace)
    layer = townships
    if layer is None and fire_settings(ws.config).townships:
        layer = ws.root / fire_settings(ws.config).townships
    with db.session(ws.database_url) as s:
        r = service.import_file(s, file, actor="cli", config=ws.config, lenient=lenient, townships=layer)
    if as_json:
        _json(r)
        return
    out.print(f"{r['file']} ({r['layout']}): {r['read']} read, {r['inside_city']} inside the city, "
              f"{r['outside_city']} outside; {r['new_detections']} new, {r['already_imported']} already imported, "
              f"{r['merged_duplicates']} merged into a known fire, {r['rejected']} rejected; "
              f"{r['new_cases']} new cases", markup=False)
    for note in r["notes"] + r["errors"]:
        out.print(f"note: {note}", markup=False)


@app.command("list")
@friendly
def list_(county: Annotated[Optional[str], typer.Option(help="Adcode or name.")] = None,
          status: Annotated[Optional[str], typer.Option(help="pending, escalated or verified.")] = None,
          period: Annotated[Optional[str], typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD (Beijing).")] = None,
          as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The fire cases, newest first, with their status against the as-of date."""
    from lantian import db
    from lantian.fires import service
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        rows = service.cases(s, _scope(ws, user), county=county, status=status, period=period, config=ws.config)
    if as_json:
        _json(rows)
        return
    table = Table(title=f"火点 {len(rows)}", title_justify="left")
    for col in ("id", "county", "first seen (Beijing)", "sources", "deadline", "status", "finding", "slots"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["county_name"], r["first_seen"], "、".join(r["source_names"]), r["deadline"],
                      r["status_name"], r["finding_name"] or "", "、".join(r["slots"]))
    out.print(table)


@app.command("finding")
@friendly
def finding(case: Annotated[int, typer.Argument(help="The case id.")],
            kind: Annotated[str, typer.Option(help="straw (秸秆焚烧), industrial (工业热源), false_alarm (误报) "
                                                   "or other (其他).")],
            note: Annotated[Optional[str], typer.Option()] = None,
            lat: Annotated[Optional[str], typer.Option(help="GPS latitude where it was checked.")] = None,
            lon: Annotated[Optional[str], typer.Option(help="GPS longitude.")] = None,
            by: Annotated[Optional[str], typer.Option(help="Who checked it.")] = None,
            at: Annotated[Optional[str], typer.Option(help="When it was checked, Beijing YYYY-MM-DD HH:MM "
                                                           "(default now).")] = None,
            as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Record what a fire point was (核查结果)."""
    from lantian import db
    from lantian.fires import reader, service
    ws = open_upgraded(workspace)
    when = None
    if at:
        when = reader.parse_time(at)
        if when is None:
            raise UsageError(f"--at {at!r}: Beijing time YYYY-MM-DD HH:MM")
    with db.session(ws.database_url) as s:
        r = service.record_finding(s, _scope(ws, user), case, kind, note=note, lat=lat, lon=lon, by=by, at=when)
    if as_json:
        _json(r)
        return
    out.print(f"case {r['id']}: {r['finding_name']}" + ("（逾期核查）" if r["late"] else ""), markup=False)


@app.command("report")
@friendly
def report(time: Annotated[str, typer.Option(help="Beijing time YYYY-MM-DD HH:MM.")],
           lat: Annotated[str, typer.Option()], lon: Annotated[str, typer.Option()],
           source: Annotated[str, typer.Option(help="manual, video or drone.")],
           reporter: Annotated[str, typer.Option()], note: Annotated[Optional[str], typer.Option()] = None,
           as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """A fire reported by a patrol, a camera or a drone."""
    from lantian import db
    from lantian.fires import reader, service
    ws = open_upgraded(workspace)
    when = reader.parse_time(time)
    if when is None:
        raise UsageError(f"--time {time!r}: Beijing time YYYY-MM-DD HH:MM")
    with db.session(ws.database_url) as s:
        r = service.add_report(s, _scope(ws, user), time=when, lat=lat, lon=lon, source=source, reporter=reporter,
                               note=note, config=ws.config)
    if as_json:
        _json(r)
        return
    out.print(f"case {r['case']}" + (" (new)" if r["created"] else " (already known)"), markup=False)


@app.command("figures")
@friendly
def figures(county: Annotated[str, typer.Argument(help="Adcode or name.")], year: Annotated[int, typer.Argument()],
            farmland_ha: Annotated[Optional[str], typer.Option(help="Cultivated land, ha.")] = None,
            straw_produced: Annotated[Optional[str], typer.Option(help="Straw produced (可收集量), t.")] = None,
            straw_utilised: Annotated[Optional[str], typer.Option(help="Straw utilised (综合利用量), t.")] = None,
            source: Annotated[Optional[str], typer.Option(help="Where the figures come from.")] = None,
            user: AsOpt = None, workspace: WorkspaceOpt = None):
    """A county's figures of a year: farmland area, straw produced and utilised."""
    from lantian import db
    from lantian.fires import service
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        r = service.set_figures(s, _scope(ws, user), county, year, farmland_ha=farmland_ha,
                                straw_produced_t=straw_produced, straw_utilised_t=straw_utilised, source=source)
    _json(r)


@app.command("calendar")
@friendly
def calendar(county: Annotated[str, typer.Argument(help="Adcode or name.")],
             kind: Annotated[str, typer.Argument(help="rain (a forecast rain day) or sowing (a sowing window).")],
             start: Annotated[str, typer.Argument(help="YYYY-MM-DD.")],
             end: Annotated[Optional[str], typer.Argument(help="YYYY-MM-DD, the sowing window's last day.")] = None,
             note: Annotated[Optional[str], typer.Option()] = None, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """A county's rain forecast (下雨前) or sowing window (播种前)."""
    from lantian import db
    from lantian.fires import service
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        r = service.add_calendar(s, _scope(ws, user), county, kind, parse_date(start), parse_date(end), note)
    _json(r)


@app.command("stats")
@friendly
def stats(year: Annotated[Optional[int], typer.Option(help="Default: the as-of year.")] = None,
          season: Annotated[Optional[str], typer.Option(help="A season of [fires.seasons], e.g. 夏收.")] = None,
          as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Fire points per county: year on year, per 1 000 ha, key time slots, status; straw utilisation."""
    from lantian import db
    from lantian.fires import service
    ws = open_upgraded(workspace)
    with db.session(ws.database_url) as s:
        r = service.statistics(s, _scope(ws, user), year or ws.as_of.year, season, ws.config)
    if as_json:
        _json(r)
        return
    table = Table(title=f"秸秆焚烧火点 {r['label']}（同期 {r['previous']}）", title_justify="left")
    for col in ("county", "fires", "last year", "change %", "per 1000 ha", *r["slots"], "escalated",
                "straw utilisation %"):
        table.add_column(col)
    for c in r["counties"] + [r["total"]]:
        u = c.get("utilisation")
        table.add_row(c["name"], str(c["fires"]), str(c["previous"]), _shown(c["change_percent"]),
                      _shown(c.get("per_1000_ha")), *(str(c["slots"][k]) for k in r["slots"]),
                      str(c["status"]["escalated"]),
                      "" if not u else f"{u['rate_percent']:g}" + ("" if u["met"] else " ✗"))
    out.print(table)


def _shown(value) -> str:
    return "—" if value is None else f"{value:g}"
