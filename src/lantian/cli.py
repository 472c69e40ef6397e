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
from lantian.terminal import WorkspaceOpt, err, friendly, out

app = typer.Typer(
    help="蓝天 lantian — a city's air-quality action plan made executable.\n\n"
         "Standard-exact air-quality numbers (GB 3095, HJ 633, HJ 663) and the tools of the "
         "plan office. Start with `lantian demo`.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
cnemc_app = typer.Typer(help="The CNEMC real-time feed (china_sites_*.csv): recompute it and check it.",
                        no_args_is_help=True)
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

STATE: dict = {"engine": None}




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
    STATE["engine"] = engine
    choose(engine)


def _connect(config: dict | None = None):
    """The table engine: ``--engine``, else ``$LANTIAN_ENGINE``, else ``config``'s ``[engine] name``."""
    from lantian.measurements.engine import connect
    return connect(STATE["engine"], config)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


@cnemc_app.command("recompute")
@friendly
def cnemc_recompute(
        files: Annotated[list[Path], typer.Argument(help="Feed files of consecutive days, .csv or .csv.gz; "
                                                         "earlier days supply the trailing windows.")],
        outdir: Annotated[Path, typer.Option("-o", "--out", help="Folder for the recomputed files "
                                                                 "(same names, same format).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False):
    """Recompute every derived row (AQI, *_24h, O3_8h, O3_24h, O3_8h_24h) from the 1-hour rows.

    1-hour rows are copied through unchanged. Nothing is written unless every input is valid.
    """
    from lantian.measurements.feed import FeedRules, load_feed, recompute, write_all
    inputs = {p.resolve() for p in files}
    for p in files:
        if (outdir / p.name).resolve() in inputs:
            raise UsageError(f"{outdir} would overwrite the input {p}; choose another --out folder")
    with _progress() as bar:
        task = bar.add_task("reading", total=len(files))
        feed = load_feed(files, progress=lambda _: bar.advance(task))
        bar.update(task, description="computing", completed=0, total=1)
        rec = recompute(feed, _connect(), FeedRules())
        bar.update(task, description="writing", completed=0, total=len(files))
        written = write_all(rec, outdir, progress=lambda _: bar.advance(task))
    summary = {"files": [str(p) for p in written], "stations": len(feed.stations), "hours": feed.n_hours,
               "rules": rec.rules.describe()}
    if as_json:
        out.print_json(json.dumps(summary, ensure_ascii=False))
    else:
        out.print(f"recomputed {len(written)} file(s): {len(feed.stations)} stations × {feed.n_hours} hours "
                  f"→ {outdir}")


def _diff_table(report) -> Table:
    table = Table(title="CNEMC feed: published vs recomputed", title_justify="left")
    for col in ("type", "window", "compared", "exact", "exact %", "±1 (CO ±0.1) %", "only published",
                "only recomputed"):
        table.add_column(col, justify="left" if col in ("type", "window") else "right")
    for (typ, klass), a in report.rows.items():
        table.add_row(typ, klass, f"{a.compared:,}", f"{a.exact:,}", f"{100 * a.exact_share:.3f}",
                      f"{100 * a.within_share:.3f}", f"{a.only_official:,}", f"{a.only_recomputed:,}")
    return table


@cnemc_app.command("diff")
@friendly
def cnemc_diff(official: Annotated[Path, typer.Argument(help="Folder of the official files.")],
               recomputed: Annotated[Path, typer.Argument(help="Folder of lantian's recomputed files.")],
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False):
    """Per derived type: how many values agree exactly and within ±1 (CO ±0.1), for complete and
    incomplete windows separately (complete = every 1-hour input present in the official files)."""
    from lantian.measurements.feed_diff import diff
    for folder in (official, recomputed):
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
    report = diff(official, recomputed)
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        out.print(_diff_table(report))


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"{pair!r}: write ITEM=VALUE, e.g. PM2_5_24h=76")
        key, value = pair.split("=", 1)
        values[key.strip().replace("PM2.5", "PM2_5")] = value.strip()
    return values


@aqi_app.command("calc")
@friendly
def aqi_calc(pairs: Annotated[list[str], typer.Argument(
                 help="ITEM=VALUE pairs. Daily: PM2_5_24h PM10_24h SO2_24h NO2_24h CO_24h O3_8h_max "
                      "(2012 also O3_1h_max). Real-time: PM2_5_1h PM10_1h SO2_1h NO2_1h CO_1h O3_1h.")],
             ruleset: Annotated[str, typer.Option(help="HJ 633 version: 2012 or 2026.")] = "2026",
             as_json: Annotated[bool, typer.Option("--json")] = False):
    """AQI, category, primary pollutant of a set of concentrations (µg/m³; CO mg/m³)."""
    from lantian.standards import aqi as std
    values = _parse_pairs(pairs)
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
    out.print(_diff_table(result.report))
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
          port: Annotated[int, typer.Option(help="Port.")] = 8000):
    """Serve a workspace's web app and API (pages at /, API docs at /api/docs)."""
    import uvicorn
    from lantian.web.app import create_app
    from lantian.workspace import locate
    app_ = create_app(locate(workspace), STATE["engine"], warm=True)
    out.print(f"[bold]蓝天 lantian[/] serving {locate(workspace)} at http://{host}:{port}/  (API docs: "
              f"http://{host}:{port}/api/docs)")
    if (locate(workspace) / "demo").is_dir():
        from lantian.demo import ACCOUNTS, PASSWORD
        out.print("demo accounts: " + ", ".join(f"{u} ({r})" for u, r, *_ in ACCOUNTS) + f" — password {PASSWORD}")
    uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False, timeout_keep_alive=30)


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
    url = _ws_url(workspace)
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
    with db.session(_ws_url(workspace)) as s:
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
    with db.session(_ws_url(workspace)) as s:
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
    with db.session(_ws_url(workspace)) as s:
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
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace, create=True)
    maps = _parse_pairs(mapping or []) if mapping else None
    for f in files:
        if not f.is_file():
            raise UsageError(f"{f}: no such file")
    with _progress() as bar:
        task = bar.add_task(f"reading {fmt}", total=len(files))
        summary = import_files(ws.measurements, fmt, files, source=source, lenient=lenient, mapping=maps,
                               time_label=time_label, progress=lambda _: bar.advance(task))
    if as_json:
        out.print_json(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
        return
    table = Table(title=f"import {summary.import_id} ({summary.source})", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("files", str(len(summary.files)))
    table.add_row("rows read", f"{summary.rows_read:,}")
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
    for note in summary.notes:
        out.print(f"note: {note}")
    if not summary.committed:
        out.print("nothing new: the store is unchanged")


FilesArg = Annotated[list[Path], typer.Argument(help="Files to import.")]
SourceOpt = Annotated[Optional[str], typer.Option(help="Source name the values are stored under.")]
LenientOpt = Annotated[bool, typer.Option("--lenient", help="Skip bad rows and count them by reason "
                                                            "instead of refusing the file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
MapOpt = Annotated[Optional[list[str]], typer.Option("--map", help="FIELD=COLUMN: which column of the file holds "
                                                                  "station, time, pollutant, value or unit "
                                                                  "(repeat for each).")]
TimeLabelOpt = Annotated[str, typer.Option(help="Whether the file's time labels the hour's end (as CNEMC) or "
                                                "its start.")]


@import_app.command("cnemc")
@friendly
def import_cnemc(files: FilesArg, workspace: WorkspaceOpt = None, source: SourceOpt = None,
                 as_json: JsonOpt = False):
    """CNEMC feed files china_sites_*.csv[.gz]: the 1-hour rows are stored; the derived rows are not."""
    _import_measurements("cnemc", files, workspace, source, False, None, "end", as_json)


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


def _ws_url(workspace):
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace, create=True)
    _upgrade_db(ws)
    return ws.database_url


def _date(text: Optional[str]):
    import datetime as dt
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


@import_app.command("stations")
@friendly
def import_stations(file: Annotated[Path, typer.Argument(help="A CNEMC station list (UTF-8 or GBK), e.g. "
                                                              "NewSiteList_utf8.csv.")],
                    boundaries: Annotated[Optional[Path], typer.Option(help="A boundary GeoJSON (DataV "
                                          "export); stations are assigned to its counties by location.")] = None,
                    workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Load a station registry file; re-importing changes nothing, a moved station gets a new version."""
    from lantian.measurements import stations
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    summary = stations.import_stations(_ws_url(workspace), file, boundaries=boundaries)
    data = summary.__dict__ if not hasattr(summary, "as_dict") else summary.as_dict()
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


def _station_table(rows, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("code", "name", "city", "lon", "lat", "对照点", "county / zone", "assigned by", "status",
                "valid from", "valid to"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.code, r.name, r.city or "", "" if r.lon is None else f"{r.lon:.4f}",
                      "" if r.lat is None else f"{r.lat:.4f}", "Y" if r.control_point else "",
                      r.unit_name or "", r.assignment, r.status,
                      "" if r.valid_from is None else f"{r.valid_from:%Y-%m-%d}",
                      "" if r.valid_to is None else f"{r.valid_to:%Y-%m-%d}")
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
    rows = stations.list_stations(_ws_url(workspace), county=county, on=_date(on), include_stopped=all_)
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
                 workspace: WorkspaceOpt = None):
    """Add a station (placed in its county by location unless --zone is given)."""
    from lantian.measurements import stations
    r = stations.add_station(_ws_url(workspace), code, name, lon, lat, city=city, control_point=control,
                             zone_code=zone)
    out.print(f"added {r.code} {r.name} → {r.unit_name or 'no county'} ({r.assignment})")


@stations_app.command("edit")
@friendly
def stations_edit(code: str,
                  name: Annotated[Optional[str], typer.Option()] = None,
                  lon: Annotated[Optional[float], typer.Option()] = None,
                  lat: Annotated[Optional[float], typer.Option()] = None,
                  when: Annotated[Optional[str], typer.Option(help="Effective date (YYYY-MM-DD).")] = None,
                  reason: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
                  workspace: WorkspaceOpt = None):
    """Change a station; the previous version is kept in its history."""
    from lantian.measurements import stations
    changes = {k: v for k, v in (("name", name), ("lon", lon), ("lat", lat)) if v is not None}
    if not changes:
        raise UsageError("nothing to change: give --name, --lon or --lat")
    r = stations.edit_station(_ws_url(workspace), code, reason=reason, when=_date(when), **changes)
    out.print(f"{r.code} {r.name} now in {r.unit_name or 'no county'} (from {r.valid_from:%Y-%m-%d})")


@stations_app.command("stop")
@friendly
def stations_stop(code: str, when: Annotated[str, typer.Option(help="Date it stopped (YYYY-MM-DD).")],
                  reason: Annotated[str, typer.Option(help="Why.")], workspace: WorkspaceOpt = None):
    """Mark a station stopped from a date; its history and data stay."""
    from lantian.measurements import stations
    r = stations.stop_station(_ws_url(workspace), code, _date(when), reason)
    out.print(f"{r.code} {r.name} stopped from {r.valid_from:%Y-%m-%d}")


@stations_app.command("assign")
@friendly
def stations_assign(code: str, zone: Annotated[Optional[str], typer.Argument(
                        help="Zone code (e.g. 140400-gaoxin); omit to return to the polygon's county.")] = None,
                    reason: Annotated[Optional[str], typer.Option()] = None, workspace: WorkspaceOpt = None):
    """Assign a station to a zone without a polygon (高新区, 经开区); overrides its location."""
    from lantian.measurements import stations
    r = stations.assign_zone(_ws_url(workspace), code, zone, reason=reason)
    out.print(f"{r.code} {r.name} → {r.unit_name or 'no county'} ({r.assignment})")


@stations_app.command("history")
@friendly
def stations_history(code: str, workspace: WorkspaceOpt = None):
    """Every version of a station."""
    from lantian.measurements import stations
    out.print(_station_table(stations.history(_ws_url(workspace), code), f"history of {code}"))


def _period(text: str):
    """2019-10 (month), 2019-Q3, 2019-H1, 2019 (year), 2019-AW (autumn-winter 2019-10…2020-03)."""
    from lantian.standards import period as ref
    try:
        if "-Q" in text:
            y, q = text.split("-Q")
            return ref.quarter(int(y), int(q))
        if "-H" in text:
            y, h = text.split("-H")
            return ref.half_year(int(y), int(h))
        if text.endswith("-AW"):
            return ref.autumn_winter(int(text[:-3]))
        if len(text) == 4:
            return ref.year(int(text))
        y, m = text.split("-")
        return ref.month(int(y), int(m))
    except ValueError:
        raise UsageError(f"{text!r} is not a period: write 2019-10, 2019-Q3, 2019-H1, 2019 or 2019-AW") from None


RANK_COLUMNS = ["unit", "rank", "composite_index", "pm25", "pm10", "so2", "no2", "co_p95", "o3_8h_p90",
                "good_day_ratio", "largest_index_pollutant", "change_rate", "change_rank", "valid", "coverage"]


@app.command()
@friendly
def rank(period: Annotated[str, typer.Option(help="2019-10, 2019-Q3, 2019-H1, 2019 or 2019-AW.")],
         level: Annotated[str, typer.Option(help="county (the workspace's counties) or city (the cities of "
                                                 "--province, from the CNEMC site list).")] = "county",
         province: Annotated[Optional[str], typer.Option(help="Province whose cities are ranked (level city), "
                                                              "e.g. 山西省.")] = None,
         yoy: Annotated[bool, typer.Option("--yoy", help="Add the change against the same period last year.")]
         = False,
         fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
         data: Annotated[Optional[Path], typer.Option(help="Data folder (for the CNEMC site list).")] = None,
         workspace: WorkspaceOpt = None):
    """Rank counties or cities by the composite index (环境空气质量综合指数), ties 并列."""
    import csv as csvmod
    import io
    from lantian.assessment.ranking import rank_units, units_from_site_list
    from lantian.assessment.units import county_units
    from lantian.measurements.store import Store
    from lantian.standards import period as ref
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    p = _period(period)
    if level == "city":
        if not province:
            raise UsageError("--level city needs --province (e.g. 山西省)")
        from lantian.datadir import find_data_dir
        units = units_from_site_list(find_data_dir(data) / "cnemc" / "stations" / "NewSiteList_utf8.csv", province)
        if not units:
            raise UsageError(f"no cities of {province!r} in the site list")
    elif level == "county":
        units, _ = county_units(_ws_url(workspace))
        units.pop("140400", None)
    else:
        raise UsageError("--level is county or city")
    from lantian.assessment.service import _sand_dust
    previous = ref.same_period_last_year(p) if yoy else None
    dust = _sand_dust(_ws_url(workspace), units, (previous or p).start, p.end) if level == "county" else None
    result = rank_units(Store(ws.measurements), units, p, _connect(ws.config), previous=previous, sand_dust=dust)
    rows = result.table.to_pylist()
    for r in rows:
        r["good_day_ratio"] = r.pop("good_ratio", None)
    if fmt == "json":
        out.print_json(json.dumps({"period": p.label, "scheme": result.scheme, "method": result.method,
                                   "rows": rows}, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csvmod.DictWriter(buf, fieldnames=RANK_COLUMNS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=f"{p.label} 综合指数排名 — {result.scheme} scheme, {result.method}", title_justify="left")
    for col in RANK_COLUMNS[:11] + (["change_rate", "change_rank"] if yoy else []):
        table.add_column(col, justify="left" if col in ("unit", "largest_index_pollutant") else "right")
    for r in rows:
        table.add_row(*["—" if r.get(c) is None else str(r.get(c)) for c in RANK_COLUMNS[:11]
                        + (["change_rate", "change_rank"] if yoy else [])])
    out.print(table)


def _progress_rows(workspace, day):
    import datetime as dt
    from lantian import db
    from lantian.assessment.progress import progress, progress_rule
    from lantian.assessment.targets import targets
    from lantian.assessment.units import county_units
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = _ws_url(workspace)
    units, names = county_units(url)
    from lantian.assessment.service import _sand_dust
    with db.session(url) as s:
        t = targets(s, day.year, list(units))
    dust = _sand_dust(url, units, dt.date(day.year - 1, 1, 1), day)
    from lantian.plan.service import seriously_late_counties
    from lantian.plan.settings import plan_settings
    with db.session(url) as s:
        findings = seriously_late_counties(s, ws.as_of, plan_settings(ws.config, str(ws.config_path)))
    rows = progress(Store(ws.measurements), units, names, day, t, _connect(ws.config), sand_dust=dust,
                    rule=progress_rule(ws.config, str(ws.config_path)), findings=findings)
    return ws, rows


@app.command("progress")
@friendly
def progress_cmd(date: Annotated[Optional[str], typer.Option(help="Assess up to this day (default the "
                                                                   "workspace's as-of date).")] = None,
                 workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """序时进度: each county's year-to-date PM2.5 and good days against its targets, the remaining
    daily allowance (剩余日控制值), and on schedule / behind / seriously behind."""
    from lantian.workspace import open_workspace
    day = _date(date) or open_workspace(workspace).as_of
    _, rows = _progress_rows(workspace, day)
    data = [r.as_dict() for r in rows]
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    table = Table(title=f"序时进度 to {day} (1 Jan – {day})", title_justify="left")
    for col in ("unit", "PM2.5 cum.", "target", "remaining allowance", "good days", "good %", "target %",
                "good days needed", "status"):
        table.add_column(col, justify="left" if col in ("unit", "status") else "right")
    for d in data:
        label = d["unit"] if d["name"] == d["unit"] else f"{d['name']} ({d['unit']})"
        if d["synthetic_targets"]:
            label += " [合成目标 synthetic]"
        table.add_row(label, *["—" if d[k] is None else str(d[k]) for k in
                               ("pm25", "pm25_target", "remaining_allowance", "good_days", "good_ratio",
                                "good_ratio_target", "good_days_needed")],
                      d["status"] or (d["notes"][0] if d["notes"] else "—"))
    out.print(table)
    rules = {d["rule"] for d in data if d["rule"]}
    for rule in sorted(rules):
        out.print(f"rule: {rule}", markup=False)


@app.command()
@friendly
def warn(date: Annotated[Optional[str], typer.Option(help="Assess up to this day (default the as-of date).")]
         = None,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="Show who would get a letter; record nothing.")]
         = False,
         pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="A PDF copy beside each .docx (LibreOffice).")]
         = True,
         workspace: WorkspaceOpt = None):
    """预警通知函 for every county behind schedule (a .docx each, recorded as a draft letter), and the
    约谈 proposal list for the seriously behind."""
    from lantian import db
    from lantian.assessment import letters as letter_service
    from lantian.workspace import open_workspace
    day = _date(date) or open_workspace(workspace).as_of
    ws, rows = _progress_rows(workspace, day)
    found = letter_service.drafts(rows)
    if not found:
        out.print(f"every assessed unit is on schedule on {day} (or has no target): no letter")
        return
    if not dry_run:
        with db.session(ws.database_url) as s:
            letter_service.issue_drafts(s, ws.root, found, day, actor="cli", pdf=pdf)
    for d in found:
        what = "预警通知函" if d.kind == "warning" else "约谈建议"
        where = f" → {d.document}" if d.document else ""
        where += f" + {d.pdf.name}" if d.pdf else ""
        out.print(f"{what}: {d.name} ({d.unit}) — {d.status}; PM2.5 {d.numbers['pm25']} vs target "
                  f"{d.numbers['pm25_target']}, allowance {d.numbers['remaining_allowance']}{where}"
                  + (" — dry run, nothing recorded" if dry_run else ""), markup=False)
    from lantian.reports.pdf import pdf_unavailable
    if pdf and not dry_run and pdf_unavailable():
        out.print(pdf_unavailable(), markup=False)


target_app = typer.Typer(help="Annual targets per county and the city (目标), decomposed and audited.",
                         no_args_is_help=True)
sand_app = typer.Typer(help="Sand-dust days (沙尘天气影响日): deducted from PM statistics as CNEMC does.",
                       no_args_is_help=True)
letter_app = typer.Typer(help="Warning letters (预警通知函): issue, receipt, rectification with its report.",
                         no_args_is_help=True)
app.add_typer(target_app, name="target")
app.add_typer(sand_app, name="sand-dust")
app.add_typer(letter_app, name="letter")


@target_app.command("set")
@friendly
def target_set(unit: Annotated[str, typer.Argument(help="Unit code: 140400 (the city), a county adcode or zone.")],
               year: int,
               indicator: Annotated[str, typer.Argument(help="pm25_mean, good_day_ratio (%), heavy_days, "
                                                             "composite_index, or any indicator name.")],
               value: str,
               from_city: Annotated[bool, typer.Option("--from-city", help="Record it as decomposed from the "
                                                                         "city's target of the same indicator.")]
               = False,
               note: Annotated[Optional[str], typer.Option()] = None, workspace: WorkspaceOpt = None):
    """Set (or change) a target; who set it and the previous value go to the audit log."""
    from lantian import db
    from lantian.assessment.targets import set_target, targets
    with db.session(_ws_url(workspace)) as s:
        parent = None
        if from_city:
            city = targets(s, year, ["140400"]).get("140400", {}).get(indicator)
            if city is None:
                raise UsageError(f"the city has no {indicator} target for {year}: set it first")
            parent = city.id
        t = set_target(s, unit, year, indicator, value, by="cli", parent=parent, note=note)
        out.print(f"{t.unit_code} {t.year} {t.indicator} = {t.value}" + (" (from the city's)" if parent else ""))


@target_app.command("list")
@friendly
def target_list(year: int, workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Every target of a year."""
    from lantian import db
    from lantian.assessment.targets import targets
    with db.session(_ws_url(workspace)) as s:
        rows = [{"unit": u, "indicator": k, "value": t.value, "synthetic": t.synthetic, "set_by": t.set_by,
                 "from_city": t.parent_id is not None} for u, ts in sorted(targets(s, year).items())
                for k, t in sorted(ts.items())]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"targets {year}", title_justify="left")
    for col in ("unit", "indicator", "value", "synthetic", "set_by", "from_city"):
        table.add_column(col)
    for r in rows:
        table.add_row(*[str(v) for v in r.values()])
    out.print(table)


@sand_app.command("mark")
@friendly
def sand_mark(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
              unit: Annotated[Optional[str], typer.Option(help="One county; default city-wide.")] = None,
              basis: Annotated[Optional[str], typer.Option(help="Why (e.g. the sand-dust notice).")] = None,
              workspace: WorkspaceOpt = None):
    """Mark a day as sand-dust affected."""
    from lantian import db
    from lantian.assessment.sand_dust import mark
    with db.session(_ws_url(workspace)) as s:
        mark(s, _date(day), unit=unit, by="cli", basis=basis)
    out.print(f"{day} marked sand-dust affected ({unit or 'city-wide'})")


@sand_app.command("unmark")
@friendly
def sand_unmark(day: str, unit: Annotated[Optional[str], typer.Option()] = None, workspace: WorkspaceOpt = None):
    """Remove a sand-dust mark."""
    from lantian import db
    from lantian.assessment.sand_dust import unmark
    with db.session(_ws_url(workspace)) as s:
        found = unmark(s, _date(day), unit=unit, by="cli")
    out.print(f"{day}: " + ("mark removed" if found else "was not marked"))


@letter_app.command("advance")
@friendly
def letter_advance(letter_id: int, status: Annotated[str, typer.Argument(help="issued, received or rectified.")],
                   report: Annotated[Optional[Path], typer.Option(help="The rectification report (with "
                                                                        "status rectified).")] = None,
                   workspace: WorkspaceOpt = None):
    """Move a letter on: draft → issued → received → rectified (with the county's report attached)."""
    from lantian import attachments, db
    from lantian.assessment import letters as letter_service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    if status == "rectified" and report is None:
        raise UsageError("a rectified letter needs its rectification report: --report FILE")
    with db.session(_ws_url(workspace)) as s:
        row = letter_service.advance(s, letter_id, status, actor="cli")
        if report is not None:
            if not report.is_file():
                raise UsageError(f"{report}: no such file")
            attachments.add(s, ws.root, entity="letter", entity_id=str(letter_id), filename=report.name,
                            data=report.read_bytes(), actor="cli", scope_unit=row.unit_code)
        out.print(f"letter {letter_id} ({row.doc_number}) is now {row.status}")


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


# --------------------------------------------------------------------------- the plan (行动计划)
plan_app = typer.Typer(help="The action plan as data (行动计划): import, status, milestones, reports, 调度, 督办.",
                       no_args_is_help=True)
app.add_typer(plan_app, name="plan")
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this user (their scope applies); "
                                                          "default the city office.")]


def _plan_scope(url: str, username: Optional[str]):
    """The scope a plan command runs in: a named user's, or the city office's."""
    from lantian.accounts.scope import Scope
    if username is None:
        return Scope.office(url, "cli")
    from lantian import db
    from lantian.accounts.models import User
    from lantian.accounts.service import principal
    import sqlalchemy as sa
    with db.session(url) as s:
        user = s.scalar(sa.select(User).where(User.username == username))
        if user is None or not user.active:
            raise UsageError(f"no active user {username!r} (lantian user list)")
        return Scope.of(principal(user), url)


def _plan_context(workspace):
    from lantian.measurements.store import Store
    from lantian.plan.indicators import Context
    from lantian.plan.settings import plan_settings
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = _ws_url(workspace)
    return ws, url, Context(url, Store(ws.measurements), _connect(ws.config), ws.as_of, ws.config), \
        plan_settings(ws.config, str(ws.config_path))


@plan_app.command("import")
@friendly
def plan_import(file: Annotated[Path, typer.Argument(help="The plan document (.txt, UTF-8 or GBK), or its "
                                                          "corrected parse (.json from --dry-run --json).")],
                dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the parse; store nothing.")] = False,
                as_json: Annotated[bool, typer.Option("--json", help="Print the parse as JSON.")] = False,
                workspace: WorkspaceOpt = None):
    """Read a plan written in the standard government form: sections, numbered tasks, lead and
    cooperating units, deadlines and quantitative commitments. Review with --dry-run first."""
    from lantian.plan import importer
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    parsed, data = importer.read_document(file)
    if as_json:
        out.print_json(json.dumps(parsed.to_dict(), ensure_ascii=False, default=str))
    else:
        _print_parse(parsed)
    if dry_run:
        if not as_json:
            out.print("dry run: nothing stored", markup=False)
        return
    from lantian import db
    from lantian.accounts import service as accounts
    from lantian.plan.settings import plan_settings
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace, create=True)
    url = _ws_url(workspace)
    with db.session(url) as s:
        accounts.seed_departments(s)
        plan, created = importer.import_plan(s, parsed, data, file.name, actor="cli",
                                             settings=plan_settings(ws.config, str(ws.config_path)))
        message = (f"imported plan {plan.id}: {plan.title}, {len(parsed.tasks)} tasks" if created
                   else f"already imported as plan {plan.id}: nothing changed")
    (err if as_json else out).print(message, markup=False)


def _print_parse(parsed) -> None:
    out.print(f"{parsed.title}  {parsed.document_number or ''}  {parsed.issued or ''}", markup=False)
    table = Table(title=f"{len(parsed.tasks)} tasks", title_justify="left")
    for col in ("no.", "task", "lead 牵头", "cooperating 配合", "deadlines", "commitments"):
        table.add_column(col)
    for t in parsed.tasks:
        table.add_row(str(t.number), t.title, "、".join(t.lead) + ("（按职责分工）" if t.lead_mode == "by_duty" else ""),
                      "、".join(t.cooperating), "; ".join(d.text for d in t.deadlines),
                      "; ".join(f"{c.subject} {c.operator} {c.value}{c.unit}" for c in t.commitments))
    out.print(table)
    for p in parsed.problems:
        out.print(f"{p.severity}: line {p.line}: {p.message}", markup=False)


@plan_app.command("status")
@friendly
def plan_status(as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Every task with its status against the as-of date (overdue, at risk, measured off target…)
    and what decides it (measured_by: the indicators; empty when only typed in)."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        plan, rows = service.tasks(s, _plan_scope(url, user), ctx, settings)
    if plan is None:
        raise UsageError("no plan in this workspace: lantian plan import FILE")
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{plan.title} — status on {ws.as_of}", title_justify="left")
    for col in ("no.", "task", "lead", "%", "status", "next due", "measured by"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["number"]), r["title"], "、".join(r["lead"]), str(r["percent"]),
                      r["status_label"] + (" 严重滞后" if r["seriously_late"] else ""), str(r["next_due"] or ""),
                      "; ".join(f"{m['label']} {'✓' if m['ok'] else ('✗' if m['ok'] is False else '?')}"
                                for m in r["measured_by"]))
    out.print(table)


@plan_app.command("milestone")
@friendly
def plan_milestone(task: Annotated[int, typer.Argument(help="Task number.")],
                   title: str,
                   due: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD.")] = None,
                   owner: Annotated[Optional[str], typer.Option(help="county:140403, department:gxj or "
                                                                    "enterprise:ID — a sub-task of that unit.")]
                   = None,
                   indicator: Annotated[Optional[str], typer.Option(help="Decide it from data: pm25_schedule, "
                                                                        "good_day_schedule.")] = None,
                   param: Annotated[Optional[list[str]], typer.Option(help="KEY=VALUE for the indicator "
                                                                          "(unit=140403).")] = None,
                   workspace: WorkspaceOpt = None):
    """Add a milestone or a county/department/enterprise sub-task to a task (audited)."""
    from lantian import db
    from lantian.plan import service
    url = _ws_url(workspace)
    kind, _, code = (owner or "").partition(":")
    if owner and not code:
        raise UsageError(f"--owner {owner!r}: expected KIND:CODE, e.g. county:140403")
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        m = service.add_milestone(s, _plan_scope(url, None), t.id, title, due=_date(due), owner_kind=kind or None,
                                  owner_code=code or None, indicator=indicator, params=_parse_pairs(param or []))
        out.print(f"milestone {m.id} on task {task}: {m.title}" + (f", due {m.due}" if m.due else ""), markup=False)


@plan_app.command("report")
@friendly
def plan_report(task: Annotated[int, typer.Argument(help="Task number.")], text: str,
                user: Annotated[str, typer.Option("--as", help="The reporting user (their scope applies).")],
                attach: Annotated[Optional[list[Path]], typer.Option(help="Evidence file (repeat).")] = None,
                percent: Annotated[Optional[int], typer.Option(min=0, max=100)] = None,
                milestone: Annotated[Optional[int], typer.Option(help="The milestone it reports on.")] = None,
                completed: Annotated[bool, typer.Option("--completed", help="The milestone is done.")] = False,
                workspace: WorkspaceOpt = None):
    """进展报告 on a task, as a user of the unit that leads or supports it, with evidence files."""
    from lantian import db
    from lantian.plan import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = _ws_url(workspace)
    files = []
    for path in attach or []:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        files.append((path.name, path.read_bytes()))
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        r = service.add_report(s, ws.root, _plan_scope(url, user), t.id, text, as_of=ws.as_of,
                               milestone_id=milestone, percent=percent, completed=completed, files=files)
        out.print(f"report {r.id} on task {task} by {user}" + (f", {len(files)} file(s)" if files else ""),
                  markup=False)


@plan_app.command("units")
@friendly
def plan_units(task: Annotated[int, typer.Argument(help="Task number.")],
               lead: Annotated[str, typer.Option(help="Lead units, 、-separated, as written (市工信局、市能源局).")],
               cooperating: Annotated[str, typer.Option(help="Cooperating units, 、-separated.")] = "",
               workspace: WorkspaceOpt = None):
    """Correct who leads and who cooperates on a task (the parse was wrong, or the plan changed)."""
    from lantian import db
    from lantian.plan import service
    url = _ws_url(workspace)
    split = lambda text: [x for x in text.replace("，", "、").replace(",", "、").split("、") if x.strip()]  # noqa: E731
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        service.correct_units(s, _plan_scope(url, None), t.id, split(lead), split(cooperating))
    out.print(f"task {task}: lead {lead}; cooperating {cooperating or '—'}", markup=False)


@plan_app.command("dispatch")
@friendly
def plan_dispatch(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """调度: each department's tasks (led, supported, overdue, at risk, last report) and each county's sub-tasks."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    with db.session(url) as s:
        board = service.dispatch(s, _plan_scope(url, None), ctx, settings)
    if as_json:
        out.print_json(json.dumps(board, ensure_ascii=False, default=str))
        return
    table = Table(title=f"调度 — departments, {ws.as_of}", title_justify="left")
    for col in ("department", "lead", "cooperating", "overdue", "at risk", "off target", "last report", "tasks"):
        table.add_column(col)
    for d in board["departments"]:
        table.add_row(d["name"] or d["code"], str(d["lead"]), str(d["cooperating"]), str(d["overdue"]),
                      str(d["at_risk"]), str(d["off_target"]), d["last_report"] or "—",
                      ",".join(map(str, d["tasks"])))
    out.print(table)
    if board["counties"]:
        table = Table(title="调度 — county sub-tasks", title_justify="left")
        for col in ("county", "sub-tasks", "done", "overdue", "seriously late", "off target"):
            table.add_column(col)
        for c in board["counties"]:
            table.add_row(c["name"], *(str(c[k]) for k in ("subtasks", "done", "overdue", "seriously_late",
                                                           "off_target")))
        out.print(table)


@plan_app.command("supervise")
@friendly
def plan_supervise(task: Annotated[int, typer.Argument(help="Task number.")],
                   to: Annotated[str, typer.Option(help="department:CODE or county:ADCODE.")],
                   workspace: WorkspaceOpt = None):
    """督办函 (.docx) to a department or county on an overdue or at-risk task; recorded and audited."""
    from lantian import db
    from lantian.plan import service
    ws, url, ctx, settings = _plan_context(workspace)
    kind, _, code = to.partition(":")
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        x = service.supervise(s, ws.root, _plan_scope(url, None), t.id, kind, code, as_of=ws.as_of,
                              settings=settings, ctx=ctx)
        out.print(f"{x.doc_number} → {ws.root / x.document}", markup=False)


@plan_app.command("bind")
@friendly
def plan_bind(commitment: Annotated[int, typer.Argument(help="Commitment id (lantian plan status --json, "
                                                             "/api/plan/tasks/ID).")],
              indicator: Annotated[Optional[str], typer.Argument(help="pm25_schedule, good_day_schedule; "
                                                                      "omit to unbind.")] = None,
              param: Annotated[Optional[list[str]], typer.Option(help="KEY=VALUE (unit=140400).")] = None,
              workspace: WorkspaceOpt = None):
    """Bind a quantitative commitment to an indicator computed from data (a measured key result)."""
    from lantian import db
    from lantian.plan import service
    url = _ws_url(workspace)
    with db.session(url) as s:
        c = service.bind_commitment(s, _plan_scope(url, None), commitment, indicator, _parse_pairs(param or []))
        out.print(f"commitment {c.id}: {c.indicator or 'typed in'}", markup=False)


@plan_app.command("close")
@friendly
def plan_close(task: Annotated[int, typer.Argument(help="Task number.")],
               reopen: Annotated[bool, typer.Option("--reopen", help="Open a closed task again.")] = False,
               workspace: WorkspaceOpt = None):
    """Close a task as done (the office's decision, audited), or --reopen it."""
    from lantian import db
    from lantian.plan import service
    url = _ws_url(workspace)
    with db.session(url) as s:
        t = service.task_by_number(s, task)
        service.close_task(s, _plan_scope(url, None), t.id, done=not reopen)
    out.print(f"task {task}: {'reopened' if reopen else 'done'}", markup=False)


# --------------------------------------------------------------------------- ledgers (台账)
ledger_app = typer.Typer(help="Enterprise and facility ledgers (台账): Excel template, import, export, rule checks.",
                         no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


def _counties(url: str) -> list[str]:
    from lantian import db
    from lantian.enterprises.service import county_lookup
    with db.session(url) as s:
        return sorted({k for k, v in county_lookup(s).items() if k != v})


@ledger_app.command("template")
@friendly
def ledger_template(file: Annotated[Path, typer.Argument(help="Where to write the .xlsx template.")],
                    workspace: WorkspaceOpt = None):
    """The .xlsx template: one sheet per facility kind, Chinese headers, drop-downs (counties included)."""
    from lantian.enterprises import excel
    excel.write_template(file, counties=_counties(_ws_url(workspace)))
    out.print(f"template → {file}", markup=False)


@ledger_app.command("import")
@friendly
def ledger_import(file: Annotated[Path, typer.Argument(help="A filled template (.xlsx).")],
                  dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; store nothing.")] = False,
                  synthetic: Annotated[bool, typer.Option("--synthetic", help="Mark the records as synthetic "
                                                                              "(demo) data.")] = False,
                  workspace: WorkspaceOpt = None):
    """Validate every row (sheet, row, column, reason for each error) and store all or nothing; audited."""
    from lantian import db
    from lantian.enterprises import excel, service
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    url = _ws_url(workspace)
    scope = _plan_scope(url, None)
    with db.session(url) as s:
        known = {e.credit_code for e in service.visible_enterprises(s, scope) if e.credit_code}
        try:
            batch = excel.read_workbook(file, counties=service.county_lookup(s), known_enterprises=known)
        except excel.LedgerImportError as exc:
            for e in exc.errors:
                err.print(f"{file}: sheet {e.sheet}, row {e.row}, column {e.column}: {e.reason}", markup=False,
                          soft_wrap=True)
            raise UsageError(f"{file}: {len(exc.errors)} error(s); nothing stored") from None
        if dry_run:
            out.print(f"{file}: {batch.rows} rows valid — {len(batch.enterprises)} enterprises, "
                      f"{len(batch.facilities)} facilities, {len(batch.clusters)} clusters; dry run, nothing stored",
                      markup=False)
            return
        counts = service.import_batch(s, scope, batch, actor="cli", source=file.name, synthetic=synthetic)
    out.print(f"{file}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), markup=False)


@ledger_app.command("export")
@friendly
def ledger_export(file: Annotated[Path, typer.Argument(help="Where to write the .xlsx.")],
                  workspace: WorkspaceOpt = None):
    """The whole ledger as .xlsx in the template's layout (it re-imports unchanged)."""
    from lantian import db
    from lantian.enterprises import excel, service
    url = _ws_url(workspace)
    with db.session(url) as s:
        erows, frows, crows = service.export_rows(s, _plan_scope(url, None))
    excel.write_workbook(file, erows, frows, crows, counties=_counties(url))
    out.print(f"{len(erows)} enterprises, {len(frows)} facilities → {file}", markup=False)


@ledger_app.command("check")
@friendly
def ledger_check(date: Annotated[Optional[str], typer.Option(help="Check on this day (default the as-of date).")]
                 = None,
                 as_json: JsonOpt = False, upcoming: Annotated[bool, typer.Option("--upcoming", help="Also list "
                                                                                  "deadlines ahead.")] = False,
                 workspace: WorkspaceOpt = None):
    """The plan's rules (shipped, plus WORKSPACE/rules/*.toml) on every facility: violations in force on the
    date, each with the plan clause it cites."""
    from lantian import db
    from lantian.enterprises import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = _ws_url(workspace)
    day = _date(date) or ws.as_of
    with db.session(url) as s:
        found = service.check(s, _plan_scope(url, None), day, ws.root)
    if as_json:
        data = [v.to_dict() for v in found.violations]
        if upcoming:
            data = {"violations": data, "upcoming": [v.to_dict() for v in found.upcoming]}
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    table = Table(title=f"violations on {day}: {len(found.violations)}", title_justify="left")
    for col in ("enterprise", "facility", "rule", "clause", "message"):
        table.add_column(col)
    for v in found.violations:
        table.add_row(v.enterprise, v.facility, v.rule, v.clause, v.message)
    out.print(table)
    if upcoming:
        for v in found.upcoming:
            out.print(f"upcoming: {v.enterprise} {v.facility} — {v.title} by {v.deadline} ({v.days} days)",
                      markup=False)


# --------------------------------------------------------------------------- emergency (重污染天气应急)
alert_app = typer.Typer(help="Heavy-pollution warnings (重污染天气预警): level, issue, lift, the reduction list.",
                        no_args_is_help=True)
app.add_typer(alert_app, name="alert")
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


@alert_app.command("level")
@friendly
def alert_level(forecast: ForecastOpt, ruleset: RulesetOpt = "2024",
                explain: Annotated[bool, typer.Option("--explain", help="Why: the conditions met, and any "
                                                                        "pre-warning.")] = False):
    """The warning level a forecast gives, as one word: none, blue, yellow, orange or red."""
    from lantian.emergency.service import decide
    d = decide(_forecast_values(forecast), ruleset)
    out.print(d.level, markup=False)
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
                workspace: WorkspaceOpt = None):
    """Issue a warning: the record, every listed enterprise's measures at the level, the notice (.docx)."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = _ws_url(workspace)
    if (forecast is None) == (forecast_file is None):
        raise UsageError("give --forecast or --forecast-file (one of them)")
    if forecast_file is not None:
        from lantian.emergency.forecast import read
        first, values = read(forecast_file)
        start = start or first.isoformat()
    else:
        values = _forecast_values(forecast)
    with db.session(url) as s:
        a = service.issue(s, ws.root, _plan_scope(url, None), values, ruleset,
                          start=_date(start) or ws.as_of, regional=regional)
        out.print(f"{service.LEVEL_NAMES[a.level]} {a.doc_number}: warning {a.id} → {ws.root / a.document}",
                  markup=False)


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
    url = _ws_url(workspace)
    with db.session(url) as s:
        action = service.update(s, ws.root, _plan_scope(url, None), alert_id, _forecast_values(forecast),
                                hourly=_forecast_values(hourly) if hourly else None, regional=regional,
                                today=ws.as_of)
    out.print(f"warning {alert_id}: {action}", markup=False)


@alert_app.command("lift")
@friendly
def alert_lift(alert_id: int, workspace: WorkspaceOpt = None):
    """Lift a warning."""
    from lantian import db
    from lantian.emergency import service
    url = _ws_url(workspace)
    with db.session(url) as s:
        service.lift(s, _plan_scope(url, None), alert_id)
    out.print(f"warning {alert_id} lifted", markup=False)


@alert_app.command("reduction")
@friendly
def alert_reduction(level: Annotated[str, typer.Option(help="yellow, orange or red.")] = "orange",
                    year: Annotated[Optional[int], typer.Option(help="Year of the city totals (default the "
                                                                     "as-of year).")] = None,
                    as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The reduction list at a level: each enterprise's measure and reduction, the sums against the city
    total and the share required (10/20/30 %), with the shortfall."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    with db.session(_ws_url(workspace)) as s:
        r = service.reduction(s, level, year or ws.as_of.year, ws.root, ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False, default=str))
        return
    table = Table(title=f"{service.LEVEL_NAMES[level]} — reduction list, {r['year']}", title_justify="left")
    for col in ("pollutant", "reduction t/a", "city total t/a", "share %", "required %", "verdict"):
        table.add_column(col)
    for p, c in r["check"].items():
        verdict = "—" if c["met"] is None else ("met" if c["met"] else f"SHORT by {c['shortfall_t']} t/a")
        table.add_row(p, str(c["reduction_t"]), f"{c['total_t']} ({c['total_source']})" if c["total_t"] else "—",
                      str(c["share_percent"]), str(c["required_percent"]), verdict)
    out.print(table)
    if r["unverified_measures"]:
        out.print(f"{r['unverified_measures']} enterprise(s) on industry templates not verified against 340号",
                  markup=False)


@alert_app.command("ozone")
@friendly
def alert_ozone(forecast_o3: Annotated[str, typer.Option("--forecast-o3", help="Forecast O3 8-h µg/m³ per day from "
                                                                              "the start day: 180,220,170.")],
                start: Annotated[Optional[str], typer.Option(help="First day (default the as-of date).")] = None,
                as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """夏季臭氧污染应急 (task 20): the days a forecast triggers (default O3-8h IAQI > 150, a setting) and each
    concerned enterprise's 10:00–18:00 schedule."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    try:
        values = [float(x) for x in forecast_o3.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--forecast-o3 {forecast_o3!r}: µg/m³ values separated by commas") from None
    with db.session(_ws_url(workspace)) as s:
        r = service.ozone(s, _date(start) or ws.as_of, values, ws.config)
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


@alert_app.command("staggered")
@friendly
def alert_staggered(season: Annotated[int, typer.Option(help="The season starting in this year's autumn.")],
                    as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """秋冬季差异化错峰生产 (task 21): the calendar by grade and location (within 20 km of the centre: one
    grade stricter), for the high-emission industries."""
    from lantian import db
    from lantian.emergency import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    with db.session(_ws_url(workspace)) as s:
        rows = service.staggered(s, season, ws.config)
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"错峰生产 {season}–{season + 1}", title_justify="left")
    for col in ("enterprise", "grade", "applied", "from", "to", "measure", "notes"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["grade"], r["applied_grade"], r["start"], r["end"], r["measure"], "；".join(r["notes"]))
    out.print(table)


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
        out.print(f"{x['severity']:8} {x['facility']}  {x['kind']}  {x['hours']} h  {x['metric']}: observed "
                  f"{x['observed']} vs baseline {x['baseline']} (allowed ≤ {x['expected_max']})", markup=False)


@alert_app.command("review")
@friendly
def alert_review(alert_id: int, docx_out: Annotated[Optional[Path], typer.Option("--docx", help="Also write the "
                                                                                  "复盘 as .docx here.")] = None,
                 as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """复盘: forecast against the observed city AQI, the level the observed days give, acknowledgements,
    the reduction declared."""
    from lantian import db
    from lantian.emergency import service
    from lantian.measurements.store import Store
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    with db.session(_ws_url(workspace)) as s:
        r = service.review(s, Store(ws.measurements), _connect(ws.config), alert_id, ws.root, ws.config)
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


# --------------------------------------------------------------------------- dust fall (降尘)
dust_app = typer.Typer(help="Monthly dust fall (降尘): import, the county bulletin, task 14's trigger.",
                       no_args_is_help=True)
app.add_typer(dust_app, name="dustfall")


@dust_app.command("import")
@friendly
def dustfall_import(file: Annotated[Path, typer.Argument(help="County values (period,county,value[,yoy_percent]), "
                                                              "the published table, or raw gravimetric data; CSV "
                                                              "or .xlsx.")],
                    period: Annotated[Optional[str], typer.Option(help="YYYY-MM, for the published table.")] = None,
                    workspace: WorkspaceOpt = None):
    """Import a month's dust fall; counties above the threshold (7.0 ⚠) get a 专项整治 sub-task of task 14."""
    from lantian import db
    from lantian.dustfall import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    with db.session(_ws_url(workspace)) as s:
        r = service.import_file(s, file, period=period, actor="cli", config=ws.config)
    out.print(f"{file}: {r['rows']} rows for {', '.join(r['months'])}"
              + (f"; 专项整治 opened for {'、'.join(r['campaigns'])}" if r["campaigns"] else ""), markup=False)


@dust_app.command("bulletin")
@friendly
def dustfall_bulletin(period: Annotated[str, typer.Option(help="YYYY-MM.")], as_json: JsonOpt = False,
                      workspace: WorkspaceOpt = None):
    """月度降尘通报: counties ranked (ties shared), values, year on year, those above the threshold."""
    from lantian import db
    from lantian.dustfall import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    with db.session(_ws_url(workspace)) as s:
        b = service.bulletin(s, period, ws.config)
    if as_json:
        out.print_json(json.dumps(b, ensure_ascii=False))
        return
    table = Table(title=f"降尘 {period} (t/km²·month) — city max {b['city']['max']}, min {b['city']['min']}, "
                        f"mean {b['city']['mean']}; threshold {b['threshold']}", title_justify="left")
    for col in ("rank", "county", "value", "yoy %", ""):
        table.add_column(col)
    for c in b["counties"]:
        table.add_row(str(c["rank"]), c["name"], str(c["value"]), "" if c["yoy_percent"] is None else str(c["yoy_percent"]),
                      "超限" if c["above"] else "")
    out.print(table)


# the rooms' own command groups
from lantian.vehicles import cli as vehicles_cli  # noqa: E402
from lantian.registers import cli as registers_cli  # noqa: E402
from lantian.fires import cli as fires_cli  # noqa: E402
from lantian.reports import cli as report_cli  # noqa: E402

app.add_typer(vehicles_cli.app, name="gates")
app.add_typer(vehicles_cli.roadcheck_app, name="roadcheck")
app.add_typer(registers_cli.app, name="registers")
app.add_typer(fires_cli.app, name="fires")
app.add_typer(report_cli.app, name="report")
