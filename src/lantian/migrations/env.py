"""Alembic environment of lantian, configured from code (see :func:`lantian.db.upgrade`).

The connection comes from ``config.attributes["connection"]`` (what ``lantian.db`` passes);
failing that, from the ``sqlalchemy.url`` main option, or ``$LANTIAN_DATABASE_URL``.
``render_as_batch`` is on for SQLite (ALTER TABLE there is copy-and-move), and
autogenerate only looks at lantian's own tables (engine-notes, "Web and documents").

To write the next revision from code::

    from alembic import command
    from lantian import db
    with db.engine_for(url).begin() as conn:
        command.revision(db._alembic_config(conn), "what changed", autogenerate=True)
"""
from __future__ import annotations

import importlib
import os

from alembic import context
from sqlalchemy import create_engine

from lantian.db import Base

# Every module that declares tables on lantian.db.Base: imported so autogenerate sees them.
MODEL_MODULES = ("lantian.measurements.stations", "lantian.accounts.models", "lantian.audit",
                 "lantian.attachments", "lantian.assessment.models")
for _name in MODEL_MODULES:
    importlib.import_module(_name)

target_metadata = Base.metadata
config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    """Autogenerate compares lantian's tables only (never drops a table it does not own)."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ["LANTIAN_DATABASE_URL"]
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ["LANTIAN_DATABASE_URL"]
    engine = create_engine(url)
    with engine.begin() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
