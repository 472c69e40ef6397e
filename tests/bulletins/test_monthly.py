"""月度通报 of the demo month (January 2019): the real sections (Changzhi, Shanxi's 11 cities, the
counties), the demo hook's labelled records for the others (dust fall, fire points, the warning, the
letters, overdue tasks), every section in the .docx and the PDF (checked by text extraction) with the
synthetic ones labelled; the shared computation gives the pages' numbers."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from databases import fresh_database, database_url
from lantian import db
from lantian.accounts.scope import Scope
from lantian.assessment.demo import demo_targets
from lantian.errors import UsageError
from lantian.measurements.importer import import_files
from lantian.documents import charts
from lantian.bulletins.demo import LABEL, demo_bulletin
from lantian.bulletins.monthly import SECTION_TITLES, monthly, monthly_docx, parse_month
from tests.web.conftest import build_workspace

ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"
SYNTHETIC = "（合成演示数据）"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def bulletin(request, tmp_path_factory, data_dir):
    """The demo's January 2019: the web workspace (which has the demo month's records), the national
    January and the demo's 2019 targets — then the demo hook again, which now drafts and sends the
    letters. On SQLite the documents come from `lantian report monthly`; on PostgreSQL from the service
    (without the slow PDF)."""
    folder = tmp_path_factory.mktemp(f"monthly-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            ws = build_workspace(folder / "ws", data_dir)
            import_files(ws.measurements, "cnemc", sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz")))
            demo_targets(ws.database_url)
            demo_bulletin(ws)
            if request.param == "sqlite":
                got = _cli(ws, ["--month", "2019-01", "-o", str(folder / "out"), "--json"])
                data, docx_path, pdf = got["data"], Path(got["docx"]), got["pdf"] and Path(got["pdf"])
            else:
                data = monthly(ws, "2019-01")
                docx_path, pdf = monthly_docx(data, folder / "out", workspace=ws, pdf=False)
            yield ws, data, docx_path, pdf


def _cli(ws, args: list[str]):
    from lantian.bulletins.cli import app as report
    app = typer.Typer()
    app.add_typer(report, name="report")
    r = CliRunner().invoke(app, ["report", "monthly", "-w", str(ws.root), *args],
                           env={"LANTIAN_DATABASE_URL": ws.database_url})
    if "--json" not in args:
        return r
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


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
    assert data["sections"] == list(SECTION_TITLES)
    counties = {r["name"]: r for r in data["counties"]["rows"]}
    assert counties["潞州区"]["rank"] == 1 and counties["屯留区"]["rank"] is None   # no 2019 data there
    assert {r["name"] for r in data["schedule"]["behind"]} >= {"潞州区"} and data["schedule"]["synthetic"]
    [letter] = data["letters"]["rows"]
    assert (letter["name"], letter["kind"], letter["status"]) == ("潞州区", "预警通知函", "已印发") and letter["synthetic"]
    dust = {r["name"]: r for r in data["dustfall"]["counties"]}
    assert len(dust) == 12 and dust["屯留区"]["rank"] == dust["长子县"]["rank"] == 4   # 并列
    assert dust["沁源县"]["rank"] == 1 and dust["潞州区"]["rank"] == 12 and data["dustfall"]["above"] == []
    assert data["dustfall"]["synthetic"]
    fires = data["fires"]
    assert (fires["total"], fires["real"]) == (4, 0) and fires["synthetic"]
    assert {r["name"]: r["verified"] for r in fires["rows"]} == {"潞州区": 0, "屯留区": 1, "长子县": 1, "上党区": 0}
    [alert] = data["alerts"]["rows"]
    assert (alert["start"], alert["end"], alert["level_name"]) == ("2019-01-05", "2019-01-08", "橙色预警（Ⅱ级）")
    assert (alert["listed"], alert["acknowledged"], alert["compliance_percent"], alert["county_acks"]) == (10, 7, 70.0, 5)
    assert alert["state"] == "lifted" and data["alerts"]["synthetic"]
    depts = {d["name"]: [t["number"] for t in d["tasks"]] for d in data["tasks"]["departments"]}
    assert depts == {"市城市管理局": [13], "市交通运输局": [13]} and data["tasks"]["synthetic"]
    assert [t["overdue"] for d in data["tasks"]["departments"] for t in d["tasks"]] == [2, 2]
    json.dumps(data, default=str)                                      # the API returns it as JSON


def test_the_demo_records_carry_their_label_and_the_hook_changes_nothing_twice(bulletin):
    from lantian.assessment.models import Letter
    from lantian.dustfall.models import DustfallValue
    from lantian.emergency.models import Alert, AlertEnterprise, CountyAck
    from lantian.fires.models import Case
    from lantian.plan.models import Milestone
    ws, _, _, _ = bulletin

    def counts(s):
        return [s.scalar(sa.select(sa.func.count()).select_from(m)) for m in
                (DustfallValue, Case, Alert, AlertEnterprise, CountyAck, Letter, Milestone)]

    with db.session(ws.database_url) as s:
        before = counts(s)
        assert {v.source for v in s.scalars(sa.select(DustfallValue).where(DustfallValue.period == "2019-01"))} \
            == {f"{LABEL}_2019-01_县区降尘（合成）.csv"}
        january = list(s.scalars(sa.select(Case).where(Case.first_seen < db.to_utc(dt.date(2019, 2, 1)))))
        assert len(january) == 4 and all(c.synthetic for c in january)
        assert [a.issued_by for a in s.scalars(sa.select(Alert).where(Alert.start < db.to_utc(dt.date(2020, 1, 1))))] == [LABEL]
        assert {x.created_by for x in s.scalars(sa.select(Letter))} == {LABEL}
        titles = [m.title for m in s.scalars(sa.select(Milestone).where(Milestone.due < dt.date(2019, 2, 1)))]
        assert len(titles) == 2 and all(x.startswith(f"【{LABEL}】") for x in titles)
    again = demo_bulletin(ws)
    assert (again.dustfall, again.fires, len(again.letters), again.milestones) == (12, 4, 1, 2)
    with db.session(ws.database_url) as s:
        assert counts(s) == before


def test_synthetic_is_read_from_the_records_not_the_month(bulletin):
    """Real months are not labelled: October 2021's published dust fall, May 2022's satellite fire
    points; the demo's June 2023 warning is (its enterprises are the synthetic ledger's)."""
    from lantian.bulletins import monthly as M
    ws, _, _, _ = bulletin
    office = Scope.office(ws.database_url, "test")
    with db.session(ws.database_url) as s:
        assert M._dustfall(s, parse_month("2021-10"), ws.config)["synthetic"] is False
        assert M._dustfall(s, parse_month("2019-01"), ws.config)["synthetic"] is True
        may = M._fires(s, office, parse_month("2022-05"), ws.config)
        assert may["real"] == may["total"] == 4 and may["synthetic"] is False
        assert M._alerts(s, office, parse_month("2023-06"))["synthetic"] is True


def test_the_demo_month_is_synthetic_by_its_records_flag(bulletin):
    """synthetic is a field the demo sets through the office's own services: every record of the demo
    month carries it, the real ones do not — and no text decides it (a real record titled 示例 is real)."""
    from lantian.assessment import letters
    from lantian.dustfall import service as dustfall
    from lantian.emergency import service as emergency
    from lantian.plan import service as plan
    ws, _, _, _ = bulletin
    office = Scope.office(ws.database_url, "test")
    with db.session(ws.database_url) as s:
        assert all(r["synthetic"] for r in dustfall.bulletin(s, "2019-01")["counties"])
        assert not any(r["synthetic"] for r in dustfall.bulletin(s, "2021-10")["counties"])
        [alert] = [a for a in emergency.alerts(s, office) if a["start"] == "2019-01-05"]
        assert alert["synthetic"] and alert["issued_by"] == LABEL
        assert [x.synthetic for x in letters.letters(s)] == [True]
        task = plan.task_by_number(s, 13)
        plan.add_milestone(s, office, task.id, "示例：办公室自己的节点", due=dt.date(2019, 1, 15))
        ours = plan.milestones_of(s, [task.id], due_by=dt.date(2019, 1, 31), state="open")
        assert {m["title"]: m["synthetic"] for m in ours} == {
            f"【{LABEL}】完成城区建筑工地冬季扬尘专项检查": True, f"【{LABEL}】完成渣土运输车辆密闭化核查": True,
            "示例：办公室自己的节点": False}
        s.rollback()


def test_the_trend_section_is_the_analysis_rooms(bulletin):
    """变化趋势: the analysis room's Theil–Sen trend of the city's monthly means and its comparison with
    the same month a year before, each labelled with what it covers; January 2019 (the store's first
    month, no 2018) has none, December 2019 a twelve-month trend and no year before."""
    from types import SimpleNamespace

    from lantian.analysis import service as analysis
    from lantian.assessment.networks import official_stations
    from lantian.bulletins import monthly as M
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    ws, data, _, _ = bulletin
    assert data["trend"] is None and "trend" not in data["sections"]
    store, con, url = Store(ws.measurements), connect(None, ws.config), ws.database_url
    members = official_stations(url, ws.config)
    m = SimpleNamespace(ws=ws, p=parse_month("2019-12"), end=dt.date(2019, 12, 31), store=store, con=con, url=url,
                        scope=Scope.office(url, "test"), members=members)
    t = M._trend(m)
    rows = {r["label"]: r for r in t["rows"]}
    assert list(rows) == ["AQI", "PM2.5", "O3-8h"] and t["target"] == "长治市"
    pm = rows["PM2.5"]
    assert (pm["trend"]["from"], pm["trend"]["to"], pm["trend"]["n_months"]) == ("2019-01", "2019-12", 12)
    assert pm["same_month"] is None
    assert "2019-01至2019-12共12个月，12个月有月均值" in pm["coverage"] and "2018年12月无足够监测数据" in pm["coverage"]
    target = analysis.resolve(m.scope, url, ws.config, unit=members.city)
    alone = analysis.trend_of(store, con, target, "PM2_5", dt.date(2015, 1, 1), m.end, n_boot=M.TREND_BOOT)
    assert (pm["trend"]["slope_per_year"], pm["trend"]["p"]) == (alone["slope_per_year"], alone["p"])
    assert pm["trend"]["direction"] in ("上升", "下降", "无显著趋势")
    blocks = []
    M._trend_blocks(blocks, {"trend": t, "month_number": 12})
    assert blocks[0].text == "变化趋势" and "Theil–Sen" in blocks[1].note


def test_one_computation_gives_the_pages_numbers(bulletin):
    """The bulletin computes the daily values once and gives the plan its 序时进度: the county ranking,
    the schedule and the plan's tasks are still what the assessment and plan services compute alone."""
    from lantian.assessment import service
    from lantian.assessment.progress import progress_rule
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.plan import indicators
    from lantian.plan.service import tasks
    from lantian.plan.settings import plan_settings
    from lantian.bulletins import monthly as M
    ws, data, _, _ = bulletin
    con, store, p = connect(None, ws.config), Store(ws.measurements), parse_month("2019-01")
    office = Scope.office(ws.database_url, "test")
    alone = service.ranking(office, store, con, p, yoy=True)
    assert [(r["unit"], r["rank"], r["composite_index"], r["pm25"]) for r in alone] == \
        [(r["unit"], r["rank"], r["composite_index"], r["pm25"]) for r in data["counties"]["rows"]]
    rows = service.unit_progress(office, store, con, dt.date(2019, 1, 31), progress_rule(ws.config))
    assert [r["unit"] for r in rows if r["status"] in M.BEHIND] == [r["unit"] for r in data["schedule"]["behind"]]
    m = M._month(ws, p, store, con, ws.database_url)
    M._schedule(m)
    assert set(m.ctx.memo) == {("progress", dt.date(2019, 1, 31))}                  # the plan reads it
    ctx = indicators.Context(ws.database_url, store, con, dt.date(2019, 1, 31), ws.config)
    with db.session(ws.database_url) as s:
        shared = tasks(s, office, m.ctx, plan_settings(ws.config))[1]
        own = tasks(s, office, ctx, plan_settings(ws.config))[1]
    assert [(r["number"], r["status"], r["measured_by"]) for r in shared] == \
        [(r["number"], r["status"], r["measured_by"]) for r in own]


def test_month_must_be_yyyy_mm():
    with pytest.raises(UsageError, match="YYYY-MM"):
        parse_month("2019-13")


def test_docx_has_every_section_tables_and_charts(bulletin):
    _, _, path, _ = bulletin
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "关于2019年1月全市环境空气质量\n情况的通报" in text
    for key, title in SECTION_TITLES.items():
        if key == "letters":                                           # a table under 目标序时进度
            continue
        synthetic = key in ("schedule", "dustfall", "fires", "alerts", "tasks")
        assert title + (SYNTHETIC if synthetic else "") in text, title
        if not synthetic:
            assert title + SYNTHETIC not in text, title
    assert len(d.inline_shapes) == 4                                   # bars, calendar, pollutant share, map
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "临汾市" in cells and "13.24" in cells and "4（并列）" in cells and "长气防办函〔2019〕1号" in cells
    assert "橙色预警（Ⅱ级）" in cells and "70.0" in cells


def test_pdf_has_every_section_and_the_labels(bulletin, tmp_path):
    _, _, _, pdf = bulletin
    if pdf is None:                      # the PostgreSQL run skips the (slow) conversion: nothing to check
        return
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for word in ("长治市", "大同市", "临汾市", "潞州区", "13.24", "8.35", "6.15", "沁源县", "橙色预警"):
        assert word in text, word
    for key, title in SECTION_TITLES.items():
        if key != "letters":
            assert title in flat, title
    for title in ("目标序时进度", "降尘监测", "火点监测", "重污染天气应急", "重点任务逾期情况"):
        assert title + SYNTHETIC in flat, title
    for title in ("全市环境空气质量", "全省11个设区市排名", "县（市、区）排名"):
        assert title + SYNTHETIC not in flat, title
    row = next(line for line in text.splitlines() if "临汾市" in line and "13.24" in line)
    assert "167" in row and "11" in row
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = next(tmp_path.glob("page*.png"))
    assert 5000 < page.stat().st_size < 150_000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(page, ARTEFACTS / "monthly-bulletin-page1.png")


def test_chart_font_is_debian_noto_cjk():
    font = charts.cjk_font()
    assert "Noto Sans CJK" in font.get_name()
    assert charts.aqi_colour(None) == "#d9d9d9" and charts.aqi_colour(50) == "#00e400"
    assert charts.aqi_colour(201) == "#99004c"


def test_cli_monthly_month_without_data_makes_no_bulletin(bulletin, tmp_path):
    """A month without the city's data: no bulletin, and the command says why (exit code 2)."""
    ws, _, _, _ = bulletin
    none = _cli(ws, ["--month", "2018-06", "-o", str(tmp_path / "out")])
    assert none.exit_code == 2 and "2018年6月无全市环境空气质量监测数据" in none.output
    assert "不生成月度通报" in none.output and "2019年1月至2019年12月" in none.output
    assert not (tmp_path / "out").exists()                                    # nothing written
    after = _cli(ws, ["--month", "2020-02", "-o", str(tmp_path / "out")])
    assert after.exit_code == 2 and "全市监测数据截至2019年12月31日" in after.output
    bad = _cli(ws, ["--month", "2019-1x"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
