"""The fire-point room in the demo workspace (行动计划 任务15).

Real: the MODIS North China subset of 2022-05-28…06-04 (NASA FIRMS), whose four points inside
Changzhi (Aqua, 2022-05-28 13:38 Beijing) become cases. Synthetic, labelled 合成 in the records and
on screen: findings on three of them, patrol/video/drone reports (one merged with a satellite point,
one on the as-of day still open), counties' farmland and straw figures, a rain forecast and a sowing
window — so the pages show every status (待核查, 逾期未核查（已升级）, 已核查 on time and late), each
finding kind and every key time slot. Task 15 is measured by the ``fires`` indicator, bound when the plan is
imported (fires/indicators.py cites it), as in any office's workspace.
Re-running it changes nothing.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from lantian import db
from lantian.accounts.scope import Scope
from lantian.fires import indicators  # noqa: F401  (registers the task-15 indicator)
from lantian.fires import reader, service
from lantian.fires.models import CalendarEntry, Case, CountyFigure

SUBSET = "MODIS_C6_1_NorthChina_subset_20220528-20220604.csv"
NOTE = "（合成示例）"
#: (Beijing time, lat, lon, source, reporter, note) — synthetic reports
REPORTS = [
    ("2022-05-28 14:10", "36.1102", "113.0921", "drone", "上党区无人机巡查队", "与卫星火点同一地块"),
    ("2022-06-02 20:40", "36.2200", "113.0800", "video", "潞州区高点视频监控", "田间冒烟"),
    ("2023-05-30 18:20", "36.0500", "112.8700", "manual", "长子县网格员", "收工时焚烧麦茬"),
    ("2023-06-12 21:30", "36.3300", "112.9500", "manual", "屯留区网格员", "雨前抢烧"),
    ("2023-06-30 19:30", "36.2000", "113.1100", "drone", "潞州区无人机巡查队", "播种前清茬焚烧"),
]
#: (county, year, farmland ha, straw produced t, straw utilised t) — synthetic
FIGURES = [
    ("140403", 2022, "21000", "98000", "90160"), ("140404", 2022, "38000", "176000", "162800"),
    ("140405", 2022, "45000", "205000", "180400"), ("140406", 2022, "30000", "131000", "121830"),
    ("140428", 2022, "52000", "240000", "220800"),
    ("140403", 2023, "21000", "99000", "92070"), ("140405", 2023, "45000", "207000", "187335"),
    ("140428", 2023, "52000", "242000", "223850"),
]
#: (county, kind, start, end, note) — synthetic
DATES = [("140405", "rain", "2023-06-13", None, "气象台预报6月13日中雨"),
         ("140403", "sowing", "2023-06-25", "2023-07-05", "夏播玉米")]
#: which real case gets which synthetic finding: (county, kind, Beijing time of the check, note)
FINDINGS = [("140404", "straw", "2022-05-28 17:20", "麦茬焚烧，已扑灭，当事人已批评教育"),
            ("140405", "false_alarm", "2022-05-29 09:00", "现场为彩钢瓦屋顶反光，无焚烧痕迹"),
            ("140406", "industrial", "2022-05-30 10:00", "焦化厂熄焦塔热源")]


def demo_fires(url: str, data: Path) -> int:
    """Import the real subset and add the labelled synthetic records; the number of cases."""
    path = Path(data) / "firms" / SUBSET
    office = Scope.office(url, "demo")
    with db.session(url) as s:
        if path.is_file():
            service.import_file(s, path, actor="demo")
        for when, lat, lon, source, reporter, note in REPORTS:
            service.add_report(s, office, time=reader.parse_time(when), lat=lat, lon=lon, source=source,
                               reporter=f"{reporter}{NOTE}", note=note, synthetic=True)
        for county, kind, when, note in FINDINGS:
            case = s.scalar(sa.select(Case).where(Case.county_code == county, Case.synthetic.is_(False))
                            .order_by(Case.id))
            if case is not None and case.state == "pending":
                service.record_finding(s, office, case.id, kind, note=note + NOTE, lat=case.lat, lon=case.lon,
                                       by="县区核查组", at=reader.parse_time(when))
        _verify_report(s, office, "140405", dt.date(2023, 6, 12), "straw", "2023-06-13 08:30")
        _verify_report(s, office, "140428", dt.date(2023, 5, 30), "straw", "2023-06-01 09:00")
        _figures(s, office)
        _dates(s, office)
        return int(s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0)


def _verify_report(s, office, county: str, day: dt.date, kind: str, when: str) -> None:
    """A synthetic report's case verified (on time, or late)."""
    start = db.to_utc(day)
    case = s.scalar(sa.select(Case).where(Case.county_code == county, Case.synthetic.is_(True),
                                          Case.first_seen >= start, Case.first_seen < start + dt.timedelta(days=1)))
    if case is not None and case.state == "pending":
        service.record_finding(s, office, case.id, kind, note="已扑灭，对责任人立案处罚" + NOTE, lat=case.lat,
                               lon=case.lon, by="县区核查组", at=reader.parse_time(when))


def _figures(s, office) -> None:
    for county, year, farmland, produced, utilised in FIGURES:
        if s.scalar(sa.select(CountyFigure.id).where(CountyFigure.county_code == county,
                                                     CountyFigure.year == year)) is None:
            service.set_figures(s, office, county, year, farmland_ha=farmland, straw_produced_t=produced,
                                straw_utilised_t=utilised, source="合成示例数据")


def _dates(s, office) -> None:
    for county, kind, start, end, note in DATES:
        first = dt.date.fromisoformat(start)
        if s.scalar(sa.select(CalendarEntry.id).where(CalendarEntry.county_code == county, CalendarEntry.kind == kind,
                                                      CalendarEntry.start == first)) is None:
            service.add_calendar(s, office, county, kind, first, dt.date.fromisoformat(end) if end else None,
                                 note + NOTE)
