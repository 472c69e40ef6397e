"""A new office, from `lantian init` to its first monthly bulletin, with nothing but the documented
commands and files written here in the documented formats (docs/onboarding.md, step by step): stations
and their county boundaries, a month of hourly measurements, its plan, targets, a ledger kept as offices
keep it, the reduction list and the city totals, a register, dust fall and fire points — then the
figures, the county sub-tasks, the reduction shares, the warning notice's enterprise table and the
bulletin's sections are checked. No demo module is imported, anywhere.

On SQLite and on the real PostgreSQL (a schema of its own)."""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from databases import KINDS, fresh_database
from lantian.cli import app
from lantian.enterprises.excel import credit_code_check_char

MONTH = "2025-01"
AS_OF = "2025-01-31"
#: synthetic counties of 长治市 (the real adcodes, rectangles for boundaries): code, name, lon/lat box
COUNTIES = [("140403", "潞州区", (113.00, 36.10, 113.20, 36.30)),
            ("140404", "上党区", (113.20, 36.00, 113.40, 36.20)),
            ("140428", "长子县", (112.70, 36.00, 113.00, 36.30))]
#: one station per county (synthetic codes), at its box's centre; PM2.5 level of each
#: (code, name, county, PM2.5 level, 站点类别): a township station with high readings never enters an official figure
STATIONS = [("9001A", "潞州测试站", "140403", 60, "国控"), ("9002A", "上党测试站", "140404", 45, "国控"),
            ("9003A", "长子测试站", "140428", 30, "国控"), ("9004A", "潞州乡镇站", "140403", 300, "乡镇")]


def code(n: int) -> str:
    """A synthetic unified social credit code with a correct GB 32100 check digit."""
    first17 = f"91140400MA0AC{n:04d}"
    return first17 + credit_code_check_char(first17)


# --------------------------------------------------------------------------- the office's files
def write_stations(path: Path) -> None:
    """The registry format (docs/onboarding.md step 2)."""
    rows = [["监测点编码", "监测点名称", "城市", "经度", "纬度", "对照点", "省级行政区", "地级行政区", "站点类别"]]
    for station, name, county, _, network in STATIONS:
        x0, y0, x1, y1 = next(box for c, _, box in COUNTIES if c == county)
        x, y = ((x0 + x1) / 2, (y0 + y1) / 2) if network == "国控" else ((2 * x0 + x1) / 3, (2 * y0 + y1) / 3)
        rows.append([station, name, "长治", f"{x:.4f}", f"{y:.4f}", "N", "山西省", "长治市", network])
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def write_boundaries(path: Path) -> None:
    """A DataV GeoJSON (…_full.json): each county a polygon, its parent the city."""
    features = []
    for adcode, name, (x0, y0, x1, y1) in COUNTIES:
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        features.append({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
                         "properties": {"adcode": int(adcode), "name": name, "level": "district",
                                        "parent": {"adcode": 140400}}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")


def pm25(level: int, day: int, hour: int) -> float:
    """A month with a polluted spell (days 10–13) and clean days."""
    spell = 3.2 if 10 <= day <= 13 else 1.0
    return round(level * spell * (1 + 0.25 * math.sin((day * 24 + hour) / 5)), 1)


def write_measurements(path: Path) -> int:
    """The wide layout: station, time (hour-ending, Beijing time) and one column per pollutant."""
    rows = [["站点", "时间", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3"]]
    start = dt.datetime(2025, 1, 1, 1)
    for station, _, _, level, _ in STATIONS:
        for k in range(31 * 24):
            t = start + dt.timedelta(hours=k)
            day, hour = (t - dt.timedelta(hours=1)).day, t.hour
            p = pm25(level, day, hour)
            rows.append([station, t.strftime("%Y-%m-%d %H:%M"), p, round(p * 1.5, 1), 12, 35, 0.9,
                         round(40 + 20 * math.sin(hour / 4), 1)])
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return (len(rows) - 1) * 6


PLAN = """长治市人民政府办公室关于印发长治市空气质量持续改善2025年行动计划的通知
长政办发〔2025〕1号

长治市空气质量持续改善2025年行动计划

一、重点任务

1．严格“两高”项目准入。严格“两高”项目准入，市区规划区范围内不再新增“两高”项目。（市发展改革委牵头，市生态环境局配合。以下各项任务均需各县、区人民政府，长治高新区、经开区管委会负责落实，不再列出）

2．加快推进散煤清零。已完成清洁取暖改造但不能稳定运行、散煤复烧问题突出的县区，要因地制宜、实事求是优化清洁取暖改造方式或运行模式，巩固现有清洁取暖成果。（市发展改革委牵头，市能源局配合）

3．持续实施降尘监测考核。每月通报县区降尘量监测结果，平均降尘量高于7吨／月·平方公里的县区要组织开展降尘专项整治。（市生态环境局牵头）

4．持续强化挥发性有机物治理设施管控。使用活性炭吸附工艺的企业，要足额充填符合要求的活性炭，在每年5月底前完成一轮活性炭更换。（市生态环境局牵头，市工信局配合）

5．积极有效应对重污染天气。2025年1月15日前修订完善重污染天气应急减排清单，夯实“一企一策”应急减排措施。（市生态环境局牵头，市气象局配合）

6．持续强化露天焚烧秸秆防治。秸秆综合利用率要稳定达到90％以上，提高秸秆焚烧火点监测精准度。（市农业农村局牵头）

长治市人民政府办公室
2025年1月5日
"""

TARGETS = """单位,年份,指标,目标值,来源
长治市,2025,PM2.5年均浓度,38,晋气防办〔2025〕1号（测试）
长治市,2025,优良天数比例,75,晋气防办〔2025〕1号（测试）
潞州区,2025,pm25_mean,36,长气防办〔2025〕2号（测试）
潞州区,2025,good_day_ratio,75,长气防办〔2025〕2号（测试）
上党区,2025,pm25_mean,38,长气防办〔2025〕2号（测试）
长子县,2025,pm25_mean,40,长气防办〔2025〕2号（测试）
"""


def write_ledger(path: Path) -> None:
    """The ledger as an office keeps it: a title row above the headers (docs/onboarding.md step 5)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    ws.append(["长治市工业企业台账（2025年1月）"])
    ws.merge_cells("A1:F1")
    ws.append(["企业名称", "统一社会信用代码", "所在县区", "行业", "绩效分级", "纳入应急减排清单"])
    ws.append(["长治测试水泥有限公司", code(1), "潞州区", "水泥", "B", "是"])
    ws.append(["上党测试水泥有限公司", code(2), "上党区", "水泥", "C", "否"])
    ws.append(["长子测试焦化有限公司", code(3), "长子县", "焦化", "B", "否"])
    carbon = wb.create_sheet("VOCs治理设施")
    carbon.append(["企业统一社会信用代码", "设施编号", "设施名称", "运行状态", "治理工艺", "活性炭填充量", "设计填充量",
                   "最近更换日期"])
    carbon.append([code(3), "TA-1", "化产回收VOCs治理", "在用", "活性炭吸附", 800, 800, dt.date(2024, 4, 20)])
    wb.save(path)


LIST = f"""统一社会信用代码,企业名称,县区,行业,绩效等级,污染物,基准排放量（吨/年）,数据来源,纳入清单
{code(1)},长治测试水泥有限公司,潞州区,水泥,B,NOx,1000,排污许可（测试）,是
{code(1)},长治测试水泥有限公司,潞州区,水泥,B,PM,250,排污许可（测试）,是
{code(2)},上党测试水泥有限公司,上党区,水泥,C,NOx,600,排污许可（测试）,是
{code(3)},长子测试焦化有限公司,长子县,焦化,B,NOx,500,排放清单（测试）,否
"""

DUSTFALL = "period,county,value\n2025-01,潞州区,7.6\n2025-01,上党区,5.2\n2025-01,长子县,4.8\n"

FIRMS = ("latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n"
         "36.15,112.85,330.1,1.0,1.0,2025-01-20,0540,A,75,6.1NRT,290.2,12.5,D\n")


# --------------------------------------------------------------------------- the run
runner = CliRunner()


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_office_to_its_first_bulletin(kind, tmp_path):
    with fresh_database(kind, tmp_path) as url:
        ws = tmp_path / "长治市大气办"
        files = tmp_path / "files"
        files.mkdir()

        def run(*args, ok=True):
            r = runner.invoke(app, [str(a) for a in args] + ["-w", str(ws)], env={"LANTIAN_DATABASE_URL": url})
            if ok:
                assert r.exit_code == 0, (args, r.output, r.exception)
            r.text = " ".join(r.output.split())              # the console wraps long lines
            return r

        # 1. the workspace, its as-of date
        r = runner.invoke(app, ["init", str(ws)], env={"LANTIAN_DATABASE_URL": url})
        assert r.exit_code == 0, r.output
        config = ws / "lantian.toml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            '# as_of = "2019-12-31"', f'as_of = "{AS_OF}"'), encoding="utf-8")

        # 2. stations and the county boundaries
        write_stations(files / "stations.csv")
        write_boundaries(files / "140400_full.json")
        r = run("import", "stations", files / "stations.csv", "--boundaries", files / "140400_full.json", "--json")
        assert json.loads(r.output)["assigned_by_polygon"] == 4      # the township station too

        # 3. measurements
        values = write_measurements(files / "hourly-2025-01.csv")
        r = run("import", "wide", files / "hourly-2025-01.csv", "--json")
        assert json.loads(r.output)["stored"] == values

        # 4. the plan: its county clause makes each county's and zone's work
        (files / "plan.txt").write_text(PLAN, encoding="utf-8")
        r = run("plan", "import", files / "plan.txt")
        assert "6 tasks" in r.text and "30 new (6 tasks × 5 counties and zones" in r.text
        changzi = json.loads(run("plan", "status", "--county", "140428", "--json").output)
        assert [t["number"] for t in changzi] == [1, 2, 3, 4, 5, 6]
        assert changzi[4]["title"] == "长子县落实：积极有效应对重污染天气" and changzi[4]["status"] == "overdue"
        tasks = {t["number"]: t for t in json.loads(run("plan", "status", "--json").output)}
        assert {m["indicator"] for m in tasks[2]["measured_by"]} == {"register_rule"}    # bound on import
        assert {m["indicator"] for m in tasks[3]["measured_by"]} == {"dustfall"}
        assert {m["indicator"] for m in tasks[4]["measured_by"]} == {"ledger_rule", "register_rule"}   # the fill (ledger) and the yearly round (register)
        assert {m["indicator"] for m in tasks[6]["measured_by"]} == {"fires"}

        # 5. targets (a bad file first: every bad row named, nothing stored)
        (files / "bad-targets.csv").write_text("单位,年份,指标,目标值,来源\n长治市,2025,pm2.5_mean,38,x\n"
                                               "潞州区,2025,优良天数比例,172,x\n", encoding="utf-8")
        bad = run("target", "import", files / "bad-targets.csv", ok=False)
        assert bad.exit_code == 2 and "第 2 行「指标」" in bad.text and "第 3 行「目标值」" in bad.text
        assert json.loads(run("target", "list", "2025", "--json").output) == []
        (files / "targets.csv").write_text(TARGETS, encoding="utf-8")
        assert "6 new" in run("target", "import", files / "targets.csv").text

        # 6. the ledger (a title row above its headers), then the reduction list and the city totals
        write_ledger(files / "台账.xlsx")
        run("ledger", "import", files / "台账.xlsx")
        listed = json.loads(run("reduction", "list", "--json").output)
        assert [r["name"] for r in listed if r["listed"]] == ["长治测试水泥有限公司"]    # one fact with the ledger
        (files / "list.csv").write_text(LIST, encoding="utf-8")
        r = run("reduction", "import", files / "list.csv")
        assert "1 joined the list" in r.text and "4 baselines set" in r.text
        run("reduction", "total", "NOx", "10000", "--source", "2024年排放清单（测试）")
        run("reduction", "total", "PM", "5000", "--source", "2024年排放清单（测试）")
        run("reduction", "export", files / "export.csv")
        again = run("reduction", "import", files / "export.csv", "--dry-run", "--json")
        assert json.loads(again.output)["baselines_set"] == 0 and json.loads(again.output)["updated"] == []
        check = json.loads(run("alert", "reduction", "--level", "orange", "--json").output)
        # 长治测试水泥 B 限产20%: 1000 × 0.2; 上党测试水泥 C 停产: 600 × 1; 长子焦化 is not on the list
        assert check["check"]["NOx"] == {"reduction_t": 800.0, "total_t": 10000.0, "total_source": "2024年排放清单（测试）",
                                         "share_percent": 8.0, "required_percent": 20.0, "met": False,
                                         "shortfall_t": 1200.0}
        assert check["check"]["PM"]["reduction_t"] == 50.0 and check["check"]["PM"]["share_percent"] == 1.0

        # 7. a register, dust fall, fire points
        run("registers", "template", "heating_villages", "-o", files / "heating-template.csv")
        header = (files / "heating-template.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        cells = {"村（社区）编码": "V01", "村（社区）名称": "东村（测试）", "户数": "120", "改造方式": "煤改电",
                 "改造年度": "2022", "运行状态": "不能稳定运行", "所在县区": "长子县", "县区": "长子县"}
        with (files / "heating.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, [cells.get(h.rstrip("*"), "") for h in header]])
        run("registers", "import", "heating_villages", files / "heating.csv")
        (files / "dustfall-2025-01.csv").write_text(DUSTFALL, encoding="utf-8")
        run("dustfall", "import", files / "dustfall-2025-01.csv")
        (files / "firms.csv").write_text(FIRMS, encoding="utf-8")
        assert json.loads(run("fires", "import", files / "firms.csv", "--json").output)["inside_city"] == 1

        # 8. a county's account reports on its own sub-task with evidence; 调度 shows every county per task
        run("user", "add", "changzi", "--role", "county", "--county", "140428", "--password", "a-long-password-1")
        (files / "排查记录.pdf").write_bytes(b"%PDF-1.4 evidence of a county")
        r = run("plan", "report", "1", "已完成辖区“两高”项目排查", "--as", "changzi", "--attach",
                files / "排查记录.pdf", "--percent", "60")
        assert "1 file(s)" in r.text
        board = json.loads(run("plan", "dispatch", "--json").output)
        matrix = {c["code"]: c["cells"] for c in board["matrix"]["counties"]}
        assert board["matrix"]["tasks"] == [1, 2, 3, 4, 5, 6] and len(matrix) == 5
        assert matrix["140428"][0]["percent"] == 60 and matrix["140403"][0]["percent"] == 0
        assert all(cells[4]["status"] == "overdue" for cells in matrix.values())
        tasks = {t["number"]: t for t in json.loads(run("plan", "status", "--json").output)}
        assert tasks[2]["status"] == "off_target"                 # 东村 cannot run stably: the register rule
        assert tasks[3]["status"] == "off_target"                 # 潞州区 7.6 > 7.0
        assert tasks[4]["status"] != "off_target"                 # carbon replaced before 31 May 2024

        # 9. letters to the counties behind schedule, a warning with its notice
        r = run("warn", "--date", AS_OF, "--no-pdf")
        assert "潞州区" in r.text
        r = run("alert", "issue", "--forecast", "220,310,260", "--start", "2025-01-20", "--ruleset", "2024")
        notice = Path(r.output.split("→")[1].strip().replace("\n", ""))
        tables = docx.Document(str(notice)).tables
        rows = [[c.text for c in row.cells] for row in tables[0].rows]
        assert rows[0][:3] == ["企业", "县区", "绩效分级"]
        assert sorted(r[:3] for r in rows[1:]) == [["上党测试水泥有限公司", "上党区", "C"],
                                                  ["长治测试水泥有限公司", "潞州区", "B"]]
        assert rows[1][3] and rows[2][3]                           # each with its measure at the level

        # 10. the first monthly bulletin
        r = run("report", "monthly", "--month", MONTH, "-o", tmp_path / "out", "--json")
        bulletin = json.loads(r.output)
        assert bulletin["sections"] == ["city", "counties", "schedule", "letters", "dustfall", "fires", "alerts",
                                        "tasks"]
        data = bulletin["data"]
        assert data["city"]["month"]["pm25"] == expected_city_pm25()
        assert [x["name"] for x in data["counties"]["rows"]][:1] == ["长子县"]   # the cleanest first
        text = "\n".join(p.text for p in docx.Document(bulletin["docx"]).paragraphs)
        for heading in ("全市环境空气质量", "县（市、区）排名", "目标序时进度", "降尘监测", "火点监测", "重污染天气应急",
                        "重点任务逾期情况"):
            assert heading in text, heading
        assert "合成演示数据" not in text                           # nothing of the demo


def expected_city_pm25() -> int:
    """The month's city PM2.5 from the values written: the daily city means of the three stations, their
    mean over the month, GB/T 8170 rounding to a whole µg/m³ (HJ 663—2013 §5.2)."""
    from decimal import ROUND_HALF_EVEN, Decimal
    days = []
    for day in range(1, 32):
        station_days = []
        for _, _, _, level, network in STATIONS:
            if network != "国控":
                continue                                  # the city's figure: its national points only
            hours = [Decimal(str(pm25(level, day, h))) for h in range(1, 24)] + [Decimal(str(pm25(level, day, 0)))]
            station_days.append((sum(hours) / 24).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))
        days.append(sum(station_days) / len(station_days))
    return int((sum(days) / len(days)).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))
