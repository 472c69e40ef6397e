"""Measured key results: a milestone or commitment bound to an indicator is decided by the data,
not typed in. Each indicator is a function of the workspace (store, database, as-of date) and its
parameters, giving green, red or "no data".

The one entry point: a room that measures has an ``indicators`` module that calls :func:`register`
for each of its indicators (and may offer ``citations(root, config)``: the clauses of the plan they
measure). The registry is built from the installed rooms — every package of ``lantian`` with such a
module (:func:`providers`) — so a new room needs no edit here or anywhere else: the assessment's
schedule progress (序时进度) is :mod:`lantian.assessment.indicators`, the ledgers' rule checks
:mod:`lantian.enterprises.indicators`, dust fall (task 14) :mod:`lantian.dustfall.indicators`, ….
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Callable

from lantian.errors import UsageError
from lantian.plan.status import Measured

# the rooms' services are imported inside the functions on purpose: every indicators module loads at
# `lantian --help` (plan.indicators' registry) — at the top they took it from 1.5 s to 2.7 s (docs/architecture.md)


@dataclass
class Context:
    url: str
    store: object
    con: object
    as_of: dt.date
    config: dict = field(default_factory=dict)
    lock: object = None
    memo: dict = field(default_factory=dict)

    def engine(self):
        return self.lock if self.lock is not None else contextlib.nullcontext()

    def know_progress(self, rows) -> None:
        """序时进度 rows of the as-of day, computed elsewhere with the same rule (the monthly
        bulletin's): the schedule indicators read them instead of computing them again."""
        self.memo[("progress", self.as_of)] = {r.unit: r for r in rows}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str                      # 中文名, as pages show it
    params: tuple[str, ...]         # required parameters
    evaluate: Callable[[Context, dict], Measured]


REGISTRY: dict[str, Indicator] = {}
_loaded = False


def providers() -> list[str]:
    """The rooms' indicator modules: ``lantian.<room>.indicators`` of every installed room that has one,
    by room name (this registry itself excepted). Found on disk, nothing imported to look."""
    import os
    import pkgutil

    import lantian
    found = []
    for base in lantian.__path__:
        for room in sorted(m.name for m in pkgutil.iter_modules([base]) if m.ispkg):
            module = f"lantian.{room}.indicators"
            if module != __name__ and any(m.name == "indicators"
                                          for m in pkgutil.iter_modules([os.path.join(base, room)])):
                found.append(module)
    return found


def register(indicator: Indicator) -> None:
    REGISTRY[indicator.name] = indicator


def registry() -> dict[str, Indicator]:
    global _loaded
    if not _loaded:
        import importlib
        for module in providers():
            importlib.import_module(module)
        _loaded = True
    return REGISTRY


def check(name: str, params: dict) -> None:
    """A clear error for an unknown indicator or missing parameters (before anything is stored)."""
    known = registry()
    if name not in known:
        raise UsageError(f"unknown indicator {name!r}; known: {', '.join(sorted(known))}")
    missing = [p for p in known[name].params if p not in params]
    if missing:
        raise UsageError(f"indicator {name} needs {', '.join(missing)} (e.g. unit=140403)")


def measure(ctx: Context, name: str, params_json: str | None) -> Measured:
    params = json.loads(params_json) if params_json else {}
    key = (name, json.dumps(params, sort_keys=True), ctx.as_of)
    if key not in ctx.memo:
        known = registry()
        if name not in known:
            ctx.memo[key] = Measured(name, params, None, "—", f"未知指标 {name}")
        else:
            ctx.memo[key] = known[name].evaluate(ctx, params)
    return ctx.memo[key]


# --------------------------------------------------------------------------- citations
@dataclass(frozen=True)
class Citation:
    """A rule, register check or data source that measures a clause of the plan: the task number it
    cites and the words it quotes (``…`` for what it leaves out) — bound to the task that holds those
    words when a plan is imported (:mod:`lantian.plan.bindings`)."""
    task: int
    clause: str
    label: str                      # the bound milestone's title
    indicator: str
    params: dict


def citations(root=None, config: dict | None = None) -> list[Citation]:
    """Every citation of the rooms that register indicators (their module's ``citations(root, config)``)."""
    import importlib
    registry()
    out = []
    for module in providers():
        found = getattr(importlib.import_module(module), "citations", None)
        if found is not None:
            out.extend(found(root, config or {}))
    return out
