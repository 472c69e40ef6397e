"""``lantian watch`` (drop folders) and ``lantian worker`` (the scheduler)."""
from __future__ import annotations

import typer


def register(root_app: typer.Typer) -> None:
    pass
