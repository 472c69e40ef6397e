"""``lantian forecast``: daily forecasts (预测预报) — run and store them, show the latest, verify by
rolling origin, import the weather bureau's met file. Thin: calls :mod:`lantian.forecast.service`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import AsOpt, JsonOpt, WorkspaceOpt, acting_scope, friendly, open_upgraded, out, parse_date

app = typer.Typer(help="Daily forecasts (预测预报): run, show, evaluate, the met file.", no_args_is_help=True)
met_app = typer.Typer(help="The weather bureau's meteorological forecast file.", no_args_is_help=True)
app.add_typer(met_app, name="met")
UnitOpt = Annotated[str, typer.Option("--unit", help="The unit's code (the city: all its counties too).")]
StationsOpt = Annotated[Optional[str], typer.Option(help="A unit of your own: its stations, comma-separated "
                                                          "(e.g. a city of the national feed).")]
ModelOpt = Annotated[str, typer.Option(help="wls (default), lightgbm, persistence or climatology.")]
PoolOpt = Annotated[Optional[str], typer.Option(help="For a city of the national feed (too short a history of its "
                                                     "own): the model pooled over every city of the station registry "
                                                     "(national) or of a province (e.g. 山西省); --unit is then a "
                                                     "prefecture (晋城市), or a unit of your own with --stations.")]


RegionOpt = Annotated[Optional[bool], typer.Option(
    "--region/--no-region", help="The regional feature: the anomaly today of the national feed's cities within "
                                 "250 km (and upwind, with a met file's wind), when the store holds them "
                                 "(docs/forecast.md).", show_default=False)]


def _stations(text: str | None) -> list[str] | None:
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _engine(ws):
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    return Store(ws.measurements), connect(None, ws.config)


def _dash(v) -> str:
    return "—" if v is None else str(v)


def _interval(lower, upper) -> str:
    """「lower–upper」, or — when the model gave no interval (persistence, climatology)."""
    return "—" if lower is None or upper is None else f"{lower}–{upper}"


def _cell(v: dict | None) -> str:
    """A concentration with its interval, e.g. 「58 (41–77)」; — when not forecast."""
    if not v or v.get("value") is None:
        return "—"
    band = _interval(v.get("lower"), v.get("upper"))
    return str(v["value"]) if band == "—" else f"{v['value']} ({band})"


def _print_run(r: dict) -> None:
    t = Table(title=f"{r['unit_name']}（{r['unit']}）预报 #{r['id']} — 起报 {r['base_day']}，模型 {r['model']}",
              title_justify="left")
    for c in ("日期", "AQI", "区间", "类别", "首要污染物", "PM2.5", "PM10", "O3-8h"):
        t.add_column(c)
    for d in r["days"]:
        t.add_row(d["day"], _dash(d["aqi"]), _interval(d["aqi_lower"], d["aqi_upper"]), d["category"] or "—",
                  d["primary"] or "—", _cell(d["pm25"]), _cell(d["pm10"]), _cell(d["o3_8h"]))
    out.print(t)
    out.print(f"数据 {r['data_from']}…{r['data_to']}（{r['data_days']} 天），点位 {r['stations']}"
              + (f"，气象 {r['met_source']}" if r["met_source"] else "，无气象预报"), markup=False)


@app.command("run")
@friendly
def run(unit: UnitOpt, date: Annotated[Optional[str], typer.Option("--date", help="The base day D: data up to and "
                                                                                  "including D (default: the latest "
                                                                                  "day with data).")] = None,
        days: Annotated[int, typer.Option(help="Days ahead, D+1…D+n.")] = 3, stations: StationsOpt = None,
        model: ModelOpt = "wls", pool: PoolOpt = None, region: RegionOpt = None, as_json: JsonOpt = False,
        user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Forecast D+1…D+n (AQI, PM2.5, PM10, O3-8h with intervals, primary pollutant, category) and store it."""
    from lantian.forecast import service
    ws = open_upgraded(workspace, create=True)
    store, con = _engine(ws)
    scope = acting_scope(ws.database_url, user)
    ids, skipped = service.run(scope, ws, store, con, unit, parse_date(date, "--date"), days, _stations(stations),
                               model, pool, service.USE_REGION if region is None else region)
    runs = [service.get(scope, i) for i in ids]
    if as_json:
        out.print_json(json.dumps({"runs": runs, "skipped": skipped}, ensure_ascii=False))
        return
    for r in runs:
        _print_run(r)
    if skipped:
        out.print(f"无近期数据、未预报：{'、'.join(skipped)}", markup=False)


@app.command("show")
@friendly
def show(unit: Annotated[Optional[str], typer.Option("--unit", help="Only this unit.")] = None,
         as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The latest stored forecast of each unit (that the caller may see)."""
    from lantian.forecast import service
    ws = open_upgraded(workspace, create=True)
    runs = service.latest(acting_scope(ws.database_url, user), unit)
    if as_json:
        out.print_json(json.dumps(runs, ensure_ascii=False))
        return
    if not runs:
        out.print("no forecast yet (lantian forecast run --unit CODE)", markup=False)
    for r in runs:
        _print_run(r)


def _print_overview(v: dict) -> None:
    o = v["overview"]
    out.print(f"池 {v['pool']}：{o['units']} 个城市 {v['from']}…{v['to']} 滚动检验，模型 {v['model']}", markup=False)
    for var in ("aqi", "o3_8h"):
        g = o["goal"][var]
        out.print(f"goal {var}: {g['met']} of {g['units']} cities beat persistence and climatology at every lead",
                  markup=False)
    out.print(f"goal aqi and o3_8h: {o['goal']['both']} cities", markup=False)
    out.print(_lead_table(o["mae"], ("cities", "median MAE", "persistence", "climatology", "mean MAE", "persistence",
                                     "climatology", "beat pers.", "beat clim."),
                          ("units", "median_mae", "median_mae_persistence", "median_mae_climatology", "mean_mae",
                           "mean_mae_persistence", "mean_mae_climatology", "beats_persistence", "beats_climatology")))


def _lead_table(variables: dict, headers: tuple[str, ...], keys: tuple[str, ...]) -> Table:
    """One row per variable and lead day: ``keys`` of each lead's scores under ``headers``."""
    t = Table(title_justify="left")
    for c in ("variable", "lead", *headers):
        t.add_column(c, justify="right")
    for var, leads in variables.items():
        for h, r in leads.items():
            t.add_row(var, f"D+{h}", *(str(r.get(k)) for k in keys))
    return t


def _print_verification(v: dict) -> None:
    if v.get("unit") == "all" and "overview" in v:
        _print_overview(v)
        return
    out.print(f"{v['unit_name']}（{v['unit']}）{v['from']}…{v['to']} 滚动检验，模型 {v['model']}"
              + (f"，气象 {v['met_source']}" if v["met_source"] else "，无气象预报"), markup=False)
    out.print(_lead_table(v["variables"], ("n", "MAE", "RMSE", "MAE persistence", "MAE climatology", "skill vs pers.",
                                           "skill vs clim.", "category acc.", "80% interval"),
                          ("n", "mae", "rmse", "mae_persistence", "mae_climatology", "skill_persistence",
                           "skill_climatology", "category_accuracy", "interval_coverage")))
    for var, key in (("aqi", "aqi_above_200"), ("o3_8h", "o3_8h_above_160")):
        for h, s in v["variables"][var].items():
            e = s.get(key, {}).get("forecast")
            u = s.get(key, {}).get("upper_bound")
            if e and e["observed"] + e["forecast"]:
                out.print(f"{key} D+{h}: observed {e['observed']}, forecast {e['forecast']}, POD {e['pod']}, "
                          f"FAR {e['far']}, CSI {e['csi']}"
                          + (f" (interval's upper end: POD {u['pod']}, FAR {u['far']})" if u else ""), markup=False)
    for w in v["warnings"]:
        out.print(f"warnings {w['ruleset']}: {w['days']} days, agree {w['agree']} (persistence "
                  f"{w['agree_persistence']}), warned and observed {w['warned_and_observed']}, missed {w['missed']}, "
                  f"false {w['false_warnings']}", markup=False)
    goal = v["goal"]
    out.print("goal (beat persistence and climatology at every lead): "
              + ", ".join(f"{k} {'met' if ok else 'missed'}" for k, ok in goal.items()), markup=False)
    if "met_gain" in v:
        for var, leads in v["met_gain"].items():
            out.print(f"met gain {var}: " + ", ".join(f"D+{h} {g['mae_without_met']}→{g['mae_with_met']}"
                                                      for h, g in leads.items()), markup=False)


@app.command("evaluate")
@friendly
def evaluate(unit: UnitOpt, date_from: Annotated[str, typer.Option("--from", help="First day forecast.")],
             date_to: Annotated[str, typer.Option("--to", help="Last day forecast.")],
             stations: StationsOpt = None, model: ModelOpt = "wls",
             no_met: Annotated[bool, typer.Option("--no-met", help="Ignore the met file.")] = False,
             pool: Annotated[Optional[str], typer.Option(help="The model pooled over every city of the registry "
                                                              "(national) or of a province (山西省), for a city of the "
                                                              "national feed; --unit all: every city of the pool.")]
             = None, region: RegionOpt = None,
             as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Rolling-origin verification per variable and lead: MAE, RMSE, skill against persistence and
    climatology, category accuracy, POD/FAR/CSI, the warnings the forecasts would have triggered."""
    from lantian.forecast import service
    ws = open_upgraded(workspace, create=True)
    store, con = _engine(ws)
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    v = service.verify(acting_scope(ws.database_url, user), ws, store, con, unit, start, end, _stations(stations),
                       model, use_met=not no_met, pool=pool,
                       use_region=service.USE_REGION if region is None else region)
    if as_json:
        out.print_json(json.dumps(v, ensure_ascii=False))
        return
    _print_verification(v)


@met_app.command("import")
@friendly
def met_import(file: Annotated[Path, typer.Argument(help="CSV date,unit,temperature,humidity,wind_speed,"
                                                         "wind_direction,precipitation[,blh].")],
               as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Import the weather bureau's met forecast (re-importing a day replaces it); used by run and evaluate."""
    from lantian.forecast import met
    ws = open_upgraded(workspace, create=True)
    scope = acting_scope(ws.database_url, user)
    if scope.who.role not in ("admin", "city"):
        raise UsageError("the city office imports the met file")
    r = met.import_file(ws.database_url, file, scope.who.username)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    out.print(f"{r['file']}: {r['rows']} days ({r['from']}…{r['to']}) for {', '.join(r['units'])} — "
              f"{r['added']} added, {r['replaced']} replaced, {r['unchanged']} unchanged", markup=False)
