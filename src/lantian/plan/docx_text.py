"""A plan circulated as a Word document (.docx) as the plan reader's text: one line per paragraph, with
Word's automatic numbering written out as it shows on the page (「一、」「（一）」「1．」 made by a
numbered list style rather than typed) — the reader then reads the structure as in a .txt.

Only the body's paragraphs are read (tables — an attached task table — and text boxes are not)."""
from __future__ import annotations

from pathlib import Path

from lantian.errors import InputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _roman(n: int) -> str:
    out = ""
    for value, text in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + text, n - value
    return out


def number_text(n: int, fmt: str) -> str:
    """A counter in one of Word's number formats (ECMA-376 §17.18.59 ST_NumberFormat)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "ideographTraditional", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class _Numbering:
    """numbering.xml: num → abstract levels (format, text, start) and a counter per list."""

    def __init__(self, doc):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for a in root.findall(f"{_W}abstractNum"):
            lv = {}
            for lvl in a.findall(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl"))
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                lv[ilvl] = (fmt.get(f"{_W}val") if fmt is not None else "decimal",
                            text.get(f"{_W}val") if text is not None else "",
                            int(start.get(f"{_W}val")) if start is not None else 1)
            abstract[a.get(f"{_W}abstractNumId")] = lv
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            levels = dict(abstract.get(ref.get(f"{_W}val"), {})) if ref is not None else {}
            for override in num.findall(f"{_W}lvlOverride"):
                start = override.find(f"{_W}startOverride")
                ilvl = int(override.get(f"{_W}ilvl"))
                if start is not None and ilvl in levels:
                    fmt, text, _ = levels[ilvl]
                    levels[ilvl] = (fmt, text, int(start.get(f"{_W}val")))
            self.levels[num.get(f"{_W}numId")] = levels

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else levels[ilvl][2]
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        fmt, text, _ = levels[ilvl]
        for k in range(ilvl, -1, -1):
            if k in levels:
                value = counts.get(k, levels[k][2])
                text = text.replace(f"%{k + 1}", number_text(value, fmt if k == ilvl else levels[k][0]))
        return text


def _num_pr(paragraph):
    """(numId, ilvl) of a numbered paragraph — its own numPr, else its style's."""
    for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None) is not None
                   and paragraph.style.element.pPr):
        if holder is None or holder is False:
            continue
        pr = holder.find(f"{_W}numPr")
        if pr is None:
            continue
        num = pr.find(f"{_W}numId")
        lvl = pr.find(f"{_W}ilvl")
        if num is not None and num.get(f"{_W}val") not in (None, "0"):
            return num.get(f"{_W}val"), int(lvl.get(f"{_W}val")) if lvl is not None else 0
    return None


def docx_text(path: str | Path) -> str:
    """The document's paragraphs, one per line, automatic numbers written out."""
    import docx
    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a Word document
        raise InputError(path, f"无法读取 Word 文档（{type(exc).__name__}）", expected=".docx 文件") from exc
    numbering = _Numbering(doc)
    lines = []
    for p in doc.paragraphs:
        pr = _num_pr(p)
        label = numbering.label(*pr) if pr else ""
        lines.append(label + p.text)
    return "\n".join(lines)
