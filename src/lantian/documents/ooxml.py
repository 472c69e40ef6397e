"""Small WordprocessingML helpers python-docx does not cover (eastAsia fonts, language, grid)."""
from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

RED = "FF0000"
LANG = "zh-CN"  # w:lang/@w:eastAsia: Chinese text is Chinese (else LibreOffice may pick a Japanese face)
LATIN_LANG = "en-US"  # w:lang/@w:val: digits and Latin text; "zh-CN" here makes LibreOffice break 365 → 3|65
# GB/T 9704—2012 §5.2.2: 版心 156 mm × 225 mm, 22 lines of 28 characters of 三号 (16 pt).
LINE_PITCH = 579  # twips: 225 mm / 22 lines = 28.95 pt
CONDENSE = -6  # twentieths of a point: 28 characters of 16 - 0.3 pt = 439.6 pt fit the 156 mm line (-5 made LibreOffice drop a line-end 、)
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
TABLE_PT = 14  # 四号
PAGE_NUMBER_PT = 14  # 4号 (§7.5)

FONT_ATTRS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def child(parent, tag: str, *, before: tuple[str, ...] = ()):
    """The first child ``tag`` of ``parent``, created if missing (placed before ``before`` tags)."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        for name in before:
            anchor = parent.find(qn(name))
            if anchor is not None:
                anchor.addprevious(found)
                break
        else:
            parent.append(found)
    return found


def set_fonts(rpr, family: str) -> None:
    """One family for Latin and Chinese text: w:rFonts ascii/hAnsi/eastAsia/cs, theme fonts removed
    (a theme attribute overrides the explicit name — python-docx's default template has them)."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in FONT_ATTRS:
        rfonts.set(qn(attr), family)
    rfonts.attrib.pop(qn("w:hint"), None)


def set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LATIN_LANG)
    lang.set(qn("w:eastAsia"), LANG)


def set_size(rpr, points: float) -> None:
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(round(points * 2))))


def set_bold(rpr, bold: bool) -> None:
    for tag in ("w:b", "w:bCs"):
        el = rpr.find(qn(tag))
        if bold and el is None:
            rpr.insert(1 if rpr.find(qn("w:rFonts")) is not None else 0, OxmlElement(tag))
        elif not bold and el is not None:
            rpr.remove(el)


def order_rpr(rpr) -> None:
    """Put w:rPr children in schema order (Word refuses a file whose rPr is out of order)."""
    order = ["w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
             "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
             "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
             "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
             "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"]
    _reorder(rpr, order)


def order_ppr(ppr) -> None:
    order = ["w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
             "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
             "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
             "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
             "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
             "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
             "w:pPrChange"]
    _reorder(ppr, order)


def border(ppr, side: str, *, val: str = "single", sz: int = 8, space: int = 1, color: str = RED) -> None:
    """A paragraph border (``sz`` in eighths of a point, ``space`` in points)."""
    pbdr = child(ppr, "w:pBdr")
    el = child(pbdr, f"w:{side}")
    el.set(qn("w:val"), val)
    el.set(qn("w:sz"), str(sz))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    order_ppr(ppr)


def add_field(paragraph, instruction: str, placeholder: str = "1"):
    """A complex field (PAGE, NUMPAGES …) as runs; returns the result run."""
    def fld(kind):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run
    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    result = paragraph.add_run(placeholder)
    fld("end")
    return result


def _reorder(parent, order: list[str]) -> None:
    """Put ``parent``'s children in the schema's sequence ``order`` (unknown ones last, in their order)."""
    rank = {qn(t): i for i, t in enumerate(order)}
    kids = sorted(parent, key=lambda e: rank.get(e.tag, len(order)))
    for e in kids:
        parent.remove(e)
    parent.extend(kids)
