"""What every ``lantian`` command group shares: the consoles, the one way a user's mistake is shown
(one line naming file, line and column — no stack trace), and the common options."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from lantian.errors import Forbidden, InputError, NotFound, UsageError
from lantian import db
from lantian.accounts.models import User
from lantian.accounts.scope import Scope
from lantian.accounts.service import principal
from lantian.workspace import open_workspace

out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

WorkspaceOpt = Annotated[Optional[Path], typer.Option("--workspace", "-w", help="The workspace folder "
                         "(default $LANTIAN_WORKSPACE or ./lantian-workspace).", envvar="LANTIAN_WORKSPACE")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def friendly(fn):
    """Show a user's mistake as one line naming file, line and column (and, for a file refused row by
    row, the further rows' problems) — no stack trace; exit status 2."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, UsageError, NotFound, Forbidden) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            for e in (getattr(exc, "errors", None) or [])[5:]:
                err.print(f"  {e}", highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(2) from None
    return wrapper
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this user (their scope applies); "
                                                          "default the city office.")]


def open_upgraded(workspace, create: bool = False):
    """The workspace (made if ``create``), its operational database brought to the current schema."""
    ws = open_workspace(workspace, create=create)
    db.upgrade(ws.database_url)
    return ws


def workspace_url(workspace) -> str:
    """The database URL of the workspace (brought to the current schema)."""
    return open_upgraded(workspace, create=True).database_url


def acting_scope(url: str, username: Optional[str]):
    """The scope a command runs in: a named user's (``--as``), or the city office's."""
    if username is None:
        return Scope.office(url, "cli")
    import sqlalchemy as sa

    with db.session(url) as s:
        user = s.scalar(sa.select(User).where(User.username == username))
        if user is None or not user.active:
            raise UsageError(f"no active user {username!r} (lantian user list)")
        return Scope.of(principal(user), url)


def parse_date(text: Optional[str], option: str | None = None):
    """``YYYY-MM-DD`` as a date (None stays None); anything else is the user's mistake, named
    by its ``option`` (``"--to"``) when given."""
    import datetime as dt
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        where = f"{option} " if option else ""
        raise UsageError(f"{where}{text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict (``PM2.5`` written as ``PM2_5``)."""
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"{pair!r}: write ITEM=VALUE, e.g. PM2_5_24h=76")
        key, value = pair.split("=", 1)
        values[key.strip().replace("PM2.5", "PM2_5")] = value.strip()
    return values
