"""降尘: the gravimetric value, the bulletin against Changzhi's published October 2021 table, the
threshold opening a task-14 campaign for the county (measured red), and bad files named."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from lantian.cli import app
from lantian.plan.demo import demo_plan
from lantian.standards.dustfall import gravimetric, published, ranks
from tests.web.conftest import registry_workspace

runner = CliRunner()
TABLE = "changzhi_dustfall_2021-10.csv"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_gravimetric_and_ranks():
    # 0.1230 g over 490.9 cm² (φ25 cm) in 30 days → 0.1230/490.9/30 × 30 × 10⁴ = 2.5056… t/(km²·30 d)
    assert gravimetric("2.5342", "2.4100", "0.0012", "490.9", 30) == Fraction("0.1230") / Fraction("490.9") * 10_000
    assert published(gravimetric("2.5342", "2.4100", "0.0012", "490.9", 30)) == Fraction("2.5")
    assert gravimetric(2, 1, 0, 100, 15) == 2 * gravimetric(2, 1, 0, 100, 30)          # the 30-day month
    assert ranks(["1.0", "1.2", "1.2", "1.3", "1.25"]) == [1, 2, 2, 5, 2]               # 1.25 → 1.2 (half even)
    with pytest.raises(ValueError, match="negative dust mass"):
        gravimetric(1, 2, 0, 100, 30)


@pytest.fixture()
def ws(tmp_path, data_dir):
    w = registry_workspace(tmp_path / "ws", data_dir)
    demo_plan(w.database_url, data_dir)
    return w


def test_bulletin_equals_the_published_table(ws, data_dir):
    r = run("dustfall", "import", data_dir / "dustfall" / TABLE, "--period", "2021-10", "-w", ws.root)
    assert r.exit_code == 0 and "12 rows" in r.output and "专项整治" not in r.output
    b = json.loads(run("dustfall", "bulletin", "--period", "2021-10", "--json", "-w", ws.root).output)
    published_rows = [line.split(",") for line in (data_dir / "dustfall" / TABLE).read_text(encoding="utf-8")
                      .splitlines()[1:] if line.startswith("county")]
    want = {row[4]: (int(row[1]), float(row[7]), float(row[8])) for row in published_rows}
    got = {c["county"]: (c["rank"], c["value"], c["yoy_percent"]) for c in b["counties"]}
    assert got == want
    assert b["city"] == {"max": 2.1, "min": 1.0, "mean": 1.4} and b["above"] == []
    status = {t["number"]: t for t in json.loads(run("plan", "status", "--json", "-w", ws.root).output)}
    assert status[14]["status"] == "on_track" and status[14]["measured_by"][0]["ok"] is True


def test_a_county_above_the_threshold_gets_a_campaign(ws, tmp_path):
    f = tmp_path / "2023-03.csv"
    f.write_text("period,county,value,yoy_percent\n2023-03,潞州区,7.4,12.1\n2023-03,屯留区,7.0,\n"
                 "2023-03,140404,3.2,\n", encoding="utf-8")
    r = run("dustfall", "import", f, "-w", ws.root)
    assert r.exit_code == 0 and "专项整治 opened for 潞州区" in r.output        # 7.0 is not above 7.0
    again = run("dustfall", "import", f, "-w", ws.root)
    assert "专项整治" not in again.output                                      # opened once
    b = json.loads(run("dustfall", "bulletin", "--period", "2023-03", "--json", "-w", ws.root).output)
    assert b["above"] == ["潞州区"] and [c["rank"] for c in b["counties"]] == [1, 2, 3]
    status = {t["number"]: t for t in json.loads(run("plan", "status", "--json", "-w", ws.root).output)}
    assert status[14]["status"] == "off_target"
    assert any(m["params"].get("unit") == "140403" and m["ok"] is False for m in status[14]["measured_by"])


def test_raw_gravimetric_data_gives_point_and_county_values(ws, tmp_path):
    f = tmp_path / "raw.csv"
    f.write_text("period,point,county,w1_g,w0_g,wc_g,area_cm2,days\n"
                 "2023-04,LZ-01,潞州区,2.5342,2.4100,0.0012,490.9,30\n"
                 "2023-04,LZ-02,潞州区,2.4900,2.4100,0.0010,490.9,30\n", encoding="utf-8")
    assert run("dustfall", "import", f, "-w", ws.root).exit_code == 0
    b = json.loads(run("dustfall", "bulletin", "--period", "2023-04", "--json", "-w", ws.root).output)
    mean = (gravimetric("2.5342", "2.4100", "0.0012", "490.9", 30) + gravimetric("2.4900", "2.4100", "0.0010",
                                                                                  "490.9", 30)) / 2
    assert b["counties"][0]["value"] == float(published(mean)) and "2个点位均值" in b["counties"][0]["source"]


@pytest.mark.parametrize("text, message", [
    ("period,county,value\n2023-13,潞州区,3\n", "line 2, column period"),
    ("period,county,value\n2023-03,月球区,3\n", "unknown county '月球区'"),
    ("period,county,value\n2023-03,潞州区,很多\n", "line 2, column value"),
    ("month,place,dust\n2023-03,潞州区,3\n", "unknown layout"),
    ("period,point,county,w1_g,w0_g,wc_g,area_cm2,days\n2023-03,P1,潞州区,1,2,0,490,30\n", "negative dust mass"),
])
def test_bad_files_are_named_and_nothing_is_stored(ws, tmp_path, text, message):
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    r = run("dustfall", "import", f, "-w", ws.root)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    assert run("dustfall", "bulletin", "--period", "2023-03", "-w", ws.root).exit_code == 2
