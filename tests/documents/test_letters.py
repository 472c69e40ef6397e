"""The 预警通知函 states the numbers it is given and the arithmetic behind them."""
from __future__ import annotations

import dataclasses
import datetime as dt

from docx import Document

from lantian.documents import render_docx
from lantian.documents.content import Heading, Paragraph, Table
from lantian.documents.letters import warning_letter


def body_text(doc) -> str:
    parts = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            parts.append(b.text)
        elif isinstance(b, Heading):
            parts.append(b.text + b.body)
    return "\n".join(parts)


def test_arithmetic(letter_context):
    c = letter_context
    assert (c.days_in_year, c.days_elapsed, c.days_remaining) == (365, 181, 184)
    assert str(round(float(c.allowance_exact), 4)) == "26.0978"  # (32×365−38×181)/184 = 4802/184
    assert str(c.good_ratio) == "65.2" and c.good_days_needed == 263 and c.period == "1—6月"


def test_letter_states_the_numbers(letter_context):
    doc = warning_letter(letter_context)
    text = body_text(doc)
    assert doc.recipients == "潞州区人民政府"
    assert "1—6月你区PM2.5累计浓度为38微克/立方米，高于年度目标（32微克/立方米）6微克/立方米，超出18.8%" in text
    assert "剩余184天日均浓度须控制在26.1微克/立方米以内" in text
    assert "（32×365－38×181）÷184≈26.1" in text
    assert "较1—6月累计浓度下降31.3%" in text
    assert "优良天数为118天，优良天数比例为65.2%，低于年度目标（72.0%）6.8个百分点" in text
    assert "全年须有263天达到优良" in text and "剩余184天中须至少有145天达到优良，优良天数比例须达到78.8%以上" in text
    assert "在全市14个县（区）中列第13位" in text
    assert "请你区于2023年7月20日前将整改报告" in text
    assert [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 1] == \
        ["目标完成情况", "整改要求", "报送要求"]
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert table.rows[1] == ["1月", "62", "41.9"]
    assert doc.red_head and doc.doc_number == "长气防办函〔2023〕12号" and doc.date == dt.date(2023, 7, 5)


def test_numbers_reach_the_docx(tmp_path, letter_context):
    out = Document(str(render_docx("letter", warning_letter(letter_context), tmp_path / "w.docx")))
    text = "\n".join(p.text for p in out.paragraphs)
    for piece in ("潞州区人民政府：", "38微克/立方米", "26.1微克/立方米", "剩余184天", "2023年7月20日前"):
        assert piece in text


def test_targets_out_of_reach_and_met(letter_context):
    hopeless = dataclasses.replace(letter_context, pm25=70, period_end=dt.date(2023, 11, 30),
                                   good_days=100, valid_days=334)
    text = body_text(warning_letter(hopeless))
    assert "即使剩余31天PM2.5浓度均为零，也无法完成年度目标" in text
    assert "剩余31天即使全部为优良，全年也只有131天，已无法完成年度目标" in text
    fine = dataclasses.replace(letter_context, pm25=30, good_days=170)
    text = body_text(warning_letter(fine))
    assert "低于年度目标（32微克/立方米）2微克/立方米" in text and "下降" not in text.split("整改")[0]
    assert "达到年度目标（72.0%）" in text


def test_given_allowance_is_used(letter_context):
    given = dataclasses.replace(letter_context, pm25_allowance="26.0", county="屯留区", county_short="区")
    text = body_text(warning_letter(given))
    assert "须控制在26.0微克/立方米以内" in text and "÷184" not in text
    assert warning_letter(given).recipients == "屯留区人民政府"


def test_interview_proposal_lists_each_county_with_its_reasons():
    from lantian.documents.letters import InterviewCandidate, InterviewProposalContext, interview_proposal
    c = InterviewProposalContext(
        year=2023, period_end=dt.date(2023, 6, 30), date=dt.date(2023, 7, 5), doc_number="长气防办函〔2023〕15号",
        rule="滞后：PM2.5累计浓度高于年度目标；严重滞后：滞后且PM2.5累计浓度同比上升（默认规则）",
        candidates=[InterviewCandidate("潞州区", ["PM2.5累计浓度高于年度目标", "PM2.5累计浓度同比上升"],
                                       pm25=38, pm25_target=32, pm25_last_year="36.5", good_ratio="65.2",
                                       good_ratio_target=72),
                    InterviewCandidate("屯留区", ["优良天数进度低于年度目标"], pm25=None, pm25_target=None)])
    doc = interview_proposal(c)
    text = body_text(doc)
    assert doc.recipients == "市人民政府" and doc.red_head and doc.doc_number == "长气防办函〔2023〕15号"
    assert "1—6月" in text and "潞州区、屯留区环境空气质量改善严重滞后于序时进度" in text
    assert "PM2.5累计浓度高于年度目标；PM2.5累计浓度同比上升。" in text
    assert "建议由市人民政府约谈潞州区人民政府、屯留区人民政府主要负责人" in text
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert table.rows[1] == ["潞州区", "38.0", "32.0", "36.5", "65.2", "72.0"]
    assert table.rows[2][1:4] == ["—", "未设定目标", "—"]               # a target not set is said so


def test_a_letter_speaks_to_the_unit_as_it_is(letter_context):
    """长子县 is 你县 throughout; a development zone's letter goes to its 管委会; a target not set is said so,
    never 0.0% or 全年须有0天."""
    county = warning_letter(dataclasses.replace(letter_context, county="长子县"))
    text = body_text(county)
    assert county.recipients == "长子县人民政府" and "你县" in text and "你区" not in text
    zone = dataclasses.replace(letter_context, county="高新区", level="zone", good_ratio_target=None)
    doc = warning_letter(zone)
    text = body_text(doc)
    assert doc.recipients == "高新区管委会" and "人民政府" not in doc.recipients and "你区" in text
    assert "优良天数比例为65.2%，年度目标：未设定目标。" in text
    assert "0.0%" not in text and "全年须有0天" not in text and "全年须有" not in text
    no_pm25 = body_text(warning_letter(dataclasses.replace(letter_context, pm25_target=None)))
    assert "PM2.5累计浓度为38微克/立方米，年度目标：未设定目标。" in no_pm25 and "剩余184天日均浓度" not in no_pm25


def test_an_incomplete_letter_says_so_first_and_names_its_stations(letter_context):
    doc = warning_letter(dataclasses.replace(
        letter_context, incomplete="数据不完整：潞州区2023年7月有效0天（应不少于27天）。",
        data_note="数据截至2023年6月30日；1月1日—7月31日共212天，有效181天", stations="1727A 清华站（国控）"))
    assert doc.blocks[0].text.startswith("数据不完整：潞州区2023年7月有效0天")
    text = body_text(doc)
    assert "（数据截至2023年6月30日；1月1日—7月31日共212天，有效181天；评价点位：1727A 清华站（国控）。）" in text


def test_interview_of_a_zone_goes_to_its_management_committee():
    from lantian.documents.letters import InterviewCandidate, InterviewProposalContext, interview_proposal
    c = InterviewProposalContext(year=2023, period_end=dt.date(2023, 6, 30), date=dt.date(2023, 7, 5),
                                 candidates=[InterviewCandidate("高新区", ["PM2.5累计浓度同比上升"], level="zone",
                                                                pm25=40, pm25_target=None)])
    doc = interview_proposal(c)
    text = body_text(doc)
    assert "约谈高新区管委会主要负责人" in text and "开发区管委会主要负责人的请示" in doc.title
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert table.rows[1][2] == "未设定目标"


def test_the_office_is_the_workspace_s_not_the_code_s(tmp_path):
    """Issuer, 发文字号 prefix and addressees come from the workspace's city and zones (长治市 → 长气防办),
    and each is a setting; a workspace of another city gets its own."""
    from lantian import db
    from lantian.documents.office import office_of
    from lantian.measurements.stations import add_zone
    from lantian.workspace import init
    ws = init(tmp_path / "ws")
    db.upgrade(ws.database_url)
    with db.session(ws.database_url) as s:
        blank = office_of(s)
    assert (blank.city, blank.issuer, blank.recipients) == ("", "市大气污染防治工作领导小组办公室", "各县、区人民政府")
    settings = {"workspace": {"issuer": "某市大气办", "doc_prefix": "某气办", "recipients": "各区政府"}}
    with db.session(ws.database_url) as s:
        said = office_of(s, settings)
    assert (said.issuer, said.number("函", 2024, 3), said.addressees("有关企业")) == \
        ("某市大气办", "某气办函〔2024〕3号", "各区政府，有关企业")
    from lantian.db import now_utc
    from lantian.measurements.stations import AdminUnit
    with db.session(ws.database_url) as s:
        s.add(AdminUnit(code="140500", name="晋城市", level="city", has_polygon=False, updated_at=now_utc()))
    add_zone(ws.database_url, "140500-kf", "开发区", "140500")
    with db.session(ws.database_url) as s:
        jincheng = office_of(s)
    assert (jincheng.issuer, jincheng.number("发", 2024, 7), jincheng.recipients) == \
        ("晋城市大气污染防治工作领导小组办公室", "晋气防办发〔2024〕7号", "各县、区人民政府，晋城开发区管委会")
