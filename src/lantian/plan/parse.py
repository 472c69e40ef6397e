"""Read an air-quality action plan (行动计划) into sections, numbered tasks and their responsibilities.

The reading follows the document's structure, never its wording: section headings 一、/第一章,
sub-section headings （一）, numbered tasks 1．/1、/１．/（1） and each task's trailing
responsibility clause （…牵头，…配合）. Everything before the plan's first section heading is
preamble (notice header, news summaries repeating task text) and never produces a task.

Pure: :func:`parse_text` takes a string; :func:`parse_file` only reads and decodes the file.
A plan that cannot be read as a whole raises :class:`PlanParseError` listing every problem;
a plan that can is returned with its warnings in :attr:`ParsedPlan.problems`.
"""
from __future__ import annotations

import calendar
import contextvars
import re
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from pathlib import Path

from lantian.errors import InputError
from lantian.plan.docx_text import docx_text
from lantian.textfiles import decode_text

__all__ = [
    "ParsedCommitment", "ParsedDeadline", "ParsedMeasure", "ParsedPlan", "ParsedProblem",
    "ParsedSection", "ParsedSubsection", "ParsedTask", "PlanParseError", "parse_file", "parse_text",
]

LEAD, COOPERATING, IMPLEMENTING = "lead", "cooperating", "implementing"


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ParsedProblem:
    """A problem found while reading; ``error`` stops the parse, ``warning`` does not."""
    line: int | None
    message: str
    severity: str = "warning"


@dataclass(frozen=True)
class ParsedSubsection:
    """A sub-section heading such as （一）深入推进产业结构优化调整."""
    number: int
    title: str
    line: int


@dataclass(frozen=True)
class ParsedSection:
    """A section heading such as 三、重点任务 (or 第三章 …)."""
    number: int
    title: str
    line: int
    subsections: list[ParsedSubsection]


@dataclass(frozen=True)
class ParsedDeadline:
    """A time limit (时限) written in a task: a date, every year, before the heating season, or the plan's end."""
    text: str
    kind: str                  # "date" | "yearly" | "heating_season" | "plan_end"
    due: date | None = None
    month: int | None = None   # yearly deadlines only
    day: int | None = None


@dataclass(frozen=True)
class ParsedCommitment:
    """A quantified requirement: subject, comparison, number and unit (e.g. 秸秆综合利用率 >= 90 %)."""
    text: str
    subject: str
    operator: str              # ">=" | ">" | "<=" | "<" | "="
    value: str
    unit: str


@dataclass(frozen=True)
class ParsedTask:
    """A numbered task (重点任务) with its responsibility clause read into units."""
    number: int
    title: str
    body: str
    section: str | None
    subsection: str | None
    line: int
    lead: list[str]                 # 牵头单位
    lead_mode: str                  # "lead" | "by_duty" (按职责分工牵头)
    cooperating: list[str]          # 配合单位
    implementing: list[str]         # 负责落实 — usually the counties, stated once for all tasks
    responsibility_text: str | None
    deadlines: list[ParsedDeadline]
    commitments: list[ParsedCommitment]


@dataclass(frozen=True)
class ParsedMeasure:
    """A non-numbered item such as 五（一）强化组织领导 (保障措施), or a separately numbered list without units."""
    section: str | None
    number: str                     # as written: "（一）", "1．"
    title: str
    body: str
    line: int


@dataclass(frozen=True)
class ParsedPlan:
    title: str
    document_number: str | None
    issued: date | None
    period: tuple[int, int] | None
    sections: list[ParsedSection]
    tasks: list[ParsedTask]
    measures: list[ParsedMeasure]
    county_clause: str | None
    implementing: list[str]
    problems: list[ParsedProblem]

    def to_dict(self) -> dict:
        """Plain dicts, lists, strings, ints and ISO dates — ready for ``json.dumps``."""
        return _plain(self)


def _plain(value):
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class PlanParseError(InputError):
    """The plan cannot be read as a whole; ``problems`` holds every problem found, errors first."""

    def __init__(self, file, message, line=None, expected=None, problems=()):
        super().__init__(file, message, line=line, expected=expected)
        self.problems = list(problems)


# ---------------------------------------------------------------------------------------------
# Text normalisation: one character for one, so positions in the normalised text are positions
# in the text as written.

_FULL = "０１２３４５６７８９％／．＋－～："
_HALF = "0123456789%/.+-~:"
_TO_HALF = str.maketrans(
    _FULL + "".join(chr(c) for c in range(0xFF21, 0xFF3B)) + "".join(chr(c) for c in range(0xFF41, 0xFF5B)),
    _HALF + "".join(chr(c) for c in range(0x41, 0x5B)) + "".join(chr(c) for c in range(0x61, 0x7B)),
)
_SPACE = " \t\u3000\xa0\ufeff\r"
_OPEN, _CLOSE = "（(〔［[", "）)〕］]"     # 〔…〕 holds a responsibility clause in some cities' plans
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十百零〇两"


def _half(text: str) -> str:
    return text.translate(_TO_HALF)


def _cn_int(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; ASCII digits pass through."""
    if text.isascii() and text.isdigit():
        return int(text)
    total = current = 0
    for ch in text:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


def _cn_str(number: int) -> str:
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    if number < 100:
        return digits[number // 10] + "十" + (digits[number % 10] if number % 10 else "")
    return str(number)


# ---------------------------------------------------------------------------------------------
# Lines and their structural marks

_RE_CHAPTER = re.compile(rf"^第\s*([{_CN}]+|\d{{1,3}})\s*(?:章|部分)[\s、:.]*(?P<title>.*)$")
_RE_SECTION = re.compile(rf"^([{_CN}]+)\s*[、.]\s*(?P<title>.*)$")
_RE_SUB = re.compile(rf"^[（(]\s*([{_CN}]+)\s*[）)]\s*(?P<title>.*)$")
_RE_DOT_ITEM = re.compile(r"^(\d{1,3})\s*[.、](?!\d)\s*(?P<title>.*)$")
_RE_PAREN_ITEM = re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*(?P<title>.*)$")
_RE_BAD_ITEM = re.compile(r"^(\d{1,3})\s*(?:[.、:,，;；]\s*)?$|^(\d{1,3})\s+[\u4e00-\u9fff]")
_RE_TRAILER = re.compile(r"^(?:附件\s*\d*\s*(?::|$)|附\s*:|抄送\s*:|[（(]此件[^）)]*[）)]$)")
_RE_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_RE_CN_DATE_LINE = re.compile(r"^([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日$")


@dataclass
class _Line:
    no: int        # 1-based line number in the source text
    raw: str       # stripped, as written
    norm: str      # stripped, full-width digits and symbols made half-width


@dataclass
class _Mark:
    kind: str      # "heading" | "item" | "bad" | "text" | "blank"
    level: int = 0  # heading: 0 第X章, 1 一、, 2 （一）; item: 0 "1．", 1 "（1）"
    number: int = 0
    marker: str = ""
    text: str = ""


def _split_lines(text: str) -> list[_Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for no, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip(_SPACE)
        lines.append(_Line(no, stripped, _half(stripped)))
    return lines


def _classify(line: _Line) -> _Mark:
    if not line.raw:
        return _Mark("blank")
    for level, rx in ((0, _RE_CHAPTER), (1, _RE_SECTION), (2, _RE_SUB)):
        m = rx.match(line.norm)
        if m:
            start = m.start("title")
            return _Mark("heading", level, _cn_int(m.group(1)), line.raw[:start].strip(_SPACE), line.raw[start:])
    for style, rx in ((0, _RE_DOT_ITEM), (1, _RE_PAREN_ITEM)):
        m = rx.match(line.norm)
        if m:
            start = m.start("title")
            return _Mark("item", style, int(m.group(1)), line.raw[:start].strip(_SPACE), line.raw[start:])
    bad = _RE_BAD_ITEM.match(line.norm)
    if bad:
        return _Mark("bad", number=int(bad.group(1) or bad.group(2)), text=line.raw)
    return _Mark("text", text=line.raw)


def _split_title(text: str) -> tuple[str, str]:
    """'强化组织领导。各县…' → ('强化组织领导', '各县…'); a heading without 。 has no rest."""
    cut = text.find("。")
    if cut < 0:
        return text.strip(_SPACE).rstrip("：:；;"), ""
    return text[:cut].strip(_SPACE), text[cut + 1:].strip(_SPACE)


def _heading_like(title: str) -> bool:
    return bool(title) and "。" not in title and len(title) <= 40


# ---------------------------------------------------------------------------------------------
# Responsibility clauses (责任分工)

# (role, by_duty) for the verb that ends a run of units
_ROLE_VERBS = {
    "按照职责分工牵头": (LEAD, True), "按职责分工牵头": (LEAD, True), "按职责分工负责": (LEAD, True),
    "按职责牵头": (LEAD, True), "分别牵头": (LEAD, True), "共同牵头": (LEAD, False),
    "牵头负责": (LEAD, False), "牵头督导": (LEAD, False), "牵头落实": (LEAD, False), "牵头": (LEAD, False),
    "共同负责": (LEAD, True), "负责": (LEAD, False), "主办": (LEAD, False),
    "协同配合": (COOPERATING, False), "配合落实": (COOPERATING, False), "协同": (COOPERATING, False),
    "按职责分工配合": (COOPERATING, False), "按职责配合": (COOPERATING, False), "配合": (COOPERATING, False),
    "参与": (COOPERATING, False), "协助": (COOPERATING, False), "协办": (COOPERATING, False),
    "负责落实": (IMPLEMENTING, False), "具体落实": (IMPLEMENTING, False), "抓好落实": (IMPLEMENTING, False),
    "组织实施": (IMPLEMENTING, False), "负责实施": (IMPLEMENTING, False), "落实": (IMPLEMENTING, False),
}
_RE_ROLE_END = re.compile(
    "(" + "|".join(sorted(_ROLE_VERBS, key=len, reverse=True)) + r")\s*$")
# 责任单位：… / 牵头单位：…；配合单位：…  (None: a mixed list, the first or the one marked （牵头） leads)
_LABELS = {
    "牵头单位": LEAD, "牵头部门": LEAD, "主办单位": LEAD, "主责单位": LEAD,
    "配合单位": COOPERATING, "配合部门": COOPERATING, "协办单位": COOPERATING, "参与单位": COOPERATING,
    "实施单位": IMPLEMENTING, "落实单位": IMPLEMENTING, "实施主体": IMPLEMENTING, "责任主体": IMPLEMENTING,
    "责任单位": None, "责任部门": None,
}
#: a time limit written as its own label: 完成时限：2024年12月底前
_TIME_LABELS = ("完成时限", "完成时间", "完成期限", "时限要求", "时间要求", "时间节点", "时限")
_RE_LABEL = re.compile("(" + "|".join([*_LABELS, *_TIME_LABELS]) + r")\s*[:：]")
#: words for a time that is no deadline (a continuous task): 持续推进, 长期坚持…
_CONTINUOUS = ("持续推进", "长期坚持", "持续开展", "长期", "常态化推进", "按年度推进", "持续实施", "常年")
#: 排在第一位的为牵头单位 — a document's own rule that the first of several responsible units leads
_RE_FIRST_LEADS = re.compile(r"(?:排|列|排列)在?(?:第一位|首位|最前)的?(?:单位|部门)?(?:为|是)牵头")
_FIRST_LEADS: contextvars.ContextVar[bool] = contextvars.ContextVar("first_leads", default=False)
_RE_MARKED = re.compile(r"^(.+?)\s*[（(]\s*(牵头|主办|配合|参与|协办)\s*[）)]$")
_MARKED_ROLE = {"牵头": LEAD, "主办": LEAD, "配合": COOPERATING, "参与": COOPERATING, "协办": COOPERATING}
# "以下各项任务均需各县区人民政府负责落实，不再列出" — said once, meant for every task
_RE_COUNTY = re.compile(r"不再(?:一一|逐一|单独|另行)?列出|以下.{0,16}均(?:需|须|由|要)")
_RE_COUNTY_UNITS = re.compile(
    r"(?:均需|均须|均由|均要|都需|都由|统一由|需由|须由|由|需|须)(.+?)(?:负责落实|抓好落实|组织实施|负责|落实)")

_ORG_SUFFIXES = (
    "局", "委", "办", "部", "厅", "府", "会", "院", "所", "站", "中心", "公司", "集团", "队", "组", "室",
    "处", "科", "单位", "部门", "机关", "社", "行", "馆", "团", "联", "署", "庭", "机构", "企业", "学校",
    "大学", "指挥部",
)
_RE_AREA = re.compile(r"^(?:.*[区县市旗镇乡]|.*街道)$")
_RE_AREA_ORG = re.compile(r"^(.*?(?:[区县市旗镇乡]|街道))(.+)$")
_SENTENCE_WORDS = ("要求", "应当", "必须", "完成", "实施", "推进", "确保", "加强", "开展", "达到", "不得",
                   "以上", "以下", "进一步", "严格")


def _has_org_suffix(unit: str) -> bool:
    return unit.endswith(_ORG_SUFFIXES)


def _unit_like(unit: str) -> bool:
    return _has_org_suffix(unit) or bool(_RE_AREA.match(unit))


def _sentence_like(unit: str) -> bool:
    return (len(unit) > 30 or any(w in unit for w in _SENTENCE_WORDS)
            or any(c in unit for c in "“”\"《》:：。") or not unit)


def _split_top(text: str, separators: str) -> list[str]:
    """Split at separators outside parentheses: '各县（市、区）人民政府' is one unit."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _split_units(text: str) -> list[str]:
    """Units separated by 、, with a shared ending written once spread back:
    '长治高新区、经开区管委会' → ['长治高新区管委会', '经开区管委会'];
    '各县、区人民政府' (one kind of government for two levels) stays as written."""
    parts = [p.strip(_SPACE) for p in _split_top(text, "、")]
    parts = [p for p in parts if p]
    if parts and parts[-1].endswith("等") and _unit_like(parts[-1][:-1]):
        parts[-1] = parts[-1][:-1]
    parts = _shared_prefix(parts)
    units: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if not _has_org_suffix(part) and _RE_AREA.match(part):
            j = i + 1
            while j < len(parts) and not _has_org_suffix(parts[j]) and _RE_AREA.match(parts[j]):
                j += 1
            owner = _RE_AREA_ORG.match(parts[j]) if j < len(parts) and _has_org_suffix(parts[j]) else None
            if owner:
                area, org = owner.groups()
                if len(area) == 1:
                    units.append("、".join(parts[i:j + 1]))
                    i = j + 1
                else:
                    units.extend(p + org for p in parts[i:j])
                    i = j
                continue
        units.append(part)
        i += 1
    return units


def _shared_prefix(parts: list[str]) -> list[str]:
    """'市发展和改革局、工业和信息化局、自然资源局' — 市 written once for a run of city bureaus: spread
    to the bureaus after it that carry no level of their own (never to a zone, a company or 各…)."""
    out = list(parts)
    for k in range(1, len(out)):
        previous, unit = out[k - 1], out[k]
        if (previous.startswith("市") and not previous.startswith("市县") and unit.endswith(("局", "委", "办"))
                and len(unit) <= 12 and not unit.startswith(("市", "县", "区", "省", "国", "各", "中", "自治"))
                and not any(c in unit for c in "区县镇乡市省")):
            out[k] = "市" + unit
    return out


@dataclass
class _Responsibility:
    lead: list[str] = field(default_factory=list)
    by_duty: bool = False
    cooperating: list[str] = field(default_factory=list)
    implementing: list[str] = field(default_factory=list)
    county_text: str | None = None
    county_units: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)          # 2023年12月底前完成, 完成时限：… as written

    def add(self, role: str, units: list[str]) -> None:
        target = {LEAD: self.lead, COOPERATING: self.cooperating, IMPLEMENTING: self.implementing}[role]
        target.extend(u for u in units if u not in target)

    def merge(self, other: _Responsibility) -> None:
        self.add(LEAD, other.lead)
        self.add(COOPERATING, other.cooperating)
        self.add(IMPLEMENTING, other.implementing)
        self.by_duty = self.by_duty or other.by_duty
        self.times.extend(t for t in other.times if t not in self.times)
        if other.county_text:
            self.county_text, self.county_units = other.county_text, other.county_units

    def units(self) -> list[str]:
        return self.lead + self.cooperating + self.implementing + self.county_units


def _county_units(sentence: str) -> list[str] | None:
    m = _RE_COUNTY_UNITS.search(sentence)
    if not m:
        return None
    units = [u for chunk in _split_top(m.group(1), "，,") for u in _split_units(chunk)]
    return units or None


def _parse_clause(content: str, strict: bool) -> _Responsibility | None:
    """The units named in one clause, by role; None when the text is not a responsibility clause.
    ``strict`` (a bare sentence, no parentheses or label) accepts only recognisable unit names."""
    content = content.strip(_SPACE + "\n")
    if not content:
        return None
    label = _RE_LABEL.search(content)
    resp = _parse_labelled(content, label) if label else _parse_verbs(content)
    if resp is None:
        return None
    for unit in resp.units():
        if _sentence_like(unit) or (strict and not _unit_like(unit)):
            return None
    return resp


def _parse_verbs(content: str) -> _Responsibility | None:
    """'市发展改革委牵头，市工信局、市生态环境局配合，各县区人民政府负责落实' — units before each verb."""
    resp = _Responsibility()
    named = False
    for sentence in _split_top(content, "。；;\n"):
        sentence = sentence.strip(_SPACE)
        if not sentence:
            continue
        if _RE_COUNTY.search(sentence):
            units = _county_units(sentence)
            if units is None:
                return None
            resp.county_text, resp.county_units = sentence, units
            named = True
            continue
        pending: list[str] = []
        for chunk in _split_top(sentence, "，,"):
            chunk = chunk.strip(_SPACE)
            if not chunk:
                continue
            verb = _RE_ROLE_END.search(chunk)
            if verb is None and not pending and _time_chunk(chunk):
                resp.times.append(chunk)               # 2023年12月底前完成 — the clause's time limit
                continue
            if verb is None:
                pending.extend(_split_units(chunk))
                continue
            role, by_duty = _ROLE_VERBS[verb.group(1)]
            units = pending + _split_units(chunk[:verb.start()])
            if not units:
                return None
            resp.add(role, units)
            resp.by_duty = resp.by_duty or (role == LEAD and by_duty)
            pending, named = [], True
        if pending:
            return None
    return resp if named else None


def _parse_labelled(content: str, first: re.Match) -> _Responsibility | None:
    """'责任单位：市生态环境局（牵头）、市工信局' or '牵头单位：…；配合单位：…'."""
    if content[:first.start()].strip(_SPACE + "。；;，,"):
        return None
    labels = list(_RE_LABEL.finditer(content))
    resp = _Responsibility()
    for k, label in enumerate(labels):
        end = labels[k + 1].start() if k + 1 < len(labels) else len(content)
        segment = content[label.end():end].strip(_SPACE + "\n。；;，,")
        if not segment:
            return None
        if label.group(1) in _TIME_LABELS:
            resp.times.append(segment)
            continue
        role = _LABELS[label.group(1)]
        chunks = [c.strip(_SPACE) for c in _split_top(segment, "，,；;") if c.strip(_SPACE)]
        if any(_RE_ROLE_END.search(c) for c in chunks):
            part = _parse_verbs(segment)
            if part is None:
                return None
            resp.merge(part)
            continue
        marked: list[tuple[str, str]] = []
        plain: list[str] = []
        for unit in (u for c in chunks for u in _split_units(c)):
            m = _RE_MARKED.match(unit)
            if m:
                marked.append((m.group(1), _MARKED_ROLE[m.group(2)]))
            else:
                plain.append(unit)
        for unit, unit_role in marked:
            resp.add(unit_role, [unit])
        if role is not None:
            resp.add(role, plain)
        elif any(r == LEAD for _, r in marked):
            resp.add(COOPERATING, plain)
        elif plain and _FIRST_LEADS.get():
            # the document says 排在第一位的为牵头单位: the first leads
            resp.add(LEAD, plain[:1])
            resp.add(COOPERATING, plain[1:])
        elif plain:
            # 责任单位：A、B — every unit named is responsible (none is demoted to cooperating)
            resp.add(LEAD, plain)
            resp.by_duty = resp.by_duty or len(plain) > 1
    return resp


def _time_chunk(chunk: str) -> bool:
    """A part of a clause that is its time limit: a deadline (2023年12月底前完成) or a continuous time (持续推进)."""
    text = chunk.strip(_SPACE)
    if text.startswith(_CONTINUOUS):
        return True
    return len(text) <= 30 and not _has_org_suffix(text) and _RE_DEADLINE.search(_half(text)) is not None


def _closing(text: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


def _parse_tail(tail: str) -> _Responsibility | None:
    """A run of responsibility parentheticals and/or a labelled or bare clause reaching the end."""
    rest = tail.strip(_SPACE + "\n")
    result: _Responsibility | None = None
    while rest:
        if rest[0] in _OPEN:
            end = _closing(rest, 0)
            if end is None:
                return None
            part = _parse_clause(rest[1:end], strict=False)
            rest = rest[end + 1:].lstrip(_SPACE + "\n。；;")
        else:
            part = _parse_clause(rest.rstrip(_SPACE + "\n。；;"), strict=not _RE_LABEL.match(rest))
            rest = ""
        if part is None:
            return None
        if result is None:
            result = part
        else:
            result.merge(part)
    return result


def _clause_starts(text: str):
    for i in range(1, len(text)):
        if text[i] in _OPEN or (text[i - 1] in "。；;\n" and text[i] not in _SPACE + "\n"):
            yield i


def _split_clause(text: str) -> tuple[str, str | None, _Responsibility | None]:
    """(body, clause as written, responsibility) — the clause is the trailing run that names units."""
    text = text.rstrip(_SPACE + "\n")
    for i in _clause_starts(text):
        resp = _parse_tail(text[i:])
        if resp is not None:
            body = text[:i].rstrip(_SPACE + "\n")
            if body:
                return body, text[i:].strip(_SPACE + "\n"), resp
    return text, None, None


# ---------------------------------------------------------------------------------------------
# Deadlines (时限)

_RE_DEADLINE = re.compile(
    r"(?P<heat>(?:当年|每年|今年|本年度?|次年)?(?:采暖季|供暖季|取暖季)(?:开始)?(?:之|以)?前)"
    r"|(?P<yearly>每年(?:的)?(?:(?P<ym>\d{1,2})月(?:(?P<yd>\d{1,2})日|(?P<yend>底|末))?|(?P<yyear>年底|年末|底))"
    r"(?:之|以)?前)"
    r"|(?P<dated>(?<!\d)(?P<y>\d{4})\s*年\s*(?:(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日(?:之|以)?前"
    r"|(?P<mend>底|末)(?:之|以)?前?|(?:之|以)?前)|年?(?:底|末)(?:之|以)?前?))"
    r"|(?P<plan>(?:本|此)?(?:行动)?(?:计划|方案)(?:实施)?期(?:末|满)(?:之|以)?前?)"
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _before_month(year: int, month: int) -> date:
    """'10月前' — before October, i.e. by the end of September."""
    return _month_end(year - 1, 12) if month == 1 else _month_end(year, month - 1)


def _deadline(m: re.Match, text: str, period: tuple[int, int] | None) -> ParsedDeadline | None:
    written = text[m.start():m.end()]
    try:
        if m.group("heat"):
            return ParsedDeadline(written, "heating_season")
        if m.group("yearly"):
            if m.group("yyear"):
                return ParsedDeadline(written, "yearly", None, 12, 31)
            month = int(m.group("ym"))
            if m.group("yd"):
                day = int(m.group("yd"))
                date(2000, month, day)  # validates
            elif m.group("yend"):
                day = calendar.monthrange(2001, month)[1]
            else:
                before = _before_month(2001, month)
                month, day = before.month, before.day
            return ParsedDeadline(written, "yearly", None, month, day)
        if m.group("dated"):
            year = int(m.group("y"))
            if not m.group("m"):
                return ParsedDeadline(written, "date", date(year, 12, 31))
            month = int(m.group("m"))
            if m.group("d"):
                return ParsedDeadline(written, "date", date(year, month, int(m.group("d"))))
            if m.group("mend"):
                return ParsedDeadline(written, "date", _month_end(year, month))
            return ParsedDeadline(written, "date", _before_month(year, month))
        return ParsedDeadline(written, "plan_end", date(period[1], 12, 31) if period else None)
    except ValueError:  # 2023年2月30日, 13月
        return None


def _deadlines(body: str, period: tuple[int, int] | None, times: list[str] = ()) -> list[ParsedDeadline]:
    """The time limits written in a task's body, then those of its responsibility clause
    (（…配合，2023年12月底前完成）, 完成时限：…)."""
    found: list[ParsedDeadline] = []
    for text in (body, *times):
        norm = _half(text)
        for m in _RE_DEADLINE.finditer(norm):
            deadline = _deadline(m, text, period)
            if deadline and deadline not in found:
                found.append(deadline)
    return found


# ---------------------------------------------------------------------------------------------
# Quantified commitments (量化要求)

_MEASURE_UNITS = [
    r"吨/月[·・•.]?平方公里", r"吨/\(月[·・•.]?平方公里\)", "微克/立方米", "毫克/立方米", "μg/m3", "mg/m3",
    "蒸吨/小时", "吨/小时", "立方米/小时", "千瓦时", "平方公里", "平方千米", "平方米", "立方米", "公里",
    "千米", "km", "吨", "千瓦", "兆瓦", "MW", "千伏", "米", "%", "个百分点", "分贝", "dB", r"m(?![A-Za-z])",
]
_COUNT_UNITS = ["个工作日", "小时", "分钟", "天", "辆", "台", "家", "座", "个", "户", "套", "处", "条"]


def _unit_pattern(units: list[str]) -> str:
    # longest first so that 蒸吨/小时 wins over 吨
    return "|".join(sorted(units, key=lambda u: len(re.sub(r"\\.|\(\?.*?\)", "x", u)), reverse=True))


_RE_QUANTITY = re.compile(
    r"(?<![A-Za-z0-9.\-/_第])(?P<num>\d+(?:\.\d+)?)\s*"
    rf"(?:(?P<unit>(?:万|亿)?(?:{_unit_pattern(_MEASURE_UNITS)}))|(?P<count>万?(?:{_unit_pattern(_COUNT_UNITS)})))"
    r"(?P<post>及以上|及以下|以上|以下|以内|之内|范围以内|范围内|范围|以外|内)?"
)
_PRE_OPERATORS = {
    **dict.fromkeys(("不低于", "不少于", "不小于", "不短于", "至少"), ">="),
    **dict.fromkeys(("不高于", "不超过", "不大于", "不多于", "控制在", "降至", "降到", "下降到", "下降至", "压减至",
                     "压减到", "最多"), "<="),
    **dict.fromkeys(("高于", "大于", "超过", "多于"), ">"),
    **dict.fromkeys(("低于", "小于", "少于", "不足", "不到"), "<"),
    **dict.fromkeys(("达到", "达", "提高到", "提高至", "提升到", "提升至", "增加到", "增至", "保持在", "稳定在"), "reach"),
    **dict.fromkeys(("为", "等于"), "="),
}
_POST_OPERATORS = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<", "以内": "<=", "之内": "<=",
                   "范围以内": "<=", "范围内": "<=", "范围": "<=", "内": "<=", "以外": ">"}
_PRE_WORDS = sorted(_PRE_OPERATORS, key=len, reverse=True)
_DELIMITERS = "，。；：、（）()“”《》\n,;:!?！？"
_METRIC_NOUNS = ("高度", "长度", "宽度", "深度", "厚度", "容量", "容积", "规模", "浓度", "比例", "比重", "占比",
                 "率", "量", "面积", "功率", "负荷", "温度", "强度", "距离", "半径", "直径", "速度", "里程", "产能",
                 "吨位", "排量", "数量", "天数", "时长")
_SUBJECT_CUTS = ("的", "对", "将", "把", "使", "其中")
_LEADING_VERBS = ("进一步", "加速", "加快", "淘汰", "推进", "推动", "实施", "完成", "开展", "逐步", "全面", "持续",
                  "严格", "确保", "鼓励", "力争", "提前", "关停", "退出", "建设", "使用", "采用", "现有", "新建",
                  "所有", "全部", "巩固", "提升", "大力", "积极", "重点", "全市", "依法依规", "依法", "要", "应", "并", "且", "在")
_ACTION_VERBS = ("淘汰", "关停", "退出", "改造", "建设", "使用", "采用", "推进", "实施", "完成", "取缔", "整治", "替代")
_TRAILING_WORDS = ("必须", "要", "应", "需", "须", "稳定", "全部", "均", "确保", "持续", "保持", "力争", "基本",
                   "总体", "逐步", "累计", "分别", "能够", "可以", "原则上", "要求")
_POST_NOUN_CUTS = ("要", "应", "须", "需", "将", "实施", "淘汰", "改造", "建设", "配套", "使用", "完成", "开展", "进行",
                   "推进", "不得", "禁止", "全部", "成效", "组织", "必须", "和", "及", "等", "的")


def _strip_words(text: str, start: int) -> tuple[str, int]:
    """Strip leading verbs and trailing modal words; returns the subject and its start offset."""
    changed = True
    while changed and text:
        changed = False
        for word in _LEADING_VERBS:
            if text.startswith(word) and len(text) > len(word):
                text, start, changed = text[len(word):], start + len(word), True
                break
        for word in _TRAILING_WORDS:
            if text.endswith(word) and len(text) > len(word):
                text, changed = text[:-len(word)], True
                break
    return text, start


def _subject_before(norm: str, end: int) -> tuple[str, int]:
    start = max((norm.rfind(c, 0, end) for c in _DELIMITERS), default=-1) + 1
    phrase = norm[start:end]
    for cut in _SUBJECT_CUTS:
        at = phrase.rfind(cut)
        if at >= 0 and at + len(cut) < len(phrase):
            start, phrase = start + at + len(cut), phrase[at + len(cut):]
    subject, start = _strip_words(phrase, start)
    if subject in _LEADING_VERBS or subject in _TRAILING_WORDS or subject.endswith(_ACTION_VERBS):
        return "", end
    return subject, start


def _noun_after(norm: str, start: int) -> str:
    end = start
    while end < len(norm) and norm[end] not in _DELIMITERS:
        end += 1
    phrase = norm[start:end]
    cut = min((at for at in (phrase.find(w, 1) for w in _POST_NOUN_CUTS) if at > 0), default=len(phrase))
    return phrase[:cut]


def _pre_operator(norm: str, at: int) -> tuple[str | None, int]:
    before = norm[:at].rstrip(" ")
    for word in _PRE_WORDS:
        if before.endswith(word):
            return _PRE_OPERATORS[word], len(before) - len(word)
    return None, at


def _commitment(m: re.Match, norm: str, body: str) -> ParsedCommitment | None:
    pre, cmp_start = _pre_operator(norm, m.start())
    post = _POST_OPERATORS.get(m.group("post")) if m.group("post") else None
    if pre in (">=", "<=", ">", "<"):
        operator = pre
    elif post:
        operator = post
    elif pre == "reach":
        operator = ">="
    else:
        operator = pre      # "=" or None
    if m.group("count") and operator in (None, "="):
        return None         # a bare count ("10个关键环节") is not a requirement
    subject, start = _subject_before(norm, cmp_start)
    if (subject and not subject.endswith(_METRIC_NOUNS) and m.group("post") in ("以上", "以下", "及以上", "及以下")
            and _noun_after(norm, m.end())):
        subject = ""        # '建成区内10蒸吨/小时及以下燃煤锅炉' — the boilers are the subject
    if operator is None:
        if not subject.endswith(_METRIC_NOUNS):
            return None
        operator = "="
    end = m.end()
    if subject:
        end += len(_noun_after(norm, end)) if norm[end:end + 1] != "的" else 0
    else:
        start = cmp_start
        skip = 1 if norm[end:end + 1] == "的" else 0
        subject = _noun_after(norm, end + skip)
        end += skip + len(subject)
    unit = m.group("unit") or m.group("count")
    return ParsedCommitment(body[start:end], subject, operator, m.group("num"), unit)


def _commitments(body: str) -> list[ParsedCommitment]:
    norm = _half(body)
    return [c for c in (_commitment(m, norm, body) for m in _RE_QUANTITY.finditer(norm)) if c]


# ---------------------------------------------------------------------------------------------
# Front matter: title, document number, date, period

_PLAN_WORDS = ("计划", "方案", "规划", "意见", "措施", "要点", "细则")
_RE_BOOK = re.compile(r"《([^《》\n]{2,80})》")
_RE_NOTICE = re.compile(r"关于印发(.+?)的通知")
_RE_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【（(]\s*\d{4}\s*[〕\]］】）)]\s*\d{1,4}\s*号")
_RE_PERIOD = re.compile(r"(?<!\d)(\d{4})\s*(?:年)?\s*[-—–~至到]\s*(\d{4})\s*年")
_RE_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_RE_YEARS_LINE = re.compile(r"^[（(]\s*\d{4}\s*[-—–~至到]\s*\d{4}\s*年\s*[）)]$")


def _title(preamble: list[_Line], lines: list[_Line]) -> str:
    for k in range(len(preamble) - 1, -1, -1):
        text = preamble[k].raw
        if (text and len(text) <= 60 and not any(c in text for c in "。，,：:；;") and "印发" not in text
                and any(w in text for w in _PLAN_WORDS)):
            following = next((ln for ln in preamble[k + 1:] if ln.raw), None)
            if following and _RE_YEARS_LINE.match(following.norm):
                text += following.raw
            return text.strip("《》")
    whole = "\n".join(ln.raw for ln in lines)
    named = [n for ln in preamble for n in _RE_BOOK.findall(ln.raw) if n.endswith(_PLAN_WORDS)]
    if named:
        return max(dict.fromkeys(named), key=whole.count)   # ties: the first named
    for line in lines:
        notice = _RE_NOTICE.search(line.raw)
        if notice:
            return notice.group(1).strip("《》")
    return next((ln.raw for ln in lines if _heading_like(ln.raw)), "")


def _document_number(preamble: list[_Line], lines: list[_Line]) -> str | None:
    for group in (preamble, lines):
        for line in group:
            m = _RE_DOCNO.search(line.norm)
            if m:
                return line.raw[m.start():m.end()]
    return None


def _date_line(line: _Line) -> date | None:
    try:
        m = _RE_DATE_LINE.match(line.norm)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _RE_CN_DATE_LINE.match(line.raw)
        if m:
            year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
            return date(year, _cn_int(m.group(2)), _cn_int(m.group(3)))
    except ValueError:
        return None
    return None


def _issued(preamble: list[_Line], lines: list[_Line]) -> date | None:
    for line in [*preamble, *reversed(lines)]:
        found = _date_line(line)
        if found:
            return found
    return None


def _period(title: str) -> tuple[int, int] | None:
    norm = _half(title)
    m = _RE_PERIOD.search(norm)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = _RE_YEAR.search(norm)
    return (int(m.group(1)),) * 2 if m else None


# ---------------------------------------------------------------------------------------------
# The walk over the plan's body


@dataclass
class _Section:
    number: int
    title: str
    line: int
    subs: list[_Sub] = field(default_factory=list)


@dataclass
class _Sub:
    number: int
    marker: str
    title: str
    line: int
    level: int
    section: _Section
    lines: list[str] = field(default_factory=list)
    inline: bool = False
    has_tasks: bool = False
    has_children: bool = False


@dataclass
class _Item:
    number: int
    marker: str
    line: int
    section: _Section | None
    sub: _Sub | None
    lines: list[str]
    readable: bool = True

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _County:
    text: str
    units: list[str]
    from_item: int     # applies to items from this index on


class _Reader:
    """One walk over the lines: headings open sections, numbered items open tasks, other lines attach."""

    def __init__(self, lines: list[_Line]):
        self.lines = lines
        self.marks = [_classify(ln) for ln in lines]
        self.paragraph_tasks()
        self.problems: list[ParsedProblem] = []
        self.sections: list[_Section] = []
        self.items: list[_Item] = []
        self.county: _County | None = None
        self.section: _Section | None = None
        self.sub_stack: list[_Sub] = []
        self.current: _Item | _Sub | None = None
        self.counters: dict[int, int] = {}
        self.expected: dict[ParsedProblem, str | None] = {}

    def error(self, line: int | None, message: str, expected: str | None = None) -> None:
        problem = ParsedProblem(line, message, "error")
        self.problems.append(problem)
        self.expected.setdefault(problem, expected)

    def warn(self, line: int | None, message: str) -> None:
        self.problems.append(ParsedProblem(line, message, "warning"))

    def paragraph_tasks(self) -> None:
        """Without any 1．/（1） item, the （一）（二） paragraphs that run on past their heading
        (「（三）坚决遏制……。正文……（市发展改革委牵头）」) are the numbered tasks — item style 2 —
        numbered across sections or afresh in each (then renumbered in order, see
        :meth:`tasks_and_numbered_measures`); short （一） headings stay headings."""
        if any(m.kind == "item" for m in self.marks):
            return
        paragraphs, owned = [], False
        for i, mark in enumerate(self.marks):
            if mark.kind == "heading" and mark.level == 2:
                title, rest = _split_title(mark.text)
                follows = next((k for k in range(i + 1, len(self.marks)) if self.marks[k].kind != "blank"), None)
                clause_below = follows is not None and self.marks[follows].kind == "text" and \
                    _parse_tail(self.lines[follows].raw) is not None
                names_units = _split_clause(mark.text)[1] is not None or clause_below
                if rest or names_units:
                    paragraphs.append(i)
                    owned = owned or names_units
        if owned:                      # a notice's own （一）（二） points name no unit: they stay text
            for i in paragraphs:
                mark = self.marks[i]
                self.marks[i] = _Mark("item", 2, mark.number, mark.marker, mark.text)

    # -- where the plan starts and ends

    def start(self) -> tuple[int | None, int | None, int | None]:
        """(index of the first plan line, top heading level or None, task item style)."""
        start = top = None
        for level in (0, 1, 2):
            firsts = [i for i, mark in enumerate(self.marks)
                      if mark.kind == "heading" and mark.level == level and mark.number == 1
                      and _heading_like(_split_title(mark.text)[0])]
            if firsts:
                start, top = self.richest(firsts), level
                break
        styles = [m.level for m in self.marks[start or 0:] if m.kind == "item"]
        style = min(styles) if styles else None
        if start is None and style is not None:
            start = self.longest_run_start(style)
        return start, top, style

    def richest(self, firsts: list[int]) -> int:
        """Of several headings numbered 一 (a notice's own 一、二、 before the plan's), the one whose
        stretch holds the most numbered items; the first on a tie."""
        bounds = [*firsts[1:], len(self.marks)]
        counts = [sum(1 for m in self.marks[a:b] if m.kind == "item") for a, b in zip(firsts, bounds)]
        return firsts[counts.index(max(counts))]

    def longest_run_start(self, style: int) -> int | None:
        """Without headings, the plan starts at the item 1 followed by the longest run 1, 2, 3 …
        — an earlier "1．" (a list in the notice) stays preamble."""
        numbered = [(i, m.number) for i, m in enumerate(self.marks) if m.kind == "item" and m.level == style]
        best, best_length = None, 0
        for k, (index, number) in enumerate(numbered):
            if number != 1:
                continue
            length = 1
            for _, following in numbered[k + 1:]:
                if following != length + 1:
                    break
                length += 1
            if length > best_length:
                best, best_length = index, length
        return best

    def end(self, start: int) -> int:
        """The plan's last line + 1: before 附件/抄送 and a closing signature with its date."""
        end = next((i for i in range(start + 1, len(self.lines)) if _RE_TRAILER.match(self.lines[i].norm)),
                   len(self.lines))
        k = end - 1
        while k > start and not self.lines[k].raw:
            k -= 1
        if k > start and _date_line(self.lines[k]):
            end = k
            for _ in range(3):
                k -= 1
                text = self.lines[k].raw
                if k <= start or (text and not (_unit_like(text) and not any(c in text for c in "。，,；;："))):
                    break
                end = k
        return end

    # -- reading

    def read(self) -> int | None:
        """Walk the plan's lines; returns the index of its first line (None: no plan found)."""
        start, top, style = self.start()
        self.style = style
        if start is None or style is None:
            return start
        for i in range(start):
            mark = self.marks[i]
            if mark.kind == "item" and mark.level == style:
                self.warn(self.lines[i].no, f"正文开始前的编号段落未作为任务读取：“{self.lines[i].raw[:20]}…”")
        for i in range(start, self.end(start)):
            line, mark = self.lines[i], self.marks[i]
            if mark.kind == "blank":
                continue
            if mark.kind == "heading" and top is not None and mark.level >= top and self.heading(line, mark, top):
                continue
            if mark.kind == "item" and mark.level == style:
                self.item(line, mark)
            elif mark.kind == "bad":
                self.error(line.no, f"第{line.no}行看似编号任务但无法读取：“{line.raw}”", "“1．任务标题。……”")
                self.placeholder(line, mark)
            else:
                self.text(line)
        return start

    def heading(self, line: _Line, mark: _Mark, top: int) -> bool:
        title, rest = _split_title(mark.text)
        if not title:
            self.error(line.no, f"第{line.no}行的标题编号“{mark.marker}”后没有文字", "标题文字")
            return True
        expected = self.counters.get(mark.level, 0) + 1
        if mark.number != expected:
            if rest or not _heading_like(title):
                return False     # an enumeration inside running text, not a heading
            self.error(line.no, f"章节编号不连续：第{line.no}行应为“{_numeral(mark.level, expected)}”，"
                                f"实际为“{mark.marker}”", _numeral(mark.level, expected))
        self.counters[mark.level] = mark.number
        for level in list(self.counters):
            if level > mark.level:
                self.counters[level] = 0
        self.current = None
        if mark.level == top:
            self.section = _Section(mark.number, title, line.no)
            self.sections.append(self.section)
            self.sub_stack = []
            if rest:
                self.scan_county(rest)
            return True
        while self.sub_stack and self.sub_stack[-1].level >= mark.level:
            self.sub_stack.pop()
        if self.sub_stack:
            self.sub_stack[-1].has_children = True
        sub = _Sub(mark.number, mark.marker, title, line.no, mark.level, self.section,
                   [mark.text] if rest else [], inline=bool(rest))
        self.section.subs.append(sub)
        self.sub_stack.append(sub)
        self.current = sub
        return True

    def item(self, line: _Line, mark: _Mark) -> None:
        if not mark.text.strip(_SPACE):
            self.error(line.no, f"第{line.no}行的编号“{mark.marker}”后没有任务内容", "任务标题与正文")
            self.placeholder(line, mark)
            return
        sub = self.sub_stack[-1] if self.sub_stack else None
        if sub:
            sub.has_tasks = True
        self.current = _Item(mark.number, mark.marker, line.no, self.section, sub, [mark.text])
        self.items.append(self.current)

    def placeholder(self, line: _Line, mark: _Mark) -> None:
        """An unreadable numbered line still takes its number, so the numbering after it is judged fairly."""
        self.current = _Item(mark.number, mark.marker or line.raw, line.no, self.section, None, [], readable=False)
        self.items.append(self.current)

    def text(self, line: _Line) -> None:
        current = self.current
        if isinstance(current, _Item):
            if _split_clause(current.text)[1] is not None and _parse_tail(line.raw) is None:
                self.error(line.no, f"第{line.no}行的文字无法归属：第{current.number}项任务已在责任单位处结束",
                           f"第{current.number + 1}项编号任务或标题")
                return
            current.lines.append(line.raw)
            return
        if isinstance(current, _Sub):
            current.lines.append(line.raw)
        self.scan_county(line.raw)

    def scan_county(self, text: str) -> None:
        for sentence in re.split(r"[。；;]", text):
            if _RE_COUNTY.search(sentence):
                units = _county_units(sentence)
                if units and all(not _sentence_like(u) for u in units):
                    self.county = _County(sentence.strip(_SPACE), units, len(self.items))

    # -- numbering

    def sequence_errors(self, items: list[_Item]) -> list[tuple[int, str, str]]:
        errors = []
        expected = 1
        for item in items:
            if item.number != expected:
                kind = "跳号" if item.number > expected else "重复或倒退"
                errors.append((item.line, f"任务编号{kind}：第{item.line}行应为第{expected}项，实际为“{item.marker}”",
                               f"第{expected}项"))
            expected = item.number + 1
        return errors

    def owned_runs(self) -> tuple[dict[int, list[_Item]], set[int]]:
        """The items by section, and the sections none of whose items names a unit."""
        runs: dict[int, list[_Item]] = {}
        for item in self.items:
            runs.setdefault(id(item.section), []).append(item)
        unowned = {key for key, run in runs.items()
                   if not any(_split_clause(it.text)[1] or any(not isinstance(x, str) for x in _inner_clauses(it.text))
                              for it in run)}
        return runs, unowned

    def paragraph_split(self) -> tuple[list[_Item], list[_Item]]:
        """Style 2 (（一） paragraphs): sections whose paragraphs name no unit (总体要求's （一）指导思想) hold
        measures; the tasks keep their numbers when numbered across sections, and are numbered in order
        1…n when each section starts again at （一）."""
        runs, unowned = self.owned_runs()
        if len(unowned) == len(runs):
            unowned = set()
        tasks = [it for it in self.items if id(it.section) not in unowned]
        measures = [it for it in self.items if id(it.section) in unowned]
        for key in unowned:
            first = runs[key][0]
            where = f"“{first.section.title}”" if first.section else "正文"
            self.warn(first.line, f"{where}中的（一）（二）……条目未列责任单位，按非任务条目（措施）读取")
        if not self.sequence_errors(self.items):
            return tasks, measures
        if tasks and all(not self.sequence_errors(run) for run in runs.values()):
            for n, item in enumerate(tasks, 1):
                item.number = n
            self.warn(tasks[0].line, f"任务在各章节分别以（一）（二）……编号，按出现顺序统一编为第1—{len(tasks)}项")
            return tasks, measures
        for line, message, expected in self.sequence_errors(self.items):
            self.error(line, message, expected)
        return tasks, measures

    def tasks_and_numbered_measures(self) -> tuple[list[_Item], list[_Item]]:
        """Items in one continuous numbering are tasks. When numbering restarts, a section whose
        items name no units at all (主要目标 or 保障措施 numbered on their own) holds measures."""
        if getattr(self, "style", None) == 2:
            return self.paragraph_split()
        errors = self.sequence_errors(self.items)
        if errors:
            runs: dict[int, list[_Item]] = {}
            for item in self.items:
                runs.setdefault(id(item.section), []).append(item)
            unowned = {key for key, run in runs.items()
                       if not any(_split_clause(it.text)[1] for it in run)}
            if unowned and len(unowned) < len(runs):
                tasks = [it for it in self.items if id(it.section) not in unowned]
                if not self.sequence_errors(tasks):
                    measures = [it for it in self.items if id(it.section) in unowned]
                    for key in unowned:
                        first = runs[key][0]
                        where = f"“{first.section.title}”" if first.section else "正文"
                        self.warn(first.line, f"{where}中的编号条目单独编号且未列责任单位，按非任务条目（措施）读取")
                    return tasks, measures
            for line, message, expected in errors:
                self.error(line, message, expected)
        return self.items, []


def _numeral(level: int, number: int) -> str:
    cn = _cn_str(number)
    return {0: f"第{cn}章", 1: f"{cn}、", 2: f"（{cn}）"}.get(level, str(number))


def _first_sentence(body: str) -> str:
    first = body.split("\n", 1)[0]
    cut = first.find("。")
    return (first[:cut] if cut >= 0 else first).strip(_SPACE).rstrip("；;，,：:")


_RE_ROLE_HINT = re.compile(r"牵头|配合|参与|协办|协助|协同|主办|负责|责任单位|牵头单位|配合单位")


def _bracketed(text: str):
    """Every top-level bracketed part of ``text``: (start, end, content)."""
    i = 0
    while i < len(text):
        if text[i] in _OPEN:
            end = _closing(text, i)
            if end is None:
                return
            yield i, end, text[i + 1:end]
            i = end + 1
        else:
            i += 1


def _inner_clauses(body: str) -> list[_Responsibility | str]:
    """Responsibility clauses inside the body — 〔市生态环境局牵头，…参与〕 after one sentence of a task,
    more text after it — read (a :class:`_Responsibility`), or, naming units by a role word but not
    readable, the text as written (its units would be lost: the caller makes it an error)."""
    out = []
    for _, _, content in _bracketed(body):
        if not _RE_ROLE_HINT.search(content) or not any(
                _has_org_suffix(u) or _RE_AREA.match(u) for chunk in _split_top(content, "，,；;。、")
                for u in [re.sub(_RE_ROLE_END, "", chunk.strip(_SPACE))] if u):
            continue
        resp = _parse_clause(content, strict=False)
        out.append(resp if resp is not None and resp.units() else content)
    return out


def _task(item: _Item, county: _County | None, index: int, period, reader: _Reader) -> ParsedTask:
    body, clause, resp = _split_clause(item.text)
    resp = resp or _Responsibility()
    lost = False
    for inner in _inner_clauses(body):
        if isinstance(inner, str):
            reader.error(item.line, f"第{item.number}项任务的责任分工无法读取，其中的单位会丢失：“（{inner[:40]}）”",
                         "“（市生态环境局牵头，市工信局配合）”")
            lost = True
        else:
            resp.merge(inner)
    if clause is None and not resp.units() and not lost:
        tail = item.text.strip(_SPACE + "\n")[-80:]
        hint = next((c for _, _, c in _bracketed(tail) if _RE_ROLE_HINT.search(c)), None)
        last = tail.split("\n")[-1]
        if hint is None and _RE_ROLE_HINT.search(last) and _RE_LABEL.search(last):
            hint = last
        if hint is not None:
            reader.error(item.line, f"第{item.number}项任务的责任分工无法读取，其中的单位会丢失：“{hint[:50]}”",
                         "“（市生态环境局牵头，市工信局配合）”或“牵头单位：…”")
        else:
            reader.warn(item.line, f"第{item.number}项任务缺少责任单位（牵头/配合）")
    elif not resp.lead:
        reader.warn(item.line, f"第{item.number}项任务未写明牵头单位")
    for unit in resp.lead + resp.cooperating + resp.implementing:
        if not _unit_like(unit):
            reader.warn(item.line, f"第{item.number}项任务的责任单位“{unit}”无法识别为单位名称")
    implementing = list(resp.implementing)
    if not implementing and county and index >= county.from_item:
        implementing = list(county.units)
    return ParsedTask(
        number=item.number,
        title=_first_sentence(body),
        body=body,
        section=item.section.title if item.section else None,
        subsection=item.sub.title if item.sub else None,
        line=item.line,
        lead=resp.lead,
        lead_mode="by_duty" if resp.by_duty else "lead",
        cooperating=resp.cooperating,
        implementing=implementing,
        responsibility_text=clause,
        deadlines=_deadlines(body, period, resp.times),
        commitments=_commitments(body),
    )


def _measure_from_sub(sub: _Sub) -> ParsedMeasure:
    body = "\n".join(sub.lines if sub.inline else [sub.title, *sub.lines])
    return ParsedMeasure(sub.section.title, sub.marker, sub.title, body, sub.line)


def _is_measure(sub: _Sub) -> bool:
    return not sub.has_tasks and not sub.has_children and any(ln.strip(_SPACE) for ln in sub.lines)


# ---------------------------------------------------------------------------------------------
# Entry points


def parse_text(text: str, source: str = "<text>") -> ParsedPlan:
    """Read a plan from its text. Raises :class:`PlanParseError` naming every error when it cannot be
    read as a whole."""
    token = _FIRST_LEADS.set(_RE_FIRST_LEADS.search(text) is not None)
    try:
        return _parse_text(text, source)
    finally:
        _FIRST_LEADS.reset(token)


def _parse_text(text: str, source: str) -> ParsedPlan:
    lines = _split_lines(text.lstrip("\ufeff"))
    reader = _Reader(lines)
    start = reader.read()
    preamble = lines[:start] if start is not None else lines

    tasks_items, numbered_measures = reader.tasks_and_numbered_measures()
    if not tasks_items and not any(p.severity == "error" for p in reader.problems):
        reader.error(None, "未找到编号任务：应有以“1．”“1、”“１．”或“（1）”开头的任务段落，"
                           "如“1．坚决遏制“两高”项目盲目发展。……（市发展改革委牵头，市工信局配合）”",
                     "以“1．”开头的编号任务")

    title = _title(preamble, lines)
    period = _period(title)
    county = reader.county
    task_ids = {id(item) for item in tasks_items}
    tasks = []
    for index, item in enumerate(reader.items):
        if id(item) not in task_ids or not item.readable:
            continue
        body, _, own = _split_clause(item.text)
        for part in [own, *(x for x in _inner_clauses(body) if not isinstance(x, str))]:
            if part and part.county_text:
                # 以下各项任务…均需…负责落实，不再列出 — from this task on
                county = _County(part.county_text, part.county_units, index)
        tasks.append(_task(item, county, index, period, reader))

    errors = sorted((p for p in reader.problems if p.severity == "error"), key=lambda p: (p.line is None, p.line))
    if errors:
        first = errors[0]
        message = first.message if len(errors) == 1 else (
            f"共{len(errors)}处错误：" + "；".join(e.message if e.line is None or f"第{e.line}行" in e.message
                                               else f"第{e.line}行：{e.message}" for e in errors))
        raise PlanParseError(source, message, line=first.line, expected=reader.expected.get(first),
                             problems=errors + [p for p in reader.problems if p.severity != "error"])

    measures = [_measure_from_sub(s) for sec in reader.sections for s in sec.subs if _is_measure(s)]
    for item in numbered_measures:
        body = item.text
        measures.append(ParsedMeasure(item.section.title if item.section else None, item.marker,
                                      _first_sentence(body), body, item.line))
    measures.sort(key=lambda m: m.line)
    sections = [ParsedSection(sec.number, sec.title, sec.line,
                              [ParsedSubsection(s.number, s.title, s.line) for s in sec.subs if not _is_measure(s)])
                for sec in reader.sections]
    problems = sorted(reader.problems, key=lambda p: (p.line or 0))
    return ParsedPlan(
        title=title,
        document_number=_document_number(preamble, lines),
        issued=_issued(preamble, lines),
        period=period,
        sections=sections,
        tasks=tasks,
        measures=measures,
        county_clause=county.text if county else None,
        implementing=list(county.units) if county else [],
        problems=problems,
    )


def parse_file(path: str | Path) -> ParsedPlan:
    """Read a plan file: a Word document (.docx, as plans circulate), or text in UTF-8 (with or
    without BOM), else GB18030/GBK."""
    data = Path(path).read_bytes()
    if data.startswith(b"PK\x03\x04"):
        return parse_text(docx_text(path), source=str(path))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PlanParseError(str(path), "这是旧版 Word 文档（.doc），无法直接读取",
                             expected="在 Word 或 WPS 中另存为 .docx（或纯文本 .txt）后再导入")
    if Path(path).suffix.lower() == ".docx":          # named .docx but not a Word package (a zip)
        raise PlanParseError(str(path), "文件名是 .docx，但内容不是 Word 文档（可能已损坏或只是改了扩展名）",
                             expected="在 Word 或 WPS 中重新另存为 .docx（或纯文本 .txt）后再导入")
    try:
        text = decode_text(data, path)
    except InputError as exc:
        raise PlanParseError(str(path), exc.message, line=exc.line, expected=exc.expected) from None
    return parse_text(text, source=str(path))
