"""Heavy views computed once per data version and reused (issue 21 §3).

The dashboard already answers from a cache keyed by the measurement store's manifest version
(:mod:`lantian.monitoring.dashboard`). This generalises it to every view whose answer is a function
of the workspace's data and the caller's scope — the plan's task list and 调度 table, the ranking,
序时进度, the assessment page, the monthly bulletin:

    value = cached(request, scope, "plan.tasks", compute, plan)

The key is ``(view name, parameters, the principal's scope, the data version)``:

- **scope**: role, county, department and enterprise of the principal — what a Scope is decided
  from (:meth:`lantian.accounts.scope.Scope.of`); two users with the same role and binding see the
  same records, a county never gets a city-wide answer or another county's.
- **data version** (:func:`version_of`): the relational database's own change marker
  (:func:`data_version`), the store's manifest file (replaced on every store commit), the settings
  and the workspace's as-of date. Any committed write — by this process, another worker or the
  CLI — changes it, so the next request recomputes; nothing
  has to remember to invalidate.

  - SQLite: the header's *file change counter* (bytes 24–27, "incremented whenever the database
    file is unlocked after having been modified", sqlite.org/fileformat2 §1.3.8) and, in WAL mode,
    the ``-wal`` file's size and modification time. Reading them costs one 100-byte read.
  - PostgreSQL: every lantian process (the app, its workers, the CLI) sends ``NOTIFY lantian_data``
    in each transaction that writes (:mod:`lantian.db`); PostgreSQL delivers it when, and only if, the
    transaction commits, to the listeners of that database. Each web process listens on a
    connection of its own and counts; its own commits count at once too. (Transaction ids or WAL
    positions would move with every other database on the server.) Writes made outside lantian
    (psql by hand) are not heard: restart the server after them.

Concurrent requests for the same key wait for one computation (eight concurrent ``/api/plan/tasks``
compute once, not eight times one after another). Values are shared between requests: callers
never mutate them. The cache is bounded (least recently used out).
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable

from sqlalchemy.engine import make_url

from lantian.db import DATA_CHANNEL, local_commits

__all__ = ["ViewCache", "cached", "data_version", "scope_key"]

#: views kept (each a scope × parameters × version); old versions age out
CACHE_SIZE = 256


def _sqlite_version(path: Path) -> tuple:
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError:
        return ("missing",)
    wal = path.with_name(path.name + "-wal")
    try:
        st = wal.stat()
        wal_mark = (st.st_size, st.st_mtime_ns)
    except OSError:
        wal_mark = None
    return (header[24:28], header[92:96], wal_mark)


_never_same = itertools.count()


@functools.lru_cache(maxsize=64)
def _kind(url: str) -> tuple[str, Path | None]:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return ("sqlite", Path(u.database)) if u.database and u.database != ":memory:" else ("memory", None)
    return ("server", None)


def data_version(url: str) -> tuple:
    """A value that changes whenever a write is committed to the database at ``url`` (see module notes)."""
    kind, path = _kind(url)
    if kind == "sqlite":
        return ("sqlite",) + _sqlite_version(path)
    if kind == "memory":
        return ("uncached", next(_never_same))     # an in-memory database has no change marker: no reuse
    heard = _listener(url).heard()
    if heard is None:                              # not listening (yet, or the connection dropped): no reuse
        return ("uncached", next(_never_same))
    return ("notified", heard, local_commits())


class _Listener:
    """``LISTEN lantian_data`` on a connection of its own, counting the notifications — every lantian
    process sends one when it commits a write (:func:`lantian.db._on_commit`); a notification is
    delivered when, and only if, the transaction commits, and only to listeners of that database."""

    def __init__(self, url: str):
        self.url, self.count, self.ready = url, 0, threading.Event()
        threading.Thread(target=self._run, daemon=True, name="lantian-data-listener").start()

    def heard(self) -> int | None:
        if not self.ready.wait(2.0):
            return None
        return self.count

    def _run(self):
        import time

        import psycopg
        u = make_url(self.url).set(drivername="postgresql")
        dsn = u.render_as_string(hide_password=False)
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {DATA_CHANNEL}")
                    self.count += 1                # anything may have happened while not listening
                    self.ready.set()
                    for _ in conn.notifies():
                        self.count += 1
            except Exception:                      # the server went away: no reuse until it is back
                self.ready.clear()
                time.sleep(1.0)


_listeners: dict[str, _Listener] = {}
_listeners_lock = threading.Lock()


def _listener(url: str) -> _Listener:
    with _listeners_lock:
        found = _listeners.get(url)
        if found is None:
            found = _listeners[url] = _Listener(url)
        return found


def scope_key(scope) -> tuple:
    """What a principal's scope is decided from: role and binding (not the person). ``None``: a view
    that is the same for every caller allowed to read it (the route checks who may, first)."""
    if scope is None:
        return ("any reader",)
    who = scope.who
    return (who.role, who.county_code, who.department_code, who.enterprise_id, scope.unit)


class ViewCache:
    """A bounded map key → value where concurrent misses of one key compute it once."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0
        self.serial: dict[str, threading.Lock] = {}       # one_at_a_time's locks

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:                                   # one computation per key; the others wait for it
            with self._lock:
                if key in self._values:
                    self.hits += 1
                    return self._values[key]
            value = compute()                        # an exception is not cached: the next caller retries
            with self._lock:
                self.misses += 1
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
                self._computing.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def _file_mark(path: Path) -> tuple | None:
    """A file replaced atomically (the store's manifest, ``os.replace``d on every commit): its inode,
    size and modification time change with each commit."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def version_of(app) -> tuple:
    """The app's data version: database, measurement store, as-of date, settings."""
    st = app.state
    settings = json.dumps(st.workspace.config, sort_keys=True, default=str)
    return (data_version(st.db_url), _file_mark(st.store.manifest_path), st.workspace.as_of, settings)


def cached(request, scope, name: str, compute: Callable[[], Any], *params: Hashable) -> Any:
    """``compute()`` for this view, parameters, scope and data version — from the app's cache when
    it was computed before (``request.app.state.views``)."""
    app = request.app
    views = getattr(app.state, "views", None)
    if views is None or os.environ.get("LANTIAN_VIEW_CACHE") == "0":
        return compute()
    key = (name, params, scope_key(scope), version_of(app))
    return views.get(key, compute)


def shared_memo(request, name: str) -> dict:
    """A dict shared by every request of the current data version (for memos of scope-free values,
    such as the plan's indicators, which are evaluated for the city office whoever asks)."""
    app = request.app
    views = getattr(app.state, "views", None)
    if views is None or os.environ.get("LANTIAN_VIEW_CACHE") == "0":
        return {}
    return views.get(("memo", name, version_of(app)), dict)


def one_at_a_time(request, name: str) -> threading.Lock:
    """A lock of the app for computations that share a memo (:func:`shared_memo`): the first fills it,
    the ones waiting behind it then read it instead of computing the same values side by side."""
    views = getattr(request.app.state, "views", None)
    return views.serial.setdefault(name, threading.Lock()) if views is not None else threading.Lock()
