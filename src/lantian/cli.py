"""The ``lantian`` command. Thin: parses arguments, calls the services, prints."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lantian import __version__
from lantian.errors import UsageError
from lantian.measurements.cli import cnemc_app, diff_table
from lantian.terminal import WorkspaceOpt, err, friendly, open_upgraded, out, parse_date, parse_pairs, workspace_url

app = typer.Typer(
    help="蓝天 lantian — a city's air-quality action plan made executable.\n\n"
         "Standard-exact air-quality numbers (GB 3095, HJ 633, HJ 663) and the tools of the "
         "plan office. Start with `lantian demo`.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
aqi_app = typer.Typer(help="HJ 633 air-quality index calculator (2012 and 2026 rules).", no_args_is_help=True)
import_app = typer.Typer(help="Import measurements (one command per format) or a station registry into a workspace.",
                         no_args_is_help=True)
store_app = typer.Typer(help="The workspace's measurement store: what it holds, and queries.", no_args_is_help=True)
app.add_typer(cnemc_app, name="cnemc")
app.add_typer(aqi_app, name="aqi")
app.add_typer(import_app, name="import")
app.add_typer(store_app, name="store")
stations_app = typer.Typer(help="The station registry: list, add, edit, stop, assign to a zone, history.",
                           no_args_is_help=True)
app.add_typer(stations_app, name="stations")





def version_callback(value: bool):
    if value:
        out.print(f"lantian {__version__}")
        raise typer.Exit()


@app.callback()
def main(engine: Annotated[Optional[str], typer.Option(
             help="Table engine for the computations: duckdb (embedded, default) or spark (PySpark; "
                  "$LANTIAN_SPARK_MASTER names a cluster). Else $LANTIAN_ENGINE, else the workspace's "
                  "engine setting (lantian.toml).", envvar="LANTIAN_ENGINE", show_default="duckdb")] = None,
         version: Annotated[Optional[bool], typer.Option("--version", callback=version_callback,
                                                         is_eager=True, help="Print the version.")] = None):
    from lantian.measurements.engine import choose
    choose(engine)


def _connect(config: dict | None = None):
    """The table engine: ``--engine``, else ``$LANTIAN_ENGINE``, else ``config``'s ``[engine] name``."""
    from lantian.measurements.engine import connect
    return connect(None, config)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


@aqi_app.command("calc")
@friendly
def aqi_calc(pairs: Annotated[list[str], typer.Argument(
                 help="ITEM=VALUE pairs. Daily: PM2_5_24h PM10_24h SO2_24h NO2_24h CO_24h O3_8h_max "
                      "(2012 also O3_1h_max). Real-time: PM2_5_1h PM10_1h SO2_1h NO2_1h CO_1h O3_1h.")],
             ruleset: Annotated[str, typer.Option(help="HJ 633 version: 2012 or 2026.")] = "2026",
             as_json: Annotated[bool, typer.Option("--json")] = False):
    """AQI, category, primary pollutant of a set of concentrations (µg/m³; CO mg/m³)."""
    from lantian.standards import aqi as std
    values = parse_pairs(pairs)
    version = int(ruleset)
    if version not in (2012, 2026):
        raise UsageError("--ruleset is 2012 or 2026")
    try:
        realtime = any(k.endswith("_1h") for k in values)
        result = (std.realtime_aqi if realtime else std.daily_aqi)(values, version)
    except (ValueError, ArithmeticError) as exc:
        raise UsageError(f"not a concentration: {exc}") from None
    data = {"aqi": result.value, "published": result.published, "iaqi": result.iaqi,
            "primary": list(result.primary), "exceeding": list(result.exceeding), "missing": list(result.missing),
            "category": result.category.name if result.category else None,
            "level": result.category.level if result.category else None,
            "colour": result.category.hex if result.category else None, "ruleset": f"HJ633-{version}"}
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    shown = result.value if result.published else "NA"
    cat = result.category
    out.print(f"AQI {shown}" + (f"  {cat.grade} {cat.name} ({cat.colour})" if cat else ""))
    out.print("IAQI " + ", ".join(f"{k} {v}" for k, v in result.iaqi.items()))
    out.print("首要污染物 primary: " + (", ".join(result.primary) or "—"))
    if version == 2012:
        out.print("超标污染物 exceeding: " + (", ".join(result.exceeding) or "—"))
    if cat:
        out.print(f"{cat.health}；{cat.advice}")
    out.print(f"[dim]rule set HJ 633—{version}[/]")


demo_app = typer.Typer(help="The demo workspace built from Changzhi's real data.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("init")
@friendly
def demo_init(workspace: Annotated[Optional[Path], typer.Argument(help="Workspace folder (default "
                                                                       "./lantian-workspace).")] = None,
              data: Annotated[Optional[Path], typer.Option(help="The data folder (default: ../shared/data "
                                                                "beside the repository, or $LANTIAN_DATA).")] = None):
    """Build the demo workspace: stations and counties, January 2019 national and Changzhi's 2019 year,
    an account per role, as-of 2023-06-30; check the recomputed CNEMC feed against the official one."""
    from lantian import demo as demo_service
    from lantian.datadir import find_data_dir
    from lantian.workspace import locate
    folder = find_data_dir(data)
    root = locate(workspace)
    out.print(f"[bold]蓝天 lantian[/] demo — data from {folder}, workspace {root}")
    with _progress() as bar:
        task = bar.add_task("building the demo workspace", total=None)
        result = demo_service.build(folder, root, _connect(), progress=lambda _: bar.advance(task))
    feed = result.feed
    out.print(f"Store: {result.stored:,} hourly values in {result.workspace.measurements}; "
              f"as-of date {result.workspace.as_of}")
    out.print(f"Feed: Changzhi 2019 recomputed, {len(feed.stations)} stations × {feed.n_hours:,} hours → "
              f"{result.written[0].parent}")
    out.print(diff_table(result.report))
    out.print(_city_table(result.city.table, result.stations, result.city.method))
    if result.plan_milestones:
        out.print(f"Plan: 长政办发〔2023〕14号, 26 tasks, {result.plan_milestones} milestones "
                  f"(demo sub-tasks labelled 示例) — `lantian plan status`, /plan")
    else:
        out.print("Plan: no plan text found in ../seeds beside the data folder; `lantian plan import FILE`")
    out.print(_accounts_table(result.accounts))


def _accounts_table(rows) -> Table:
    from lantian.demo import PASSWORD
    table = Table(title=f"demo accounts (password: {PASSWORD})", title_justify="left")
    for col in ("username", "role", "who"):
        table.add_column(col)
    for username, role, name in rows:
        table.add_row(username, role, name)
    return table


@app.command()
@friendly
def serve(workspace: WorkspaceOpt = None,
          host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port.")] = 8000,
          worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run the scheduler (lantian worker) "
                                                                           "in the served app.")] = True,
          hj212_port: Annotated[Optional[int], typer.Option(help="Also start the HJ 212 receiver on this port "
                                                                 "(default: the port setting of the hj212 section of lantian.toml, if set).")] = None,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Web worker processes (production behind a "
                                                                    "reverse proxy, docs/serving.md); the scheduler "
                                                                    "and the receiver run once.")] = 1):
    """Serve a workspace's web app and API (pages at /, API docs at /api/docs), with the scheduler and,
    when a port is set, the HJ 212 receiver."""
    import uvicorn
    from lantian.live.service import serve_companions
    from lantian.live.settings import hj212_settings
    from lantian.web.app import create_app
    from lantian.workspace import locate
    from lantian import db
    from lantian.workspace import open_workspace
    ws = open_workspace(locate(workspace))
    db.upgrade(ws.database_url)                      # once, before any worker starts
    receiver = hj212_port or hj212_settings(ws.config).port
    # with --workers each worker process builds (and warms) its own app; this process only needs one
    # for the scheduler it runs
    if workers == 1 or worker:
        app_ = create_app(locate(workspace), warm=workers == 1)
    else:                                            # the receiver alone needs only the workspace
        from types import SimpleNamespace
        app_ = SimpleNamespace(state=SimpleNamespace(workspace=ws))
    stop_companions = serve_companions(app_, locate(workspace), worker=worker, hj212_port=receiver,
                                       say=lambda text: err.print(text, markup=False, highlight=False))
    out.print(f"[bold]蓝天 lantian[/] serving {locate(workspace)} at http://{host}:{port}/  (API docs: "
              f"http://{host}:{port}/api/docs)")
    if (locate(workspace) / "demo").is_dir():
        from lantian.demo import ACCOUNTS, PASSWORD
        out.print("demo accounts: " + ", ".join(f"{u} ({r})" for u, r, *_ in ACCOUNTS) + f" — password {PASSWORD}")
    try:
        if workers > 1:          # each worker builds its own app from the workspace (lantian.web.app.served_app)
            import os
            os.environ["LANTIAN_SERVE_WORKSPACE"] = str(locate(workspace))
            out.print(f"{workers} worker processes")
            uvicorn.run("lantian.web.app:served_app", factory=True, workers=workers, host=host, port=port,
                        log_level="warning", access_log=False, timeout_keep_alive=30)
        else:
            uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False, timeout_keep_alive=30)
    finally:
        stop_companions()


user_app = typer.Typer(help="Accounts: add, list, disable, enable.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machines (stations, gate systems).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@user_app.command("add")
@friendly
def user_add(username: str,
             role: Annotated[str, typer.Option(help="admin, city (市大气办), department, county, enterprise, "
                                                    "inspector or viewer.")],
             password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                                   help="At least 8 characters.")],
             county: Annotated[Optional[str], typer.Option(help="County adcode or zone code (county role), "
                                                                "e.g. 140403.")] = None,
             department: Annotated[Optional[str], typer.Option(help="Department code (department role), "
                                                                    "e.g. gxj for 市工信局.")] = None,
             enterprise: Annotated[Optional[int], typer.Option(help="Enterprise id (enterprise role).")] = None,
             name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,
             workspace: WorkspaceOpt = None):
    """Create an account bound to its county, department or enterprise."""
    from lantian import db
    from lantian.accounts import service as accounts
    url = workspace_url(workspace)
    with db.session(url) as s:
        accounts.seed_departments(s)
        u = accounts.add_user(s, username, password, role, county=county, department=department,
                              enterprise=enterprise, display_name=name)
        out.print(f"user {u.username} ({u.role}"
                  + (f", {u.county_code}" if u.county_code else "")
                  + (f", {u.department_code}" if u.department_code else "") + ") created")


@user_app.command("list")
@friendly
def user_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Every account with its role and binding."""
    from lantian import db
    from lantian.accounts import service as accounts
    with db.session(workspace_url(workspace)) as s:
        rows = [{"username": u.username, "role": u.role, "county": u.county_code, "department": u.department_code,
                 "enterprise": u.enterprise_id, "active": u.active, "name": u.display_name}
                for u in accounts.users(s)]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} accounts", title_justify="left")
    for col in ("username", "role", "county", "department", "enterprise", "active", "name"):
        table.add_column(col)
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r.values()])
    out.print(table)


@user_app.command("disable")
@friendly
def user_disable(username: str, workspace: WorkspaceOpt = None):
    """Disable an account (it can no longer sign in; its history stays)."""
    _set_active(username, False, workspace)


@user_app.command("enable")
@friendly
def user_enable(username: str, workspace: WorkspaceOpt = None):
    """Enable a disabled account again."""
    _set_active(username, True, workspace)


def _set_active(username: str, active: bool, workspace) -> None:
    from lantian import db
    from lantian.accounts import service as accounts
    with db.session(workspace_url(workspace)) as s:
        accounts.set_active(s, username, active)
    out.print(f"user {username} {'enabled' if active else 'disabled'}")


@token_app.command("create")
@friendly
def token_create(username: Annotated[str, typer.Argument(help="The account the machine acts as.")],
                 name: Annotated[str, typer.Option(help="What the token is for, e.g. 'gate-system-1'.")] = "machine",
                 workspace: WorkspaceOpt = None):
    """Create a machine token (printed once; send it as `Authorization: Bearer <token>`)."""
    from lantian import db
    from lantian.accounts import service as accounts
    with db.session(workspace_url(workspace)) as s:
        token = accounts.create_token(s, username, name)
    out.print(token)


def _city_table(city, stations: list[str], method: str) -> Table:
    import datetime as dt
    rows = city.to_pylist()
    table = Table(title=f"长治市 2019 by month — stations {', '.join(stations)} (对照点 excluded), {method}; "
                        "daily values HJ 663, daily AQI HJ 633—2012", title_justify="left")
    for col in ("month", "valid days", "优良 days", "good-day %", "重污染 days", "PM2.5 mean",
                "PM10 mean", "O3-8h max", "most frequent primary"):
        table.add_column(col, justify="right" if col != "month" else "left")
    months: dict[str, list] = {}
    for r in rows:
        d = dt.date(1970, 1, 1) + dt.timedelta(days=r["day"])
        if d.year == 2019:
            months.setdefault(f"{d:%Y-%m}", []).append(r)
    for m, rs in sorted(months.items()):
        valid = [r for r in rs if r["AQI"] is not None]
        good = sum(1 for r in valid if r["AQI"] <= 100)
        heavy = sum(1 for r in valid if r["AQI"] > 200)
        pm25 = [r["PM2_5"] for r in rs if r["PM2_5"] is not None]
        pm10 = [r["PM10"] for r in rs if r["PM10"] is not None]
        o3 = [r["O3_8h_max"] for r in rs if r["O3_8h_max"] is not None]
        prim: dict[str, int] = {}
        for r in valid:
            for p in (r["primary"] or "").split(","):
                if p:
                    prim[p] = prim.get(p, 0) + 1
        top = max(prim, key=prim.get) if prim else "—"
        table.add_row(m, str(len(valid)), str(good), f"{100 * good / len(valid):.1f}" if valid else "—",
                      str(heavy), f"{sum(pm25) / len(pm25):.1f}" if pm25 else "—",
                      f"{sum(pm10) / len(pm10):.1f}" if pm10 else "—", str(max(o3)) if o3 else "—", top)
    return table


@app.command()
@friendly
def init(path: Annotated[Optional[Path], typer.Argument(help="Folder to create (default ./lantian-workspace).")]
         = None):
    """Create a workspace: settings, the measurement store and the operational database."""
    from lantian import workspace
    ws = workspace.init(path)
    _upgrade_db(ws)
    out.print(f"workspace ready at {ws.root} (settings {ws.config_path.name}, store {ws.measurements})")


def _upgrade_db(ws) -> None:
    try:
        from lantian import db
    except ImportError:      # pragma: no cover - the database arrives with the registry
        return
    db.upgrade(ws.database_url)


def _import_measurements(fmt: str, files: list[Path], workspace: Optional[Path], source: Optional[str],
                         lenient: bool, mapping: Optional[list[str]], time_label: str, as_json: bool):
    from lantian.measurements.importer import import_files
    from lantian.measurements.station_keys import StationKeys
    ws = open_upgraded(workspace, create=True)
    maps = parse_pairs(mapping or []) if mapping else None
    for f in files:
        if not f.is_file():
            raise UsageError(f"{f}: no such file")
    with _progress() as bar:
        task = bar.add_task(f"reading {fmt}", total=len(files))
        summary = import_files(ws.measurements, fmt, files, source=source, lenient=lenient, mapping=maps,
                               time_label=time_label, progress=lambda _: bar.advance(task),
                               registry=StationKeys.of(ws.database_url))
    from lantian import audit
    audit.record_measurement_import(ws.database_url, summary, actor="cli")
    if as_json:
        out.print_json(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
        return
    table = Table(title=f"import {summary.import_id} ({summary.source})", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("files", str(len(summary.files)))
    table.add_row("values read (a wide row: one per pollutant)", f"{summary.rows_read:,}")
    table.add_row("values (distinct station, hour, pollutant)", f"{summary.stored:,}")
    table.add_row("new / changed / unchanged", f"{summary.new:,} / {summary.changed:,} / {summary.unchanged:,}")
    table.add_row("stations", f"{summary.stations:,}")
    table.add_row("time span (hour-ending, Beijing)", f"{summary.first} … {summary.last}")
    if summary.duplicates_identical or summary.duplicates_conflicting:
        table.add_row("duplicates identical / conflicting (later file kept)",
                      f"{summary.duplicates_identical:,} / {summary.duplicates_conflicting:,}")
    for reason, n in sorted(summary.rejected.items()):
        table.add_row(f"rejected: {reason}", f"{n:,}")
    for name, n in summary.flagged.items():
        table.add_row(f"quality flag: {name}", f"{n:,}")
    out.print(table)
    if summary.unknown_stations:
        out.print("stations no registered station answers to (unknown, or a name several bear), values left "
                  "out: " + ", ".join(
            f"{key} ({n:,})" for key, n in sorted(summary.unknown_stations.items())), markup=False)
    from lantian.measurements.cli import file_notes
    for note in summary.notes + file_notes(summary.repeated_columns, summary.truncated):
        out.print(f"note: {note}", markup=False)
    if not summary.committed:
        out.print("nothing new: the store is unchanged")


FilesArg = Annotated[list[Path], typer.Argument(help="Files to import.")]
SourceOpt = Annotated[Optional[str], typer.Option(help="Source name the values are stored under.")]
LenientOpt = Annotated[bool, typer.Option("--lenient", help="Skip bad rows and count them by reason "
                                                            "instead of refusing the file (values of a "
                                                            "station the registry does not know: "
                                                            "'unknown station', each key listed).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
MapOpt = Annotated[Optional[list[str]], typer.Option("--map", help="FIELD=COLUMN: which column of the file holds "
                                                                  "station, time, pollutant, value or unit "
                                                                  "(repeat for each).")]
TimeLabelOpt = Annotated[str, typer.Option(help="Whether the file's time labels the hour's end (as CNEMC) or "
                                                "its start.")]


@import_app.command("cnemc")
@friendly
def import_cnemc(files: FilesArg, workspace: WorkspaceOpt = None, source: SourceOpt = None,
                 lenient: Annotated[bool, typer.Option("--lenient", help="Leave out and count the values of "
                                                       "stations the registry does not know, and read a file "
                                                       "whose last line was cut short without it, instead of "
                                                       "refusing the file.")] = False,
                 as_json: JsonOpt = False):
    """CNEMC feed files china_sites_*.csv[.gz]: the 1-hour rows are stored; the derived rows are not."""
    _import_measurements("cnemc", files, workspace, source, lenient, None, "end", as_json)


@import_app.command("uci")
@friendly
def import_uci(files: FilesArg, workspace: WorkspaceOpt = None, source: SourceOpt = None,
               lenient: LenientOpt = False, as_json: JsonOpt = False):
    """UCI Beijing Multi-Site Air-Quality CSV files (CO converted from µg/m³ to mg/m³)."""
    _import_measurements("uci", files, workspace, source, lenient, None, "end", as_json)


@import_app.command("long")
@friendly
def import_long(files: FilesArg, workspace: WorkspaceOpt = None, source: SourceOpt = None,
                lenient: LenientOpt = False, mapping: MapOpt = None, time_label: TimeLabelOpt = "end",
                as_json: JsonOpt = False):
    """A long table (CSV or XLSX): station, time, pollutant, value[, unit] — vendor exports via --map."""
    _import_measurements("long", files, workspace, source, lenient, mapping, time_label, as_json)


@import_app.command("wide")
@friendly
def import_wide(files: FilesArg, workspace: WorkspaceOpt = None, source: SourceOpt = None,
                lenient: LenientOpt = False, mapping: MapOpt = None, time_label: TimeLabelOpt = "end",
                as_json: JsonOpt = False):
    """A wide table (CSV or XLSX): station, time and one column per pollutant."""
    _import_measurements("wide", files, workspace, source, lenient, mapping, time_label, as_json)






@import_app.command("stations")
@friendly
def import_stations(file: Annotated[Path, typer.Argument(help="A station list (UTF-8 or GBK) with the CNEMC "
                                                              "columns, e.g. NewSiteList_utf8.csv; a column 站点类别 "
                                                              "or network names each row's network (国控/national, "
                                                              "乡镇/township, …), without it every row is national.")],
                    boundaries: Annotated[Optional[Path], typer.Option(help="A boundary GeoJSON (DataV "
                                          "export); stations are assigned to its counties by location.")] = None,
                    effective: Annotated[Optional[str], typer.Option(help="When the file's changes take effect "
                                         "(YYYY-MM-DD; an upgraded network counts from this day on). New "
                                         "stations then exist from this day; without it, since always.")] = None,
                    workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Load a station registry file; re-importing changes nothing, a moved or upgraded station gets a new version."""
    from lantian.measurements import stations
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    url = workspace_url(workspace)
    summary = stations.import_stations(url, file, boundaries=boundaries, effective=parse_date(effective, "--effective"))
    data = summary.__dict__ if not hasattr(summary, "as_dict") else summary.as_dict()
    duties = _plan_county_duties(url) if boundaries is not None else 0
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    out.print(f"{summary.file} ({summary.encoding}): {summary.rows} rows — {summary.added} added, "
              f"{summary.updated} updated, {summary.unchanged} unchanged; {summary.assigned_by_polygon} placed "
              f"in a county by location, {summary.assigned_explicitly} assigned explicitly, "
              f"{summary.unassigned} without a county")
    for problem in summary.problems[:20]:
        out.print(f"  note: {problem}")
    if len(summary.problems) > 20:
        out.print(f"  … and {len(summary.problems) - 20} more")
    if duties:
        out.print(f"the plans' county clauses: {duties} sub-tasks for the counties and zones now known")


def _plan_county_duties(url: str) -> int:
    """New counties and zones take up their sub-tasks of every plan's county clause."""
    from lantian import db
    from lantian.plan.counties import ensure_all
    with db.session(url) as s:
        return sum(d.created for d in ensure_all(s, actor="cli").values())


def _station_table(rows, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    from lantian.db import to_beijing
    from lantian.measurements.stations import network_name
    for col in ("code", "name", "city", "lon", "lat", "network", "对照点", "county / zone", "assigned by", "status",
                "valid from", "valid to"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.code, r.name, r.city or "", "" if r.lon is None else f"{r.lon:.4f}",
                      "" if r.lat is None else f"{r.lat:.4f}", f"{network_name(r.network)} {r.network}",
                      "Y" if r.control_point else "", r.unit_name or "", r.assignment, r.status,
                      "" if r.valid_from is None else f"{to_beijing(r.valid_from):%Y-%m-%d}",
                      "" if r.valid_to is None else f"{to_beijing(r.valid_to):%Y-%m-%d}")
    return table


@stations_app.command("list")
@friendly
def stations_list(county: Annotated[Optional[str], typer.Option(help="County or zone (code or name).")] = None,
                  on: Annotated[Optional[str], typer.Option(help="As registered on this date (YYYY-MM-DD).")]
                  = None,
                  all_: Annotated[bool, typer.Option("--all", help="Include stopped stations.")] = False,
                  workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Stations in the registry (the version valid on --on, default now)."""
    from lantian.measurements import stations
    rows = stations.list_stations(workspace_url(workspace), county=county, on=parse_date(on), include_stopped=all_)
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, default=str))
        return
    out.print(_station_table(rows, f"{len(rows)} stations" + (f" in {county}" if county else "")))


@stations_app.command("add")
@friendly
def stations_add(code: str, name: str,
                 lon: Annotated[Optional[float], typer.Option(help="Longitude (°E).")] = None,
                 lat: Annotated[Optional[float], typer.Option(help="Latitude (°N).")] = None,
                 city: Annotated[Optional[str], typer.Option()] = None,
                 control: Annotated[bool, typer.Option("--control", help="A control point (对照点).")] = False,
                 zone: Annotated[Optional[str], typer.Option(help="Assign to a zone explicitly, e.g. "
                                                                  "140400-gaoxin (高新区).")] = None,
                 network: Annotated[Optional[str], typer.Option(help="Its network: national 国控, provincial 省控, "
                                    "city 市控, county 县控, township 乡镇, sensor 微站 (required: it decides "
                                    "which official figures the station enters).")] = None,
                 since: Annotated[Optional[str], typer.Option(help="The day it started measuring (YYYY-MM-DD): "
                                  "its data from then on counts. Default today.")] = None,
                 workspace: WorkspaceOpt = None):
    """Add a station (placed in its county by location unless --zone is given)."""
    from lantian.measurements import stations
    if network is None:
        raise UsageError("give the station's network: --network national|provincial|city|county|township|sensor "
                         "(国控/省控/市控/县控/乡镇/微站)")
    r = stations.add_station(workspace_url(workspace), code, name, lon, lat, network=network, city=city,
                             control_point=control, zone_code=zone, when=parse_date(since, "--since"))
    from lantian.db import to_beijing
    since_text = "always" if r.valid_from is None else f"{to_beijing(r.valid_from):%Y-%m-%d}"
    out.print(f"added {r.code} {r.name} ({stations.network_name(r.network)} {r.network}) → "
              f"{r.unit_name or 'no county'} ({r.assignment}), from {since_text}")


@stations_app.command("edit")
@friendly
def stations_edit(code: str,
                  name: Annotated[Optional[str], typer.Option()] = None,
                  lon: Annotated[Optional[float], typer.Option()] = None,
                  lat: Annotated[Optional[float], typer.Option()] = None,
                  network: Annotated[Optional[str], typer.Option(help="A new network, e.g. county (an upgrade "
                                     "乡镇 → 县控: the figures change from --when on only).")] = None,
                  when: Annotated[Optional[str], typer.Option(help="Effective date (YYYY-MM-DD).")] = None,
                  reason: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
                  workspace: WorkspaceOpt = None):
    """Change a station; the previous version is kept in its history (and the change in the audit log)."""
    from lantian.measurements import stations
    changes = {k: v for k, v in (("name", name), ("lon", lon), ("lat", lat), ("network", network)) if v is not None}
    if not changes:
        raise UsageError("nothing to change: give --name, --lon, --lat or --network")
    r = stations.edit_station(workspace_url(workspace), code, reason=reason, when=parse_date(when, "--when"),
                              **changes)
    from lantian.db import to_beijing
    out.print(f"{r.code} {r.name} ({stations.network_name(r.network)} {r.network}) now in "
              f"{r.unit_name or 'no county'} (from {to_beijing(r.valid_from):%Y-%m-%d})")


@stations_app.command("stop")
@friendly
def stations_stop(code: str, when: Annotated[str, typer.Option(help="Date it stopped (YYYY-MM-DD).")],
                  reason: Annotated[str, typer.Option(help="Why.")], workspace: WorkspaceOpt = None):
    """Mark a station stopped from a date; its history and data stay."""
    from lantian.measurements import stations
    from lantian.db import to_beijing
    r = stations.stop_station(workspace_url(workspace), code, parse_date(when), reason)
    out.print(f"{r.code} {r.name} stopped from {to_beijing(r.valid_from):%Y-%m-%d}")


@stations_app.command("assign")
@friendly
def stations_assign(code: str, zone: Annotated[Optional[str], typer.Argument(
                        help="Zone code (e.g. 140400-gaoxin); omit to return to the polygon's county.")] = None,
                    reason: Annotated[Optional[str], typer.Option()] = None,
                    when: Annotated[Optional[str], typer.Option(help="Effective date (YYYY-MM-DD): the station "
                                                                     "counts for the zone from this day on.")] = None,
                    workspace: WorkspaceOpt = None):
    """Assign a station to a zone without a polygon (高新区, 经开区); overrides its location."""
    from lantian.measurements import stations
    r = stations.assign_zone(workspace_url(workspace), code, zone, reason=reason, when=parse_date(when, "--when"))
    out.print(f"{r.code} {r.name} → {r.unit_name or 'no county'} ({r.assignment})")


@stations_app.command("history")
@friendly
def stations_history(code: str, workspace: WorkspaceOpt = None):
    """Every version of a station."""
    from lantian.measurements import stations
    out.print(_station_table(stations.history(workspace_url(workspace), code), f"history of {code}"))


@store_app.command("info")
@friendly
def store_info(workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Partitions, values and size of the store, and the imports so far."""
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    store = Store(ws.measurements)
    manifest = store.manifest()
    info = {"values": store.count(), "bytes": store.size_bytes(), "partitions": sorted(manifest["partitions"]),
            "version": manifest["version"], "imports": len(store.imports())}
    if as_json:
        out.print_json(json.dumps(info))
        return
    out.print(f"{info['values']:,} values in {len(info['partitions'])} partitions, "
              f"{info['bytes'] / 1e6:.1f} MB, version {info['version']}, {info['imports']} imports")
    for key in info["partitions"]:
        out.print(f"  {key}")


# the rooms' own command groups
from lantian.assessment import cli as assessment_cli  # noqa: E402
from lantian.plan import cli as plan_cli  # noqa: E402
from lantian.enterprises import cli as ledger_cli  # noqa: E402
from lantian.emergency import cli as alert_cli  # noqa: E402
from lantian.dustfall import cli as dustfall_cli  # noqa: E402
from lantian.vehicles import cli as vehicles_cli  # noqa: E402
from lantian.registers import cli as registers_cli  # noqa: E402
from lantian.fires import cli as fires_cli  # noqa: E402
from lantian.bulletins import cli as report_cli  # noqa: E402
from lantian.inventory import cli as inventory_cli  # noqa: E402
from lantian.apportionment import cli as pmf_cli  # noqa: E402
from lantian.forecast import cli as forecast_cli  # noqa: E402

assessment_cli.register(app)              # rank, progress, warn, target, sand-dust, letter
app.add_typer(plan_cli.plan_app, name="plan")
app.add_typer(ledger_cli.ledger_app, name="ledger")
app.add_typer(alert_cli.alert_app, name="alert")
app.add_typer(alert_cli.reduction_app, name="reduction")
app.add_typer(dustfall_cli.dust_app, name="dustfall")
app.add_typer(vehicles_cli.app, name="gates")
app.add_typer(vehicles_cli.roadcheck_app, name="roadcheck")
app.add_typer(registers_cli.app, name="registers")
app.add_typer(fires_cli.app, name="fires")
app.add_typer(report_cli.app, name="report")
app.add_typer(inventory_cli.app, name="inventory")
app.add_typer(pmf_cli.app, name="pmf")
app.add_typer(forecast_cli.app, name="forecast")

from lantian.live import cli as live_cli  # noqa: E402

live_cli.register(app, store_app)

from lantian.analysis import cli as analysis_cli  # noqa: E402

app.add_typer(analysis_cli.app, name="analyse")

from lantian import backup_cli  # noqa: E402

backup_cli.register(app)

from lantian.accounts import cli as accounts_cli  # noqa: E402

accounts_cli.register(app, user_app)

if __name__ == "__main__":  # pragma: no cover - after every room is mounted (``python -m lantian`` is the way)
    sys.exit(app())
