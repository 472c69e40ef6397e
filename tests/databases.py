"""Databases for tests: a SQLite file, or a PostgreSQL schema of its own on the real server.

PostgreSQL is $LANTIAN_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test;
when it is down the tests that use it fail — they are never skipped.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import sqlalchemy as sa

from lantian import db

PG = os.environ.get("LANTIAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(kind: str, folder):
    """A URL to an empty database: a SQLite file in ``folder``, or a new PostgreSQL schema (dropped after)."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'lantian.sqlite3'}"
        try:
            yield url
        finally:
            db.dispose_engines(url)
        return
    schema = f"lantian_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    try:
        yield url
    finally:
        db.dispose_engines(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(url: str):
    """``LANTIAN_DATABASE_URL`` set to ``url`` while a workspace and its app are built, then as it was
    (the app keeps its URL: the variable must not outlive it)."""
    old = os.environ.get("LANTIAN_DATABASE_URL")
    os.environ["LANTIAN_DATABASE_URL"] = url
    try:
        yield url
    finally:
        if old is None:
            os.environ.pop("LANTIAN_DATABASE_URL", None)
        else:
            os.environ["LANTIAN_DATABASE_URL"] = old
