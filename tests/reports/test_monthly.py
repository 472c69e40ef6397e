"""月度通报: the sections from the real January 2019 data (Changzhi, Shanxi's 11 cities), the full
bulletin with synthetic sections labelled, the .docx/PDF checked by text extraction and a page image."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import typer
from typer.testing import CliRunner

from databases import fresh_database
from lantian import db
from lantian.accounts.scope import Scope
from lantian.demo import _targets
from lantian.errors import UsageError
from lantian.measurements.importer import import_files
from lantian.reports import charts
from lantian.reports.monthly import monthly, monthly_docx, parse_month
from tests.web.conftest import build_workspace

ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"


def _synthetic_month(ws, tmp: Path) -> None:
    """Synthetic records of January 2019 for the sections the real data lacks (labelled 合成)."""
    from lantian.assessment import letters as letter_service
    from lantian.assessment.progress import progress
    from lantian.assessment.targets import targets
    from lantian.assessment.units import county_units
    from lantian.dustfall import service as dustfall
    from lantian.emergency import service as emergency
    from lantian.fires import service as fires
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.plan import service as plan
    url = ws.database_url
    scope = Scope.office(url, "test")
    csv = tmp / "synthetic_dustfall_2019-01.csv"
    csv.write_text("period,county,value\n2019-01,潞州区,9.8\n2019-01,屯留区,7.1\n2019-01,长子县,7.1\n", encoding="utf-8")
    day = dt.date(2019, 1, 31)
    units, names = county_units(url)
    with db.session(url) as s:
        rows = progress(Store(ws.measurements), units, names, day, targets(s, 2019, list(units)), connect("duckdb"))
        letter_service.issue_drafts(s, ws.root, letter_service.drafts(rows), day, actor="test", pdf=False)
        dustfall.import_file(s, csv, period=None, actor="test")
        fires.add_report(s, scope, time=dt.datetime(2019, 1, 12, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                         lat="36.20", lon="113.10", source="manual", reporter="test", synthetic=True)
        emergency.issue(s, ws.root, scope, [210, 230, 190], "648", start=dt.date(2019, 1, 10))
        task = plan.task_by_number(s, 6)
        plan.add_milestone(s, scope, task.id, "完成燃煤锅炉排查（合成示例）", due=dt.date(2019, 1, 15),
                           owner_kind="department", owner_code="gxj")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def bulletin(request, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp(f"monthly-{request.param}")
    with fresh_database(request.param, folder) as url:
        old = os.environ.get("LANTIAN_DATABASE_URL")
        os.environ["LANTIAN_DATABASE_URL"] = url
        try:
            ws = build_workspace(folder / "ws", data_dir)
            import_files(ws.measurements, "cnemc", sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz")))
            _targets(ws.database_url)
            _synthetic_month(ws, folder)
            data = monthly(ws, "2019-01")
            docx_path, pdf = monthly_docx(data, folder / "out", workspace=ws, pdf=request.param == "sqlite")
            yield ws, data, docx_path, pdf
        finally:
            if old is None:
                os.environ.pop("LANTIAN_DATABASE_URL", None)
            else:
                os.environ["LANTIAN_DATABASE_URL"] = old


def test_changzhi_january_2019_real_values(bulletin):
    _, data, _, _ = bulletin
    m = data["city"]["month"]
    # the same numbers as `lantian rank` and the assessment page (HJ 663, composite 2018 scheme)
    assert (m["pm25"], m["pm10"], m["o3_8h_p90"], m["composite_index"]) == (99.0, 151.0, 73.0, 8.35)
    assert (m["good_days"], m["aqi_days"], m["good_ratio"], m["heavy_days"]) == (11, 31, 35.5, 5)
    assert m["primary"] == {"PM2.5": 25, "PM10": 5, "NO2": 1}
    assert data["city"]["year_to_date"]["composite_index"] == 8.35       # January: the year so far
    assert m["change_rate"] is None                                      # no January 2018 in the store
    assert len(data["city"]["days"]) == 31 and data["city"]["days"][0] == {"date": "2019-01-01", "aqi": 108,
                                                                          "primary": "PM2.5"}
    assert data["city"]["synthetic_targets"] is True and data["city"]["targets"]["pm25_mean"]["value"] == 45


def test_shanxi_cities_ranked_like_the_published_referee(bulletin):
    _, data, _, _ = bulletin
    rows = data["cities"]["rows"]
    assert data["cities"]["ranked"] == 11 and len(rows) == 11
    assert [r["name"] for r in rows][:2] == ["大同市", "长治市"]
    # published/city_rankings_2019.csv: 临汾 the worst of the 168 key cities in January 2019
    assert rows[-1]["name"] == "临汾市" and rows[-1]["rank"] == 11 and rows[-1]["composite_index"] == 13.24
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


def test_every_section_present_and_synthetic_ones_flagged(bulletin):
    _, data, _, _ = bulletin
    assert data["sections"] == ["city", "cities", "counties", "schedule", "letters", "dustfall", "fires",
                                "alerts", "tasks"]
    counties = {r["name"]: r for r in data["counties"]["rows"]}
    assert counties["潞州区"]["rank"] == 1 and counties["屯留区"]["rank"] is None   # no 2019 data there
    assert {r["name"] for r in data["schedule"]["behind"]} >= {"潞州区"} and data["schedule"]["synthetic"]
    assert data["letters"]["rows"][0]["kind"] == "预警通知函"
    dust = {r["name"]: r for r in data["dustfall"]["counties"]}
    assert dust["屯留区"]["rank"] == dust["长子县"]["rank"] == 1 and dust["潞州区"]["rank"] == 3   # 并列
    assert data["dustfall"]["synthetic"]
    assert data["fires"]["total"] == 1 and data["fires"]["synthetic"] and data["fires"]["rows"][0]["name"] == "潞州区"
    alert = data["alerts"]["rows"][0]
    assert alert["start"] == "2019-01-10" and alert["listed"] >= 1 and alert["acknowledged"] == 0
    assert alert["compliance_percent"] == 0.0
    depts = {d["name"]: d["tasks"] for d in data["tasks"]["departments"]}
    assert any(t["number"] == 6 for ts in depts.values() for t in ts) and data["tasks"]["synthetic"]
    json.dumps(data, default=str)                                      # the API returns it as JSON


def test_month_must_be_yyyy_mm():
    with pytest.raises(UsageError, match="YYYY-MM"):
        parse_month("2019-13")


def test_docx_has_sections_tables_and_charts(bulletin):
    _, _, path, _ = bulletin
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "关于2019年1月全市环境空气质量情况的通报" in text
    for heading in ("全市环境空气质量", "全省11个设区市排名", "县（市、区）排名", "目标序时进度",
                    "降尘监测（合成演示数据）", "火点监测（合成演示数据）", "重污染天气应急", "重点任务逾期情况（合成演示数据）"):
        assert heading in text, heading
    assert len(d.inline_shapes) == 4                                   # bars, calendar, pollutant share, map
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "临汾市" in cells and "13.24" in cells and "1（并列）" in cells


def test_pdf_text_and_page_image(bulletin, tmp_path):
    _, _, _, pdf = bulletin
    if pdf is None:                      # the PostgreSQL run skips the (slow) conversion: nothing to check
        return
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for word in ("长治市", "大同市", "临汾市", "潞州区", "13.24", "8.35", "6.15", "合成演示数据"):
        assert word in text, word
    row = next(line for line in text.splitlines() if "临汾市" in line and "13.24" in line)
    assert "167" in row and "11" in row
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 5000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(page, ARTEFACTS / "monthly-bulletin-page1.png")


def test_chart_font_is_debian_noto_cjk():
    font = charts.cjk_font()
    assert "Noto Sans CJK" in font.get_name()
    assert charts.aqi_colour(None) == "#d9d9d9" and charts.aqi_colour(50) == "#00e400"
    assert charts.aqi_colour(201) == "#99004c"


def test_cli_monthly_json_month_without_data(bulletin, tmp_path):
    from lantian.reports.cli import app as report
    ws, _, _, _ = bulletin
    app = typer.Typer()
    app.add_typer(report, name="report")
    r = CliRunner().invoke(app, ["report", "monthly", "--month", "2018-06", "-o", str(tmp_path), "-w", str(ws.root),
                                 "--json"], env={"LANTIAN_DATABASE_URL": ws.database_url})
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["sections"] == [] and Path(got["docx"]).is_file()              # sections without data: None
    assert got["data"]["city"] is None and got["data"]["dustfall"] is None and got["data"]["tasks"] is None
    bad = CliRunner().invoke(app, ["report", "monthly", "--month", "2019-1x", "-w", str(ws.root)])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
