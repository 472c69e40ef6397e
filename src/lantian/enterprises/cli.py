"""``lantian ledger``: the enterprise and facility ledgers (台账) — Excel template, import, export and
the plan's rule checks. Thin: parses arguments, calls :mod:`lantian.enterprises.service`, prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lantian.errors import UsageError
from lantian.terminal import (AsOpt, JsonOpt, WorkspaceOpt, acting_scope, err, friendly, out, parse_date,
                              workspace_url)

ledger_app = typer.Typer(help="Enterprise and facility ledgers (台账): Excel template, import, export, rule checks.",
                         no_args_is_help=True)


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
    excel.write_template(file, counties=_counties(workspace_url(workspace)))
    out.print(f"template → {file}", markup=False)


@ledger_app.command("import")
@friendly
def ledger_import(file: Annotated[Path, typer.Argument(help="A filled template (.xlsx), or the ledger as the office "
                                                               "keeps it: .xlsx or legacy .xls, a title row above "
                                                               "the headers, merged header cells.")],
                  dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; store nothing.")] = False,
                  synthetic: Annotated[bool, typer.Option("--synthetic", help="Mark the records as synthetic "
                                                                              "(demo) data.")] = False,
                  user: AsOpt = None, workspace: WorkspaceOpt = None):
    """Validate every row (sheet, row, column, reason for each error) and store all or nothing; audited."""
    from lantian import db
    from lantian.enterprises import excel, service
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    url = workspace_url(workspace)
    scope = acting_scope(url, user)
    service.require_import(scope)
    with db.session(url) as s:
        known = {e.credit_code for e in service.visible_enterprises(s, scope) if e.credit_code}
        try:
            batch = excel.read_workbook(file, counties=service.county_lookup(s), known_enterprises=known)
        except excel.LedgerImportError as exc:
            for e in exc.errors:
                where = f"sheet {e.sheet}, row {e.row}, column {e.column}: " if e.sheet else ""
                err.print(f"{file}: {where}{e.reason}", markup=False, soft_wrap=True)
            raise UsageError(f"{file}: {len(exc.errors)} error(s); nothing stored") from None
        if dry_run:
            out.print(f"{file}: {batch.rows} rows valid — {len(batch.enterprises)} enterprises, "
                      f"{len(batch.facilities)} facilities, {len(batch.clusters)} clusters; dry run, nothing stored",
                      markup=False)
            return
        counts = service.import_batch(s, scope, batch, actor=scope.who.username, source=file.name, synthetic=synthetic)
    out.print(f"{file}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), markup=False)


@ledger_app.command("export")
@friendly
def ledger_export(file: Annotated[Path, typer.Argument(help="Where to write the .xlsx.")],
                  user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The ledger (the caller's: a county its enterprises) as .xlsx in the template's layout (it re-imports
    unchanged)."""
    from lantian import db
    from lantian.enterprises import excel, service
    url = workspace_url(workspace)
    with db.session(url) as s:
        erows, frows, crows = service.export_rows(s, acting_scope(url, user))
    excel.write_workbook(file, erows, frows, crows, counties=_counties(url))
    out.print(f"{len(erows)} enterprises, {len(frows)} facilities → {file}", markup=False)


@ledger_app.command("check")
@friendly
def ledger_check(date: Annotated[Optional[str], typer.Option(help="Check on this day (default the as-of date).")]
                 = None,
                 as_json: JsonOpt = False, upcoming: Annotated[bool, typer.Option("--upcoming", help="Also list "
                                                                                  "deadlines ahead.")] = False,
                 user: AsOpt = None, workspace: WorkspaceOpt = None):
    """The plan's rules (shipped, plus WORKSPACE/rules/*.toml) on every facility: violations in force on the
    date, each with the plan clause it cites."""
    from lantian import db
    from lantian.enterprises import service
    from lantian.workspace import open_workspace
    ws = open_workspace(workspace)
    url = workspace_url(workspace)
    day = parse_date(date) or ws.as_of
    with db.session(url) as s:
        found = service.check(s, acting_scope(url, user), day, ws.root)
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
