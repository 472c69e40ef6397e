"""Every document says what its data covers, and one date everywhere — on SQLite and PostgreSQL.

The workspace of issue 19 part 3: Changzhi's national stations, its 2019 data up to 25 June only, the
plan with a sub-task of 潞州区, and the demo's 2019 targets (synthetic). Proofs: a document for a
period without data or with incomplete data says so (数据不完整) or is refused under --strict; `warn
--date D` and the bulletin of D's month agree on who is behind and who is proposed for 约谈 — both
judge the plan's sub-tasks on D, never on the wall clock (the workspace's as-of date is left unset,
so it is today).
"""
from __future__ import annotations

import datetime as dt

import docx
import pytest
from typer.testing import CliRunner

from databases import KINDS, fresh_database, database_url
from lantian import db
from lantian.assessment.coverage import coverage, required
from lantian.cli import app
from lantian.assessment.demo import demo_targets
from lantian.plan.demo import demo_plan
from lantian.measurements.importer import import_files
from tests.web.conftest import registry_workspace

runner = CliRunner()
RULE = """
[assessment.progress]
behind_if_any = ["pm25_above_target", "tasks_late"]
seriously_if_any = ["tasks_seriously_late"]
name = "测试规则"
"""


@pytest.fixture(scope="module")
def half_year(tmp_path_factory, data_dir):
    """Changzhi's 2019 hours up to 25 June (the rest of the year is not in yet)."""
    src = data_dir / "cnemc" / "changzhi" / "changzhi_sites_2019_hourly.csv"
    path = tmp_path_factory.mktemp("half") / "changzhi_2019_to_0625.csv"
    with open(src, encoding="utf-8") as fh, open(path, "w", encoding="utf-8") as out:
        for i, line in enumerate(fh):
            if i and line[:8] > "20190625":
                break
            out.write(line)
    return path


@pytest.fixture(scope="module", params=KINDS)
def ws(request, tmp_path_factory, data_dir, half_year):
    folder = tmp_path_factory.mktemp(f"coverage-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            w = registry_workspace(folder / "ws", data_dir)
            demo_plan(w.database_url, data_dir)
            demo_targets(w.database_url)
            import_files(w.measurements, "cnemc", [half_year])
            w.config_path.write_text(w.config_path.read_text(encoding="utf-8") + RULE, encoding="utf-8")
            assert "as_of" not in w.config.get("workspace", {})            # the wall clock, as in the issue
            yield w


def cli(ws, *args):
    return runner.invoke(app, [*args, "-w", str(ws.root)], env={"LANTIAN_DATABASE_URL": ws.database_url})


# --------------------------------------------------------------------------- the rule itself
def test_month_minimums_whole_and_running_months():
    assert required(2019, 7, 31, 31) == 27 and required(2019, 2, 28, 28) == 25
    assert required(2019, 7, 3, 31) == 0                      # 3 days in: it may still reach 27
    assert required(2019, 7, 10, 31) == 6                     # 10 days in, 4 may be missed
    import pyarrow as pa
    days = [dt.date(2019, 7, 1) + dt.timedelta(days=i) for i in range(31)]
    full = {c: [1] * 31 for c in ("PM2_5", "PM10", "SO2", "NO2", "CO", "O3_8h_max", "AQI")}
    t = pa.table({"unit": ["u"] * 31, "date": days, **full})
    c = coverage(t, ["u"], dt.date(2019, 7, 1), dt.date(2019, 7, 31))["u"]
    assert (c.complete, c.valid_days, c.last_day, c.text()) == \
        (True, 31, dt.date(2019, 7, 31), "数据截至2019年7月31日；7月1日—7月31日共31天，有效31天")
    gaps = {**full, "CO": [None] * 5 + [1] * 26}
    c = coverage(pa.table({"unit": ["u"] * 31, "date": days, **gaps}), ["u"], days[0], days[-1])["u"]
    assert not c.complete and c.valid_days == 26
    assert c.problem() == "2019年7月有效26天（应不少于27天），数据截至2019年7月31日"
    assert c.short == [{"year": 2019, "month": 7, "pollutant": "CO", "valid": 26, "needed": 27}]


# --------------------------------------------------------------------------- documents
def test_warn_after_the_data_ends_says_the_data_is_incomplete(ws):
    """Data ends 25 June; a letter of 31 July says so at its top — and --strict refuses it."""
    r = cli(ws, "warn", "--date", "2019-07-31", "--no-pdf")
    assert r.exit_code == 0, r.output
    assert "数据截至2019年6月25日；1月1日—7月31日共212天，有效173天" in r.output
    assert ("数据不完整：潞州区2019年6月有效24天（应不少于27天），2019年7月有效0天（应不少于27天），"
            "数据截至2019年6月25日") in r.output
    with db.session(ws.database_url) as s:
        from lantian.assessment.letters import letters
        (letter,) = [x for x in letters(s) if str(x.assessed_on) == "2019-07-31" and x.kind == "warning"]
        path = ws.root / letter.document
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    top = next(i for i, p in enumerate(paragraphs) if p.startswith("数据不完整："))
    body = next(i for i, p in enumerate(paragraphs) if p.startswith("根据《长治市环境空气质量改善目标考核办法》"))
    assert top < body                                               # at the top of the text
    text = "\n".join(paragraphs)
    assert "1—7月你区PM2.5累计浓度为" in text and "你县" not in text
    assert "评价点位：1727A 清华站（国控）" in text and "1729A" not in text
    strict = cli(ws, "warn", "--date", "2019-07-31", "--strict", "--dry-run")
    assert strict.exit_code == 2 and "--strict: letters of 2019-07-31 not produced" in strict.output
    assert "2019年7月有效0天（应不少于27天）" in strict.output


def test_a_bulletin_short_of_data_says_so_at_the_top_and_marks_the_figures(ws, tmp_path):
    from lantian.bulletins.monthly import monthly, monthly_docx
    data = monthly(ws, "2019-06")
    path, _ = monthly_docx(data, tmp_path / "out", workspace=ws, pdf=False)      # the command's own two steps
    note = data["incomplete"]
    assert note.startswith("数据不完整：长治市（6月、1—6月累计）2019年6月有效24天（应不少于27天）")
    assert "潞州区（6月、1—6月累计）" in note and note.count("长治市") == 1
    d = docx.Document(str(path))
    paragraphs = [p.text for p in d.paragraphs if p.text.strip()]
    assert next(i for i, p in enumerate(paragraphs) if p.startswith("数据不完整：")) < \
        next(i for i, p in enumerate(paragraphs) if p.startswith("现将2019年6月"))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "潞州区※" in cells and any(c.endswith("※") and c[:-1].replace(".", "").isdigit() for c in cells)
    assert any("1727A 清华站（国控）" in c for c in cells)                           # 附表: the stations used
    strict = cli(ws, "report", "monthly", "--month", "2019-06", "-o", str(tmp_path / "strict"), "--strict")
    assert strict.exit_code == 2 and "--strict: the bulletin of 2019-06 is not produced" in strict.output
    assert not (tmp_path / "strict").exists()


def test_a_month_without_data_has_no_bulletin(ws, tmp_path):
    r = cli(ws, "report", "monthly", "--month", "2019-09", "-o", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "2019年9月无全市环境空气质量监测数据（全市监测数据截至2019年6月25日），不生成月度通报" in r.output
    assert not (tmp_path / "out").exists()


def test_progress_and_ranking_state_coverage_and_strict_refuses(ws):
    r = cli(ws, "progress", "--date", "2019-07-31", "--json")
    rows = {d["unit"]: d for d in __import__("json").loads(r.output)}
    lz = rows["140403"]
    assert (lz["last_day"], lz["days"], lz["valid_days"], lz["complete"]) == ("2019-06-25", 212, 173, False)
    assert lz["stations_text"].startswith("1727A 清华站（国控）")
    refused = cli(ws, "progress", "--date", "2019-07-31", "--strict")
    assert refused.exit_code == 2 and "数据不完整：" in refused.output
    may = cli(ws, "rank", "--period", "2019-05", "--strict")                     # 31 of 31 days: complete
    assert may.exit_code == 0 and "潞州区 (140403)" in may.output and "31/31" in may.output
    assert "上党区 (140404) ※" not in may.output                                  # no data: no figure, no mark
    june = cli(ws, "rank", "--period", "2019-06", "--strict")
    assert june.exit_code == 2 and "2019年6月有效24天（应不少于27天）" in june.output


# --------------------------------------------------------------------------- one date everywhere
def _bulletin(ws, month):
    """The bulletin's 目标序时进度 section, as :func:`lantian.bulletins.monthly.monthly` makes it."""
    from lantian.measurements.engine import connect
    from lantian.measurements.store import Store
    from lantian.bulletins import monthly as M
    m = M._month(ws, M.parse_month(month), Store(ws.measurements), connect(None, ws.config), ws.database_url)
    sch = M._schedule(m)
    return {r["unit"]: r["status"] for r in sch["behind"] if r["unit"] != "140400"}, sch["interview"]  # counties


def _warned(ws, day):
    r = cli(ws, "warn", "--date", day, "--dry-run")
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith(("预警通知函", "约谈建议"))]
    behind = {ln.split("(")[1].split(")")[0]: ln.split("— ")[1].split(";")[0] for ln in lines
              if ln.startswith("预警通知函")}
    interview = [ln.split(": ")[1].split(" (")[0] for ln in lines if ln.startswith("约谈建议")]
    return behind, interview


def test_warn_and_the_bulletin_agree_on_the_same_day(ws):
    """A 潞州区 sub-task due on 30 June is not late on 30 June (the wall clock would make it years late):
    both say 滞后, neither proposes 约谈; a sub-task due on 1 May is 60 days late on 30 June: both
    propose 潞州区 for 约谈."""
    r = cli(ws, "plan", "milestone", "13", "潞州区完成工地视频联网（测试）", "--due", "2019-06-30",
            "--owner", "county:140403")
    assert r.exit_code == 0, r.output
    assert _warned(ws, "2019-06-30") == ({"140403": "behind"}, [])
    assert _bulletin(ws, "2019-06") == ({"140403": "behind"}, [])
    r = cli(ws, "plan", "milestone", "13", "潞州区完成道路扬尘整治（测试）", "--due", "2019-05-01",
            "--owner", "county:140403")
    assert r.exit_code == 0, r.output
    assert _warned(ws, "2019-06-30") == ({"140403": "seriously_behind"}, ["潞州区"])
    assert _bulletin(ws, "2019-06") == ({"140403": "seriously_behind"}, ["潞州区"])
