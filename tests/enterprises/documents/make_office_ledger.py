"""Builds office_ledger.xlsx (openpyxl) and office_ledger.xls (Excel 97–2003, with xlwt) — a ledger as an
office keeps it: a title row, a two-row header with merged cells, a 序号 column, a sheet named its own way.

    .venv/bin/python tests/enterprises/documents/make_office_ledger.py xlsx
    python -m venv /tmp/xlwt && /tmp/xlwt/bin/pip install xlwt && \\
        /tmp/xlwt/bin/python tests/enterprises/documents/make_office_ledger.py xls

xlwt is not a lantian dependency (lantian reads .xls with xlrd; nothing in it writes one): it is needed
only to rebuild this committed fixture. Both files hold the same ledger; the test expects one batch."""
import sys
from pathlib import Path

HERE = Path(__file__).parent
CODES = ("91140400MA0000041R", "91140400MA0000042W")     # GB 32100 check digits correct, synthetic
TITLE = "长治市工业企业台账（2023年）"
GROUP = ["序号", "基本信息", None, None, "纳入应急减排清单", "行业"]
HEADER = [None, "企业名称", "统一社会信用代码", "所在县区", None, None]
ENTERPRISES = [[1, "长治示例焦化厂（测试）", CODES[0], "潞州区", "是", "焦化"],
               [2, "长治示例水泥厂（测试）", CODES[1], "上党区", "否", "水泥"]]
MERGED = [(1, 2, 0, 0), (1, 1, 1, 3), (1, 2, 4, 4), (1, 2, 5, 5)]      # rows r0..r1, columns c0..c1 (0-based)
BOILER_TITLE = "锅炉台账（截至2023年6月）"
BOILER_HEADER = ["序号", "企业统一社会信用代码", "设施编号", "设施名称", "运行状态", "额定蒸发量", "燃料"]
BOILERS = [[1, CODES[0], "1#", "燃煤锅炉", "在用", 20, "燃煤"], [2, CODES[0], "2#", "燃气锅炉", "停用", 10, "天然气"]]


def xlsx(path: Path) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter as col
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    for row in ([TITLE], GROUP, HEADER, *ENTERPRISES):
        ws.append(row)
    ws.merge_cells("A1:F1")
    for r0, r1, c0, c1 in MERGED:
        ws.merge_cells(f"{col(c0 + 1)}{r0 + 1}:{col(c1 + 1)}{r1 + 1}")
    boilers = wb.create_sheet("2023年锅炉台账")
    for row in ([BOILER_TITLE], BOILER_HEADER, *BOILERS):
        boilers.append(row)
    boilers.merge_cells("A1:G1")
    wb.save(path)


def xls(path: Path) -> None:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("企业")
    ws.write_merge(0, 0, 0, 5, TITLE)
    for r0, r1, c0, c1 in MERGED:
        ws.write_merge(r0, r1, c0, c1, GROUP[c0])
    for c, value in enumerate(HEADER):
        if value and GROUP[c] is None or c in (1, 2, 3):
            ws.write(2, c, value)
    for r, row in enumerate(ENTERPRISES, start=3):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    boilers = wb.add_sheet("2023年锅炉台账")
    boilers.write_merge(0, 0, 0, 6, BOILER_TITLE)
    for r, row in enumerate([BOILER_HEADER, *BOILERS], start=1):
        for c, value in enumerate(row):
            boilers.write(r, c, value)
    wb.save(str(path))


if __name__ == "__main__":
    for kind in sys.argv[1:] or ["xlsx"]:
        {"xlsx": xlsx, "xls": xls}[kind](HERE / f"office_ledger.{kind}")
