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
