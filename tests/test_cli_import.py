"""`lantian init`, `lantian import …`, `lantian stations …`, `lantian store info` from the command line."""
import json

from typer.testing import CliRunner

from lantian.cli import app

runner = CliRunner()


def test_init_import_and_info(tmp_path, data_dir):
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    files = sorted(str(p) for p in (data_dir / "cnemc" / "2019-01").glob("*.csv.gz"))[:2]
    result = runner.invoke(app, ["import", "cnemc", *files, "-w", ws, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["new"] == summary["stored"] > 300_000 and summary["first"] == "2019-01-01 00:00"
    again = json.loads(runner.invoke(app, ["import", "cnemc", *files, "-w", ws, "--json"]).output)
    assert again["new"] == 0 and again["unchanged"] == summary["stored"] and again["committed"] is False
    info = json.loads(runner.invoke(app, ["store", "info", "-w", ws, "--json"]).output)
    assert info["values"] == summary["stored"] and info["partitions"] == ["cnemc/2019/01"]


def test_uci_import_converts_co(tmp_path, data_dir):
    ws = str(tmp_path / "ws")
    f = str(data_dir / "uci_beijing" / "PRSA_Data_Aotizhongxin_20130301-20170228.csv")
    result = runner.invoke(app, ["import", "uci", f, "-w", ws])
    assert result.exit_code == 0, result.output
    assert "CO converted from µg/m³ to mg/m³" in result.output


def test_vendor_export_strict_and_lenient(tmp_path):
    ws = str(tmp_path / "ws")
    vendor = tmp_path / "vendor.csv"
    vendor.write_text("站点,时间,污染物,浓度,单位\nA站,2019-01-01 01:00,PM2.5,35,ug/m3\n"
                      "A站,2019-01-01 02:00,PM2.5,abc,ug/m3\n", encoding="utf-8")
    maps = ["--map", "station=站点", "--map", "time=时间", "--map", "pollutant=污染物", "--map", "value=浓度",
            "--map", "unit=单位"]
    strict = runner.invoke(app, ["import", "long", str(vendor), "-w", ws, *maps])
    assert strict.exit_code == 2 and "line 3" in strict.output and "浓度" in strict.output
    assert "Traceback" not in strict.output
    assert not (tmp_path / "ws" / "measurements" / "manifest.json").exists()
    lenient = runner.invoke(app, ["import", "long", str(vendor), "-w", ws, *maps, "--lenient", "--json"])
    data = json.loads(lenient.output)
    assert data["rejected"] == {"value": 1} and data["new"] == 1


def test_stations_commands(tmp_path, data_dir):
    ws = str(tmp_path / "ws")
    result = runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"),
                                 "--boundaries", str(data_dir / "boundaries" / "140400_full.json"), "-w", ws])
    assert result.exit_code == 0, result.output
    assert "2026 rows" in result.output
    listed = json.loads(runner.invoke(app, ["stations", "list", "--county", "潞州区", "-w", ws, "--json"]).output)
    assert sorted(r["code"] for r in listed) == ["1727A", "1728A", "1729A", "1730A", "1731A", "2845A"]
    assert runner.invoke(app, ["stations", "assign", "2845A", "140400-gaoxin", "-w", ws]).exit_code == 0
    gaoxin = json.loads(runner.invoke(app, ["stations", "list", "--county", "高新区", "-w", ws, "--json"]).output)
    assert [r["code"] for r in gaoxin] == ["2845A"]
    bad = runner.invoke(app, ["stations", "stop", "9999X", "--when", "2020-01-01", "--reason", "x", "-w", ws])
    assert bad.exit_code == 2 and "9999X" in bad.output
