"""``lantian analyse``: the analysis room from the terminal — print a table, ``--json``, or ``-o FILE.csv``.
Thin: resolves the target in the caller's scope (``--as``), calls :mod:`lantian.analysis.service`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.terminal import AsOpt, JsonOpt, WorkspaceOpt, acting_scope, friendly, open_upgraded, out, parse_date

app = typer.Typer(help="分析 — calendar, time variation, Theil–Sen trend, exceedance, roses, comparisons "
                       "(openair's views) on the measurement store.", no_args_is_help=True)

StationOpt = Annotated[Optional[str], typer.Option("--station", help="A station code (e.g. 1728A).")]
UnitOpt = Annotated[Optional[str], typer.Option("--unit", help="An area: the city 140400 or a county/zone code.")]
PollutantOpt = Annotated[str, typer.Option("--pollutant", "-p", help="AQI, PM2.5, PM10, SO2, NO2, CO or O3 "
                                                                   "(O3: MDA8 for daily views).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="YYYY-MM-DD (default: the last year with data).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="YYYY-MM-DD.")]
OutOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the numbers as CSV to this file.")]


def _context(workspace, username):
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    ws = open_upgraded(workspace)
    scope = acting_scope(ws.database_url, username)
    return ws, scope, Store(ws.measurements), connect(None, ws.config)


def _target(ws, scope, station, unit):
    from lantian.analysis import service
    return service.resolve(scope, ws.database_url, ws.config, station=station, unit=unit)


def _emit(result: dict, as_json: bool, output: Path | None, rows, table_fn) -> None:
    from lantian.analysis.tables import write_csv
    if output is not None:
        head, body = rows(result)
        write_csv(output, head, body)
        out.print(f"{output}: {len(body)} rows", markup=False)
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False, default=str))
    elif output is None:
        table_fn(result)


def _plain(title: str, head: list[str], rows: list[list]) -> None:
    t = Table(title=title, title_justify="left")
    for h in head:
        t.add_column(h)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    out.print(t)


@app.command("calendar")
@friendly
def calendar_cmd(year: Annotated[int, typer.Option(help="The year.")], pollutant: PollutantOpt = "AQI",
                 month: Annotated[Optional[int], typer.Option(help="1–12: one month only.")] = None,
                 station: StationOpt = None, unit: UnitOpt = None, as_json: JsonOpt = False, output: OutOpt = None,
                 as_user: AsOpt = None, workspace: WorkspaceOpt = None):
    """日历图: each day's value and its AQI category (colour) for a year or a month."""
    from lantian.analysis import service
    from lantian.analysis.tables import calendar_rows
    from lantian.errors import UsageError
    if month is not None and not 1 <= month <= 12:
        raise UsageError(f"--month {month}: expected 1–12")
    ws, scope, store, con = _context(workspace, as_user)
    column, _ = service.pollutant(pollutant)
    r = service.calendar_of(store, con, _target(ws, scope, station, unit), column, year, month)

    def show(r):
        counts = "，".join(f"{k} {v} 天" for k, v in r["counts"].items() if v)
        _plain(f"{r['target']['name']} {r['pollutant_name']} {year}{'-%02d' % month if month else ''} — {counts}",
               *calendar_rows(r))
    _emit(r, as_json, output, calendar_rows, show)


@app.command("variation")
@friendly
def variation_cmd(pollutant: PollutantOpt = "PM2.5", station: StationOpt = None, unit: UnitOpt = None,
                  start: FromOpt = None, end: ToOpt = None,
                  level: Annotated[bool, typer.Option("--level", help="The trend level (hour × month) instead.")] = False,
                  as_json: JsonOpt = False, output: OutOpt = None, as_user: AsOpt = None, workspace: WorkspaceOpt = None):
    """时间变化: diurnal (all days, weekdays, weekends), weekday and month means with bootstrap 95 % intervals."""
    from lantian.analysis import service
    from lantian.analysis.tables import trend_level_rows, variation_rows
    from lantian.errors import UsageError
    ws, scope, store, con = _context(workspace, as_user)
    _, hourly = service.pollutant(pollutant)
    if hourly is None:
        raise UsageError("hourly AQI is not stored; choose a pollutant (PM2.5, PM10, SO2, NO2, CO, O3)")
    first, last = service.period(store, parse_date(start, "--from"), parse_date(end, "--to"))
    r = service.variation_of(store, _target(ws, scope, station, unit), hourly, first, last)
    rows = trend_level_rows if level else variation_rows
    _emit(r, as_json, output, rows, lambda r: _plain(f"{r['target']['name']} {r['pollutant_name']} {r['from']}…{r['to']} "
                                                     f"({r['n_hours']} h)", *rows(r)))


@app.command("trend")
@friendly
def trend_cmd(pollutant: PollutantOpt = "PM2.5", station: StationOpt = None, unit: UnitOpt = None,
              start: FromOpt = None, end: ToOpt = None,
              deseason: Annotated[bool, typer.Option("--deseason", help="Remove the season (STL) first; "
                                                                        "needs 24 months.")] = False,
              autocor: Annotated[bool, typer.Option("--autocor", help="Bootstrap in 3-month blocks.")] = False,
              met: Annotated[Optional[Path], typer.Option("--met", help="Instead of the store: the pollutant column "
                                                                        "of a met file (e.g. UCI Beijing's).")] = None,
              met_station: Annotated[Optional[str], typer.Option(help="One station of the --met file.")] = None,
              as_json: JsonOpt = False, output: OutOpt = None, as_user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Theil–Sen 趋势 of monthly means (default: all the data): slope per year, its bootstrap 95 % interval,
    the Mann–Kendall p."""
    import datetime as dt

    from lantian.analysis import service
    from lantian.analysis.tables import trend_rows
    if met is not None:
        from lantian.analysis.wind import read_met
        r = service.trend_of_met(read_met(met), service.pollutant(pollutant)[1], met_station, deseason=deseason,
                                 autocorrelation=autocor)
    else:
        ws, scope, store, con = _context(workspace, as_user)
        column, _ = service.pollutant(pollutant)
        first, last = service.period(store, parse_date(start, "--from"), parse_date(end, "--to"))
        if start is None and end is None:
            months = store.months()
            first = dt.date(months[0][0], months[0][1], 1)
        r = service.trend_of(store, con, _target(ws, scope, station, unit), column, first, last, deseason=deseason,
                             autocorrelation=autocor)

    def show(r):
        _plain(f"{r['target']['name']} {r['pollutant_name']} {'去季节 ' if r['deseasonalised'] else ''}"
               f"Theil–Sen {r['slope_per_year']:+.2f} {r['unit']}/年 [{r['lower']:+.2f}, {r['upper']:+.2f}], "
               f"Mann–Kendall p = {r['p']:.3g}", ["period", "value", "days", "fitted"],
               [row[:1] + row[1:2] + row[3:5] for row in trend_rows(r)[1]])
    _emit(r, as_json, output, trend_rows, show)


@app.command("exceedance")
@friendly
def exceedance_cmd(station: StationOpt = None, unit: UnitOpt = None, start: FromOpt = None, end: ToOpt = None,
                   grade: Annotated[str, typer.Option(help="GB 3095 grade: I or II.")] = "II",
                   as_json: JsonOpt = False, output: OutOpt = None, as_user: AsOpt = None,
                   workspace: WorkspaceOpt = None):
    """百分位与超标: percentiles and the days above each GB 3095 limit set (2012, 2026 transitional, final)."""
    from lantian.analysis import service
    from lantian.analysis.tables import exceedance_rows
    from lantian.errors import UsageError
    if grade not in ("I", "II"):
        raise UsageError(f"--grade {grade!r}: expected I or II")
    ws, scope, store, con = _context(workspace, as_user)
    first, last = service.period(store, parse_date(start, "--from"), parse_date(end, "--to"))
    r = service.exceedance_of(store, con, _target(ws, scope, station, unit), first, last, grade)
    _emit(r, as_json, output, exceedance_rows,
          lambda r: _plain(f"{r['target']['name']} {r['from']}…{r['to']} 二级标准" if grade == "II" else
                           f"{r['target']['name']} {r['from']}…{r['to']} 一级标准", *exceedance_rows(r)))


@app.command("compare")
@friendly
def compare_cmd(pollutant: PollutantOpt = "PM2.5", station: StationOpt = None, unit: UnitOpt = None,
                start: FromOpt = None, end: ToOpt = None,
                split: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD: compare before it with from it on "
                                                                  "(a measure's date).")] = None,
                vs_station: Annotated[Optional[str], typer.Option(help="The other station.")] = None,
                vs_unit: Annotated[Optional[str], typer.Option(help="The other area.")] = None,
                vs_from: Annotated[Optional[str], typer.Option(help="The other period's first day.")] = None,
                vs_to: Annotated[Optional[str], typer.Option(help="The other period's last day.")] = None,
                as_json: JsonOpt = False, output: OutOpt = None, as_user: AsOpt = None, workspace: WorkspaceOpt = None):
    """对比: B − A of the daily means with a bootstrap 95 % interval (two periods, or two stations/areas)."""
    import datetime as dt

    from lantian.analysis import service
    from lantian.analysis.tables import compare_rows
    from lantian.errors import UsageError
    ws, scope, store, con = _context(workspace, as_user)
    column, _ = service.pollutant(pollutant)
    a = _target(ws, scope, station, unit)
    b = _target(ws, scope, vs_station, vs_unit) if (vs_station or vs_unit) else a
    first, last = service.period(store, parse_date(start, "--from"), parse_date(end, "--to"))
    if split:
        cut = parse_date(split, "--split")
        if not first < cut <= last:
            raise UsageError(f"--split {cut} must fall after {first} and by {last}")
        pa_, pb = (first, cut - dt.timedelta(days=1)), (cut, last)
    else:
        pa_ = (first, last)
        pb = (parse_date(vs_from, "--vs-from") or first, parse_date(vs_to, "--vs-to") or last)
    if b == a and pa_ == pb:
        raise UsageError("nothing to compare: give --split, --vs-from/--vs-to or --vs-station/--vs-unit")
    r = service.compare_of(store, con, a, pa_, b, pb, column)
    _emit(r, as_json, output, compare_rows,
          lambda r: _plain(f"{r['pollutant_name']} B − A = {r['difference']:+.1f} {r['unit']} "
                           f"[{r['lower']:+.1f}, {r['upper']:+.1f}]{' (配对)' if r['paired'] else ''}", *compare_rows(r)))


@app.command("rose")
@friendly
def rose_cmd(met: Annotated[Path, typer.Option("--met", help="A met CSV: time,wd,ws[,station,pollutants] or the "
                                                             "UCI Beijing layout.")],
             pollutant: Annotated[Optional[str], typer.Option("--pollutant", "-p", help="Pollution rose and polar "
                                                                                         "plot of this column.")] = None,
             station: Annotated[Optional[str], typer.Option(help="One station of the file.")] = None,
             polar: Annotated[bool, typer.Option("--polar", help="Print/write the polar plot's cells.")] = False,
             as_json: JsonOpt = False, output: OutOpt = None):
    """风玫瑰 / 污染玫瑰 / 极坐标图 from a met file."""
    from lantian.analysis import service
    from lantian.analysis.tables import rose_rows
    from lantian.analysis.wind import read_met
    hourly = service.pollutant(pollutant)[1] if pollutant else None
    r = service.rose_of(read_met(met), hourly, station)
    which = "polar" if polar and hourly else "pollution_rose" if hourly else "wind_rose"
    _emit(r, as_json, output, lambda r: rose_rows(r, which),
          lambda r: _plain(f"{r['file']} {r['station'] or ''} {r['from']}…{r['to']}, 静风 {r['wind_rose']['calm']} %",
                           *rose_rows(r, which)))
