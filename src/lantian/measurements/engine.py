"""The table engine: Ibis expressions executed on DuckDB (default) or, later, Spark.

The computations in this package are Ibis expressions written once (DESIGN "Two kinds of
data"); this module only chooses where they run. Integer arithmetic keeps them exact and
identical across engines (spec/engine-notes.md: portable rounding).
"""
from __future__ import annotations

import os

import ibis

from lantian.errors import UsageError

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"


def connect(engine: str | None = None):
    """An Ibis backend for ``engine`` (``duckdb`` by default, or ``$LANTIAN_ENGINE``)."""
    name = (engine or os.environ.get("LANTIAN_ENGINE") or DEFAULT_ENGINE).lower()
    if name == "duckdb":
        threads = os.environ.get("LANTIAN_THREADS")
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if name == "spark":
        raise UsageError(
            "the Spark engine is not available in this build yet: the same Ibis expressions will run on "
            "PySpark once the scale work lands; use --engine duckdb")
    raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
