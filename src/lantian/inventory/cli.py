"""``lantian inventory``: the emission inventory (排放清单编制) — build, show, export and import the
guides' workbook, CEMS series, the MEIC comparison, measures as scenarios, the factor tables. Thin:
calls :mod:`lantian.inventory.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, open_upgraded, out

app = typer.Typer(help="The emission inventory (排放清单): build, show, export/import, CEMS series, MEIC, scenarios.",
                  no_args_is_help=True)
YearOpt = Annotated[Optional[int], typer.Option(help="The inventory's year (default the as-of year, or the latest "
                                                     "year with an inventory).")]


def _office(ws):
    from lantian.accounts.scope import Scope
    return Scope.office(ws.database_url, "cli")


def _print_totals(r: dict) -> None:
    table = Table(title=f"{r['label']} — t/a", title_justify="left")
    table.add_column("sector")
    for p in r["pollutants"]:
        table.add_column(p, justify="right")
    for sec in r["sectors"]:
        if sec["level"] == 1:
            table.add_row(f"{sec['code']} {sec['name']}", *(f"{sec['tonnes'][p]:,.1f}" for p in r["pollutants"]))
    table.add_row("合计", *(f"{r['total'][p]:,.1f}" for p in r["pollutants"]))
    out.print(table)
    missing = [f"{c} {v['name']}" for c, v in r["coverage"].get("sectors", {}).items() if v["status"] == "not covered"]
    if missing:
        out.print(f"not covered: {'、'.join(missing)}", markup=False)


@app.command("build")
@friendly
def build(year: YearOpt = None, as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """编制: every source from the ledgers (CEMS where a facility has it), the registers and the fire
    points × the factor tables; the year's current inventory (a previous one is kept, superseded)."""
    from lantian import db
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.build_inventory(s, _office(ws), year or ws.as_of.year, root=ws.root, measurements=ws.measurements,
                                    config=ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    _print_totals(r)


@app.command("show")
@friendly
def show(year: YearOpt = None, county: Annotated[Optional[str], typer.Option(help="A county code.")] = None,
         sector: Annotated[Optional[str], typer.Option(help="A sector code (e.g. 2.2), with its sub-sectors.")] = None,
         pollutant: Annotated[Optional[str], typer.Option(help="SO2 NOx CO VOCs NH3 PM10 PM2.5: list the rows.")] = None,
         limit: Annotated[int, typer.Option(help="Rows to list (largest first).")] = 20,
         as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The current inventory: totals by sector, or with --pollutant the rows behind them (method,
    activity, factor, source, uncertainty class)."""
    from lantian import db
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        if pollutant or sector:
            r = service.detail(s, _office(ws), service.year_or_latest(s, year, ws.as_of.year), county=county, sector=sector, pollutant=pollutant,
                               root=ws.root, config=ws.config, limit=None if as_json else limit)
        else:
            r = service.summary(s, _office(ws), service.year_or_latest(s, year, ws.as_of.year), county=county, root=ws.root, config=ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    if "rows" in r and isinstance(r["rows"], list):
        table = Table(title=f"{r['label']} — {r['count']} rows", title_justify="left")
        for col in ("source", "sector", "pollutant", "t/a", "class", "method / activity / factor"):
            table.add_column(col)
        for x in r["rows"]:
            table.add_row(escape(x["source"]), x["sector"], x["pollutant"], f"{x['tonnes']:,.3f}", x["uncertainty"],
                          escape(f"{x['method']}\n{x['activity']}\n{x['factor']}"))
        out.print(table)
        return
    _print_totals(r)


@app.command("list")
@friendly
def listing(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Every inventory kept (current and superseded)."""
    from lantian import db
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.inventories(s)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    for x in r:
        out.print(f"{x['id']:>4}  {x['year']}  {x['state']:<10} {x['origin']:<8} {x['rows']:>6} rows  {x['label']}",
                  markup=False)


@app.command("series")
@friendly
def series(file: Annotated[Path, typer.Argument(help="CSV facility,time,metric,value,unit; facility = 统一社会信用代码:"
                                                      "编号; metrics flow_m3h, so2_mgm3, nox_mgm3, pm_mgm3 or "
                                                      "so2_kgh, nox_kgh, pm_kgh.")],
           as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Import CEMS hourly series into the measurement store (measured emissions for the inventory)."""
    from lantian import db
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.import_series(s, _office(ws), file, ws.measurements)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    out.print(f"{file}: {r['rows']} values for {len(r['facilities'])} facilities ({', '.join(r['metrics'])}); "
              f"new {r['new']}, changed {r['changed']}, unchanged {r['unchanged']}", markup=False)


@app.command("export")
@friendly
def export(output: Annotated[Path, typer.Option("-o", "--out", help="The workbook to write (.xlsx).")],
           year: YearOpt = None, workspace: WorkspaceOpt = None):
    """The inventory as the guides' tables (汇总表, 分县区, 分月, 点源, 明细): the 明细 sheet re-imports."""
    from lantian import db
    from lantian.inventory import excel, service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        path = excel.export(s, _office(ws), service.year_or_latest(s, year, ws.as_of.year), output, root=ws.root, config=ws.config)
    out.print(f"wrote {path}", markup=False)


@app.command("import")
@friendly
def import_(file: Annotated[Path, typer.Argument(help="A workbook in the export layout (its 明细 sheet).")],
            year: YearOpt = None, as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """An inventory compiled elsewhere becomes the year's current inventory (every cell checked first)."""
    from lantian import db
    from lantian.inventory import excel, service
    ws = open_upgraded(workspace, create=True)
    rows, found_year = excel.read(file)
    with db.session(ws.database_url) as s:
        r = service.import_rows(s, _office(ws), year or found_year or ws.as_of.year, rows, source_file=file.name,
                                root=ws.root, config=ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    _print_totals(r)


@app.command("meic")
@friendly
def meic(year: YearOpt = None, meic_year: Annotated[Optional[int], typer.Option(help="MEIC's year (2010–2017; "
                                                                                      "default the nearest).")] = None,
         data: Annotated[Optional[Path], typer.Option(help="The data folder (default ../shared/data).")] = None,
         as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """Sector shares of the city beside MEIC's national shares (Zheng et al. 2018), per pollutant."""
    from lantian import db
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.compare_meic(s, _office(ws), service.year_or_latest(s, year, ws.as_of.year), data=data, meic_year=meic_year, root=ws.root,
                                 config=ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    for p in r["pollutants"]:
        table = Table(title=f"{p['pollutant']}: {r['label']} vs MEIC {r['meic_year']} (national) — outside MEIC "
                            f"{p['outside_meic_t']:,.1f} t", title_justify="left")
        for col in ("sector", "city t/a", "city %", "national %", "Δ pp"):
            table.add_column(col)
        for x in p["sectors"]:
            table.add_row(x["name"], f"{x['city_t']:,.1f}", str(x["city_percent"]), str(x["national_percent"]),
                          str(x["difference_pp"]))
        out.print(table)


@app.command("scenario")
@friendly
def scenario(year: YearOpt = None,
             measures: Annotated[Optional[Path], typer.Option(help="A measures file (TOML, docs/inventory.md); "
                                                                   "default the plan's phase-outs.")] = None,
             level: Annotated[Optional[str], typer.Option(help="Add an emergency level: yellow, orange or red.")] = None,
             as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The reduction a set of measures achieves on the inventory, by county and sector."""
    from lantian import db
    from lantian.inventory import scenario as scenarios
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = scenarios.run(s, _office(ws), service.year_or_latest(s, year, ws.as_of.year), measures=measures, level=level, root=ws.root,
                          config=ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    table = Table(title=f"{r['label']} — {r['title']}", title_justify="left")
    for col in ("measure", *r["pollutants"]):
        table.add_column(col)
    for m in r["measures"]:
        table.add_row(m["title"], *(f"{m['reduction'][p]:,.1f}" for p in r["pollutants"]))
    table.add_row("合计 t/a", *(f"{r['reduction'][p]:,.1f}" for p in r["pollutants"]))
    table.add_row("占清单 %", *(str(r["percent"][p]) for p in r["pollutants"]))
    out.print(table)


@app.command("factors")
@friendly
def factors(as_json: JsonOpt = False, workspace: WorkspaceOpt = None):
    """The factor tables and parameters in force (shipped, or the workspace's), with source and class."""
    from lantian.inventory import service
    ws = open_upgraded(workspace, create=True)
    r = service.factor_tables(ws.root, ws.config)
    if as_json:
        out.print_json(json.dumps(r, ensure_ascii=False))
        return
    table = Table(title="排放因子 (⚠ settings: WORKSPACE/inventory/factors/*.toml)", title_justify="left")
    for col in ("key", "unit", "class", "verified", "source"):
        table.add_column(col)
    for f in r["factors"]:
        table.add_row(escape(f["key"]), escape(f["unit"]), f["class"], "是" if f["verified"] else "否", escape(f["source"]))
    out.print(table)
    table = Table(title="参数 (⚠ lantian.toml \\[inventory.parameters])", title_justify="left")
    for col in ("name", "value", "unit", "class", "source"):
        table.add_column(col)
    for p in r["parameters"]:
        table.add_row(p["name"], escape(json.dumps(p["value"], ensure_ascii=False)), escape(p["unit"]), p["class"],
                      escape(p["source"]))
    out.print(table)
