"""``lantian fires`` (mounted as a sub-app): the import summary as JSON, idempotent re-import, the messy
file, a refused file named, findings, county figures and dates, statistics."""
from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from lantian import db
from lantian.fires import cli as fires_cli
from lantian.measurements import stations
from lantian.workspace import init

runner = CliRunner()
app = typer.Typer()
app.add_typer(fires_cli.app, name="fires")
SUBSET = "MODIS_C6_1_NorthChina_subset_20220528-20220604.csv"
MESSY = "MODIS_C6_1_Global_24h_20220603-04_reformatted.csv"


def run(*args):
    return runner.invoke(app, ["fires", *[str(a) for a in args]])


@pytest.fixture()
def ws(tmp_path, data_dir):
    w = init(tmp_path / "ws")
    db.upgrade(w.database_url)
    stations.load_boundaries(w.database_url, data_dir / "boundaries" / "140400_full.json", changed_by="test")
    w.set_as_of(__import__("datetime").date(2023, 6, 30))
    return w


def test_import_json_summary_and_idempotence(ws, data_dir):
    f = data_dir / "firms" / SUBSET
    r = run("import", f, "--workspace", ws.root, "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.output)
    assert {k: first[k] for k in ("read", "inside_city", "merged_duplicates", "rejected", "new_cases")} == \
        {"read": 779, "inside_city": 4, "merged_duplicates": 0, "rejected": 0, "new_cases": 4}
    again = json.loads(run("import", f, "--workspace", ws.root, "--json").output)
    assert (again["new_cases"], again["already_imported"], again["new_detections"]) == (0, 4, 0)
    messy = run("import", data_dir / "firms" / MESSY, "-w", ws.root)
    assert messy.exit_code == 0 and "18041 read, 0 inside the city" in messy.output
    assert "dates read as m/d/yyyy" in messy.output
    listed = json.loads(run("list", "--json", "-w", ws.root).output)
    assert len(listed) == 4 and {c["status"] for c in listed} == {"escalated"}
    table = run("list", "--county", "上党区", "-w", ws.root)
    assert table.exit_code == 0 and "上党区" in table.output and "屯留区" not in table.output


def test_finding_figures_dates_and_stats(ws, data_dir):
    run("import", data_dir / "firms" / SUBSET, "-w", ws.root)
    case = next(c["id"] for c in json.loads(run("list", "--json", "-w", ws.root).output) if c["county"] == "140404")
    r = run("finding", case, "--kind", "秸秆焚烧", "--by", "王五", "--at", "2022-05-28 18:00", "--lat", "36.1062",
            "--lon", "113.0954", "-w", ws.root)
    assert r.exit_code == 0 and "秸秆焚烧" in r.output and "逾期" not in r.output
    bad = run("finding", case, "--kind", "meteor", "-w", ws.root)
    assert bad.exit_code == 2 and "finding 'meteor'" in bad.output and "Traceback" not in bad.output
    assert run("figures", "上党区", 2022, "--farmland-ha", "38000", "--straw-produced", "1000",
               "--straw-utilised", "880", "-w", ws.root).exit_code == 0
    assert run("calendar", "上党区", "sowing", "2022-05-25", "2022-06-05", "-w", ws.root).exit_code == 0
    stats = json.loads(run("stats", "--year", 2022, "--season", "夏收", "--json", "-w", ws.root).output)
    shangdang = next(c for c in stats["counties"] if c["county"] == "140404")
    assert shangdang["fires"] == 1 and shangdang["per_1000_ha"] == 0.03 and shangdang["slots"]["播种前"] == 1
    assert shangdang["utilisation"]["rate_percent"] == 88.0 and shangdang["utilisation"]["met"] is False
    assert stats["total"]["status"] == {"pending": 0, "escalated": 3, "verified": 1}
    text = run("stats", "--year", 2022, "-w", ws.root)
    assert text.exit_code == 0 and "收工时" in text.output and "全市" in text.output


def test_a_refused_file_is_named(ws, tmp_path):
    f = tmp_path / "one-date.csv"
    f.write_text("latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,"
                 "bright_t31,frp,daynight\n36.1,113.1,320,1,1,6/3/2022,538,A,60,6.1NRT,300,9,D\n", encoding="utf-8")
    r = run("import", f, "--json", "-w", ws.root)
    assert r.exit_code == 2 and "line 2, column acq_date" in r.output and "cannot be told apart" in r.output
    assert json.loads(run("list", "--json", "-w", ws.root).output) == []
