"""The content model of an official document (GB/T 9704—2012 党政机关公文格式), small on purpose.

A letter, notice or bulletin is built as an :class:`OfficialDocument` — the 版头 (red head and
文号), the 主体 (title, 主送机关, blocks of body text, 附件说明, 署名 and 成文日期) — and handed to
:func:`lantian.documents.documents.render_docx`, which lays it out in an editable .docx template.
Text here is literal: it is never run through the template engine.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Union

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (heading numbers 一、 （一）)."""
    if not 0 < n < 100:
        raise ValueError(f"heading number out of range: {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(day: dt.date | str) -> str:
    """成文日期 in Arabic numerals, year in full, no padding (GB/T 9704—2012 §7.3.5.1): 2023年7月5日."""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day  # already written out
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Paragraph:
    """Body text: 仿宋 三号, first line indented two characters (§7.3.3)."""
    text: str
    indent: bool = True
    align: str | None = None  # None (justified) | "center" | "right" | "left"


@dataclass
class Heading:
    """结构层次序数 (§7.3.3): level 1 一、 (黑体), 2 （一） (楷体), 3 1. (仿宋), 4 （1） (仿宋).

    ``numbered`` prefixes the number itself (counted per parent level). ``body`` continues the
    same paragraph in body type — the common "（一）压实属地责任。你区要……" form.
    """
    text: str
    level: int = 1
    body: str = ""
    numbered: bool = True


@dataclass
class Table:
    """A table with CJK fonts in every cell: header rows in 黑体, the rest in 仿宋, 四号."""
    rows: list[list[Any]]
    header_rows: int = 1
    caption: str = ""  # above the table, centered, 黑体
    note: str = ""  # below the table (数据来源 …)
    widths: list[float] | None = None  # relative column widths


@dataclass
class PageBreak:
    pass


@dataclass
class Image:
    """A picture (PNG/JPEG file) centered in the text width, ``width_cm`` wide, caption below (黑体)."""
    path: str
    width_cm: float = 15.0
    caption: str = ""


Block = Union[Paragraph, Heading, Table, PageBreak, Image]


@dataclass
class OfficialDocument:
    """One document. ``red_head`` names a red-head template (True → ``redhead``); ``issuer`` is
    the 发文机关署名 under the body, ``issuer_mark`` the 发文机关标志 in the red head."""
    title: str
    blocks: list[Block] = field(default_factory=list)
    recipients: str = ""  # 主送机关, without the colon
    issuer: str = ""
    date: dt.date | str | None = None
    red_head: bool | str = False
    issuer_mark: str = ""
    doc_number: str = ""  # 发文字号, e.g. 长气防办函〔2023〕12号
    attachments: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # more placeholders for the office's templates

    @property
    def red_head_template(self) -> str | None:
        if not self.red_head:
            return None
        return "redhead" if self.red_head is True else str(self.red_head)

    def placeholders(self) -> dict[str, Any]:
        """What the editable templates (red head, signature, header/footer) may refer to."""
        values = dict(self.extra)
        values.update(title=self.title, recipients=self.recipients, issuer=self.issuer,
                      issuer_mark=self.issuer_mark or self.issuer, doc_number=self.doc_number,
                      date=cn_date(self.date) if self.date else "")
        return values

    @classmethod
    def from_dict(cls, data: dict) -> "OfficialDocument":
        """The same model as plain data: blocks are strings (paragraphs) or one-key dicts
        ``{"heading": text, "level": 2, "body": …}``, ``{"table": rows, …}``, ``{"image": path, "width_cm": …}``, ``{"page_break": True}``."""
        data = dict(data)
        blocks = []
        for item in data.pop("blocks", data.pop("body", [])):
            blocks.append(_block(item))
        known = {f for f in cls.__dataclass_fields__}
        extra = dict(data.pop("extra", {}))
        extra.update({k: v for k, v in data.items() if k not in known})
        kwargs = {k: v for k, v in data.items() if k in known}
        return cls(blocks=blocks, extra=extra, **kwargs)


def _block(item) -> Block:
    if isinstance(item, (Paragraph, Heading, Table, PageBreak, Image)):
        return item
    if isinstance(item, str):
        return Paragraph(item)
    if isinstance(item, dict):
        item = dict(item)
        if "heading" in item:
            return Heading(item.pop("heading"), **item)
        if "table" in item:
            return Table(item.pop("table"), **item)
        if "paragraph" in item:
            return Paragraph(item.pop("paragraph"), **item)
        if "image" in item:
            return Image(item.pop("image"), **item)
        if item.get("page_break"):
            return PageBreak()
    raise ValueError(f"not a content block: {item!r}")
