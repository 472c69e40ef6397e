"""The demo bulletin month (演示通报月份): January 2019, the month the real data is richest in.

The demo workspace holds Changzhi's real 2019 year and the national January 2019 (Shanxi's 11
cities ranked), but its dust fall is of October 2021, its fire points of 2022–2023 and it has no
warning, letter or task of 2019. So that one 月度通报 shows every section, this adds for January
2019, through each room's own service — the very calls the office makes — records that carry
``synthetic`` (演示数据) as a field, set where each is made:

- dust fall of the 12 counties (降尘, 任务14): imported as the office imports a file, ``synthetic``;
  every value below the 7.0 threshold, so no 专项整治 task opens;
- fire points (火点, 任务15): patrol and camera reports (``synthetic``, reporter …（演示数据）), two
  of them verified;
- an orange warning (重污染天气预警, 任务22) issued by 演示数据 on 5 January 2019 on the real daily AQI
  of 5–8 January as its forecast, acknowledged by most listed enterprises and some counties, lifted;
- the 预警通知函 of the counties behind schedule on 31 January (when the workspace has 2019
  targets — the demo's are synthetic), drafted and sent by 演示数据;
- two plan milestones due in January 2019 and left open (overdue in the bulletin), titled 【演示数据】
  (they stay overdue: task 13, already 严重滞后 at the demo's as-of date).

Re-running it changes nothing. The bulletin finds the flag in the records, not in the month nor in
their text (the 演示数据 in names and titles is for the reader).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lantian import db
from lantian.accounts.scope import Scope
from lantian.accounts.service import Principal
from lantian.assessment.networks import official_stations
from lantian.assessment.progress import progress, progress_rule
from lantian.assessment.targets import targets
from lantian.measurements.engine import connect
from lantian.measurements.store import Store

MONTH = "2019-01"
DAY = dt.date(2019, 1, 31)             # the month's assessment day (序时进度, letters)
LABEL = "演示数据"                       # actor of every record; in titles, notes and file names
DUSTFALL_FILE = f"{LABEL}_{MONTH}_县区降尘（合成）.csv"
#: county → t/(km²·月), synthetic; 屯留区 and 长子县 tie (并列)
DUSTFALL = {"潞州区": "4.6", "上党区": "3.2", "屯留区": "2.4", "潞城区": "3.9", "襄垣县": "3.5", "平顺县": "2.1",
            "黎城县": "2.8", "壶关县": "2.6", "长子县": "2.4", "武乡县": "3.0", "沁县": "1.9", "沁源县": "1.7"}
#: (Beijing time, lat, lon, source, reporter, note) — synthetic fire reports
FIRES = [("2019-01-06 18:40", "36.2000", "113.1100", "video", "潞州区高点视频监控", "城郊垃圾焚烧"),
         ("2019-01-12 20:30", "36.3300", "112.9500", "manual", "屯留区网格员", "田间焚烧秸秆"),
         ("2019-01-19 17:50", "36.0500", "112.8700", "manual", "长子县网格员", "收工时焚烧玉米秸秆"),
         ("2019-01-26 19:10", "36.1102", "113.0921", "drone", "上党区无人机巡查队", "沟渠枯草焚烧")]
#: which report is verified: (its index in FIRES, finding kind, Beijing time of the check, note)
FINDINGS = [(1, "straw", "2019-01-13 09:30", "焚烧秸秆，已扑灭，当事人已批评教育"),
            (2, "straw", "2019-01-21 10:00", "焚烧玉米秸秆，超时核查")]
#: the warning: start, the forecast (Changzhi's real daily AQI of 5–8 January 2019), rule set
WARNING = (dt.date(2019, 1, 5), [246, 273, 339, 233], "648")
ACKNOWLEDGED_SHARE = 0.7               # enterprises acknowledging the warning
ACKNOWLEDGING_COUNTIES = ("140403", "140404", "140405", "140406", "140428")
#: (task number, department, title, due) — milestones left open: overdue on 31 January 2019. On task 13
#: (扬尘管控, led by 市城市管理局 and 市交通运输局), already 严重滞后 at the demo's as-of date, so the
#: plan's 2023 picture keeps its statuses.
TASKS = [(13, "cgj", f"【{LABEL}】完成城区建筑工地冬季扬尘专项检查", dt.date(2019, 1, 10)),
         (13, "jtysj", f"【{LABEL}】完成渣土运输车辆密闭化核查", dt.date(2019, 1, 20))]


@dataclass
class DemoMonth:
    month: str = MONTH
    dustfall: int = 0
    fires: int = 0
    alert: int | None = None
    letters: list[int] = field(default_factory=list)
    milestones: int = 0


def demo_bulletin(ws, con=None) -> DemoMonth:
    """Add the labelled synthetic records of the demo month (idempotent); what is there afterwards."""
    url = ws.database_url
    office = Scope.office(url, LABEL)
    out = DemoMonth()
    with db.session(url) as s:
        out.dustfall = _dustfall(s, Path(ws.root))
        out.fires = _fires(s, office)
        out.alert = _alert(s, Path(ws.root), office, url)
        out.milestones = _milestones(s, office)
        out.letters = _letters(s, ws, con)
    return out


def _dustfall(s, root: Path) -> int:
    from lantian.dustfall import service
    have = service.values_in(s, MONTH)
    if have:
        return have
    path = root / "demo" / DUSTFALL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("period,county,value\n" + "".join(f"{MONTH},{c},{v}\n" for c, v in DUSTFALL.items()),
                    encoding="utf-8")
    return service.import_file(s, path, period=None, actor=LABEL, synthetic=True)["rows"]


def _fires(s, office: Scope) -> int:
    from lantian.fires import reader, service
    made = [service.add_report(s, office, time=reader.parse_time(when), lat=lat, lon=lon, source=source,
                               reporter=f"{reporter}（{LABEL}）", note=f"{note}（{LABEL}）", synthetic=True)["case"]
            for when, lat, lon, source, reporter, note in FIRES]
    for index, kind, when, note in FINDINGS:
        case = service.case_detail(s, office, made[index])
        if case["status"] != "verified":
            service.record_finding(s, office, case["id"], kind, note=f"{note}（{LABEL}）", lat=case["lat"],
                                   lon=case["lon"], by="县区核查组", at=reader.parse_time(when))
    return len(set(made))


def _alert(s, root: Path, office: Scope, url: str) -> int | None:
    """The warning, its acknowledgements (enterprises and counties, as 演示数据) and its lifting."""
    from lantian.emergency import service
    start, forecast, ruleset = WARNING
    known = service.alerts(s, office)
    found = next((a["id"] for a in known if a["synthetic"] and a["start"] == start.isoformat()), None)
    if found is not None:
        return found
    if not service.entries(s) or any(a["state"] == "active" for a in known):
        return None                                    # no reduction list, or a live warning: leave it alone
    alert = service.issue(s, root, office, forecast, ruleset, start=start, synthetic=True)
    listed = sorted(service.alert_detail(s, office, alert.id)["enterprises"], key=lambda e: e["id"])
    for row in listed[:round(len(listed) * ACKNOWLEDGED_SHARE)]:
        who = Principal(0, LABEL, "enterprise", enterprise_id=row["enterprise_id"])
        service.acknowledge(s, Scope(who, url, row["county"]), alert.id)
    for county in ACKNOWLEDGING_COUNTIES:
        service.acknowledge(s, Scope(Principal(0, LABEL, "county", county_code=county), url, county), alert.id)
    service.lift(s, office, alert.id)
    return alert.id


def _milestones(s, office: Scope) -> int:
    from lantian.plan import service
    if service.current_plan(s) is None:
        return 0
    for number, department, title, due in TASKS:
        task = service.task_by_number(s, number)
        if not service.has_milestone(s, task.id, title):
            service.add_milestone(s, office, task.id, title, due=due, owner_kind="department", owner_code=department,
                                  synthetic=True)
    return len(TASKS)


def _letters(s, ws, con) -> list[int]:
    """预警通知函 of the counties behind schedule on the month's last day, sent (issued) — only when
    the workspace has targets for the year (the demo's synthetic ones)."""
    from lantian.assessment import letters
    have = [r.id for r in letters.letters(s) if r.assessed_on == DAY and r.synthetic]
    members = official_stations(ws.database_url, ws.config)
    goals = targets(s, DAY.year, list(members.units))
    if have or not goals:
        return have
    rows = progress(Store(ws.measurements), members, members.names, DAY, goals, con or connect(None, ws.config),
                    rule=progress_rule(ws.config))
    drafted = letters.issue_drafts(s, Path(ws.root), letters.drafts(rows, members.city), DAY, actor=LABEL, pdf=False,
                                   synthetic=True)
    status = {r.id: r.status for r in letters.letters(s)}
    for d in drafted:
        if status.get(d.letter_id) == "draft":
            letters.advance(s, d.letter_id, "issued", actor=LABEL)
    return [d.letter_id for d in drafted]
