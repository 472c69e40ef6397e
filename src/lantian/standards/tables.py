"""Loading the standards' tables: data files beside this module, read once."""
from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Parse ``tables/<name>.toml`` (e.g. ``hj633_2012``, ``gb3095``, ``hj663``)."""
    text = resources.files("lantian.standards").joinpath("tables", f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)
