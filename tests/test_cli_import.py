"""`lantian init`, `lantian import …`, `lantian stations …`, `lantian store info` from the command line."""
import json

from typer.testing import CliRunner

from lantian.cli import app

runner = CliRunner()


def stations_of(data_dir, ws):
    result = runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"),
                                 "-w", ws])
    assert result.exit_code == 0, result.output


def test_init_import_and_info(tmp_path, data_dir):
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    stations_of(data_dir, ws)
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
    refused = runner.invoke(app, ["import", "uci", f, "-w", ws])
    assert refused.exit_code == 2 and "'uci:Aotizhongxin' is not in the station registry" in refused.output
    assert runner.invoke(app, ["stations", "add", "BJ01", "Aotizhongxin", "--network", "national", "-w", ws]).exit_code == 0   # by its name
    result = runner.invoke(app, ["import", "uci", f, "-w", ws, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "CO converted from µg/m³ to mg/m³ (÷1000): 33,288 values" in data["notes"]
    assert data["stations"] == 1 and not data["unknown_stations"]


def test_vendor_export_strict_and_lenient(tmp_path):
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["stations", "add", "V001", "A站", "--network", "county", "-w", ws]).exit_code == 0
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


def test_values_of_stations_the_registry_does_not_know(tmp_path, data_dir):
    """A vendor file keyed by station name: registered names are stored under their codes; a name no
    station bears, or several bear, refuses the file naming file, line and key — with --lenient
    its values are left out and counted as unknown, each key listed."""
    ws = str(tmp_path / "ws")
    stations_of(data_dir, ws)
    vendor = tmp_path / "vendor.csv"
    vendor.write_text("站点,时间,PM2.5,NO2\n清华站,2019-01-01 01:00,35,20\n清华站,2019-01-01 02:00,36,\n"
                      "某某站,2019-01-01 01:00,40,30\n监测站,2019-01-01 01:00,41,31\n", encoding="utf-8")
    refused = runner.invoke(app, ["import", "wide", str(vendor), "-w", ws])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "vendor.csv, line 4, column 站点" in refused.output and "'某某站' is not in the station registry" in refused.output
    assert not (tmp_path / "ws" / "measurements" / "manifest.json").exists()
    result = runner.invoke(app, ["import", "wide", str(vendor), "-w", ws, "--lenient", "--json"])
    data = json.loads(result.output)
    assert data["rejected"] == {"unknown station": 1, "ambiguous station": 1}
    assert data["unknown_stations"] == {"某某站": 2, "监测站": 2} and data["stored"] == 3
    assert "stations given by name, stored under their codes: 清华站 → 1727A" in data["notes"]
    shown = runner.invoke(app, ["import", "wide", str(vendor), "-w", ws, "--lenient"])
    assert "rejected: unknown station" in shown.output and "某某站 (2), 监测站 (2)" in shown.output
    listed = json.loads(runner.invoke(app, ["store", "info", "-w", ws, "--json"]).output)
    assert listed["values"] == 3


def test_cnemc_files_against_the_registry(tmp_path, data_dir):
    """July 2019 repeats 3207A (read once, said); 1777A and 1946A are not in the national list but hold
    no value (said, nothing lost); a station with values the registry lacks refuses the file."""
    ws = str(tmp_path / "ws")
    stations_of(data_dir, ws)
    july = data_dir / "cnemc" / "2019-07" / "china_sites_20190701.csv.gz"
    result = runner.invoke(app, ["import", "cnemc", str(july), "-w", ws])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "repeated column, identical values: station 3207A (fields 1634 and 1635), read once" in text
    assert "china_sites_20190701.csv.gz" in text and "without a value (nothing left out): 1777A, 1946A" in text
    data = json.loads(runner.invoke(app, ["import", "cnemc", str(july), "-w", ws, "--json"]).output)
    assert data["repeated_columns"] == [{"file": july.name, "station": "3207A", "fields": [1634, 1635],
                                         "values": "identical", "note": "repeated column, identical values"}]
    assert data["unchanged"] == data["stored"] and data["stations"] == 1475   # with a value: 3207A once, not 1777A/1946A
    assert runner.invoke(app, ["stations", "stop", "1001A", "--when", "2015-01-01", "--reason", "test",
                               "-w", ws]).exit_code == 0
    again = json.loads(runner.invoke(app, ["import", "cnemc", str(july), "-w", ws, "--json"]).output)
    assert again["unknown_stations"] == {} and again["stations"] == 1475       # a stopped station is registered
    other = tmp_path / "ws2"
    assert runner.invoke(app, ["stations", "add", "1001A", "万寿西宫", "--network", "national", "-w", str(other)]).exit_code == 0
    refused = runner.invoke(app, ["import", "cnemc", str(july), "-w", str(other)])
    assert refused.exit_code == 2 and "line 3, column 1002A" in refused.output
    assert "'1002A' is not in the station registry" in refused.output
    lenient = json.loads(runner.invoke(app, ["import", "cnemc", str(july), "-w", str(other), "--lenient",
                                            "--json"]).output)
    assert lenient["stations"] == 1 and lenient["rejected"]["unknown station"] > 200_000
    assert len(lenient["unknown_stations"]) == 1474 and lenient["unknown_stations"]["3207A"] > 0


def test_the_summary_counts_values_not_rows_of_a_wide_file(tmp_path, data_dir):
    """Two rows of four pollutants are eight values: the summary says values, not「rows read 8」."""
    ws = str(tmp_path / "ws")
    stations_of(data_dir, ws)
    f = tmp_path / "hourly.csv"
    f.write_text("站点,时间,PM2.5,PM10,NO2,O3\n1727A,2025-01-01 01:00,62.5,95,35,40\n"
                 "1727A,2025-01-01 02:00,60,90,30,42\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "wide", str(f), "-w", ws], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "rows read" not in r.output
    assert any("values read" in line and line.rstrip("│ ").endswith("8") for line in r.output.splitlines()), r.output
