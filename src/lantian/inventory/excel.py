"""The inventory as a workbook in the guides' table layout, and the one reader of it.

Sheets: 说明 (year, source, coverage, the uncertainty classes), 汇总表 (by source class, every
level, as the 手册's summary table), 分县区, 分月, 点源清单 (per facility), and 明细 — one line per
source and pollutant with its twelve months, method, activity, factor, data source and class.
The 明细 sheet is what :func:`read` takes back: an exported inventory re-imports unchanged, and an
inventory compiled elsewhere in the same layout imports (every cell checked first; a bad cell is
refused with its row and column, and nothing is stored).
"""
from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from lantian.errors import InputError
from lantian.inventory.models import CLASSES, POLLUTANTS
from lantian.inventory.rows import Row
from lantian.inventory import service
from lantian.inventory.tables import load

DETAIL = "明细"
MONTHS = [f"{m}月" for m in range(1, 13)]
DETAIL_HEADER = ["序号", "排放源分类代码", "一级排放源", "二级排放源", "三级排放源", "县区代码", "县区", "企业ID", "设施编号",
                 "排放源", "污染物", "年排放量（吨）", *MONTHS, "计算方法", "活动水平", "排放因子", "数据来源", "不确定性等级"]
CLASS_TEXT = {"A": "A：实测（CEMS全年有效）", "B": "B：企业或部门台账活动水平 × 已核对因子，或部分月份实测",
              "C": "C：台账活动水平 × 指南参考因子（待核对）或参数", "D": "D：含lantian假设参数（户均用量、年均里程、每火点焚烧量等）"}


def _sheet(wb, title: str, header: list[str], widths: dict[int, int] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    for i, width in (widths or {}).items():
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    return ws


def export(s, scope, year: int, path: Path, *, root: Path | None = None, config: dict | None = None) -> Path:
    from openpyxl import Workbook

    tables = load(root, config)
    inv = service._current_or_404(s, year)
    summary = service.summary(s, scope, year, tables=tables)
    stored = service.stored_rows(s, scope, inv)
    names = service._county_names(s)
    wb = Workbook()
    wb.remove(wb.active)
    info = _sheet(wb, "说明", ["项目", "内容"], {1: 18, 2: 100})
    for item in (("标题", f"{year}年大气污染源排放清单"), ("年度", year), ("清单", summary["label"]),
                 ("编制方式", "lantian 按台账、专项台账、火点与CEMS编制" if inv.origin == "built" else f"导入：{inv.source_file}"),
                 ("单位", "吨/年（t/a）"), ("污染物", "、".join(POLLUTANTS)),
                 ("方法依据", "《城市大气污染源排放清单编制技术手册》；大气细颗粒物、挥发性有机物、大气氨源等一次源排放清单编制技术指南（试行，2014）"),
                 ("范围", "本表按调用者权限导出" if not scope.city_wide else "全市")):
        info.append(list(item))
    for code, v in summary["coverage"].get("sectors", {}).items():
        reasons = "；".join(f"{n['subject']}：{n['reason']}" for n in v["notes"][:8])
        info.append([f"覆盖 {code} {v['name']}", {"covered": "已覆盖", "partial": "部分覆盖",
                                                "not covered": "未覆盖"}[v["status"]] + (f"（{reasons}）" if reasons else "")])
    for k in CLASSES:
        info.append([f"不确定性等级 {k}", CLASS_TEXT[k]])

    total = _sheet(wb, "汇总表", ["排放源分类代码", "排放源", "级别", *POLLUTANTS], {1: 14, 2: 28})
    for sec in summary["sectors"]:
        total.append([sec["code"], "　" * (sec["level"] - 1) + sec["name"], sec["level"],
                      *(sec["tonnes"][p] for p in POLLUTANTS)])
    total.append(["", "合计", "", *(summary["total"][p] for p in POLLUTANTS)])

    counties = _sheet(wb, "分县区", ["县区代码", "县区", *POLLUTANTS], {2: 14})
    for c in summary["counties"]:
        counties.append([c["code"], c["name"], *(c["tonnes"][p] for p in POLLUTANTS)])

    months = _sheet(wb, "分月", ["月份", *POLLUTANTS])
    for i in range(12):
        months.append([MONTHS[i], *(summary["months"][p][i] for p in POLLUTANTS)])

    points = _sheet(wb, "点源清单", ["企业ID", "设施编号", "排放源", "县区", "排放源分类", *POLLUTANTS, "数据来源"], {3: 36, 5: 20})
    by_facility = defaultdict(lambda: {"t": defaultdict(Fraction), "src": set()})
    for r in stored:
        if r.facility:
            f = by_facility[(r.enterprise_id, r.facility, r.source, r.county_code, r.sector)]
            f["t"][r.pollutant] += Fraction(r.tonnes)
            f["src"].add(r.data_source)
    for (eid, code, source, county, sector), f in sorted(by_facility.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        points.append([eid, code, source, names.get(county or "", county), f"{sector} {tables.sector_name(sector)}",
                       *(float(f["t"][p]) for p in POLLUTANTS), "、".join(sorted(f["src"]))])

    detail = _sheet(wb, DETAIL, DETAIL_HEADER, {10: 36, 25: 30, 26: 40, 27: 50})
    for n, r in enumerate(stored, start=1):
        path_names = [x.name for x in tables.path(r.sector)] + ["", "", ""]
        detail.append([n, r.sector, *path_names[:3], r.county_code, names.get(r.county_code or "", r.county_code),
                       r.enterprise_id, r.facility, r.source, r.pollutant, float(Fraction(r.tonnes)),
                       *(float(Fraction(m)) for m in json.loads(r.monthly)), r.method, r.activity, r.factor,
                       r.data_source, r.uncertainty])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- reading
def _number(path: Path, value, line: int, column: str) -> Fraction:
    try:
        if value is None or isinstance(value, bool):
            raise ValueError
        number = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(path, f"not a number: {value!r}", line=line, column=column,
                         expected="a number of tonnes ≥ 0") from None
    if number < 0:
        raise InputError(path, f"negative: {value!r}", line=line, column=column, expected="a number of tonnes ≥ 0")
    return number


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read(path: Path) -> tuple[list[Row], int | None]:
    """The rows of the workbook's 明细 sheet (and the year of its 说明 sheet, when it says one)."""
    from openpyxl import load_workbook
    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:                       # openpyxl raises many kinds for a file that is no workbook
        raise InputError(path, f"not an .xlsx workbook ({type(exc).__name__})", expected="the inventory export layout") from None
    if DETAIL not in wb.sheetnames:
        raise InputError(path, f"no sheet 「{DETAIL}」", expected=f"the export layout: sheets 说明, 汇总表, …, {DETAIL}")
    year = None
    if "说明" in wb.sheetnames:
        for item, value in wb["说明"].iter_rows(min_row=2, max_col=2, values_only=True):
            if item == "年度" and str(value or "").strip().isdigit():
                year = int(str(value).strip())
    sheet = wb[DETAIL]
    lines = sheet.iter_rows(values_only=True)
    header = [_text(x) for x in next(lines, [])]
    if header[:len(DETAIL_HEADER)] != DETAIL_HEADER:
        missing = [h for h in DETAIL_HEADER if h not in header]
        raise InputError(path, f"sheet 「{DETAIL}」 header {header[:6]}…", line=1,
                         column="、".join(missing[:4]) or None, expected="、".join(DETAIL_HEADER))
    col = {h: i for i, h in enumerate(DETAIL_HEADER)}
    rows = []
    for line, cells in enumerate(lines, start=2):
        if cells is None or all(c is None or _text(c) == "" for c in cells):
            continue
        rows.append(_row(path, line, list(cells) + [None] * len(DETAIL_HEADER), col))
    wb.close()
    if not rows:
        raise InputError(path, f"sheet 「{DETAIL}」 has no rows", expected="one row per source and pollutant")
    return rows, year


def _row(path: Path, line: int, cells: list, col: dict[str, int]) -> Row:
    get = lambda name: cells[col[name]]                                      # noqa: E731
    pollutant = _text(get("污染物"))
    if pollutant not in POLLUTANTS:
        raise InputError(path, f"pollutant {pollutant!r}", line=line, column="污染物", expected="、".join(POLLUTANTS))
    klass = _text(get("不确定性等级"))
    if klass not in CLASSES:
        raise InputError(path, f"class {klass!r}", line=line, column="不确定性等级", expected="A、B、C 或 D")
    sector = _text(get("排放源分类代码"))
    if not sector or not all(p.isdigit() for p in sector.split(".")):
        raise InputError(path, f"sector code {sector!r}", line=line, column="排放源分类代码", expected="如 2.3.1")
    annual = _number(path, get("年排放量（吨）"), line, "年排放量（吨）")
    months = [_number(path, get(m), line, m) for m in MONTHS]
    if abs(sum(months, Fraction(0)) - annual) > Fraction(12, 10**6):
        raise InputError(path, f"the months add up to {float(sum(months)):g}, not {float(annual):g}", line=line,
                         column="1月–12月", expected="twelve months that add up to the annual figure")
    eid = get("企业ID")
    if eid not in (None, ""):
        try:
            eid = int(eid)
        except (TypeError, ValueError):
            raise InputError(path, f"enterprise id {eid!r}", line=line, column="企业ID", expected="a number, or empty") from None
    else:
        eid = None
    source = _text(get("排放源"))
    if not source:
        raise InputError(path, "no source named", line=line, column="排放源", expected="what emits")
    return Row(sector=sector, county=_text(get("县区代码")) or None, source=source, pollutant=pollutant,
               monthly=months, method=_text(get("计算方法")), activity=_text(get("活动水平")),
               factor=_text(get("排放因子")), data_source=_text(get("数据来源")) or "导入", uncertainty=klass,
               enterprise_id=eid, facility=_text(get("设施编号")) or None, attrs={"imported": True})
