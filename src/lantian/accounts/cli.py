"""``lantian audit verify``, ``lantian access table`` and ``lantian user unlock`` (issue 21 §1–2)."""
from __future__ import annotations

import json
from typing import Annotated

import typer

from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, out, workspace_url

audit_app = typer.Typer(help="The audit log: verify its hash chain.", no_args_is_help=True)
access_app = typer.Typer(help="Who may do what: the policy's table (docs/access.md).", no_args_is_help=True)


@audit_app.command("verify")
@friendly
def audit_verify(workspace: WorkspaceOpt = None, as_json: JsonOpt = False):
    """Walk the audit log's hash chain; exit 1 and name the first rewritten entry when it is broken.
    Note the head it prints (entries and last hash) somewhere outside the database."""
    from lantian import audit, db
    with db.session(workspace_url(workspace)) as s:
        verdict = audit.verify(s)
    if as_json:
        out.print_json(json.dumps({"ok": verdict.ok, "entries": verdict.entries, "head": verdict.head,
                                   "broken_at": verdict.broken_at, "reason": verdict.reason}, ensure_ascii=False))
    else:
        out.print(verdict.message(), markup=False)
    if not verdict.ok:
        raise typer.Exit(1)


@access_app.command("table")
def access_table():
    """Print the role × room × action table (docs/access.md is this output)."""
    from lantian.accounts.policy import access_table as table
    typer.echo(table(), nl=False)


def unlock(username: Annotated[str, typer.Argument(help="The locked account.")], workspace: WorkspaceOpt = None):
    """Lift a sign-in lock (after repeated wrong passwords) before it ends; audited."""
    from lantian import db
    from lantian.accounts import service as accounts
    with db.session(workspace_url(workspace)) as s:
        accounts.unlock(s, username)
    out.print(f"user {username} unlocked")


def register(app: typer.Typer, user_app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(access_app, name="access")
    user_app.command("unlock")(friendly(unlock))
