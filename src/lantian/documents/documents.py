"""The document service: official documents (GB/T 9704—2012) from editable .docx templates.

    from lantian.documents import render_docx, to_pdf
    out = render_docx("letter", content, Path("预警通知函.docx"), workspace=ws)
    pdf = to_pdf(out)  # None (with the reason logged) when LibreOffice is not installed

Templates — plain .docx files an office can change in Word, WPS or LibreOffice:

=====================  ===================================================================
``letter.docx``        base of 函 (信函格式, §10.1): page setup (A4; margins 上 37 下 35 左 28
                       右 26 mm; 22 lines × 28 characters), the paragraph styles 公文正文,
                       公文标题, 公文一级标题 … (fonts, sizes, indents), the page footer
                       (页码 — 1 —, odd pages right, even left; none on the first page) and
                       the first page's lower red double line
``document.docx``      base of 文件格式 documents (通知, 通报 …): page numbers on every page
``redhead.docx``       信函格式 red head: 发文机关标志 (red 小标宋), the red double line, 文号
``redhead-file.docx``  文件格式 red head: 标志 35 mm down, 文号 centered, red rule
``signature.docx``     发文机关署名 and 成文日期 (room for the seal above)
=====================  ===================================================================

They ship in ``lantian/documents/templates/``. **A file of the same name in
``WORKSPACE/templates/`` takes precedence**, so an office edits a copy there (its own 标志
artwork, a scanned seal image in ``signature.docx``, other margins or styles) and every later
letter uses it. Placeholders are Jinja2 expressions in the text, e.g. ``{{ issuer_mark }}``,
``{{ doc_number }}``, ``{{ issuer }}``, ``{{ date }}``, ``{{ title }}``, ``{{ recipients }}``
and any key of the context's ``extra``; a paragraph whose placeholders come out empty is
dropped. In a base template, the paragraph ``{{ content }}`` marks where the document goes
(else it is appended). Fonts may be logical names — 仿宋, 黑体, 楷体, 小标宋, 宋体 — resolved
per machine (see :mod:`lantian.documents.fonts`); any other font name is kept as written.
"""
from __future__ import annotations

import copy
import io
import logging
import re
from pathlib import Path

import jinja2
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from lantian.errors import UsageError

from . import default_templates as defaults
from . import fonts as F
from . import ooxml as X
from .content import Heading, Image, OfficialDocument, PageBreak, Paragraph, Table, cn_number
from .pdf import to_pdf  # noqa: F401  (part of this module's API)

log = logging.getLogger("lantian.documents")

TEMPLATE_DIR = defaults.HERE
_ENV = jinja2.Environment(autoescape=False, keep_trailing_newline=False)
_NAME = re.compile(r"^[\w\-\u4e00-\u9fff]+$")


# --- templates -------------------------------------------------------------------------------

def template_path(name: str, *, workspace=None) -> Path | None:
    """Where template ``name`` comes from: WORKSPACE/templates/ first, then the shipped one."""
    stem = name[:-5] if name.endswith(".docx") else name
    if not _NAME.match(stem):
        raise UsageError(f"not a template name: {name!r}")
    if workspace is not None:
        own = Path(workspace.root) / "templates" / f"{stem}.docx"
        if own.is_file():
            return own
    shipped = TEMPLATE_DIR / f"{stem}.docx"
    return shipped if shipped.is_file() else None


def open_template(name: str, *, workspace=None):
    path = template_path(name, workspace=workspace)
    stem = name[:-5] if name.endswith(".docx") else name
    if path is not None:
        return Document(str(path))
    if stem in defaults.BUILDERS:  # package data missing: build the shipped template in memory
        return Document(io.BytesIO(defaults.build(stem)))
    where = f"{workspace.root / 'templates'} or " if workspace is not None else ""
    raise UsageError(f"no document template {stem}.docx in {where}{TEMPLATE_DIR}")


# --- placeholders ----------------------------------------------------------------------------

def _texts(p_el):
    return [t for r in p_el.findall(qn("w:r")) for t in r.findall(qn("w:t"))]


def _render_placeholders(p_el, values: dict) -> str | None:
    """Render the paragraph's text as a Jinja2 template into its first text run (keeping that run's
    formatting: Word splits a placeholder over runs as one edits). None: no placeholder."""
    texts = _texts(p_el)
    text = "".join(t.text or "" for t in texts)
    if "{{" not in text and "{%" not in text:
        return None
    rendered = _ENV.from_string(text).render(values)
    first = texts[0]
    first.text = rendered
    first.set(qn("xml:space"), "preserve")
    for t in texts[1:]:
        run = t.getparent()
        run.remove(t)
        if not any(c.tag != qn("w:rPr") for c in run):
            run.getparent().remove(run)
    return rendered


def _fill(container_el, values: dict, *, skip=()) -> list:
    """Fill every paragraph's placeholders below ``container_el``; drop the ones left empty.
    Returns (paragraph element, source text) for the filled ones."""
    filled = []
    for p_el in list(container_el.iter(qn("w:p"))):
        if p_el in skip:
            continue
        source = "".join(t.text or "" for t in _texts(p_el))
        rendered = _render_placeholders(p_el, values)
        if rendered is None:
            continue
        if not rendered.strip() and p_el.getparent() is not None and p_el.getparent().tag == qn("w:body"):
            p_el.getparent().remove(p_el)
            continue
        filled.append((p_el, source))
    return filled


# --- fonts -----------------------------------------------------------------------------------

def _xml_parts(doc):
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if name.startswith("/word/") and hasattr(part, "_element") and (
                name in ("/word/document.xml", "/word/styles.xml") or "/header" in name or "/footer" in name):
            yield part._element


def _map_fonts(doc, choices: dict[str, F.FontChoice]) -> None:
    """Logical font names (仿宋 …) → the chosen family, everywhere; bold where the fallback needs it."""
    for root in _xml_parts(doc):
        for rfonts in root.iter(qn("w:rFonts")):
            logical = rfonts.get(qn("w:eastAsia")) or rfonts.get(qn("w:ascii"))
            choice = choices.get(logical)
            if choice is None:
                continue
            rpr = rfonts.getparent()
            X.set_fonts(rpr, choice.family)
            if choice.bold:
                X.set_bold(rpr, True)
            X.order_rpr(rpr)


def _style_family(doc, style_id: str | None) -> str | None:
    styles = doc.styles.element
    seen = set()
    while style_id and style_id not in seen:
        seen.add(style_id)
        st = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
        if st is None:
            break
        rfonts = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if rfonts is not None and rfonts.get(qn("w:eastAsia")):
            return rfonts.get(qn("w:eastAsia"))
        based = st.find(qn("w:basedOn"))
        style_id = based.get(qn("w:val")) if based is not None else None
    default = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    return default.get(qn("w:eastAsia")) if default is not None else None


def _stamp_runs(doc) -> None:
    """Every run states its Chinese font and zh-CN, whatever the style says (LibreOffice reads
    w:eastAsia; a run without it may be laid out in a Japanese face)."""
    normal = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    normal_id = normal.style_id if normal is not None else "Normal"
    for root in _xml_parts(doc):
        if root.tag == qn("w:styles"):
            continue
        for p_el in root.iter(qn("w:p")):
            ps = p_el.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            family = _style_family(doc, ps.get(qn("w:val")) if ps is not None else normal_id)
            for r in p_el.iter(qn("w:r")):
                rpr = r.find(qn("w:rPr"))
                if rpr is None:
                    rpr = OxmlElement("w:rPr")
                    r.insert(0, rpr)
                rfonts = rpr.find(qn("w:rFonts"))
                if family and (rfonts is None or not rfonts.get(qn("w:eastAsia"))):
                    X.set_fonts(rpr, family)
                X.set_lang(rpr)
                X.order_rpr(rpr)


# --- layout helpers --------------------------------------------------------------------------

def _ems(text: str) -> float:
    """Width of ``text`` in 全角 characters (half-width ASCII counts ½)."""
    return sum(0.5 if ord(c) < 0x2E80 and c not in "—…" else 1.0 for c in text)


def _text_width(doc) -> Emu:
    s = doc.sections[-1]
    return Emu(s.page_width - s.left_margin - s.right_margin)


def _first_size(p_el) -> float | None:
    for r in p_el.findall(qn("w:r")):
        sz = r.find(f"{qn('w:rPr')}/{qn('w:sz')}")
        if sz is not None:
            return int(sz.get(qn("w:val"))) / 2
    return None


def _fit_one_line(doc, p_el, text: str) -> None:
    """Shrink the 发文机关标志 to one line when the name is long (长治市大气污染防治…办公室)."""
    size = _first_size(p_el)
    if not size or not text:
        return
    para = DocxParagraph(p_el, None)
    pf = para.paragraph_format
    width = _text_width(doc).pt - (pf.left_indent.pt if pf.left_indent else 0) - (
        pf.right_indent.pt if pf.right_indent else 0)
    need = _ems(text) * size
    if need > width * 0.98:
        new = max(12.0, int(width * 0.98 / _ems(text) * 2) / 2)
        for r in p_el.findall(qn("w:r")):
            rpr = r.find(qn("w:rPr"))
            if rpr is not None:
                X.set_size(rpr, new)
                X.order_rpr(rpr)


def _center_issuer(issuer_p, date_p, issuer: str, date: str) -> None:
    """§7.3.5.1: 发文机关署名 centered over the 成文日期 (both right-aligned in the template)."""
    ip, dp = DocxParagraph(issuer_p, None), DocxParagraph(date_p, None)
    if ip.alignment != WD_ALIGN_PARAGRAPH.RIGHT or dp.alignment != WD_ALIGN_PARAGRAPH.RIGHT:
        return
    size = _first_size(date_p) or X.BODY_PT
    right = dp.paragraph_format.right_indent.pt if dp.paragraph_format.right_indent else 0
    shift = (_ems(date) - _ems(issuer)) / 2 * size
    ip.paragraph_format.right_indent = Pt(max(0.0, right + shift))


def _copy_body(src_doc, dest_doc, anchor) -> list:
    """Copy the body of a part template before ``anchor``, images included."""
    copied = []
    for el in src_doc.element.body:
        if el.tag == qn("w:sectPr"):
            continue
        new = copy.deepcopy(el)
        for blip in new.iter(qn("a:blip")):
            rid = blip.get(qn("r:embed"))
            if rid and rid in src_doc.part.related_parts:
                new_rid, _ = dest_doc.part.get_or_add_image(io.BytesIO(src_doc.part.related_parts[rid].blob))
                blip.set(qn("r:embed"), new_rid)
        for img in new.iter("{urn:schemas-microsoft-com:vml}imagedata"):
            rid = img.get(qn("r:id"))
            if rid and rid in src_doc.part.related_parts:
                new_rid, _ = dest_doc.part.get_or_add_image(io.BytesIO(src_doc.part.related_parts[rid].blob))
                img.set(qn("r:id"), new_rid)
        anchor.addprevious(new)
        copied.append(new)
    return copied


def _ensure_styles(doc) -> None:
    have = {s.name for s in doc.styles}
    for name in defaults.STYLES:
        if name not in have:
            defaults.add_style(doc, name)


# --- the renderer ----------------------------------------------------------------------------

class _Builder:
    def __init__(self, doc, anchor, workspace, values):
        self.doc, self.anchor, self.workspace, self.values = doc, anchor, workspace, values
        self.counters = [0, 0, 0, 0]

    def _emit(self, el):
        self.anchor.addprevious(el)
        return el

    def para(self, style: str, text: str = "", *, font: str | None = None) -> DocxParagraph:
        p = DocxParagraph(self._emit(OxmlElement("w:p")), self.doc._body)
        p.style = self.doc.styles[style]
        if text:
            self.run(p, text, font)
        return p

    def run(self, p, text, font: str | None = None):
        r = p.add_run()
        for i, line in enumerate(text.split("\n")):  # a title's line breaks are the author's (§7.3.1)
            if i:
                r.add_break()
            r.add_text(line)
        rpr = r._r.get_or_add_rPr()
        X.set_fonts(rpr, font or _style_family(self.doc, p.style.style_id) or "仿宋")
        X.set_lang(rpr)
        X.order_rpr(rpr)
        return r

    def blank(self):
        return self.para("公文主送")

    def part(self, name: str) -> list:
        src = open_template(name, workspace=self.workspace)
        filled = _fill(src.element.body, self.values)
        if name.startswith("redhead"):
            for p_el, source in filled:
                if "issuer_mark" in source:
                    _fit_one_line(src, p_el, "".join(t.text or "" for t in _texts(p_el)))
        if name == "signature":
            issuer = next((p for p, s in filled if re.search(r"{{\s*issuer\s*}}", s)), None)
            date = next((p for p, s in filled if re.search(r"{{\s*date\s*}}", s)), None)
            if issuer is not None and date is not None:
                _center_issuer(issuer, date, self.values["issuer"], self.values["date"])
        return _copy_body(src, self.doc, self.anchor)

    def heading(self, h: Heading):
        level = min(max(h.level, 1), 4)
        style = {1: "公文一级标题", 2: "公文二级标题", 3: "公文三级标题", 4: "公文三级标题"}[level]
        prefix = ""
        if h.numbered:
            self.counters[level - 1] += 1
            for i in range(level, 4):
                self.counters[i] = 0
            n = self.counters[level - 1]
            prefix = {1: f"{cn_number(n)}、", 2: f"（{cn_number(n)}）", 3: f"{n}．", 4: f"（{n}）"}[level]
        p = self.para(style, prefix + h.text)
        if h.body:  # a heading that runs on into its text is not kept with the next paragraph
            self.run(p, h.body, _style_family(self.doc, self.doc.styles["公文正文"].style_id))
            p.paragraph_format.keep_with_next = False
        return p

    def table(self, t: Table):
        if t.caption:
            self.para("公文表题", t.caption)
        ncols = max(len(r) for r in t.rows)
        table = self.doc.add_table(rows=len(t.rows), cols=ncols)
        self._emit(table._tbl)
        width = _text_width(self.doc)
        rel = t.widths or [1] * ncols
        cols = [int(width * w / sum(rel)) for w in rel]
        table.autofit = False
        tblpr = table._tbl.tblPr
        tblw = X.child(tblpr, "w:tblW")
        tblw.set(qn("w:type"), "dxa")
        tblw.set(qn("w:w"), str(int(Emu(sum(cols)).twips)))
        X.child(tblpr, "w:jc").set(qn("w:val"), "center")
        borders = X.child(tblpr, "w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            b = X.child(borders, f"w:{side}")
            b.set(qn("w:val"), "single")
            b.set(qn("w:sz"), "8" if side.startswith("inside") else "12")
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")
        for gc, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), cols):
            gc.set(qn("w:w"), str(int(Emu(w).twips)))
        for i, values in enumerate(t.rows):
            row = table.rows[i]
            header = i < t.header_rows
            # a row is never broken across pages: a reader meets each row whole (cantSplit comes
            # before tblHeader in w:trPr, the schema's order)
            X.child(row._tr.get_or_add_trPr(), "w:cantSplit")
            if header:
                X.child(row._tr.get_or_add_trPr(), "w:tblHeader")
            for j in range(ncols):
                cell = row.cells[j]
                cell.width = Emu(cols[j])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.style = self.doc.styles["公文表头" if header else "公文表格"]
                value = values[j] if j < len(values) else ""
                self.run(p, "" if value is None else str(value))
        if t.note:
            self.para("公文表注", t.note)
        return table


def _image(b: "_Builder", block: Image) -> None:
    """The picture in its own centered paragraph, no wider than the text; the caption below it."""
    path = Path(block.path)
    if not path.is_file():
        raise UsageError(f"image {path} does not exist")
    p = b.para("公文正文")
    p.paragraph_format.first_line_indent = Pt(0)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # an exact body spacing would clip it
    p.paragraph_format.keep_with_next = bool(block.caption)
    width = min(Emu(Cm(block.width_cm)), _text_width(b.doc))
    p.add_run().add_picture(str(path), width=width)
    if block.caption:
        b.para("公文表题", block.caption)


def render_docx(template: str, context, out: Path, *, workspace=None) -> Path:
    """Lay out ``context`` (an :class:`OfficialDocument` or its dict form) in base template
    ``template`` ("letter", "document", or an office's own) and save it to ``out``.

    Order (GB/T 9704—2012 §7): red head (``context.red_head``), title, 主送机关, body blocks,
    附件说明, signature (when ``issuer`` is set). Fonts resolve per :mod:`.fonts`.
    """
    content = context if isinstance(context, OfficialDocument) else OfficialDocument.from_dict(context)
    values = content.placeholders()
    doc = open_template(template, workspace=workspace)
    _ensure_styles(doc)
    body = doc.element.body
    anchor = next((p for p in body.iter(qn("w:p"))
                   if "".join(t.text or "" for t in _texts(p)).strip() == defaults.CONTENT_MARK), None)
    if anchor is None:
        anchor = OxmlElement("w:p")
        sect = body.find(qn("w:sectPr"))
        (sect.addprevious(anchor) if sect is not None else body.append(anchor))
    # the office's own text in the base template: headers, footers, fixed paragraphs
    _fill(body, values, skip=(anchor,))
    for s in doc.sections:
        for hf in (s.header, s.footer, s.first_page_header, s.first_page_footer,
                   s.even_page_header, s.even_page_footer):
            if not hf.is_linked_to_previous:
                _fill(hf._element, values)

    b = _Builder(doc, anchor, workspace, values)
    if content.red_head_template:
        b.part(content.red_head_template)
    else:
        b.blank()
    b.para("公文标题", content.title)
    b.blank()
    if content.recipients:
        b.para("公文主送", content.recipients.rstrip("：:") + "：")
    for block in content.blocks:
        if isinstance(block, Paragraph):
            p = b.para("公文正文", block.text)
            if not block.indent:
                p.paragraph_format.first_line_indent = Pt(0)
            if block.align:
                p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                               "left": WD_ALIGN_PARAGRAPH.LEFT}[block.align]
        elif isinstance(block, Heading):
            b.heading(block)
        elif isinstance(block, Table):
            b.table(block)
        elif isinstance(block, PageBreak):
            p = b.para("公文正文")
            p.add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Image):
            _image(b, block)
        else:
            raise TypeError(f"not a content block: {block!r}")
    if content.attachments:
        b.blank()
        many = len(content.attachments) > 1
        for i, name in enumerate(content.attachments, 1):
            label = f"{i}．{name}" if many else name
            p = b.para("公文附件说明", ("附件：" if i == 1 else "") + label)
            if i > 1:  # aligned under the first name (§7.3.4)
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.left_indent = Pt(5 * X.BODY_PT)
    if content.issuer:
        b.part("signature")
    body.remove(anchor)

    choices = F.font_map(workspace=workspace)
    _map_fonts(doc, choices)
    _stamp_runs(doc)
    core = doc.core_properties
    core.title = content.title
    core.author = content.issuer or core.author
    core.language = X.LANG
    core.comments = "fonts: " + "; ".join(f"{c.logical}→{c.family}{' (bold)' if c.bold else ''}"
                                          for c in choices.values())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
