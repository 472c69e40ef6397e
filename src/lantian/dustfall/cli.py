"""``lantian dustfall``: monthly dust fall (降尘) — import and the county bulletin (task 14). Thin:
calls :mod:`lantian.dustfall.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.terminal import AsOpt, JsonOpt, WorkspaceOpt, acting_scope, friendly, open_upgraded, out

dust_app = typer.Typer(help="Monthly dust fall (降尘): import, the county bulletin, task 14's trigger.",
                       no_args_is_help=True)


@dust_app.command("import")
@friendly
def dustfall_import(file: Annotated[Path, typer.Argument(help="County values (period,county,value[,yoy_percent]), "
                                                              "the published table, or raw gravimetric data; CSV "
                                                              "or .xlsx.")],
                    period: Annotated[Optional[str], typer.Option(help="YYYY-MM, for the published table.")] = None,
                    user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Import a month's dust fall; counties above the threshold (7.0 ⚠) get a 专项整治 sub-task of task 14."""
    from lantian import db
    from lantian.dustfall import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        r = service.import_file(s, file, period=period, config=ws.config, scope=acting_scope(ws.database_url, user))
    out.print(f"{file}: {r['rows']} rows for {', '.join(r['months'])}"
              + (f"; 专项整治 opened for {'、'.join(r['campaigns'])}" if r["campaigns"] else ""), markup=False)


@dust_app.command("bulletin")
@friendly
def dustfall_bulletin(period: Annotated[str, typer.Option(help="YYYY-MM.")], as_json: JsonOpt = False,
                      user: AsOpt = None, workspace: WorkspaceOpt = None):
    """月度降尘通报: counties ranked (ties shared), values, year on year, those above the threshold."""
    from lantian import db
    from lantian.dustfall import service
    ws = open_upgraded(workspace, create=True)
    with db.session(ws.database_url) as s:
        b = service.bulletin(s, period, ws.config, scope=acting_scope(ws.database_url, user))
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
