"""The table engine: Ibis expressions executed on DuckDB (default) or Apache Spark.

The computations in this package are Ibis expressions written once (docs/architecture.md "Two kinds of
data"); this module only chooses where they run. Integer arithmetic keeps them exact and
identical across engines (docs/engine-notes.md: portable rounding).

Spark is reached through PySpark: ``local[N]`` by default, or a cluster named by
``$LANTIAN_SPARK_MASTER`` (``spark://host:7077``, ``yarn``, ``k8s://…``); any other Spark
setting passes through ``$LANTIAN_SPARK_CONF`` as ``key=value;key=value`` (docs/scaling.md).
"""
from __future__ import annotations

import os
import shutil
from importlib import resources

import ibis

from lantian.errors import UsageError

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"

# Spark settings that keep results equal to DuckDB's: UTC wall clock (the feed's hours carry no
# zone), no ANSI-off silent overflow, and Arrow for moving the grid in and out.
SPARK_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.maxResultSize": "0",          # the derived grid comes back whole (a national year: > 1 GiB)
}


def _driver_memory() -> str:
    """Half of this machine's memory for the driver (it holds the grid going in and coming out)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "4g"
    return f"{max(2, total // 2**31)}g"


_CHOSEN: dict = {"engine": None}


def choose(engine: str | None) -> None:
    """The engine this process was asked for (the CLI's ``--engine``), before any setting."""
    _CHOSEN["engine"] = engine


def engine_name(engine: str | None = None, config: dict | None = None) -> str:
    """``engine``, else the chosen one, else ``$LANTIAN_ENGINE``, else the workspace's
    ``[engine] name``, else duckdb."""
    chosen = (engine or _CHOSEN["engine"] or os.environ.get("LANTIAN_ENGINE")
              or ((config or {}).get("engine") or {}).get("name"))
    name = (chosen or DEFAULT_ENGINE).lower()
    if name not in ENGINES:
        raise UsageError(f"unknown engine {chosen!r}; choose one of: {', '.join(ENGINES)}")
    return name


def connect(engine: str | None = None, config: dict | None = None):
    """An Ibis backend for ``engine`` (``duckdb`` by default)."""
    name = engine_name(engine, config)
    if name == "spark":
        return ibis.pyspark.connect(spark_session(config))
    threads = os.environ.get("LANTIAN_THREADS")
    con = ibis.duckdb.connect()
    con.raw_sql("SET enable_progress_bar = false")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def spark_conf(config: dict | None = None) -> dict[str, str]:
    """The Spark settings lantian starts with: its defaults, then the workspace's
    ``[engine.spark]`` table, then ``$LANTIAN_SPARK_CONF``."""
    conf = dict(SPARK_DEFAULTS, **{"spark.driver.memory": _driver_memory()})
    section = ((config or {}).get("engine") or {}).get("spark") or {}
    conf.update({str(k): str(v) for k, v in section.items() if k != "master"})
    for pair in filter(None, (os.environ.get("LANTIAN_SPARK_CONF") or "").split(";")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"LANTIAN_SPARK_CONF: expected key=value, got {pair!r}")
        conf[key.strip()] = value.strip()
    return conf


def spark_master(config: dict | None = None) -> str:
    section = ((config or {}).get("engine") or {}).get("spark") or {}
    threads = os.environ.get("LANTIAN_THREADS") or "*"
    return os.environ.get("LANTIAN_SPARK_MASTER") or section.get("master") or f"local[{threads}]"


def spark_session(config: dict | None = None):
    """The PySpark session (one per process, as Spark wants), started on first use."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("the Spark engine needs PySpark: it is in requirements.lock, run `make setup`") from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise UsageError("the Spark engine needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)")
    builder = SparkSession.builder.master(spark_master(config)).appName("lantian")
    conf = spark_conf(config)
    log = resources.files("lantian.measurements").joinpath("spark-log4j2.properties")
    conf.setdefault("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log}")
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def read_parquet(con, files: list[str], base: str):
    """Parquet part files in the store's Hive layout (``base``/source=…/year=…/month=…/), read by
    the engine itself — DuckDB's ``read_parquet`` or Spark's DataFrame reader, so that on a
    cluster the executors read the files — with the partition columns of the path."""
    if con.name == "pyspark":
        from pyspark.sql import SparkSession
        session = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        name = ibis.util.gen_name("store")
        session.read.option("basePath", base).parquet(*files).createOrReplaceTempView(name)
        return con.table(name)
    return con.read_parquet(files, hive_partitioning=True)
