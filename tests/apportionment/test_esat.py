"""PMF through EPA's ESAT in its own environment (.venv-esat) on the Baltimore PM2.5 example: the same
seed and settings give the same Q and profiles; the bootstrap maps every factor; names are suggested
from the markers and confirmed; runs are stored with inputs, settings and ESAT version (SQLite and
PostgreSQL); DISP on St. Louis; the CLI's JSON. Iterations are reduced to keep the suite fast."""
from __future__ import annotations

import json

import docx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from databases import fresh_database
from lantian import db
from lantian.accounts.scope import Scope
from lantian.apportionment import engine, prepare, reader, service
from lantian.audit import AuditEntry
from lantian.cli import app
from lantian.errors import UsageError
from lantian.workspace import init

FAST = dict(method="ls-nmf", max_iter=2000, converge_delta=0.1, converge_n=100, bootstrap=3)


@pytest.fixture(scope="module")
def baltimore(data_dir):
    pmf = data_dir / "pmf"
    return pmf / "Dataset-Baltimore_con.txt", pmf / "Dataset-Baltimore_unc.txt"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stored(request, tmp_path_factory, baltimore):
    """A Baltimore run (K = 6, two base runs, seed 7) stored in a fresh workspace."""
    folder = tmp_path_factory.mktemp(f"pmf-{request.param}")
    with fresh_database(request.param, folder) as url:
        ws = init(folder / "ws")                     # the run names its database itself: no variable set
        db.upgrade(url)
        settings = service.settings_of(6, 2, 7, **FAST)
        with db.session(url) as s:
            r = service.run(s, Scope.office(url, "test"), *baltimore, settings, root=ws.root, config=ws.config)
        yield ws, url, r


def test_the_same_seed_and_settings_give_the_same_q_and_profiles(baltimore, tmp_path):
    data = reader.read_pair(*baltimore)
    p = prepare.prepare(data)
    payload = {"V": p.V, "U": p.U, "species": p.species, **service.settings_of(4, 2, 11, max_iter=800, bootstrap=2),
               "disp": {"run": False}}
    python = engine.esat_python()
    first = engine.run(payload, tmp_path / "a", python)
    again = engine.run(payload, tmp_path / "b", python)
    other = engine.run({**payload, "seed": 12}, tmp_path / "c", python)
    assert first["q_robust"] == again["q_robust"] and first["q_true"] == again["q_true"]
    assert first["H"] == again["H"] and first["W"] == again["W"] and first["runs"] == again["runs"]
    assert first["bootstrap"] == again["bootstrap"]
    assert other["runs"][0]["seed"] != first["runs"][0]["seed"] and other["q_robust"] != first["q_robust"]
    best = min(first["runs"], key=lambda r: r["q_robust"])                  # the best run is chosen by Q(robust)
    assert first["q_robust"] == best["q_robust"] and first["best"] == best["model"]


def test_a_stored_run_keeps_inputs_settings_and_esat_version(stored, baltimore):
    ws, url, r = stored
    assert r["esat_version"] == "2025.0.1" and r["factors"] == 6 and len(r["runs"]) == 2
    assert r["q_robust"] == round(min(x["q_robust"] for x in r["runs"]), 4)
    assert r["q_expected"] == 630 * len([c for c in r["input"]["checks"] if c["category"] == "strong"]) \
        - 6 * (630 + len(r["species"]))
    assert r["q_ratio"] == round(r["q_true"] / r["q_expected"], 4)
    folder = ws.root / r["record"]["folder"]
    for key, path in (("concentration", baltimore[0]), ("uncertainty", baltimore[1])):
        kept = folder / path.name
        assert kept.read_bytes() == path.read_bytes()
        assert r["files"][key]["sha256"] == service._sha256(path)
    assert (folder / "in.json").is_file() and (folder / "out.json").is_file()
    assert r["settings"]["seed"] == 7 and r["settings"]["max_iter"] == 2000 and r["settings"]["bootstrap"]["runs"] == 3
    assert len(r["profiles"]) == 6 and all(len(p["concentration"]) == len(r["species"]) for p in r["profiles"])
    values = r["contributions"]["values"]
    assert len(values) == 630 and len(values[0]) == 6 and r["contributions"]["basis"] == "PM2.5"
    assert abs(sum(r["contributions"]["percent"]) - 100) < 0.05
    assert [x["key"] for x in r["by_season"]] == ["春季", "夏季", "秋季", "冬季"]
    assert sum(x["samples"] for x in r["by_weekday"]) == 630
    bad = {c["name"] for c in r["input"]["checks"] if c["category"] == "bad"}
    assert "Arsenic" in bad and "Arsenic" not in r["species"] and any("剔除物种" in n for n in r["input"]["notes"])


def test_the_bootstrap_maps_every_factor(stored):
    _, _, r = stored
    bs = r["bootstrap"]
    assert bs["runs"] == 3 and bs["block_size"] >= 1 and len(bs["factors"]) == 6
    for k, f in enumerate(bs["factors"]):
        assert f["factor"] == k + 1 and 0 <= f["mapped_runs"] <= 3
        assert f["mapped_percent"] == round(100 * f["mapped_runs"] / 3, 1)
        assert f["reproducible"] == (f["mapped_runs"] / 3 >= 0.8)
        if f["mapped_runs"]:
            assert len(f["p50"]) == len(r["species"]) and all(lo <= hi for lo, hi in zip(f["p5"], f["p95"]))
    for row, unmapped in zip(bs["mapping"], bs["unmapped"]):                  # each boot factor, each run: once
        assert sum(row) + unmapped == 3


def test_names_are_suggested_and_the_analyst_confirms_or_renames(stored):
    ws, url, r = stored
    names = {n["suggested"]: n for n in r["names"] if n["suggested"]}
    assert {"二次硫酸盐", "二次硝酸盐"} <= set(names)
    assert names["二次硫酸盐"]["markers"][0]["species"] == "Sulfate" and names["二次硫酸盐"]["score"] >= 0.4
    assert not any(n["confirmed"] for n in r["names"])
    office = Scope.office(url, "daqiban")
    with db.session(url) as s:
        service.name_factor(s, office, r["record"]["id"], names["二次硫酸盐"]["factor"])
        service.name_factor(s, office, r["record"]["id"], names["二次硝酸盐"]["factor"], "硝酸盐（含机动车NOx转化）")
        with pytest.raises(UsageError):
            service.name_factor(s, office, r["record"]["id"], 7, "x")
        after = service.detail(s, office, r["record"]["id"])["names"]
        entries = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.entity == "pmf_run",
                                                                                     AuditEntry.action == "name"))
    confirmed = {n["name"] for n in after if n["confirmed"]}
    assert confirmed == {"二次硫酸盐", "硝酸盐（含机动车NOx转化）"} and entries == 2


def test_the_word_report(stored, tmp_path):
    ws, url, r = stored
    with db.session(url) as s:
        out = service.report(s, Scope.office(url), r["record"]["id"], tmp_path / "源解析.docx", root=ws.root)
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "来源解析报告" in text and "Q(robust)" in text and "ESAT 2025.0.1" in text
    assert "尚无排放清单" in text                                            # no inventory in this workspace


def test_only_the_city_office_runs_and_counties_see_nothing(stored, baltimore):
    from lantian.accounts import service as accounts
    from lantian.errors import Forbidden, NotFound
    ws, url, r = stored
    county = Scope(accounts.Principal(5, "lz", "county", county_code="140403"), url, "140403")
    viewer = Scope(accounts.Principal(6, "v", "viewer"), url, None)
    with db.session(url) as s:
        with pytest.raises(NotFound):
            service.detail(s, county, r["record"]["id"])
        with pytest.raises(NotFound):
            service.runs(s, county)
        assert service.runs(s, viewer)[0]["id"] == r["record"]["id"]
        with pytest.raises(Forbidden):
            service.run(s, viewer, *baltimore, service.settings_of(3, 1, 1), root=ws.root)
        with pytest.raises(Forbidden):
            service.name_factor(s, viewer, r["record"]["id"], 1, "x")


def test_displacement_on_st_louis(data_dir, tmp_path):
    pmf = data_dir / "pmf"
    ws = init(tmp_path / "ws")
    url = ws.database_url
    db.upgrade(url)
    settings = service.settings_of(3, 1, 5, max_iter=400, bootstrap=0, disp=True, disp_species=["SO4"])
    with db.session(url) as s:
        r = service.run(s, Scope.office(url), pmf / "Dataset-StLouis-con.csv", pmf / "Dataset-StLouis-unc.csv", settings,
                        root=ws.root)
    d = r["displacement"]
    assert d["dq"] == [4, 8, 16, 32] and len(d["factors"]) == 3 and r["bootstrap"] is None
    j = r["species"].index("SO4")
    for f, profile in zip(d["factors"], r["profiles"]):
        share = profile["percent_of_species"][j] / 100
        assert set(f["swap_percent"]) == {"4", "8", "16", "32"}
        assert f["min"][j] <= share + 1e-6 and share - 1e-6 <= f["max"][j]
        assert f["min"][0 if j else 1] is None                                 # DISP ran on SO4 only


def test_refusals_before_esat(baltimore, tmp_path, monkeypatch):
    ws = init(tmp_path / "ws")
    url = ws.database_url
    db.upgrade(url)
    office = Scope.office(url)
    with db.session(url) as s:
        with pytest.raises(UsageError, match="--factors 19"):
            service.run(s, office, *baltimore, service.settings_of(19, 1, 1), root=ws.root)
        with pytest.raises(UsageError, match="--disp-species 'Gold'|Gold"):
            service.run(s, office, *baltimore, service.settings_of(3, 1, 1, disp=True, disp_species=["Gold"]), root=ws.root)
    with pytest.raises(UsageError, match="--runs 0"):
        service.settings_of(3, 0, 1)
    monkeypatch.setenv("LANTIAN_ESAT_PYTHON", str(tmp_path / "none" / "python"))
    with pytest.raises(UsageError, match="make setup"):
        engine.esat_python()


def test_the_cli_prints_the_json(data_dir, tmp_path):
    pmf = data_dir / "pmf"
    result = CliRunner().invoke(app, ["pmf", "run", str(pmf / "Dataset-StLouis-con.csv"), str(pmf / "Dataset-StLouis-unc.csv"),
                                      "--factors", "3", "--runs", "1", "--seed", "3", "--max-iter", "300", "--bootstrap", "0",
                                      "--json", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    r = json.loads(result.output)
    assert {"q_robust", "q_true", "q_expected", "profiles", "contributions", "names", "bootstrap"} <= set(r)
    assert r["input"]["total"] == "Mass" and r["contributions"]["basis"] == "Mass"
    bad = CliRunner().invoke(app, ["pmf", "run", str(pmf / "Dataset-StLouis-con.csv"), str(pmf / "Dataset-Baltimore_unc.txt"),
                                   "--factors", "3", "-w", str(tmp_path / "ws")])
    assert bad.exit_code == 2 and "Dataset-Baltimore_unc.txt" in bad.output and "species differ" in bad.output
