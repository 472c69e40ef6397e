"""The plan parser: the Changzhi seed plan task by task, variant layouts of an invented city, broken plans."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lantian.errors import InputError
from lantian.plan.parse import ParsedPlan, PlanParseError, parse_file, parse_text

DOCS = Path(__file__).resolve().parent / "documents"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_5d70b785daafd91c.txt"

BY_DUTY = "by_duty"
COUNTIES = ["各县、区人民政府", "长治高新区管委会", "经开区管委会"]

# (number, lead, lead_mode, cooperating) — copied by hand from the seed's responsibility clauses
SEED_TASKS = [
    (1, ["市发展改革委"], "lead", ["市工信局", "市生态环境局", "市能源局", "市行政审批局"]),
    (2, ["市工信局", "市生态环境局"], BY_DUTY, []),
    (3, ["市工信局"], "lead", ["市生态环境局", "市发展改革委", "市行政审批局"]),
    (4, ["市生态环境局"], "lead", ["市工信局", "市能源局"]),
    (5, ["市生态环境局"], "lead", ["市工信局"]),
    (6, ["市生态环境局"], "lead", ["市工信局"]),
    (7, ["市发展改革委", "市工信局", "市规划和自然资源局", "市行政审批局", "市生态环境局", "市能源局"], BY_DUTY, []),
    (8, ["市行政审批局", "市能源局"], BY_DUTY, ["市发展改革委"]),
    (9, ["市发展改革委"], "lead", ["市清洁取暖领导小组成员单位"]),
    (10, ["市发展改革委", "市工信局"], BY_DUTY, ["市能源局", "市行政审批局"]),
    (11, ["市工信局"], "lead", ["市发展改革委", "市能源局", "市交通运输局"]),
    (12, ["市交通运输局", "市生态环境局"], BY_DUTY,
     ["市城市管理局", "市财政局", "市商务局", "市公安局", "市住建局", "市水利局", "市公路分局"]),
    (13, ["市城市管理局", "市交通运输局"], BY_DUTY, ["市住建局", "市公安局"]),
    (14, ["市生态环境局"], "lead", []),
    (15, ["市农业农村局"], "lead", []),
    (16, ["市城市管理局", "市交通运输局", "市市场监管局"], BY_DUTY, []),
    (17, ["市生态环境局"], "lead", ["市工信局"]),
    (18, ["市生态环境局"], "lead", []),
    (19, ["市生态环境局"], "lead", ["市市场监管局", "市工信局", "市商务局"]),
    (20, ["市生态环境局", "市工信局", "市城市管理局", "市交通运输局", "市商务局"], BY_DUTY, ["市气象局"]),
    (21, ["市工信局"], "lead", []),
    (22, ["市生态环境局"], "lead", ["市气象局", "市财政局"]),
    (23, ["市生态环境局"], "lead", ["市城市管理局", "市公安局", "市交通运输局"]),
    (24, ["市市场监管局"], "lead", ["市商务局", "市公安局", "市应急局", "市生态环境局"]),
    (25, ["市公安局", "市交通运输局"], BY_DUTY, []),
    (26, ["市发展改革委"], "lead", ["市清洁取暖工作领导小组其他成员单位"]),
]


@pytest.fixture(scope="module")
def seed() -> ParsedPlan:
    assert SEED.is_file(), f"the seed plan is required at {SEED}"
    return parse_file(SEED)


def task(plan: ParsedPlan, number: int):
    (found,) = [t for t in plan.tasks if t.number == number]
    return found


def doc(name: str) -> ParsedPlan:
    return parse_file(DOCS / name)


def warnings(plan: ParsedPlan) -> list[str]:
    return [p.message for p in plan.problems if p.severity == "warning"]


# --------------------------------------------------------------------------------------------
# The seed plan


def test_seed_has_26_tasks_in_order(seed):
    assert [t.number for t in seed.tasks] == list(range(1, 27))


@pytest.mark.parametrize(("number", "lead", "lead_mode", "cooperating"), SEED_TASKS)
def test_seed_responsibilities(seed, number, lead, lead_mode, cooperating):
    t = task(seed, number)
    assert (t.lead, t.lead_mode, t.cooperating) == (lead, lead_mode, cooperating)


def test_seed_summary_paragraphs_make_no_tasks(seed):
    # the news summary repeats tasks 8, 9, 10 and 26 without numbers before the notice
    first_section = seed.sections[0].line
    assert all(t.line > first_section for t in seed.tasks)
    assert [t.line for t in seed.tasks if t.title == "严格控制煤炭消费总量"] == [52]
    assert task(seed, 1).line == 34 and task(seed, 26).line == 102


def test_seed_front_matter(seed):
    assert seed.title == "长治市空气质量再提升2022－2023年行动计划"
    assert seed.document_number == "长政办发〔2023〕14号"
    assert seed.issued == date(2023, 6, 7)
    assert seed.period == (2022, 2023)


def test_seed_sections_and_subsections(seed):
    assert [(s.number, s.title) for s in seed.sections] == [
        (1, "总体要求"), (2, "主要目标"), (3, "重点任务"), (4, "攻坚行动"), (5, "保障措施")]
    assert [len(s.subsections) for s in seed.sections] == [0, 0, 5, 4, 0]
    assert seed.sections[2].subsections[0].title == "深入推进产业结构优化调整"
    t17 = task(seed, 17)
    assert (t17.section, t17.subsection) == ("攻坚行动", "持续开展夏季臭氧污染治理攻坚行动")


def test_seed_measures_are_section_five_items(seed):
    assert [(m.section, m.number, m.title) for m in seed.measures] == [
        ("保障措施", "（一）", "强化组织领导"), ("保障措施", "（二）", "强化科技支撑"),
        ("保障措施", "（三）", "强化监督帮扶"), ("保障措施", "（四）", "强化政策引导"),
        ("保障措施", "（五）", "强化考核督察")]
    assert seed.measures[0].line == 106
    assert seed.measures[4].body.endswith("严肃问责。")


def test_seed_county_clause_applies_to_every_task(seed):
    assert seed.county_clause is not None
    assert "不再列出" in seed.county_clause and "各县、区人民政府" in seed.county_clause
    assert seed.implementing == COUNTIES
    assert task(seed, 1).implementing == COUNTIES
    assert task(seed, 26).implementing == COUNTIES
    assert all(t.implementing == COUNTIES for t in seed.tasks)


def test_seed_body_and_clause_are_separated(seed):
    t1 = task(seed, 1)
    assert t1.title == "坚决遏制“两高”项目盲目发展"
    assert t1.body.startswith("坚决遏制“两高”项目盲目发展。") and t1.body.endswith("不再新增“两高”项目。")
    assert t1.responsibility_text.startswith("（市发展改革委牵头") and t1.responsibility_text.endswith("不再列出）")
    t9 = task(seed, 9)
    # a parenthesis inside the body is not a responsibility clause
    assert "（热源企业要稳定达到超低排放或绩效分级B级及以上）" in t9.body
    assert t9.responsibility_text == "（市发展改革委牵头，市清洁取暖领导小组成员单位配合）"
    assert "牵头" not in t9.body


def test_seed_deadlines(seed):
    (d3,) = task(seed, 3).deadlines
    assert (d3.text, d3.kind, d3.due) == ("2023年6月底前", "date", date(2023, 6, 30))
    (d18,) = task(seed, 18).deadlines
    assert (d18.kind, d18.due, d18.month, d18.day) == ("yearly", None, 5, 31)
    for number in (6, 9):
        (heat,) = task(seed, number).deadlines
        assert (heat.text, heat.kind, heat.due, heat.month) == ("当年采暖季前", "heating_season", None, None)
    assert task(seed, 17).deadlines == []     # 每年5月—9月 is a period, not a deadline


def test_seed_commitments(seed):
    (c14,) = task(seed, 14).commitments
    assert (c14.subject, c14.operator, c14.value, c14.unit) == ("平均降尘量", ">", "7", "吨/月·平方公里")
    (c15,) = task(seed, 15).commitments
    assert (c15.subject, c15.operator, c15.value, c15.unit) == ("秸秆综合利用率", ">=", "90", "%")
    assert c15.text == "秸秆综合利用率要稳定达到90％以上"
    c3 = {(c.subject, c.operator, c.value, c.unit) for c in task(seed, 3).commitments}
    assert {("炭化室高度", "=", "4.3", "米"), ("高炉", "<", "1200", "立方米"), ("转炉", "<", "100", "吨")} <= c3
    assert [(c.operator, c.value, c.unit) for c in task(seed, 4).commitments] == [("<=", "20", "km")]
    assert [(c.operator, c.value, c.unit) for c in task(seed, 6).commitments] == [("<", "35", "蒸吨/小时")]
    assert task(seed, 17).commitments == []   # "10个关键环节" is a count, not a requirement


def test_seed_has_no_errors_or_missing_units(seed):
    assert [p for p in seed.problems if p.severity == "error"] == []
    assert not any("缺少责任单位" in m for m in warnings(seed))


def test_seed_to_dict_is_json(seed):
    data = json.loads(json.dumps(seed.to_dict(), ensure_ascii=False))
    assert data["issued"] == "2023-06-07"
    assert data["period"] == [2022, 2023]
    assert data["tasks"][2]["deadlines"][0]["due"] == "2023-06-30"
    assert data["tasks"][0]["implementing"] == COUNTIES
    assert len(data["tasks"]) == 26 and len(data["measures"]) == 5


# --------------------------------------------------------------------------------------------
# Variant layouts


def test_halfwidth_numbering_and_punctuation():
    plan = doc("halfwidth.txt")
    assert [t.number for t in plan.tasks] == [1, 2, 3, 4]
    t1, t2, t3, t4 = plan.tasks
    assert (t1.lead, t1.cooperating) == (["市生态环境局"], ["市工信局", "市发改委"])
    assert (t2.lead, t2.lead_mode, t2.cooperating) == (["市工信局", "市发改委"], BY_DUTY, ["市生态环境局"])
    assert t1.subsection == "产业结构调整" and t3.subsection == "面源污染治理"
    # a parenthesis inside a unit name: 各县(市、区)人民政府 is one unit
    assert t4.implementing == ["各县(市、区)人民政府"]
    assert [(d.kind, d.month, d.day) for d in t3.deadlines] == [("yearly", 3, 1)]
    assert [(c.subject, c.operator, c.value, c.unit) for c in t1.commitments] == [
        ("水泥企业颗粒物排放浓度", "<=", "10", "毫克/立方米")]
    assert [(m.number, m.title) for m in plan.measures] == [("(一)", "加强组织领导"), ("(二)", "强化考核问责")]
    assert plan.period == (2024, 2024)


def test_fullwidth_digits():
    plan = doc("fullwidth_digits.txt")
    assert [t.number for t in plan.tasks] == [1, 2, 3, 4]
    assert plan.title == "晋阳市空气质量持续改善２０２４－２０２５年行动方案"
    assert plan.period == (2024, 2025)
    assert plan.document_number == "晋政发〔２０２４〕３号"
    assert plan.issued == date(2024, 3, 15)
    t1, t2, t3, t4 = plan.tasks
    assert t1.line == 19
    assert [(d.kind, d.due) for d in t1.deadlines] == [("date", date(2024, 10, 1))]
    # (1)/(2) sub-items and the clause on its own line belong to task 2
    assert "（１）城区全面实施集中供热" in t2.body and "（２）农村地区" in t2.body
    assert (t2.lead, t2.cooperating) == (["市发展改革委"], ["市住房城乡建设局", "国网晋阳供电公司"])
    assert [(c.operator, c.value, c.unit) for c in t3.commitments] == [(">=", "1200", "辆")]
    assert [(d.kind, d.due, d.month, d.day) for d in t4.deadlines] == [
        ("date", date(2024, 12, 31), None, None), ("yearly", None, 11, 30)]
    assert len(plan.measures) == 2


def test_task_without_responsibility_is_a_warning():
    plan = doc("missing_responsibility.txt")
    assert [t.number for t in plan.tasks] == [1, 2, 3, 4]
    t3 = plan.tasks[2]
    assert (t3.lead, t3.cooperating, t3.responsibility_text) == ([], [], None)
    (missing,) = [p for p in plan.problems if "缺少责任单位" in p.message]
    assert (missing.line, missing.severity) == (9, "warning")
    assert missing.message.startswith("第3项任务缺少责任单位")
    assert any("晋阳钢铁" in m for m in warnings(plan))       # an unknown unit-like token
    assert all(p.severity == "warning" for p in plan.problems)


def test_units_of_other_cities_kept_as_written():
    plan = doc("missing_responsibility.txt")
    t1, t2, _, t4 = plan.tasks
    assert (t1.lead, t1.cooperating) == (["区发改局"], ["县生态环境分局", "区能源局"])
    assert (t2.lead, t2.cooperating) == (["市委宣传部"], ["市住房城乡建设局"])
    assert t4.lead == ["国网晋阳供电公司", "晋阳钢铁"]


@pytest.mark.parametrize(("number", "lead", "cooperating"), [
    (1, ["市生态环境局"], ["市工信局", "市公安局"]),               # two sentences in one parenthesis
    (2, ["市城市管理局"], ["市交通运输局"]),                       # two parentheticals
    (3, ["市自然资源局"], ["市住房城乡建设局", "市林业局"]),         # 责任单位：…（牵头）、…
    (4, ["市交通运输局"], ["市公安局", "市生态环境局"]),            # 牵头单位：…；配合单位：…
    (5, ["市能源局", "市应急管理局"], []),                       # 责任单位 unmarked: every unit is responsible
    (6, ["市气象局"], ["市生态环境局"]),                          # a bare trailing sentence
])
def test_split_responsibility(number, lead, cooperating):
    t = task(doc("split_responsibility.txt"), number)
    assert (t.lead, t.cooperating) == (lead, cooperating)
    assert "配合" not in t.body and "责任单位" not in t.body and "牵头单位" not in t.body


def test_split_responsibility_keeps_clause_text():
    plan = doc("split_responsibility.txt")
    assert task(plan, 2).responsibility_text == "（市城市管理局牵头）。（市交通运输局配合）"
    assert task(plan, 3).responsibility_text == "责任单位：市自然资源局（牵头）、市住房城乡建设局、市林业局"
    assert task(plan, 3).body.endswith("2024年5月底前完成覆盖。")
    assert plan.problems == []


def test_heading_then_body_layout():
    plan = doc("heading_body.txt")
    assert plan.title == "晋阳市臭氧污染防治攻坚行动方案（2024—2025年）"
    assert plan.period == (2024, 2025)
    assert plan.issued == date(2024, 4, 2)
    assert [s.title for s in plan.sections] == ["总体要求", "主要目标", "重点任务", "保障措施"]
    assert [t.number for t in plan.tasks] == [1, 2, 3]
    t1 = plan.tasks[0]
    assert (t1.title, t1.line, t1.section, t1.subsection) == ("开展挥发性有机物储罐排查", 21, "重点任务", "工业源治理")
    assert "限期整改" in t1.body and "责任单位" not in t1.body
    assert (t1.lead, t1.cooperating) == (["市生态环境局"], ["市应急管理局"])
    assert [d.due for d in t1.deadlines] == [date(2024, 6, 30)]
    assert plan.tasks[2].subsection == "移动源治理" and plan.tasks[2].lead_mode == BY_DUTY


def test_separately_numbered_lists_without_units_are_measures():
    plan = doc("heading_body.txt")
    assert [(m.section, m.number) for m in plan.measures] == [
        ("主要目标", "1．"), ("主要目标", "2．"), ("保障措施", "1．"), ("保障措施", "2．")]
    assert plan.measures[2].title == "加强组织领导"
    assert sum("按非任务条目" in m for m in warnings(plan)) == 2


def test_parenthesised_numbers_as_tasks():
    plan = doc("paren_numbering.txt")
    assert [t.number for t in plan.tasks] == [1, 2, 3]
    assert plan.tasks[0].lead == ["市市场监管局"] and plan.tasks[0].cooperating == ["市城市管理局"]
    assert plan.tasks[1].deadlines[0].due == date(2024, 8, 31)


def test_gbk_file_reads_like_utf8():
    gbk = DOCS / "split_responsibility.gbk.txt"
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    assert parse_file(gbk).tasks == doc("split_responsibility.txt").tasks


# --------------------------------------------------------------------------------------------
# Broken plans


@pytest.mark.parametrize(("name", "line", "words"), [
    ("skipped_number.txt", 9, "跳号"),
    ("repeated_number.txt", 9, "重复"),
    ("unattached_text.txt", 8, "无法归属"),
    ("unreadable_number.txt", 9, "没有任务内容"),
])
def test_broken_plan_names_the_line(name, line, words):
    with pytest.raises(PlanParseError) as caught:
        doc(name)
    assert caught.value.line == line
    assert words in caught.value.message
    assert any(p.severity == "error" and p.line == line for p in caught.value.problems)
    assert f"line {line}" in str(caught.value)


def test_skipped_number_says_what_was_expected():
    with pytest.raises(PlanParseError) as caught:
        doc("skipped_number.txt")
    assert caught.value.expected == "第3项"
    assert "“4．”" in caught.value.message


def test_no_tasks_at_all():
    with pytest.raises(PlanParseError) as caught:
        doc("no_tasks.txt")
    assert isinstance(caught.value, InputError)
    assert caught.value.message.startswith("未找到编号任务")
    assert "1．" in caught.value.message          # says which form was expected


def test_section_numbering_gap_is_an_error():
    text = "晋阳市方案\n\n一、总体要求\n\n坚持精准治污。\n\n三、重点任务\n\n1．加强扬尘管控。落实措施。（市住建局牵头）\n"
    with pytest.raises(PlanParseError) as caught:
        parse_text(text)
    assert caught.value.line == 7 and caught.value.expected == "二、"


def test_unreadable_numbered_line():
    text = "一、任务\n1．甲任务。内容。（市生态环境局牵头）\n2 乙任务。内容。\n3．丙任务。内容。（市工信局牵头）\n"
    with pytest.raises(PlanParseError) as caught:
        parse_text(text, source="plan.txt")
    assert caught.value.line == 3 and caught.value.file == "plan.txt"
    assert [p.line for p in caught.value.problems if p.severity == "error"] == [3]


# --------------------------------------------------------------------------------------------
# Structure rather than wording


def test_without_headings_an_earlier_numbered_list_is_preamble():
    text = ("晋阳市发布治污方案，要求加强扬尘管控。\n1．附件目录\n\n晋阳市扬尘治理方案\n\n"
            "1．加强扬尘管控。落实施工工地扬尘防治措施。（市住房城乡建设局牵头，市城市管理局配合）\n\n"
            "2．强化道路保洁。提高机扫率。\n（市城市管理局牵头）\n\n晋阳市人民政府办公室\n2024年5月6日\n")
    plan = parse_text(text)
    assert [(t.number, t.line) for t in plan.tasks] == [(1, 6), (2, 8)]
    assert plan.title == "晋阳市扬尘治理方案"
    assert plan.issued == date(2024, 5, 6)                       # the closing signature is not task text
    assert plan.tasks[1].lead == ["市城市管理局"] and plan.tasks[1].section is None
    assert [p.line for p in plan.problems] == [2]                # the early "1．" is reported, not read


def test_county_clause_stated_in_the_introduction():
    text = ("晋阳市方案\n\n一、总体要求\n\n坚持精准治污。以下各项任务均由各县区人民政府负责落实，不再列出。\n\n"
            "二、重点任务\n\n1．加强扬尘管控。落实措施。（市住房城乡建设局牵头）\n\n"
            "2．强化秸秆禁烧。落实责任。（市农业农村局牵头）\n")
    plan = parse_text(text)
    assert plan.implementing == ["各县区人民政府"]
    assert [t.implementing for t in plan.tasks] == [["各县区人民政府"]] * 2


def test_shared_ending_is_spread_over_units():
    text = "一、任务\n1．甲任务。内容。（市生态环境局牵头，甲县、乙县人民政府，高新区、经开区管委会负责落实）\n"
    (t,) = parse_text(text).tasks
    assert t.implementing == ["甲县人民政府", "乙县人民政府", "高新区管委会", "经开区管委会"]


def test_more_deadline_forms():
    text = ("晋阳市大气污染防治2024－2025年行动计划\n一、任务\n"
            "1．甲任务。2024年10月前完成排查，2025年年底前完成整治，计划期末前全面完成。（市生态环境局牵头）\n")
    (t,) = parse_text(text).tasks
    assert [(d.kind, d.due) for d in t.deadlines] == [
        ("date", date(2024, 9, 30)), ("date", date(2025, 12, 31)), ("plan_end", date(2025, 12, 31))]


def test_parenthetical_without_units_is_not_a_clause():
    text = "一、任务\n1．甲任务。优先选择热电联产（热源企业要稳定达到超低排放）。\n"
    plan = parse_text(text)
    (t,) = plan.tasks
    assert t.responsibility_text is None and t.body.endswith("（热源企业要稳定达到超低排放）。")
    assert [p.message for p in plan.problems] == ["第1项任务缺少责任单位（牵头/配合）"]


def test_notice_with_its_own_numbered_points_and_an_attachment_list():
    text = ("晋阳市人民政府关于印发晋阳市扬尘治理方案的通知\n\n各县区人民政府：\n\n一、提高认识\n\n各地要高度重视。\n\n"
            "二、抓好落实\n\n请认真组织实施。\n\n晋阳市扬尘治理方案\n\n一、总体要求\n\n坚持精准治污。\n\n二、重点任务\n\n"
            "1．加强扬尘管控。落实施工工地扬尘防治措施。（市住房城乡建设局牵头）\n\n附件：重点企业名单\n1．甲企业\n")
    plan = parse_text(text)
    assert plan.title == "晋阳市扬尘治理方案"
    assert [(s.number, s.title, s.line) for s in plan.sections] == [(1, "总体要求", 15), (2, "重点任务", 19)]
    assert [(t.number, t.line) for t in plan.tasks] == [(1, 21)]     # the attachment's "1．甲企业" is not a task


def test_chapters_with_two_heading_levels_below():
    text = ("第一章 总体要求\n坚持精准治污。\n第二章 重点任务\n一、工业源\n（一）钢铁行业\n"
            "1．推进超低排放改造。完成改造。（市生态环境局牵头）\n（二）焦化行业\n"
            "2．推进干熄焦改造。完成改造。（市工信局牵头）\n二、移动源\n3．淘汰老旧车辆。完成淘汰。（市交通运输局牵头）\n")
    plan = parse_text(text)
    assert [s.title for s in plan.sections] == ["总体要求", "重点任务"]
    assert [s.title for s in plan.sections[1].subsections] == ["工业源", "钢铁行业", "焦化行业", "移动源"]
    assert [(t.section, t.subsection) for t in plan.tasks] == [
        ("重点任务", "钢铁行业"), ("重点任务", "焦化行业"), ("重点任务", "移动源")]


# --------------------------------------------------------------------------------------------
# Plans of other cities (汾川市, invented; written in the forms other cities' offices use)


def test_brackets_participating_units_and_a_clause_inside_the_task():
    plan = doc("other_brackets.txt")
    assert (plan.title, plan.document_number, plan.period) == (
        "汾川市空气质量持续改善行动实施方案（2024—2025年）", "汾政发〔2024〕9号", (2024, 2025))
    t1, t2, t3, t4 = plan.tasks
    # 〔…牵头，…参与，…负责落实。以下各项工作…不再列出〕 after the first sentence, 〔…〕 at the end: both read;
    # 市 written once for a run of city bureaus (市生态环境局、工业和信息化局参与)
    assert (t1.lead, t1.cooperating) == (["市发展和改革局"], ["市工业和信息化局", "市生态环境局"])
    assert "不再列出" in plan.county_clause
    assert all(t.implementing == ["各县、区人民政府", "汾川经开区管委会"] for t in plan.tasks)
    assert (t2.lead, t2.cooperating) == (["市生态环境局"], ["市工业和信息化局"])          # 协办
    assert (t3.lead, t3.cooperating) == (["市市场监管局", "市生态环境局"], ["市能源局"])    # 参与
    assert t4.cooperating == ["市发展和改革局", "国网汾川供电公司"]
    assert [d.due for d in t1.deadlines] == [date(2024, 6, 30)]


def test_labelled_lines_and_the_time_inside_the_parenthesis():
    plan = doc("other_labels.txt")
    t1, t2, t3, t4 = plan.tasks
    assert (t1.lead, t1.cooperating) == (["市生态环境局"], ["市应急管理局", "市工业和信息化局"])
    assert [(d.text, d.due) for d in t1.deadlines] == [("2024年6月底前", date(2024, 6, 30))]   # 完成时限：…
    assert "牵头单位" not in t1.body and "完成时限" not in t1.body
    # 责任单位：A、B — both responsible, none demoted to cooperating
    assert (t2.lead, t2.lead_mode, t2.cooperating) == (["市生态环境局", "市工业和信息化局"], BY_DUTY, [])
    assert [d.due for d in t2.deadlines] == [date(2024, 12, 31)]
    # （A牵头，B配合，2025年12月底前完成）
    assert (t3.lead, t3.cooperating) == (["市交通运输局"], ["市公安局", "市生态环境局"])
    assert [d.due for d in t3.deadlines] == [date(2025, 12, 31)]
    assert t3.responsibility_text.endswith("2025年12月底前完成）")
    assert (t4.lead, t4.deadlines) == (["市生态环境局"], [])                          # 持续推进: no deadline
    assert [p for p in plan.problems if p.severity == "error"] == []


def test_the_document_may_say_the_first_unit_leads():
    text = ("汾川市扬尘治理方案\n\n排在第一位的为牵头单位。\n\n一、重点任务\n\n"
            "1．加强工地管控。落实扬尘防治措施。\n责任单位：市住房和城乡建设局、市城市管理局\n")
    (t,) = parse_text(text).tasks
    assert (t.lead, t.cooperating) == (["市住房和城乡建设局"], ["市城市管理局"])


def test_tasks_numbered_with_parenthesised_chinese_numerals_across_sections():
    plan = doc("other_paragraphs.txt")
    assert [(t.number, t.section) for t in plan.tasks] == [
        (3, "优化产业结构，促进产业产品绿色升级"), (4, "优化产业结构，促进产业产品绿色升级"),
        (5, "优化交通结构，大力发展绿色运输体系"), (6, "优化交通结构，大力发展绿色运输体系")]
    assert plan.tasks[0].title == "坚决遏制高耗能、高排放、低水平项目盲目上马"
    assert plan.tasks[0].lead == ["市发展和改革局", "市工业和信息化局", "市生态环境局"]
    assert plan.tasks[1].deadlines[0].due == date(2024, 12, 31)
    # （一）指导思想、（二）主要目标 and the 保障措施 name no unit: measures, said so
    assert [m.title for m in plan.measures] == ["指导思想", "主要目标", "加强组织领导"]
    assert sum("按非任务条目" in m for m in warnings(plan)) == 2


def test_tasks_numbered_afresh_in_each_section_are_numbered_in_order():
    plan = doc("other_restart.txt")
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "落实施工工地“六个百分之百”"), (2, "推进工地视频监控联网"), (3, "提高道路机械化清扫率"), (4, "规范渣土车运输")]
    assert any("统一编为第1—4项" in m for m in warnings(plan))


def test_every_error_at_once_and_lost_units_are_an_error():
    with pytest.raises(PlanParseError) as caught:
        doc("other_broken.txt")
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert [p.line for p in errors] == [7, 9, 11]
    message = str(caught.value)
    assert message.count("第") >= 3 and "共3处错误" in message
    assert "跳号" in message and "其中的单位会丢失" in message and "看似编号任务" in message
    assert "另有" not in message


def test_an_unreadable_clause_loses_no_unit_silently():
    text = "一、任务\n1．加强秸秆禁烧。落实网格化监管。（市农业农村局牵头，各乡镇政府督导到位）\n"
    with pytest.raises(PlanParseError) as caught:
        parse_text(text)
    assert "单位会丢失" in caught.value.message and caught.value.line == 2


def test_a_word_document_reads_like_its_text(seed, tmp_path):
    import docx
    d = docx.Document()
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        d.add_paragraph(line)
    d.save(tmp_path / "seed.docx")
    plan = parse_file(tmp_path / "seed.docx")
    assert plan.tasks == seed.tasks and (plan.title, plan.document_number, plan.issued) == (
        seed.title, seed.document_number, seed.issued)


def test_word_automatic_numbering_is_written_out(tmp_path):
    import docx
    d = docx.Document()
    d.add_paragraph("汾川市扬尘治理方案")
    d.add_paragraph("一、重点任务")
    for text in ("加强工地管控。落实措施。（市住房和城乡建设局牵头，市城市管理局配合）",
                 "强化道路保洁。提高机扫率。（市城市管理局牵头）"):
        d.add_paragraph(text, style="List Number")             # Word's own numbering, not typed
    d.save(tmp_path / "auto.docx")
    plan = parse_file(tmp_path / "auto.docx")
    assert [(t.number, t.lead) for t in plan.tasks] == [(1, ["市住房和城乡建设局"]), (2, ["市城市管理局"])]


def test_a_legacy_word_file_says_what_to_do(tmp_path):
    old = tmp_path / "plan.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(PlanParseError) as caught:
        parse_file(old)
    assert ".docx" in caught.value.expected


def test_every_citation_quotes_the_seed_task_it_names(seed):
    """Each rule, register check and data source binds on import to the task it cites: its quoted
    words are in that task of the seed, in order (plan/bindings.py) — a misquote would leave it unbound."""
    from lantian.plan.bindings import quotes
    from lantian.plan.indicators import citations
    bodies = {t.number: t.body for t in seed.tasks}
    found = citations()
    assert len(found) > 60
    misquoted = [(c.task, c.params, c.clause) for c in found if not quotes(bodies[c.task], c.clause)]
    assert misquoted == []


def test_a_docx_that_is_not_a_word_package_is_named_so(tmp_path):
    """A text or broken file renamed .docx: refused as not a Word document, not read as text (which
    answered「未找到编号任务」)."""
    fake = tmp_path / "行动计划.docx"
    fake.write_text("1．坚决遏制“两高”项目盲目发展（市发展改革委牵头）", encoding="utf-8")
    with pytest.raises(PlanParseError) as e:
        parse_file(fake)
    assert "不是 Word 文档" in str(e.value) and "未找到编号任务" not in str(e.value)
