"""``lantian gates …`` and ``lantian roadcheck …``: gate records, tokens, violations, the proof on
generated days, and road-check/OBD imports. Thin: parses arguments, calls :mod:`service`, prints."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import AsOpt, JsonOpt, WorkspaceOpt, acting_scope, err, friendly, open_upgraded, out, parse_date

app = typer.Typer(help="门禁 (gates): import records, issue gate tokens, violations, the rules' proof.",
                  no_args_is_help=True)
roadcheck_app = typer.Typer(help="路检路查 and OBD inspections: import their records.", no_args_is_help=True)

def _open(workspace):
    ws = open_upgraded(workspace, create=True)
    return ws, ws.database_url


def _scope(url: str, user: str | None):
    """The scope of ``--as`` (the service asks the policy as for the page), or the city office's."""
    return acting_scope(url, user)


def _json(data) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command("import")
@friendly
def import_cmd(file: Annotated[Path, typer.Argument(help="Gate records, CSV (UTF-8/GBK) or .xlsx; the layout: "
                                                         "`lantian gates template`.")],
               as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Import gate records (门禁记录): all rows checked first; the same record twice changes nothing."""
    from lantian import db
    from lantian.vehicles import service
    _, url = _open(workspace)
    with db.session(url) as s:
        r = service.import_file(s, _scope(url, user), file)
    if as_json:
        _json(r)
        return
    out.print(f"{file}: {r['rows']} rows — {r['added']} new, {r['updated']} updated, {r['unchanged']} unchanged",
              markup=False)


@app.command("template")
@friendly
def template_cmd(out_file: Annotated[Path, typer.Option("--out", help="Where to write the CSV template.")]
                 = Path("门禁记录模板.csv")):
    """Write the gate-record CSV template (header and two synthetic example rows) and print its columns."""
    from lantian.vehicles import reader
    out_file.write_text(reader.template_text(), encoding="utf-8-sig")
    out.print(f"template → {out_file}\n{reader.layout_text()}", markup=False)


@app.command("token")
@friendly
def token_cmd(enterprise: Annotated[str, typer.Argument(help="The enterprise: id, 统一社会信用代码 or name.")],
              user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Issue a push token for the enterprise's gate system (shown once; a new token replaces the old one)."""
    from lantian import db
    from lantian.vehicles import service
    _, url = _open(workspace)
    with db.session(url) as s:
        token = service.issue_token(s, _scope(url, user), enterprise)
    out.print(token, markup=False)
    err.print("POST /api/gates/records with the header `Authorization: Bearer <token>`; it is shown only now.")


@app.command("freight")
@friendly
def freight_cmd(enterprise: Annotated[str, typer.Argument(help="The enterprise: id, 统一社会信用代码 or name.")],
                year: Annotated[int, typer.Option(help="The year of the volume.")],
                tonnes: Annotated[str, typer.Option(help="Freight volume, t/a.")],
                rail_open: Annotated[Optional[str], typer.Option("--rail-open", help="The rail siding's opening "
                                                                 "day YYYY-MM-DD (omit: not open).")] = None,
                mode: Annotated[str, typer.Option(help="公路 铁路 皮带 公铁联运 管道 其他")] = "公路",
                user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Set an enterprise's freight volume and rail siding (行动计划 任务11)."""
    from lantian import db
    from lantian.vehicles import service
    _, url = _open(workspace)
    with db.session(url) as s:
        service.set_freight(s, _scope(url, user), enterprise, year, tonnes, rail_open=parse_date(rail_open, "--rail-open"),
                            mode=mode)
    out.print(f"{enterprise} {year}: {tonnes} t/a, rail siding {rail_open or 'not open'}", markup=False)


@app.command("violations")
@friendly
def violations_cmd(start: Annotated[Optional[str], typer.Option("--from", help="First day (default: 6 days "
                                                                "before --to).")] = None,
                   end: Annotated[Optional[str], typer.Option("--to", help="Last day (default: the as-of date).")]
                   = None, as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Violations of the period per enterprise, with the reason and the clause; silent gates."""
    from lantian import db
    from lantian.vehicles import service
    ws, url = _open(workspace)
    last = parse_date(end, "--to") or ws.as_of
    first = parse_date(start, "--from") or last - dt.timedelta(days=6)
    with db.session(url) as s:
        v = service.violations(s, _scope(url, user), first, last, ws.config)
        gates = service.silent_gates(s, _scope(url, user), ws.config, as_of=last)
    if as_json:
        _json(dict(v, gates=gates))
        return
    table = Table(title=f"门禁违规 {first} — {last}", title_justify="left")
    for col in ("企业", "县区", "记录", "违规", "未处理", "待核实"):
        table.add_column(col)
    for e in v["by_enterprise"]:
        table.add_row(e["enterprise"], e["county"] or "", str(e["records"]), str(e["violations"]),
                      str(e["unresolved"]), str(e["undecided"]))
    out.print(table)
    for x in v["violations"][:200]:
        out.print(f"{x['time_in']} {x['enterprise']} {x['rule_name']}：{x['reason']}（{x['clause']}）", markup=False)
    for g in gates:
        if g["silent"]:
            out.print(f"停传：{g['enterprise']} 门禁 {g['hours_since']} 小时无记录（最后记录 {g['last_record'] or '无'}）",
                      markup=False)


@app.command("verify")
@friendly
def verify_cmd(enterprises: Annotated[int, typer.Option(help="Generated enterprises.")] = 12,
               days: Annotated[int, typer.Option(help="Generated days.")] = 7,
               seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
               unknown_share: Annotated[float, typer.Option(help="Share of vehicles the gate cannot identify.")]
               = 0.03, as_json: JsonOpt = False):
    """Run the rules on generated gate days and print precision and recall against the kept-apart truth."""
    from lantian.vehicles import synthetic
    if enterprises < 1 or days < 4:
        raise UsageError("at least 1 enterprise and 4 days (the warning runs from day 2 to day 4)")
    r = synthetic.verify(enterprises, days, seed, unknown_share)
    data = {"records": r.records, "violations": r.violations, "true_positive": r.true_positive,
            "false_positive": r.false_positive, "false_negative": r.false_negative, "undecided": r.undecided,
            "precision": round(r.precision, 4), "recall": round(r.recall, 4)}
    if as_json:
        _json(data)
        return
    out.print(f"generated {r.records} records (SYNTHETIC), {r.violations} violations in the truth: "
              f"precision {r.precision:.4f}, recall {r.recall:.4f} "
              f"(TP {r.true_positive}, FP {r.false_positive}, FN {r.false_negative}; 待核实 {r.undecided})",
              markup=False)


@roadcheck_app.command("import")
@friendly
def roadcheck_import(file: Annotated[Path, typer.Argument(help="Road checks / OBD inspections, CSV or .xlsx "
                                                               "(kind,plate,time,outcome,…).")],
                     as_json: JsonOpt = False, user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Import road checks (路检路查) and OBD inspections with their outcomes; idempotent."""
    from lantian import db
    from lantian.vehicles import service
    _, url = _open(workspace)
    with db.session(url) as s:
        r = service.import_checks(s, _scope(url, user), file)
    if as_json:
        _json(r)
        return
    out.print(f"{file}: {r['rows']} rows — {r['added']['roadcheck']} road checks and {r['added']['obd']} OBD "
              "inspections new", markup=False)
