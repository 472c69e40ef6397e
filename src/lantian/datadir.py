"""Where the real public data lives: ``--data DIR``, ``$LANTIAN_DATA``, or a ``shared/data`` beside the repository."""
from __future__ import annotations

import os
from pathlib import Path

from lantian.errors import UsageError

HINT = ("lantian reads the team's real public data from a folder laid out like shared/data "
        "(cnemc/, boundaries/, …). Point it there with --data DIR or LANTIAN_DATA=DIR, "
        "e.g. `make demo DATA=/path/to/shared/data`.")


def candidates() -> list[Path]:
    here = Path(__file__).resolve()
    roots = [Path.cwd(), *Path.cwd().parents, *here.parents]
    out, seen = [], set()
    for root in roots:
        for c in (root / "shared" / "data", root / ".." / "shared" / "data"):
            c = c.resolve()
            if c not in seen:
                seen.add(c)
                out.append(c)
    return out


def find_data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder to use, or a :class:`UsageError` that says how to point lantian at one."""
    if explicit:
        path = Path(explicit)
        if not (path / "cnemc").is_dir():
            raise UsageError(f"{path} is not a lantian data folder (no cnemc/ inside). {HINT}")
        return path
    env = os.environ.get("LANTIAN_DATA")
    if env:
        return find_data_dir(env)
    for c in candidates():
        if (c / "cnemc").is_dir():
            return c
    raise UsageError(f"no data folder found. {HINT}")
