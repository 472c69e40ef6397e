"""The shipped templates, built from code: ``python -m lantian.documents.default_templates``.

The .docx files in ``templates/`` are this module's output, kept in the repository so an office
can open one, change it in Word/WPS/LibreOffice and drop the changed file into
``WORKSPACE/templates/``. When a shipped file is missing (a wheel built without package data),
the document service builds it here in memory.

Fonts are written as logical names (仿宋, 黑体, 楷体, 小标宋, 宋体, see :mod:`.fonts`); they are
resolved to the installed family when a document is rendered.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from . import ooxml as X

HERE = Path(__file__).resolve().parent / "templates"
BASES = ("letter", "document")
CONTENT_MARK = "{{ content }}"

# style id/name → (logical font, size pt, alignment, first-line indent in chars, right indent chars)
STYLES = {
    "公文正文": ("仿宋", X.BODY_PT, "both", 2, 0),
    "公文标题": ("小标宋", X.TITLE_PT, "center", 0, 0),
    "公文主送": ("仿宋", X.BODY_PT, "both", 0, 0),
    "公文一级标题": ("黑体", X.BODY_PT, "both", 2, 0),
    "公文二级标题": ("楷体", X.BODY_PT, "both", 2, 0),
    "公文三级标题": ("仿宋", X.BODY_PT, "both", 2, 0),
    "公文附件说明": ("仿宋", X.BODY_PT, "left", 2, 0),
    "公文表格": ("仿宋", X.TABLE_PT, "center", 0, 0),
    "公文表头": ("黑体", X.TABLE_PT, "center", 0, 0),
    "公文表题": ("黑体", X.BODY_PT, "center", 0, 0),
    "公文表注": ("仿宋", X.TABLE_PT, "left", 0, 0),
}
ALIGN = {"both": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _rpr_of(element):
    """The w:rPr of a style or run element, created if missing."""
    tag = element.tag
    if tag == qn("w:style"):
        return X.child(element, "w:rPr")
    return element.get_or_add_rPr()


def _font(rpr, logical: str, size: float | None = None) -> None:
    X.set_fonts(rpr, logical)
    if size:
        X.set_size(rpr, size)
    X.set_lang(rpr)
    X.order_rpr(rpr)


def _page_setup(doc) -> None:
    """A4, 上 37 下 35 左 28 右 26 mm (GB/T 9704—2012 §5.2.1), 22 × 28 grid (§5.2.2)."""
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin = Mm(37), Mm(35)
    s.left_margin, s.right_margin = Mm(28), Mm(26)
    s.header_distance = Mm(15)
    s.footer_distance = Mm(23)  # the page number's 一字线 7 mm below the 版心 (§7.5)
    sect = s._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    # The 22 × 28 grid by exact line spacing (28.95 pt, the Normal style) and characters
    # condensed by 0.3 pt (15.7 pt × 28 = 439.6 pt ≤ 156 mm), not by a Word document grid
    # (linesAndChars): LibreOffice lays a document grid out far wider than Word does.
    grid.attrib.pop(qn("w:type"), None)
    grid.attrib.pop(qn("w:charSpace"), None)
    grid.set(qn("w:linePitch"), str(X.LINE_PITCH))


def _defaults(doc) -> None:
    """Document defaults: 仿宋 三号, language zh-CN (else LibreOffice falls back to a Japanese face)."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    _font(rpr, "仿宋", X.BODY_PT)
    normal = doc.styles["Normal"]
    _font(_rpr_of(normal.element), "仿宋", X.BODY_PT)
    for rpr_ in (rpr, _rpr_of(normal.element)):
        spacing = X.child(rpr_, "w:spacing")
        spacing.set(qn("w:val"), str(X.CONDENSE))
        X.order_rpr(rpr_)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Twips(X.LINE_PITCH)
    pf.widow_control = False
    # no punctuation hanging past the 版心 (LibreOffice clips a hung 、 at the right margin)
    ppr = normal.element.get_or_add_pPr()
    X.child(ppr, "w:overflowPunct").set(qn("w:val"), "0")
    X.order_ppr(ppr)
    # every other built-in style that names a theme font: plain 仿宋
    for st in styles.findall(qn("w:style")):
        rfonts = st.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        if rfonts is not None and any(rfonts.get(qn(a)) for a in X.THEME_ATTRS):
            X.set_fonts(st.find(qn("w:rPr")), "仿宋")
    settings = doc.settings.element
    lang = X.child(settings, "w:themeFontLang")
    lang.set(qn("w:val"), X.LATIN_LANG)
    lang.set(qn("w:eastAsia"), X.LANG)


def add_style(doc, name: str) -> None:
    """Add one of the 公文 paragraph styles (``STYLES``) to ``doc`` (an office's own base template
    may lack some; the renderer adds them)."""
    font, size, align, first, right = STYLES[name]
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.quick_style = True
    _font(_rpr_of(st.element), font, size)
    pf = st.paragraph_format
    pf.alignment = ALIGN[align]
    if first:
        pf.first_line_indent = Pt(first * size)
    if right:
        pf.right_indent = Pt(right * size)
    if name in ("公文表格", "公文表头"):
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.first_line_indent = Pt(0)
    if name == "公文标题":
        pf.line_spacing = Pt(35)  # two-line titles: 二号 needs more than the 28.95 pt grid
    if name in ("公文一级标题", "公文二级标题", "公文表题"):
        pf.keep_with_next = True


def _styles(doc) -> None:
    for name in STYLES:
        add_style(doc, name)


def _page_number(footer, *, side: str) -> None:
    """页码 (§7.5): 4号半角宋体阿拉伯数字, 一字线 each side, odd pages 右空一字, even 左空一字."""
    p = footer.paragraphs[0]
    p.alignment = ALIGN[side]
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(0)
    if side == "right":
        pf.right_indent = Pt(X.PAGE_NUMBER_PT)
    else:
        pf.left_indent = Pt(X.PAGE_NUMBER_PT)
    runs = [p.add_run("— "), X.add_field(p, "PAGE"), p.add_run(" —")]
    for r in p.runs:
        _font(r._r.get_or_add_rPr(), "宋体", X.PAGE_NUMBER_PT)
    return runs


def _letter_bottom_rule(footer) -> None:
    """信函格式 (§10.1): a red double line (上细下粗), 170 mm, 20 mm above the bottom edge; no page number."""
    p = footer.paragraphs[0]
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(2)
    pf.left_indent = Mm(-7)
    pf.right_indent = Mm(-7)
    X.border(p._p.get_or_add_pPr(), "top", val="thinThickSmallGap", sz=24, space=0)
    run = p.add_run("")
    _font(run._r.get_or_add_rPr(), "宋体", 1)


def build_base(kind: str = "letter") -> Document:
    """letter: 信函格式 (first page without page number, red rules); document: 文件格式."""
    if kind not in BASES:
        raise ValueError(f"no built-in base template {kind!r} (have {', '.join(BASES)})")
    doc = Document()
    _page_setup(doc)
    _defaults(doc)
    _styles(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    s = doc.sections[0]
    s.start_type = WD_SECTION.NEW_PAGE
    _page_number(s.footer, side="right")
    _page_number(s.even_page_footer, side="left")
    if kind == "letter":
        s.different_first_page_header_footer = True
        _letter_bottom_rule(s.first_page_footer)
    core = doc.core_properties
    core.author = "lantian"
    core.title = "公文模板（信函格式）" if kind == "letter" else "公文模板（文件格式）"
    core.language = X.LANG
    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    body.text = CONTENT_MARK
    return doc


def _part_doc() -> Document:
    doc = Document()
    _page_setup(doc)
    _defaults(doc)
    return doc


def _run(p, text, font, size, *, color: str | None = None, bold: bool = False):
    r = p.add_run(text)
    rpr = r._r.get_or_add_rPr()
    _font(rpr, font, size)
    if color:
        r.font.color.rgb = RGBColor.from_string(color)
    if bold:
        r.bold = True
    X.order_rpr(rpr)
    return r


def _plain(p, *, align="center", line: float | None = None, before=0, after=0, first=0):
    pf = p.paragraph_format
    pf.alignment = ALIGN[align]
    pf.first_line_indent = Pt(first)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    return pf


def build_redhead() -> Document:
    """信函格式 red head (§10.1): 发文机关标志 red 小标宋 centered; 4 mm below it a red double line
    (上粗下细) across the page; 发文字号 under the line, 右空一字. Shrunk to one line by the renderer."""
    doc = _part_doc()
    p = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _plain(p, align="center", after=0)
    p.paragraph_format.left_indent = Mm(-7)
    p.paragraph_format.right_indent = Mm(-7)
    _run(p, "{{ issuer_mark }}", "小标宋", 30, color=X.RED)
    X.border(p._p.get_or_add_pPr(), "bottom", val="thickThinSmallGap", sz=24, space=11)
    q = doc.add_paragraph()
    _plain(q, align="right", line=X.LINE_PITCH / 20, before=6)
    q.paragraph_format.right_indent = Pt(X.BODY_PT)
    _run(q, "{{ doc_number }}", "仿宋", X.BODY_PT)
    doc.add_paragraph()  # 红色双线下空一行 before the title
    return doc


def build_redhead_file() -> Document:
    """文件格式 red head (§7.2): 标志 35 mm below the 版心 top, red 小标宋; 空二行; 发文字号 centered;
    4 mm below it a red rule as wide as the 版心."""
    doc = _part_doc()
    p = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _plain(p, align="center", before=Mm(35).pt)
    _run(p, "{{ issuer_mark }}", "小标宋", 36, color=X.RED)
    doc.add_paragraph()
    doc.add_paragraph()
    q = doc.add_paragraph()
    _plain(q, align="center", line=X.LINE_PITCH / 20)
    _run(q, "{{ doc_number }}", "仿宋", X.BODY_PT)
    X.border(q._p.get_or_add_pPr(), "bottom", val="single", sz=12, space=11)
    doc.add_paragraph()
    doc.add_paragraph()
    return doc


def build_signature() -> Document:
    """署名 and 成文日期 (§7.3.5.1): the date 右空四字, the issuer centered over the date (the renderer
    computes that indent); room above for the red seal."""
    doc = _part_doc()
    first = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _plain(first, align="left", line=X.LINE_PITCH / 20)
    doc.add_paragraph()
    for text in ("{{ issuer }}", "{{ date }}"):
        p = doc.add_paragraph()
        _plain(p, align="right", line=X.LINE_PITCH / 20)
        p.paragraph_format.right_indent = Pt(4 * X.BODY_PT)
        _run(p, text, "仿宋", X.BODY_PT)
    return doc


BUILDERS = {"letter": lambda: build_base("letter"), "document": lambda: build_base("document"),
            "redhead": build_redhead, "redhead-file": build_redhead_file, "signature": build_signature}


def build(name: str) -> bytes:
    doc = BUILDERS[name]()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_all(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BUILDERS:
        path = folder / f"{name}.docx"
        path.write_bytes(build(name))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
