"""render_docx: GB/T 9704 page setup, eastAsia fonts and zh-CN, red head, editable templates."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from docx import Document
from docx.oxml.ns import qn

from lantian.errors import UsageError
from lantian.documents import OfficialDocument, Heading, Paragraph, Table, font_map, render_docx
from lantian.documents import documents, fonts
from lantian.documents.letters import warning_letter

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def all_runs(doc):
    for r in doc.element.body.iter(qn("w:r")):
        if r.find(qn("w:t")) is not None:
            yield r


def text_of(doc) -> str:
    return "".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


@pytest.fixture
def letter(tmp_path, letter_context):
    return Document(str(render_docx("letter", warning_letter(letter_context), tmp_path / "函.docx")))


def test_every_run_names_its_chinese_font_and_zh_cn(letter):
    families = {c.family for c in font_map().values()}
    runs = list(all_runs(letter))
    assert len(runs) > 20
    for r in runs:
        rfonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rfonts is not None, r.xml
        assert rfonts.get(qn("w:eastAsia")) in families
        assert rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:eastAsia")) == rfonts.get(qn("w:hAnsi"))
        assert not any(rfonts.get(qn(a)) for a in ("w:eastAsiaTheme", "w:asciiTheme"))
        lang = r.find(f"{qn('w:rPr')}/{qn('w:lang')}")
        assert lang is not None and lang.get(qn("w:eastAsia")) == "zh-CN"
    defaults = letter.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == font_map()["仿宋"].family


def test_logical_fonts_by_role(letter):
    fm = font_map()
    by_text = {}
    for p in letter.paragraphs:
        if p.runs:
            by_text[p.text] = p.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia"))
    assert by_text["一、目标完成情况"] == fm["黑体"].family
    assert by_text["潞州区人民政府："] == fm["仿宋"].family
    title = next(p for p in letter.paragraphs if p.text.startswith("关于潞州区"))
    assert title.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) == fm["小标宋"].family
    level2 = next(p for p in letter.paragraphs if p.text.startswith("（一）"))
    fams = [r._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) for r in level2.runs]
    assert fams == [fm["楷体"].family, fm["仿宋"].family]  # 楷体 heading running on in 仿宋
    if fm["小标宋"].bold:
        assert title.style.font.bold or title.runs[0].bold


def test_page_setup_gbt9704(letter):
    s = letter.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [round(x.mm, 1) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == \
        [37.0, 35.0, 28.0, 26.0]
    normal = letter.styles["Normal"]
    assert round(normal.paragraph_format.line_spacing.pt, 2) == 28.95  # 22 lines in 225 mm
    assert normal.font.size.pt == 16  # 三号
    body = letter.styles["公文正文"].paragraph_format
    assert body.first_line_indent.pt == 32  # two characters


def test_red_head_is_red_with_a_red_rule(letter):
    mark = next(p for p in letter.paragraphs if p.text == "长治市大气污染防治工作领导小组办公室"
                and p.runs[0].font.color.rgb is not None)
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    bottom = mark._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    assert bottom is not None and bottom.get(qn("w:color")) == "FF0000"
    assert mark.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) == \
        font_map()["小标宋"].family
    # 18 characters at the template's 30 pt would not fit one line: shrunk
    assert mark.runs[0].font.size.pt * 18 <= 170 / 25.4 * 72
    assert any(p.text == "长气防办函〔2023〕12号" for p in letter.paragraphs)


def test_order_and_signature(letter):
    texts = [p.text for p in letter.paragraphs if p.text.strip()]
    assert texts.index("潞州区人民政府：") < texts.index("一、目标完成情况") < texts.index("二、整改要求")
    assert texts[-2:] == ["长治市大气污染防治工作领导小组办公室", "2023年7月5日"]
    date = [p for p in letter.paragraphs if p.text == "2023年7月5日"][0]
    assert date.paragraph_format.right_indent.pt == 64  # 右空四字
    assert letter.core_properties.title.startswith("关于潞州区")


def test_table_cells_carry_cjk_fonts(letter):
    (table,) = letter.tables
    assert table.cell(0, 0).text == "月份" and table.cell(6, 1).text == "21"
    fm = font_map()
    head = table.cell(0, 0).paragraphs[0].runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    cell = table.cell(1, 1).paragraphs[0].runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert head.get(qn("w:eastAsia")) == fm["黑体"].family
    assert cell.get(qn("w:eastAsia")) == fm["仿宋"].family


def test_workspace_template_overrides_the_shipped_one(tmp_path, workspace, letter_context):
    (workspace.root / "templates").mkdir()
    own = Document(str(documents.TEMPLATE_DIR / "redhead.docx"))
    p = own.paragraphs[0]
    # as an office edits it: the placeholder split over runs, new words around it
    for r in p.runs[1:]:
        r._r.getparent().remove(r._r)
    p.runs[0].text = "本办 {{ issuer"
    p.add_run("_mark }} 专用")
    own.save(str(workspace.root / "templates" / "redhead.docx"))
    assert documents.template_path("redhead", workspace=workspace).parent == workspace.root / "templates"
    out = render_docx("letter", warning_letter(letter_context), tmp_path / "a.docx", workspace=workspace)
    assert "本办 长治市大气污染防治工作领导小组办公室 专用" in [p.text for p in Document(str(out)).paragraphs]
    # without the workspace: the shipped red head
    out = render_docx("letter", warning_letter(letter_context), tmp_path / "b.docx")
    assert "本办" not in text_of(Document(str(out)))


def test_workspace_base_template_and_placeholders(tmp_path, workspace):
    (workspace.root / "templates").mkdir()
    shutil.copy(documents.TEMPLATE_DIR / "document.docx", workspace.root / "templates" / "notice.docx")
    base = Document(str(workspace.root / "templates" / "notice.docx"))
    base.add_paragraph("抄送：{{ copy_to }}")
    base.save(str(workspace.root / "templates" / "notice.docx"))
    doc = {"title": "关于开展秋冬季攻坚的通知", "recipients": "各县（区）人民政府", "copy_to": "市生态环境局",
           "blocks": ["正文第一段。", {"heading": "工作目标"}, {"heading": "细颗粒物", "level": 2, "body": "下降。"},
                      {"table": [["县区", "目标"], ["潞州区", "32"]]}],
           "issuer": "长治市人民政府办公室", "date": "2023-10-08", "attachments": ["任务清单", "责任分工"]}
    out = Document(str(render_docx("notice", doc, tmp_path / "n.docx", workspace=workspace)))
    texts = [p.text for p in out.paragraphs]
    assert "抄送：市生态环境局" in texts
    assert "一、工作目标" in texts and "（一）细颗粒物下降。" in texts
    assert "附件：1．任务清单" in texts and "2．责任分工" in texts
    assert texts.index("2023年10月8日") > texts.index("2．责任分工")
    assert "{{" not in text_of(out)


def test_workspace_can_force_fonts(tmp_path, workspace, letter_context):
    workspace.config_path.write_text('[workspace]\nname = "t"\n[reports.fonts]\n"仿宋" = "仿宋_GB2312"\n'
                                     '"小标宋" = { family = "方正小标宋简体", bold = false }\n', encoding="utf-8")
    out = Document(str(render_docx("letter", warning_letter(letter_context), tmp_path / "f.docx",
                                   workspace=workspace)))
    names = {r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) for r in all_runs(out)}
    assert {"仿宋_GB2312", "方正小标宋简体"} <= names
    workspace.config_path.write_text('[reports.fonts]\n仿宋 = "x"\n', encoding="utf-8")
    import os
    os.utime(workspace.config_path, ns=(1, 1))  # a new mtime: the settings cache reads it again
    with pytest.raises(UsageError, match="need quotes"):
        render_docx("letter", warning_letter(letter_context), tmp_path / "g.docx", workspace=workspace)


def test_font_resolution_prefers_licensed_faces():
    assert fonts.resolve("仿宋", installed=frozenset({"Noto Serif CJK SC", "仿宋_GB2312"})).family == "仿宋_GB2312"
    assert fonts.resolve("黑体", installed=frozenset({"SimHei"})).family == "SimHei"
    assert fonts.resolve("楷体", installed=frozenset({"KaiTi", "楷体_GB2312"})).family == "楷体_GB2312"
    choice = fonts.resolve("小标宋", installed=frozenset({"Noto Serif CJK SC"}))
    assert (choice.family, choice.bold) == ("Noto Serif CJK SC", True)
    assert fonts.resolve("小标宋", installed=frozenset({"方正小标宋简体"})) == \
        fonts.FontChoice("小标宋", "方正小标宋简体", False, "installed")
    assert fonts.resolve("黑体", installed=None).family == "Noto Sans CJK SC"
    assert fonts.resolve("Times New Roman").family == "Times New Roman"


def test_this_machine_has_noto_cjk():
    """fonts-noto-cjk is a prerequisite (setup/CI): without it LibreOffice lays Chinese out in anything."""
    have = fonts.installed_families()
    assert have is not None, "fontconfig (fc-list) is required"
    assert {"Noto Serif CJK SC", "Noto Sans CJK SC"} <= have, "install Debian fonts-noto-cjk"


def test_unknown_template_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="no document template nosuch.docx"):
        render_docx("nosuch", {"title": "x"}, tmp_path / "x.docx")
    with pytest.raises(UsageError):
        render_docx("../etc/passwd", {"title": "x"}, tmp_path / "x.docx")


def test_missing_shipped_file_is_built_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "TEMPLATE_DIR", tmp_path / "empty")
    doc = OfficialDocument(title="标题", blocks=[Paragraph("正文。"), Heading("一级"), Table([["a", "b"]])],
                           issuer="机关", date=dt.date(2024, 1, 2), red_head=True)
    out = Document(str(render_docx("letter", doc, tmp_path / "m.docx")))
    assert "正文。" in [p.text for p in out.paragraphs]
    assert round(out.sections[0].top_margin.mm) == 37


def test_content_text_is_literal(tmp_path):
    doc = OfficialDocument(title="{{ issuer }}", blocks=[Paragraph("{% if 1 %}x{% endif %}")], issuer="机关")
    out = Document(str(render_docx("document", doc, tmp_path / "l.docx")))
    texts = [p.text for p in out.paragraphs]
    assert "{{ issuer }}" in texts and "{% if 1 %}x{% endif %}" in texts


def test_shipped_templates_are_the_builders_output():
    """The .docx files in templates/ open, and carry the page setup (regenerate:
    python -m lantian.documents.default_templates)."""
    from lantian.documents import default_templates
    for name in default_templates.BUILDERS:
        doc = Document(str(documents.TEMPLATE_DIR / f"{name}.docx"))
        assert round(doc.sections[0].left_margin.mm) == 28
    base = Document(str(documents.TEMPLATE_DIR / "letter.docx"))
    assert [p.text for p in base.paragraphs] == ["{{ content }}"]
    assert set(default_templates.STYLES) <= {s.name for s in base.styles}
