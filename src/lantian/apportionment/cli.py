"""``lantian pmf``: source apportionment by PMF (EPA ESAT)."""
from __future__ import annotations

import typer

app = typer.Typer(help="Source apportionment (源解析) by PMF with EPA's ESAT.", no_args_is_help=True)
