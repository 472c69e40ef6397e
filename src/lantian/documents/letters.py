"""Letters built on the document service. First: the 预警通知函 to a county government that lags
its air-quality targets (assessment feeds it real numbers).

Every number is stated together with the arithmetic behind it, so the county can check it:
the remaining daily allowance is (target × days in year − cumulative × days elapsed) ÷ days
remaining, e.g. (32×365−38×181)÷184 = 26.1 µg/m³. Values are rounded once, from the exact
value, half to even (GB/T 8170—2008 §3.3, :mod:`lantian.standards.rounding`).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from lantian.standards.rounding import Number, ceil_fraction, exact, round_half_even

from .content import Heading, OfficialDocument, Paragraph, Table, cn_date

UNIT = "微克/立方米"

NOT_SET = "未设定目标"


def unit_short(name: str, level: str | None = None) -> str:
    """The one character a letter addresses the unit by — 你县, 你区, 你市 — from what the unit is: a
    county (县), a district or a development zone (区), a county-level city (市)."""
    if level == "zone":
        return "区"
    for end in ("县", "市", "区", "旗"):
        if name.endswith(end):
            return end
    return "区"


def addressee(name: str, level: str | None = None) -> str:
    """Who a letter to the unit is addressed to: a development zone's 管委会, else its 人民政府."""
    return f"{name}管委会" if level == "zone" else f"{name}人民政府"


DEFAULT_REQUIREMENTS = [
    ("压实属地责任。", "{you}要切实扛起大气污染防治属地责任，主要负责同志亲自部署、亲自调度，认真分析"
     "空气质量改善滞后的原因，制定针对性整改措施，明确责任单位、责任人和完成时限。"),
    ("强化重点污染源管控。", "聚焦工业企业、燃煤散烧、扬尘、机动车等重点领域，全面排查整治突出问题，"
     "严格落实重污染天气应急减排措施，确保各项管控措施落实到位。"),
    ("加强站点周边精细化管理。", "加密对辖区国控、省控站点周边的巡查检查，开展站点周边污染源排查整治，"
     "对发现的问题即查即改、立行立改。"),
    ("确保完成年度目标。", "按照剩余时段日均浓度控制要求，将目标分解到月、落实到周，逐月调度、"
     "滚动推进，确保完成全年目标任务。"),
]


def fmt(value: Number | Decimal, dp: int | None = None) -> str:
    """A number as written in the letter: 38, 26.1, 72.0 (``dp`` fixes the decimals, half-even)."""
    if dp is not None:
        return str(round_half_even(value, dp))
    d = Decimal(str(value)) if not isinstance(value, (Fraction, Decimal)) else value
    if isinstance(d, Fraction):
        d = round_half_even(d, 1)
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)



def period_words(end: dt.date) -> str:
    """The year-to-date period ending on ``end``, as letters write it: 1月, 1—6月, 1月1日—6月15日."""
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        return f"{end.month}月" if end.month == 1 else f"1—{end.month}月"
    return f"1月1日—{end.month}月{end.day}日"


@dataclass
class WarningLetterContext:
    """What a 预警通知函 states. Concentrations in µg/m³, ratios in percent."""
    county: str  # 潞州区
    year: int
    period_end: dt.date  # cumulative values run from 1 January to this day
    pm25: Number  # cumulative PM2.5 concentration
    pm25_target: Number | None  # annual target (None: not set — written 未设定目标)
    good_days: int  # days with AQI ≤ 100 so far
    valid_days: int  # days with a valid AQI so far
    good_ratio_target: Number | None  # annual target, percent (None: not set)
    deadline: dt.date  # 整改报告 due
    date: dt.date  # 成文日期
    doc_number: str = ""  # 长气防办函〔2023〕12号
    issuer: str = "市大气污染防治工作领导小组办公室"   # the workspace's: lantian.documents.office
    issuer_short: str = "市大气办"
    recipient: str = ""  # default: {county}人民政府, a zone's 管委会 (:func:`addressee`)
    county_short: str = ""  # 你区 / 你县 / 你市; default from the name (:func:`unit_short`)
    level: str | None = None  # county | zone (a zone's letter goes to its 管委会)
    data_note: str = ""  # what the figures cover: 数据截至…；…共…天，有效…天
    stations: str = ""  # the assessment stations the figures are from
    incomplete: str = ""  # 数据不完整：… — printed at the top when the data falls short
    basis: str = "根据《环境空气质量改善目标考核办法》"   # the city's, from the caller
    rank: int | None = None  # among `ranked` counties, 1 = best
    ranked: int | None = None
    pm25_allowance: Number | None = None  # given by assessment, else computed
    monthly: list[tuple] = field(default_factory=list)  # (month, PM2.5, good-day ratio %)
    requirements: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_REQUIREMENTS))
    contact: str = ""  # 联系人：张三；联系电话：0355-1234567

    @property
    def you(self) -> str:
        """你县 / 你区 / 你市 — ``county_short`` when given, else from what the unit is."""
        return "你" + (self.county_short or unit_short(self.county, self.level))

    # --- the arithmetic, exact ----------------------------------------------------------------
    @property
    def days_in_year(self) -> int:
        return 366 if calendar.isleap(self.year) else 365

    @property
    def days_elapsed(self) -> int:
        return (self.period_end - dt.date(self.year, 1, 1)).days + 1

    @property
    def days_remaining(self) -> int:
        return self.days_in_year - self.days_elapsed

    @property
    def allowance_exact(self) -> Fraction:
        """Mean PM2.5 the remaining days may average for the year to meet the target."""
        if self.pm25_allowance is not None:
            return exact(self.pm25_allowance)
        if self.days_remaining <= 0:
            raise ValueError("no days remain in the year")
        return (exact(self.pm25_target) * self.days_in_year - exact(self.pm25) * self.days_elapsed) \
            / self.days_remaining

    @property
    def good_ratio(self) -> Decimal:
        return round_half_even(Fraction(self.good_days * 100, self.valid_days), 1)

    @property
    def good_days_needed(self) -> int | None:
        """Good days the whole year needs: days in year × target ratio, rounded up (None: no target)."""
        if self.good_ratio_target is None:
            return None
        return ceil_fraction(exact(self.good_ratio_target) * self.days_in_year / 100)

    @property
    def period(self) -> str:
        return period_words(self.period_end)

    # --- the sentences -------------------------------------------------------------------------
    def pm25_sentence(self) -> str:
        you, p = self.you, self.period
        if self.pm25_target is None:
            return f"{p}{you}PM2.5累计浓度为{fmt(self.pm25)}{UNIT}，年度目标：{NOT_SET}。"
        c, t = exact(self.pm25), exact(self.pm25_target)
        text = f"{p}{you}PM2.5累计浓度为{fmt(self.pm25)}{UNIT}，"
        if c > t:
            text += (f"高于年度目标（{fmt(self.pm25_target)}{UNIT}）{fmt(c - t)}{UNIT}，"
                     f"超出{fmt((c - t) / t * 100, 1)}%。")
        elif c == t:
            text += f"与年度目标（{fmt(self.pm25_target)}{UNIT}）持平。"
        else:
            text += f"低于年度目标（{fmt(self.pm25_target)}{UNIT}）{fmt(t - c)}{UNIT}。"
        a = self.allowance_exact
        n, e, r = self.days_in_year, self.days_elapsed, self.days_remaining
        formula = (f"（{fmt(self.pm25_target)}×{n}－{fmt(self.pm25)}×{e}）÷{r}"
                   if self.pm25_allowance is None else "")
        if a <= 0:
            return text + (f"按全年{n}天测算，即使剩余{r}天PM2.5浓度均为零，也无法完成年度目标"
                           f"{'［' + formula + '≈' + fmt(a, 1) + '］' if formula else ''}。")
        text += (f"按全年{n}天测算，要完成年度目标，剩余{r}天日均浓度须控制在{fmt(a, 1)}{UNIT}以内"
                 f"{'［' + formula + '≈' + fmt(a, 1) + '］' if formula else ''}")
        if a < c:
            text += f"，较{p}累计浓度下降{fmt((c - a) / c * 100, 1)}%。"
        else:
            text += "。"
        return text

    def good_days_sentence(self) -> str:
        you, p = self.you, self.period
        ratio = self.good_ratio
        if self.good_ratio_target is None:
            return f"{p}{you}优良天数为{self.good_days}天，优良天数比例为{ratio}%，年度目标：{NOT_SET}。"
        target = exact(self.good_ratio_target)
        text = f"{p}{you}优良天数为{self.good_days}天，优良天数比例为{ratio}%，"
        if exact(ratio) < target:
            text += (f"低于年度目标（{fmt(self.good_ratio_target, 1)}%）"
                     f"{fmt(target - exact(ratio), 1)}个百分点。")
        else:
            text += f"达到年度目标（{fmt(self.good_ratio_target, 1)}%）。"
        n, r, need = self.days_in_year, self.days_remaining, self.good_days_needed
        rest = need - self.good_days
        text += (f"按全年{n}天测算，全年须有{need}天达到优良（{n}×{fmt(self.good_ratio_target, 1)}%，"
                 f"向上取整），")
        if rest <= 0:
            return text + "已达到全年优良天数目标，须继续保持。"
        if rest > r:
            return text + f"剩余{r}天即使全部为优良，全年也只有{self.good_days + r}天，已无法完成年度目标。"
        return text + (f"剩余{r}天中须至少有{rest}天达到优良，"
                       f"优良天数比例须达到{fmt(Fraction(rest * 100, r), 1)}%以上。")

    @property
    def lagging(self) -> list[str]:
        out = []
        if self.pm25_target is not None and exact(self.pm25) > exact(self.pm25_target):
            out.append("PM2.5累计浓度")
        if self.good_ratio_target is not None and exact(self.good_ratio) < exact(self.good_ratio_target):
            out.append("优良天数比例")
        return out


def warning_letter(context: WarningLetterContext) -> OfficialDocument:
    """The 预警通知函 (信函格式, red head) as a content model for :func:`render_docx`."""
    c = context
    you = c.you
    lag = "和".join(c.lagging) or "空气质量改善"
    blocks: list = [Paragraph(c.incomplete)] if c.incomplete else []
    blocks += [
        Paragraph(f"{c.basis}，{c.issuer_short}对各县（区）{c.year}年{c.period}环境空气质量目标完成情况"
                  f"进行了调度核算。{you}{lag}未达到年度目标进度要求，现予以预警。有关情况和要求函告如下："),
        Heading("目标完成情况"),
        Paragraph(c.pm25_sentence()),
        Paragraph(c.good_days_sentence()),
    ]
    if c.data_note or c.stations:
        said = "；".join(x for x in (c.data_note, f"评价点位：{c.stations}" if c.stations else "") if x)
        blocks.append(Paragraph(f"（{said}。）"))
    if c.rank and c.ranked:
        blocks.append(Paragraph(f"{c.period}{you}环境空气质量综合排名在全市{c.ranked}个县（区）中"
                                f"列第{c.rank}位。"))
    if c.monthly:
        rows = [["月份", f"PM2.5浓度（{UNIT}）", "优良天数比例（%）"]]
        rows += [[f"{m}月" if isinstance(m, int) else str(m), fmt(v), fmt(g, 1)] for m, v, g in c.monthly]
        blocks.append(Table(rows, caption=f"{c.county}{c.year}年{c.period}主要指标", widths=[1, 2, 2]))
    blocks.append(Heading("整改要求"))
    for lead, text in c.requirements:
        blocks.append(Heading(lead, level=2, body=text.replace("{you}", you)))
    blocks.append(Heading("报送要求"))
    blocks.append(Paragraph(
        f"请{you}于{cn_date(c.deadline)}前将整改报告（包括原因分析、整改措施、责任分工和完成时限）"
        f"报送{c.issuer_short}。{c.issuer_short}将对整改落实情况跟踪督导，对整改不力、"
        f"空气质量持续恶化的，将按有关规定提请约谈、问责。"))
    if c.contact:
        blocks.append(Paragraph(f"（{c.contact}）"))
    return OfficialDocument(
        title=f"关于{c.county}环境空气质量改善目标\n进度滞后的预警通知函",
        recipients=c.recipient or addressee(c.county, c.level),
        blocks=blocks, issuer=c.issuer, issuer_mark=c.issuer, date=c.date,
        red_head=True, doc_number=c.doc_number,
    )


@dataclass
class InterviewCandidate:
    """One county proposed for 约谈: its numbers and why (the progress verdict's reasons, in words)."""
    county: str
    reasons: list[str]
    level: str | None = None                  # county | zone (a zone's head is its 管委会's)
    pm25: Number | None = None
    pm25_target: Number | None = None
    pm25_last_year: Number | None = None
    good_ratio: Number | None = None          # %
    good_ratio_target: Number | None = None   # %
    data_note: str = ""                       # 数据截至…；…共…天，有效…天
    incomplete: str | None = None             # its data's problem (Coverage.problem), when it falls short

    @property
    def addressee(self) -> str:
        return addressee(self.county, self.level)


@dataclass
class InterviewProposalContext:
    """约谈建议: the office proposes that the city government interview the heads of the counties
    seriously behind schedule (plan 五（五）强化考核督察)."""
    year: int
    period_end: dt.date
    candidates: list[InterviewCandidate]
    date: dt.date
    rule: str = ""                           # the 滞后/严重滞后 rule applied, in words
    doc_number: str = ""
    issuer: str = "市大气污染防治工作领导小组办公室"   # the workspace's: lantian.documents.office
    issuer_short: str = "市大气办"
    recipient: str = "市人民政府"
    basis: str = "空气质量改善目标考核有关规定"   # the plan in force's 约谈 clause: plan.service.plan_clause

    @property
    def period(self) -> str:
        return period_words(self.period_end)


def _cell(value, dp: int = 1) -> str:
    return "—" if value is None else fmt(value, dp)


def _target(value, dp: int = 1) -> str:
    return NOT_SET if value is None else fmt(value, dp)


def interview_proposal(context: InterviewProposalContext) -> OfficialDocument:
    """The 约谈建议 (a 请示 to the city government) listing every seriously-behind county with its numbers."""
    c = context
    names = "、".join(x.county for x in c.candidates)
    short = [x for x in c.candidates if x.incomplete]
    blocks: list = []
    if short:
        blocks.append(Paragraph("数据不完整：" + "；".join(f"{x.county}{x.incomplete}" for x in short)
                                + "。标注“※”的数据未达到有效性要求，仅供参考，不作为考核依据。"))
    blocks += [
        Paragraph(f"根据{c.basis}的要求，{c.issuer_short}对各县（区）{c.year}年{c.period}环境空气质量改善目标"
                  f"进度进行了核算。{names}环境空气质量改善严重滞后于序时进度，已达到约谈情形。"),
        Heading("严重滞后情况"),
    ]
    rows = [["县（区）", f"PM2.5累计浓度（{UNIT}）", "年度目标", "去年同期", "优良天数比例（%）", "年度目标（%）"]]
    for x in c.candidates:
        mark = "※" if x.incomplete else ""
        rows.append([x.county + mark, _cell(x.pm25) + mark, _target(x.pm25_target), _cell(x.pm25_last_year),
                     _cell(x.good_ratio) + mark, _target(x.good_ratio_target)])
    notes = "；".join(f"{x.county}：{x.data_note}" for x in c.candidates if x.data_note)
    blocks.append(Table(rows, caption=f"{c.year}年{c.period}严重滞后县（区）主要指标", widths=[2, 2, 1, 1, 2, 1],
                        note=notes))
    for x in c.candidates:
        blocks.append(Heading(f"{x.county}。", level=2, body="；".join(x.reasons) + "。"))
    if c.rule:
        blocks.append(Paragraph(f"判定规则：{c.rule}。"))
    blocks.append(Heading("约谈建议"))
    heads = "、".join(x.addressee for x in c.candidates)
    blocks.append(Paragraph(
        f"建议由市人民政府约谈{heads}主要负责人，通报空气质量改善滞后情况，督促其分析原因、"
        f"制定整改方案、明确时限，并将整改落实情况纳入年度考核。{c.issuer_short}将跟踪督办，"
        f"对整改不力的，依法依规提请问责。"))
    blocks.append(Paragraph("妥否，请批示。"))
    whom = "县（区）人民政府" if all(x.level != "zone" for x in c.candidates) else \
        "开发区管委会" if all(x.level == "zone" for x in c.candidates) else "县（区）人民政府、开发区管委会"
    return OfficialDocument(
        title=f"关于约谈空气质量改善严重滞后\n{whom}主要负责人的请示",
        recipients=c.recipient, blocks=blocks, issuer=c.issuer, issuer_mark=c.issuer, date=c.date,
        red_head=True, doc_number=c.doc_number,
    )


@dataclass
class SupervisionContext:
    """督办函: the office presses a department or county on a plan task that is late or at risk."""
    recipient: str                      # 市工信局 / 潞州区人民政府
    task_number: int
    task_title: str
    items: list[tuple[str, dt.date | None, int]]   # (milestone, due, days late; 0 when not yet due)
    status_label: str                   # 逾期 / 临期 / 指标未达
    date: dt.date
    reply_due: dt.date
    doc_number: str = ""
    plan_title: str = "大气污染防治行动计划"   # the plan in force: the caller passes it
    responsibility: str = ""            # the task's clause as written
    issuer: str = "市大气污染防治工作领导小组办公室"   # the workspace's: lantian.documents.office
    issuer_short: str = "市大气办"


def supervision_letter(context: SupervisionContext) -> OfficialDocument:
    """The 督办函 as a content model for :func:`render_docx`."""
    c = context
    blocks: list = [
        Paragraph(f"按照《{c.plan_title}》“项目化、工程化、清单化”管理要求，{c.issuer_short}对重点任务推进情况"
                  f"进行了调度。截至{cn_date(c.date)}，第{c.task_number}项任务“{c.task_title}”{c.status_label}，"
                  f"现予以督办。"),
        Heading("存在问题"),
    ]
    if c.items:
        rows = [["节点", "完成时限", "状态"]]
        for title, due, late in c.items:
            rows.append([title, cn_date(due) if due else "—", f"逾期{late}天" if late > 0 else "临近时限"])
        blocks.append(Table(rows, caption=f"第{c.task_number}项任务未按期完成的节点", widths=[4, 2, 1]))
    else:
        blocks.append(Paragraph("该项任务量化指标未达到要求。"))
    if c.responsibility:
        blocks.append(Paragraph(f"责任分工：{c.responsibility}"))
    blocks.append(Heading("督办要求"))
    blocks.append(Paragraph(f"请你单位高度重视，认真分析原因，采取有力措施加快推进，于{cn_date(c.reply_due)}前将"
                            f"整改落实情况（附佐证材料）通过蓝天平台报送{c.issuer_short}。逾期未报或推进不力的，"
                            f"将按《{c.plan_title}》考核督察有关规定予以通报、预警。"))
    return OfficialDocument(
        title=f"关于加快推进第{c.task_number}项重点任务的\n督办函", recipients=c.recipient, blocks=blocks,
        issuer=c.issuer, issuer_mark=c.issuer, date=c.date, red_head=True, doc_number=c.doc_number)
