"""Which engine runs the computations, and with what Spark settings: --engine, then
$LANTIAN_ENGINE, then the workspace's [engine] name, then DuckDB."""
import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.errors import UsageError
from lantian.measurements import engine as E
from lantian.workspace import init, open_workspace


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for var in ("LANTIAN_ENGINE", "LANTIAN_SPARK_CONF", "LANTIAN_SPARK_MASTER", "LANTIAN_THREADS"):
        monkeypatch.delenv(var, raising=False)
    E.choose(None)
    yield
    E.choose(None)


def test_the_choice_goes_option_then_environment_then_workspace(monkeypatch):
    spark_ws = {"engine": {"name": "spark"}}
    assert E.engine_name() == "duckdb"
    assert E.engine_name(config=spark_ws) == "spark"
    monkeypatch.setenv("LANTIAN_ENGINE", "duckdb")
    assert E.engine_name(config=spark_ws) == "duckdb"
    E.choose("Spark")
    assert E.engine_name(config={"engine": {"name": "duckdb"}}) == "spark"
    assert E.engine_name("duckdb") == "duckdb"


def test_an_unknown_engine_is_named_with_the_choices():
    with pytest.raises(UsageError, match=r"unknown engine 'presto'; choose one of: duckdb, spark"):
        E.engine_name("presto")


def test_a_new_workspace_says_duckdb_and_can_say_spark(tmp_path):
    init(tmp_path / "w")
    ws = open_workspace(tmp_path / "w")
    assert E.engine_name(config=ws.config) == "duckdb"
    ws.config_path.write_text(ws.config_path.read_text("utf-8").replace('name = "duckdb"', 'name = "spark"'), "utf-8")
    assert E.engine_name(config=open_workspace(tmp_path / "w").config) == "spark"


def test_spark_settings_layer_defaults_workspace_and_environment(monkeypatch):
    conf = E.spark_conf({"engine": {"spark": {"master": "spark://m:7077", "spark.executor.memory": "8g",
                                              "spark.sql.shuffle.partitions": 64}}})
    assert conf["spark.sql.session.timeZone"] == "UTC" and conf["spark.sql.ansi.enabled"] == "true"
    assert conf["spark.executor.memory"] == "8g" and conf["spark.sql.shuffle.partitions"] == "64"
    assert conf["spark.driver.maxResultSize"] == "0" and int(conf["spark.driver.memory"].rstrip("g")) >= 2
    assert "master" not in conf
    monkeypatch.setenv("LANTIAN_SPARK_CONF", "spark.driver.memory=12g; spark.sql.shuffle.partitions=4")
    conf = E.spark_conf({"engine": {"spark": {"spark.sql.shuffle.partitions": 64}}})
    assert conf["spark.driver.memory"] == "12g" and conf["spark.sql.shuffle.partitions"] == "4"
    monkeypatch.setenv("LANTIAN_SPARK_CONF", "spark.driver.memory")
    with pytest.raises(UsageError, match="expected key=value"):
        E.spark_conf()


def test_spark_master_is_local_unless_a_cluster_is_named(monkeypatch):
    assert E.spark_master() == "local[*]"
    monkeypatch.setenv("LANTIAN_THREADS", "2")
    assert E.spark_master() == "local[2]"
    assert E.spark_master({"engine": {"spark": {"master": "spark://m:7077"}}}) == "spark://m:7077"
    monkeypatch.setenv("LANTIAN_SPARK_MASTER", "yarn")
    assert E.spark_master({"engine": {"spark": {"master": "spark://m:7077"}}}) == "yarn"


def test_the_cli_refuses_an_unknown_engine_without_a_traceback(data_dir, tmp_path):
    feed = data_dir / "cnemc" / "2019-01" / "china_sites_20190101.csv.gz"
    res = CliRunner().invoke(app, ["--engine", "presto", "cnemc", "recompute", str(feed), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert "unknown engine 'presto'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
