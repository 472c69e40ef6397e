"""``lantian registers …``: the registers (专项台账) from the command line — list, template, import,
export, check, and the office's polygons (``zone import``). Thin: parses arguments, calls the service."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import InputError, UsageError
from lantian.terminal import WorkspaceOpt, acting_scope, friendly, open_upgraded, out, parse_date

app = typer.Typer(help="专项台账 registers: list, template, import, export, check, zones.", no_args_is_help=True)
zone_app = typer.Typer(help="The office's polygons (市区规划区, 排放控制区, 重点区域, 限行区域).",
                       no_args_is_help=True)
app.add_typer(zone_app, name="zone")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this user (their scope applies); "
                                                          "default the city office.")]




def _open(workspace):
    ws = open_upgraded(workspace)
    return ws, ws.database_url



def _day(text: str | None, ws) -> dt.date:
    return parse_date(text) or ws.as_of


def _register(register_id: str):
    from lantian.registers.kinds import registers
    found = registers().get(register_id)
    if found is None:
        raise UsageError(f"no register {register_id!r}; registers: {', '.join(registers())}")
    return found


@app.command("list")
@friendly
def list_registers(as_json: JsonOpt = False, date: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD "
                   "(default the as-of date).")] = None, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Every register with its tasks, owner, rows and rule results."""
    from lantian import db
    from lantian.registers import service
    ws, url = _open(workspace)
    with db.session(url) as s:
        rows = service.overview(s, acting_scope(url, user), _day(date, ws), ws.config, ws.root)
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"专项台账 — {_day(date, ws)}", title_justify="left")
    for col in ("id", "台账", "任务", "牵头", "行数", "违规", "到期", "提示"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["label"], r["tasks_text"], "、".join(r["departments"]), str(r["rows"]),
                      str(r["violations"]), str(r["upcoming"]), str(r["notices"]))
    out.print(table)


@app.command("template")
@friendly
def template(register: Annotated[str, typer.Argument(help="Register id (lantian registers list).")],
             output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx (or .csv) to write.")],
             workspace: WorkspaceOpt = None):
    """The register's empty template (Chinese headers, drop-downs, a 说明 sheet)."""
    from lantian import db
    from lantian.registers import excel, service
    reg = _register(register)
    _, url = _open(workspace)
    with db.session(url) as s:
        counties = service.county_names(s)
    excel.write_template(output, reg, counties=counties)
    out.print(f"{reg.label}模板 → {output}", markup=False)


@app.command("import")
@friendly
def import_file(register: Annotated[str, typer.Argument(help="Register id.")],
                file: Annotated[Path, typer.Argument(help="A filled template (.xlsx) or .csv with its headers.")],
                synthetic: Annotated[bool, typer.Option("--synthetic", help="Label the rows synthetic.")] = False,
                user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Import rows: every row checked; any bad row → nothing stored, each problem named (row, column)."""
    from lantian import db
    from lantian.registers import excel, service
    reg = _register(register)
    if not file.is_file():
        raise InputError(file, "file not found")
    _, url = _open(workspace)
    scope = acting_scope(url, user)
    with db.session(url) as s:
        batch = excel.read(file, reg, counties=service.county_lookup(s))
        counts = service.import_batch(s, scope, batch, actor=scope.who.username, source=file.name,
                                      synthetic=synthetic)
    out.print(f"{reg.label}: {counts['rows']} rows, {counts['created']} created, {counts['updated']} updated, "
              f"{counts['unchanged']} unchanged", markup=False)


@app.command("export")
@friendly
def export(register: Annotated[str, typer.Argument(help="Register id.")],
           output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx (or .csv) to write.")],
           user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The rows the caller may see, in the template's layout (re-imports unchanged)."""
    from lantian import db
    from lantian.registers import excel, service
    reg = _register(register)
    _, url = _open(workspace)
    with db.session(url) as s:
        records = service.export_records(s, acting_scope(url, user), reg.id)
        counties = service.county_names(s)
    excel.write_rows(output, reg, records, counties=counties)
    out.print(f"{reg.label}: {len(records)} rows → {output}", markup=False)


@app.command("check")
@friendly
def check(as_json: JsonOpt = False, date: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD "
          "(default the as-of date).")] = None,
          register: Annotated[Optional[str], typer.Option(help="Only this register (and its family).")] = None,
          user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The rules and named checks: violations in force, deadlines ahead, notices, undecided checks."""
    from lantian import db
    from lantian.registers import service
    ws, url = _open(workspace)
    only = service._family(_register(register)) if register else None
    with db.session(url) as s:
        result = service.check(s, acting_scope(url, user), _day(date, ws), ws.config, ws.root, only=only)
    if as_json:
        out.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    for title, items in (("违规", result.violations), ("到期提醒", result.upcoming), ("提示", result.notices)):
        table = Table(title=f"{title} {len(items)}", title_justify="left")
        for col in ("任务", "规则", "台账", "对象", "说明"):
            table.add_column(col)
        for f in items:
            table.add_row(str(f.task or f.section), f.rule, f.register, f.label, f.message)
        out.print(table)
    for cid, why in result.undecided.items():
        out.print(f"无法判定 {cid}: {why}", markup=False)


@zone_app.command("import")
@friendly
def zone_import(name: Annotated[str, typer.Argument(help="Zone name: planning_area, nonroad_control, key_area, "
                                                         "muck_routes, or a 限行区域 named by a truck route.")],
                file: Annotated[Path, typer.Argument(help="GeoJSON (Polygon / MultiPolygon, Feature or "
                                                          "FeatureCollection).")],
                title: Annotated[Optional[str], typer.Option(help="Its Chinese name (default the feature's "
                                                                  "name).")] = None,
                synthetic: Annotated[bool, typer.Option("--synthetic", help="Label it synthetic.")] = False,
                workspace: WorkspaceOpt = None):
    """Upload (or replace) a polygon the checks use; audited."""
    from lantian import db
    from lantian.registers import service
    _, url = _open(workspace)
    with db.session(url) as s:
        z = service.import_zone(s, acting_scope(url, None), name, file, title=title, actor="cli", synthetic=synthetic)
    out.print(f"zone {z['name']} ({z['title']}): {z['polygons']} polygon(s)", markup=False)


@zone_app.command("list")
@friendly
def zone_list(as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The uploaded zones (the city-wide roles')."""
    from lantian import db
    from lantian.registers import service
    _, url = _open(workspace)
    with db.session(url) as s:
        zones = service.zone_list(s, acting_scope(url, user))
    if as_json:
        out.print_json(json.dumps(zones, ensure_ascii=False))
        return
    for z in zones:
        out.print(f"{z['name']}\t{z['title']}\t{z['source']}" + ("\t合成" if z["synthetic"] else ""), markup=False)


@zone_app.command("cover")
@friendly
def zone_cover(name: Annotated[str, typer.Argument(help="Zone name, e.g. planning_area.")],
               km: Annotated[float, typer.Option(help="Distance from the zone's boundary, km (geodesic).")] = 0,
               industry: Annotated[Optional[list[str]], typer.Option(help="Only this industry (repeat): 钢铁, 焦化, "
                                                                          "火电…")] = None,
               as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The ledger's enterprises inside a zone or within KM of it, nearest first — e.g. task 4's list:
    `zone cover planning_area --km 20 --industry 钢铁 --industry 焦化 --industry 火电`."""
    from lantian import db
    from lantian.registers import service
    if km < 0:
        raise UsageError(f"--km {km}: a distance ≥ 0")
    ws, url = _open(workspace)
    with db.session(url) as s:
        found = service.zone_cover(s, acting_scope(url, user), name, str(km), industry or None, ws.config)
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    table = Table(title=f"{found['title']}内及周边{km:g}公里：{len(found['covered'])}家", title_justify="left")
    for col in ("企业", "县区", "行业", "距离（公里）"):
        table.add_column(col)
    for e in found["covered"]:
        table.add_row(e["name"], e["county_name"] or "", e["industry"] or "", "区内" if e["inside"] else f"{e['distance_km']:.3f}")
    out.print(table)
    for e in found["unknown_location"]:
        out.print(f"无经纬度，未判定：{e['name']}（{e['industry']}）", markup=False)


@app.command("attach")
@friendly
def attach(register: Annotated[str, typer.Argument(help="Register id.")],
           key: Annotated[str, typer.Argument(help="The row's key as the register shows it (e.g. the 集群编号; "
                                                   "keys of several fields are joined by ' | ').")],
           file: Annotated[Path, typer.Argument(help="The evidence file: pdf, docx, xlsx, jpg, png, csv, txt.")],
           user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Attach a file to a register row — e.g. a cluster's 一群一策 plan, which task 7 requires."""
    from lantian import db
    from lantian.registers import service
    _register(register)
    ws, url = _open(workspace)
    with db.session(url) as s:
        done = service.attach(s, ws.root, acting_scope(url, user), register, file, key=key,
                              actor=user or "cli")
    out.print(f"{done['filename']} → {register} {done['key']} (attachment {done['attachment']})", markup=False)
