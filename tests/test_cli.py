import json

from typer.testing import CliRunner

from lantian.cli import app

runner = CliRunner()


def test_help_names_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("demo", "cnemc", "aqi", "--engine"):
        assert word in result.output
    sub = runner.invoke(app, ["cnemc", "--help"])
    assert "recompute" in sub.output and "diff" in sub.output


def test_aqi_calc_daily_and_json():
    result = runner.invoke(app, ["aqi", "calc", "PM2.5_24h=76", "PM10_24h=151", "SO2_24h=8", "NO2_24h=33",
                                 "CO_24h=0.9", "O3_1h_max=250", "O3_8h_max=169", "--ruleset", "2012"])
    assert result.exit_code == 0 and "AQI 125" in result.output and "轻度污染" in result.output
    result = runner.invoke(app, ["aqi", "calc", "PM2_5_24h=76", "O3_8h_max=169", "--json"])
    data = json.loads(result.output)
    assert data["aqi"] == 115 and data["published"] is True and data["ruleset"] == "HJ633-2026"


def test_aqi_calc_bad_value():
    result = runner.invoke(app, ["aqi", "calc", "PM2_5_24h=abc"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(app, ["aqi", "calc", "PM2_5_24h"])
    assert result.exit_code == 2 and "ITEM=VALUE" in result.output


def test_unknown_engine_is_a_clear_error(tmp_path, data_dir):
    src = data_dir / "cnemc" / "2019-01" / "china_sites_20190101.csv.gz"
    result = runner.invoke(app, ["--engine", "oracle", "cnemc", "recompute", str(src), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "unknown engine" in result.output


def test_demo_without_data_says_how(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANTIAN_DATA", raising=False)
    result = runner.invoke(app, ["demo", "init", str(tmp_path / "ws"), "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "--data DIR" in result.output and "Traceback" not in result.output


def test_demo_init_builds_the_workspace_and_reruns_unchanged(tmp_path, data_dir):
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["demo", "init", str(ws), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "1727A" in result.output and "2019-01" in result.output and "100.000" in result.output
    assert "6,492,512 hourly values" in result.output and "as-of date 2023-06-30" in result.output
    for username in ("admin", "daqiban", "gongxin", "luzhou", "qiye", "jiancha", "guancha"):
        assert username in result.output
    assert (ws / "demo" / "cnemc" / "changzhi_sites_2019_hourly.csv").is_file()
    assert (ws / "lantian.sqlite3").is_file() and (ws / "measurements" / "manifest.json").is_file()
    manifest = (ws / "measurements" / "manifest.json").read_text()
    again = runner.invoke(app, ["demo", "init", str(ws), "--data", str(data_dir)])
    assert again.exit_code == 0 and (ws / "measurements" / "manifest.json").read_text() == manifest
    users = runner.invoke(app, ["user", "list", "-w", str(ws), "--json"])
    assert len(json.loads(users.output)) == 8
    assert "Plan: 长政办发〔2023〕14号, 26 tasks" in result.output
    status = json.loads(runner.invoke(app, ["plan", "status", "--json", "-w", str(ws)]).output)
    # bound on import, every rule, register check and data source citing a task: the ledger rules, the register
    # rules and checks (tasks 2–23), the 制度 deliverables, the 错峰 calendar and the ozone responses, dust fall, fires, the gates (tasks 11, 23); and the demo's 2 sub-tasks (task 22) and
    # fire cases (task 15)
    assert len(status) == 26 and sum(len(r["measured_by"]) for r in status) == 77
    for r in status:                                    # binding twice would count a rule twice
        keys = [(m["indicator"], json.dumps(m["params"], sort_keys=True), m.get("county")) for m in r["measured_by"]]
        assert len(keys) == len(set(keys)), (r["number"], keys)
    by = {r["number"]: r for r in status}
    assert sorted(n for n, r in by.items() if r["measured_by"]) == [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]
    assert by[6]["status"] == "off_target"              # a 20 t/h coal boiler still runs (ledger rule, task 6)
    assert by[14]["status"] == "on_track"               # October 2021 dust fall: every county ≤ 7
    violations = json.loads(runner.invoke(app, ["ledger", "check", "--date", "2023-07-01", "--json", "-w",
                                                str(ws)]).output)
    # 10 ledger rules broken; the yearly activated-carbon round is the carbon register's check now (task 18)
    assert len(violations) == 10 and {"enterprise", "facility", "rule", "clause"} <= set(violations[0])


def test_user_and_token_commands(tmp_path, data_dir):
    ws = str(tmp_path / "ws")
    runner.invoke(app, ["import", "stations", str(data_dir / "cnemc" / "stations" / "NewSiteList_utf8.csv"),
                        "--boundaries", str(data_dir / "boundaries" / "140400_full.json"), "-w", ws])
    r = runner.invoke(app, ["user", "add", "lz", "--role", "county", "--county", "140403", "--password",
                            "secret-pw-1", "-w", ws])
    assert r.exit_code == 0, r.output
    bad = runner.invoke(app, ["user", "add", "x", "--role", "county", "--county", "999999", "--password",
                              "secret-pw-1", "-w", ws])
    assert bad.exit_code == 2 and "999999" in bad.output
    short = runner.invoke(app, ["user", "add", "y", "--role", "viewer", "--password", "short", "-w", ws])
    assert short.exit_code == 2 and "8 characters" in short.output
    token = runner.invoke(app, ["token", "create", "lz", "--name", "gate-1", "-w", ws])
    assert token.exit_code == 0 and token.output.strip().startswith("lt_")
    assert runner.invoke(app, ["user", "disable", "lz", "-w", ws]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["user", "list", "-w", ws, "--json"]).output)
    assert listed == [{"username": "lz", "role": "county", "county": "140403", "department": None,
                       "enterprise": None, "active": False, "name": None}]


def test_diff_command_json(tmp_path, data_dir):
    src = data_dir / "cnemc" / "changzhi"
    out = tmp_path / "cz"
    assert runner.invoke(app, ["cnemc", "recompute", str(src / "changzhi_sites_2019_hourly.csv"),
                               "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["cnemc", "diff", str(src), str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["types"]["AQI/complete"]["exact_share"] == 1.0
