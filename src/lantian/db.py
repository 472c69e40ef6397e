"""The relational side: SQLAlchemy 2 engines and sessions, Alembic migrations run from code.

One URL names the database everywhere: the workspace's SQLite file by default
(``Workspace.database_url``), PostgreSQL by ``$LANTIAN_DATABASE_URL``
(``postgresql+psycopg://user@host:5432/db``). A PostgreSQL schema other than ``public`` is
chosen with libpq options in the URL: ``...?options=-csearch_path%3Dmyschema``.

Migrations live in ``lantian/migrations`` (Alembic, no ``alembic.ini``):
:func:`upgrade` runs them to head and is idempotent — call it before using the tables
(the CLI does on every command that writes).

Time
----
Timestamps are stored **UTC-aware** (``DateTime(timezone=True)``, the :class:`UTCDateTime`
type). PostgreSQL keeps them as ``timestamptz``; SQLite has no time zone, so the value is
converted to UTC before it is written and a naive value read back is UTC by construction
(engine-notes: "timezone=True datetimes come back naive on SQLite, UTC on PostgreSQL:
normalise at the boundary" — this type is that boundary). Every datetime read from the
database is therefore an aware UTC ``datetime`` on both engines.

At the service boundary a caller may pass a naive datetime or a ``date``: lantian's
convention (docs/architecture.md "Time") is Beijing time, so :func:`to_utc` reads a naive datetime as
Beijing time (UTC+8, no DST since 1991) and a ``date`` as 00:00 Beijing on that day.
:func:`to_beijing` turns a stored value back into Beijing wall-clock time for display.
"""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

__all__ = [
    "BEIJING", "Base", "UTCDateTime", "dispose_engines", "engine_for", "now_utc", "session",
    "to_beijing", "to_utc", "upgrade", "current_revision",
]

UTC = dt.timezone.utc
#: China Standard Time. A fixed offset: China has observed no daylight saving since 1991.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every lantian table (one metadata, one naming convention)."""
    metadata = sa.MetaData(naming_convention=NAMING)


# --------------------------------------------------------------------------- time
def to_utc(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """An aware UTC datetime. Naive datetimes are Beijing time; a ``date`` is 00:00 Beijing that day."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        if isinstance(value, dt.date):
            value = dt.datetime(value.year, value.month, value.day)
        else:
            raise TypeError(f"expected a date or datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(UTC)


def to_beijing(value: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime (naive = UTC, as read from the database) shown in Beijing time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING)


def now_utc() -> dt.datetime:
    return dt.datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """``DateTime(timezone=True)`` that always returns aware UTC datetimes, on SQLite too.

    Writing: aware values are converted to UTC; a naive value is refused (ambiguous — the
    services convert with :func:`to_utc` first). Reading: a naive value (SQLite) is UTC.
    """
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: convert with lantian.db.to_utc first")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# --------------------------------------------------------------------------- engines
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _key(url: str | URL) -> str:
    return url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def url_of(s: Session) -> str:
    """The URL a session is bound to (for services that open their own sessions from it)."""
    return s.get_bind().url.render_as_string(hide_password=False)


#: threads serving requests in one web process (``$LANTIAN_WEB_THREADS``): PostgreSQL's connections
#: are a server-wide budget (max_connections, 100 by default) shared by every worker, SQLite's are files
WEB_THREADS = {"sqlite": 40, "postgresql": 12}
#: connections one request may hold at once (its session, a scope or registry look-up inside it, …)
CONNECTIONS_PER_THREAD = 3


def web_threads(url: str | URL) -> int:
    """How many requests one web process runs at once (issue 21 §3: sized from the load benchmark)."""
    from os import environ
    if environ.get("LANTIAN_WEB_THREADS"):
        return max(1, int(environ["LANTIAN_WEB_THREADS"]))
    return WEB_THREADS.get(sa.make_url(url).get_backend_name(), 12)


def _pool_options(url: str | URL) -> dict:
    """A pool that never makes a request wait for a connection: ``CONNECTIONS_PER_THREAD`` per web
    thread (the default QueuePool, 5 + 10 overflow, ran dry at 50 users and answered HTTP 500)."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite" and (not u.database or u.database == ":memory:"):
        return {}
    threads = web_threads(u)
    return {"pool_size": threads, "max_overflow": threads * (CONNECTIONS_PER_THREAD - 1), "pool_timeout": 30}


# --------------------------------------------------------------------------- data version (issue 21 §3)
#: the PostgreSQL channel every lantian process notifies when it commits a write; the web app's view
#: cache listens to it (lantian.web.viewcache) — a channel is per database, unlike transaction ids
DATA_CHANNEL = "lantian_data"
_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "MERGE", "REPLACE")
_local_commits = [0]


def local_commits() -> int:
    """Writes this process has committed (any engine): a change marker with no delay for its own writes."""
    return _local_commits[0]


def _note_write(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:8].split(None, 1)[0].upper() in _WRITES if statement.strip() else False:
        conn.info["lantian_wrote"] = True


def _on_commit(conn):
    if conn.info.pop("lantian_wrote", False):
        conn.info["lantian_committed"] = True          # counted when the connection is back, i.e. committed
        if conn.dialect.name == "postgresql":          # delivered to the listeners when the commit happens
            cur = conn.connection.cursor()
            try:
                cur.execute(f"NOTIFY {DATA_CHANNEL}")
            finally:
                cur.close()


def _on_rollback(conn):
    conn.info.pop("lantian_wrote", None)
    conn.info.pop("lantian_committed", None)


def _on_checkin(dbapi_connection, record):
    if record is not None and record.info.pop("lantian_committed", False):
        _local_commits[0] += 1


def engine_for(url: str | URL) -> Engine:
    """The (cached, one per URL) engine for ``url``. SQLite gets foreign keys enforced."""
    key = _key(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = sa.create_engine(url, future=True, **_pool_options(url))
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "before_cursor_execute", _note_write)
            event.listen(engine, "commit", _on_commit)
            event.listen(engine, "rollback", _on_rollback)
            event.listen(engine, "checkin", _on_checkin)
            _engines[key] = engine
        return engine


def dispose_engines(url: str | URL | None = None) -> None:
    """Close pooled connections (of one URL, or all); the next use makes a fresh engine."""
    with _lock:
        keys = [_key(url)] if url is not None else list(_engines)
        for k in keys:
            engine = _engines.pop(k, None)
            if engine is not None:
                engine.dispose()


_makers: dict[int, sessionmaker] = {}


@contextmanager
def session(url: str | URL) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on an exception."""
    engine = engine_for(url)
    maker = _makers.get(id(engine))
    if maker is None or maker.kw.get("bind") is not engine:
        maker = _makers[id(engine)] = sessionmaker(engine, expire_on_commit=False)
    with maker() as s:
        with s.begin():
            yield s


# --------------------------------------------------------------------------- migrations
def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()  # no alembic.ini: everything is set here
    location = resources.files("lantian") / "migrations"
    cfg.set_main_option("script_location", str(location).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Run the Alembic migrations on ``url`` up to ``revision`` (default head); a no-op when current."""
    from alembic import command

    with engine_for(url).begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def current_revision(url: str | URL) -> str | None:
    """The Alembic revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# every session checks each text field against its limit before writing (docs/limits.md)
import lantian.limits  # noqa: E402,F401
