"""`lantian rank`, `lantian progress`, `lantian warn` on a real workspace with synthetic 2019 targets."""
from __future__ import annotations

import csv
import io
import json

import docx
import pytest
from typer.testing import CliRunner

from lantian import db
from lantian.assessment import letters as letter_service
from lantian.assessment.models import Letter
from lantian.cli import app
from lantian.assessment.demo import demo_targets
from lantian.errors import UsageError
from tests.web.conftest import build_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("assess") / "ws"
    w = build_workspace(root, data_dir)
    from lantian.measurements.importer import import_files
    import_files(w.measurements, "cnemc", sorted((data_dir / "cnemc" / "2019-01").glob("*.csv.gz")))
    demo_targets(w.database_url)
    return w


def test_rank_shanxi_cities_csv(ws, data_dir):
    r = runner.invoke(app, ["rank", "--period", "2019-01", "--level", "city", "--province", "山西省", "--format",
                            "csv", "-w", str(ws.root), "--data", str(data_dir)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 11
    for col in ("unit", "rank", "composite_index", "pm25", "pm10", "so2", "no2", "co_p95", "o3_8h_p90",
                "good_day_ratio"):
        assert col in rows[0]
    assert rows[0]["unit"] == "大同市" and rows[0]["rank"] == "1" and rows[-1]["unit"] == "临汾市"
    changzhi = next(x for x in rows if x["unit"] == "长治市")
    assert changzhi["composite_index"] == "8.35" and changzhi["pm25"] == "99.0"
    composites = [float(x["composite_index"]) for x in rows]
    assert composites == sorted(composites)


def test_rank_needs_a_real_period(ws):
    r = runner.invoke(app, ["rank", "--period", "2019-13", "-w", str(ws.root)])
    assert r.exit_code == 2 and "not a period" in r.output


def test_progress_and_remaining_allowance(ws):
    r = runner.invoke(app, ["progress", "--date", "2019-06-30", "-w", str(ws.root), "--json"])
    assert r.exit_code == 0, r.output
    rows = {d["unit"]: d for d in json.loads(r.output)}
    lz = rows["140403"]
    assert lz["pm25"] == 55.9 and lz["pm25_target"] == 45.0 and lz["synthetic_targets"] is True
    # R = (45×365 − 55.9×181)/184 = 34.28 → 34.3
    assert lz["remaining_allowance"] == 34.3 and lz["remaining_days"] == 184
    assert lz["status"] == "behind" and "pm25_above_target" in lz["reasons"]
    assert rows["140404"]["status"] is None and rows["140404"]["notes"] == ["本期无有效监测数据"]


def test_warn_dry_run_records_nothing_then_drafts_letters(ws):
    dry = runner.invoke(app, ["warn", "--date", "2019-06-30", "--dry-run", "-w", str(ws.root)])
    assert dry.exit_code == 0 and "潞州区" in dry.output and "dry run, nothing recorded" in dry.output
    assert "长治市" not in dry.output                      # letters go to counties, not to the city
    with db.session(ws.database_url) as s:
        assert letter_service.letters(s) == []
    real = runner.invoke(app, ["warn", "--date", "2019-06-30", "-w", str(ws.root)])
    assert real.exit_code == 0, real.output
    with db.session(ws.database_url) as s:
        rows = letter_service.letters(s)
        assert [(r.unit_code, r.kind, r.status) for r in rows] == [("140403", "warning", "draft")]
        path = ws.root / rows[0].document
        letter_id = rows[0].id
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "潞州区人民政府" in text and "55.9微克/立方米" in text and "34.3微克/立方米" in text
    again = runner.invoke(app, ["warn", "--date", "2019-06-30", "-w", str(ws.root)])
    with db.session(ws.database_url) as s:
        assert len(letter_service.letters(s)) == 1        # one letter per unit and assessment date
    with db.session(ws.database_url) as s:
        letter_service.advance(s, letter_id, "issued", actor="test")
        with pytest.raises(UsageError):
            letter_service.advance(s, letter_id, "rectified", actor="test")
        letter_service.advance(s, letter_id, "received", actor="test")
        assert s.get(Letter, letter_id).received_at is not None


def test_targets_sand_dust_and_letter_lifecycle(ws, tmp_path):
    root = str(ws.root)
    assert runner.invoke(app, ["target", "set", "140400", "2020", "pm25_mean", "40", "-w", root]).exit_code == 0
    r = runner.invoke(app, ["target", "set", "140403", "2020", "pm25_mean", "42", "--from-city", "-w", root])
    assert r.exit_code == 0 and "from the city" in r.output
    bad = runner.invoke(app, ["target", "set", "140403", "2020", "pm25_mean", "forty", "-w", root])
    assert bad.exit_code == 2 and "not a number" in bad.output
    listed = json.loads(runner.invoke(app, ["target", "list", "2020", "-w", root, "--json"]).output)
    assert {"unit": "140403", "indicator": "pm25_mean", "value": "42", "synthetic": False, "set_by": "cli",
            "from_city": True} in listed
    before = json.loads(runner.invoke(app, ["progress", "--date", "2019-03-31", "-w", root, "--json"]).output)
    pm_before = {d["unit"]: d["pm25"] for d in before}["140403"]
    assert runner.invoke(app, ["sand-dust", "mark", "2019-01-07", "--basis", "test", "-w", root]).exit_code == 0
    after = json.loads(runner.invoke(app, ["progress", "--date", "2019-03-31", "-w", root, "--json"]).output)
    lz = {d["unit"]: d for d in after}["140403"]
    assert lz["pm25"] != pm_before                                  # deducted from the PM2.5 mean …
    assert lz["good_days"] == {d["unit"]: d for d in before}["140403"]["good_days"]   # … kept in good days
    assert runner.invoke(app, ["sand-dust", "unmark", "2019-01-07", "-w", root]).exit_code == 0
    runner.invoke(app, ["warn", "--date", "2019-06-30", "-w", root])
    with db.session(ws.database_url) as s:
        letter_id = letter_service.letters(s)[0].id
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(b"%PDF-1.4 rectification")
    with db.session(ws.database_url) as s:
        status = s.get(Letter, letter_id).status
    for step in ("issued", "received")[("draft", "issued", "received").index(status):]:
        r = runner.invoke(app, ["letter", "advance", str(letter_id), step, "-w", root])
        assert r.exit_code == 0, r.output
    no_report = runner.invoke(app, ["letter", "advance", str(letter_id), "rectified", "-w", root])
    assert no_report.exit_code == 2 and "--report" in no_report.output
    done = runner.invoke(app, ["letter", "advance", str(letter_id), "rectified", "--report", str(report), "-w", root])
    assert done.exit_code == 0 and "rectified" in done.output
    from lantian import attachments
    with db.session(ws.database_url) as s:
        files = attachments.of(s, "letter", str(letter_id))
        assert [f.filename for f in files] == ["整改报告.pdf"]


def test_configured_rule_interview_proposal_and_pdf(ws):
    """A stricter rule in lantian.toml makes 潞州区 seriously behind: the warning letter and the
    约谈建议 are written, each with its PDF copy; a bad setting is named, not a stack trace."""
    root = str(ws.root)
    original = ws.config_path.read_text(encoding="utf-8")
    try:
        ws.config_path.write_text(original + '\n[assessment.progress]\nseriously_if_any = ["pm25_far_above_target"]\n'
                                  'far_above_percent = 10\nname = "测试规则"\n', encoding="utf-8")
        shown = runner.invoke(app, ["progress", "--date", "2019-05-31", "-w", root])
        assert shown.exit_code == 0 and "（测试规则）" in shown.output
        r = runner.invoke(app, ["warn", "--date", "2019-05-31", "-w", root])
        assert r.exit_code == 0, r.output
        assert "约谈建议: 潞州区 (140403) — seriously_behind" in r.output
        with db.session(ws.database_url) as s:
            made = {x.kind: x for x in letter_service.letters(s) if str(x.assessed_on) == "2019-05-31"}
        assert set(made) == {"warning", "interview"}
        proposal = ws.root / made["interview"].document
        assert proposal.name == "2019-05-31-约谈建议.docx"
        document = docx.Document(str(proposal))
        text = "\n".join(p.text for p in document.paragraphs)
        assert "关于约谈空气质量改善严重滞后" in text and "潞州区环境空气质量改善严重滞后于序时进度" in text
        assert "PM2.5累计浓度超出年度目标10%以上" in text and "妥否，请批示。" in text
        # the basis is the stored plan's own 约谈 sentence (plan_measures), not text in the code
        assert ("根据《长治市空气质量再提升2022－2023年行动计划》“五、保障措施（五）强化考核督察”：对重点任务进展严重滞后"
                in text and "组织开展约谈政府主要负责人" in text)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert "潞州区" in cells and "45.0" in cells         # the county's row: its target
        for letter in made.values():
            pdf = (ws.root / letter.document).with_suffix(".pdf")
            assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
        ws.config_path.write_text(original + '\n[assessment.progress]\nbehind_if_any = ["pm10"]\n', encoding="utf-8")
        bad = runner.invoke(app, ["progress", "--date", "2019-05-31", "-w", root])
        assert bad.exit_code == 2 and "unknown behind condition 'pm10'" in bad.output
        assert "Traceback" not in bad.output
    finally:
        ws.config_path.write_text(original, encoding="utf-8")


def test_warn_line_names_only_the_targets_a_county_has():
    """A county behind on good days only (no PM2.5 target): 「(no PM2.5 target)」 and its good-day
    figures — never「vs target None, allowance None」."""
    from lantian.assessment.cli import _letter_figures
    line = _letter_figures({"pm25": 86.0, "pm25_target": None, "remaining_allowance": None,
                            "good_ratio": 0.0, "good_ratio_target": 75.0})
    assert "None" not in line and "no PM2.5 target" in line and "good days 0.0% vs target 75.0%" in line
    line = _letter_figures({"pm25": 83.0, "pm25_target": 10.0, "remaining_allowance": 9.0,
                            "good_ratio": None, "good_ratio_target": None})
    assert line == "PM2.5 83.0 vs target 10.0, allowance 9.0"
